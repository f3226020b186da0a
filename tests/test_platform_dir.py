"""platform/ must never shadow Python's standard ``platform`` module."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import ROOT


def test_import_uuid_and_platform_system_work_from_the_repository_root() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import uuid, platform; print(platform.system()); print(uuid.uuid4())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] in {"Linux", "Darwin", "Windows"}


def test_platform_directory_holds_no_python() -> None:
    assert (ROOT / "platform").is_dir()
    assert not list((ROOT / "platform").rglob("*.py"))
