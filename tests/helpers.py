"""Helpers shared by tests that start ParkSuite processes against the test database."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import quote

from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """A DATABASE_URL that points a subprocess at the database this test run uses."""
    settings = connection.settings_dict
    host = settings.get("HOST") or ""
    user = quote(settings.get("USER") or "")
    password = quote(settings.get("PASSWORD") or "")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    name = settings["NAME"]
    if host.startswith("/"):
        return f"postgresql://{user}:{password}@{port}/{name}?host={host}"
    return f"postgresql://{user}:{password}@{host}{port}/{name}"


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        DJANGO_SETTINGS_MODULE="config.settings.test",
        PYTHONUNBUFFERED="1",
        PARKSUITE_TEST_FILES=str(django_settings.MEDIA_ROOT.parent),
    )
    return env


def manage_py(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]
