"""Every user-facing string has its Simplified Chinese translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib  # type: ignore[import-untyped]

from tests.helpers import ROOT, subprocess_env

PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _msgids(path: Path) -> set[str]:
    return {entry.msgid for entry in polib.pofile(str(path)) if not entry.obsolete}


def test_catalogue_has_no_untranslated_or_fuzzy_entry() -> None:
    catalogue = polib.pofile(str(PO))

    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue.translated_entries():
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            for placeholder in ("%(", "{{"):
                assert entry.msgid.count(placeholder) == translation.count(placeholder), entry.msgid


def test_catalogue_holds_every_string_the_source_marks(tmp_path: Path) -> None:
    for name in ("config", "core", "tenants", "apps", "locale"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-location"],
        cwd=tmp_path,
        env=subprocess_env(),
        check=True,
        capture_output=True,
        timeout=120,
    )

    missing = _msgids(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po") - _msgids(PO)
    assert not missing, f"run makemessages and translate: {sorted(missing)}"
