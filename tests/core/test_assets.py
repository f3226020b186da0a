"""Vendored front-end assets are exactly the pinned registry files, and the app serves them."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client

from tests.helpers import ROOT

VENDOR = ROOT / "core" / "static" / "vendor"


def _lock() -> dict[str, dict]:  # type: ignore[type-arg]
    return {k: v for k, v in json.loads((VENDOR / "assets.lock.json").read_text()).items() if not k.startswith("_")}


def test_vendored_files_match_their_pinned_hashes() -> None:
    for name, spec in _lock().items():
        assert spec["version"].count(".") == 2, name
        for path, digest in spec["sha256"].items():
            assert hashlib.sha256((VENDOR / path).read_bytes()).hexdigest() == digest, path


@pytest.mark.django_db
def test_pages_load_htmx_from_the_app_itself(public_client: Client) -> None:
    page = public_client.get("/").content.decode()

    assert '<script src="/static/vendor/htmx/htmx.min.js"' in page
    assert "://" not in page.split("<body")[0].replace("http://www.w3.org", "")
    assert public_client.get("/static/vendor/htmx/htmx.min.js").status_code == 200
