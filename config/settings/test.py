"""Settings for the test suite: the same as development, with fast hashing and local mail."""

import os
import tempfile
from pathlib import Path

from .base import *

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }
}
# Live-server threads must not keep connections open past their request, or the test
# database cannot be dropped at the end of the run.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# Files a test run writes (exports, backups, uploads) go to a folder of its own, which the
# processes the tests start (a job worker) share: they get its path in the environment.
_TEST_FILES = Path(os.environ.get("PARKSUITE_TEST_FILES") or tempfile.mkdtemp(prefix="parksuite-test-files-"))
MEDIA_ROOT = _TEST_FILES / "media"
PARKSUITE_BACKUP_DIR = _TEST_FILES / "backups"
