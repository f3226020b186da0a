"""ParkSuite's settings as production runs them (DEBUG off), for benchmarks that start gunicorn.

Only one thing differs from a deployment: no collectstatic manifest is built for a benchmark
(it would write into the shared staticfiles/ folder), so whitenoise serves the unhashed files
from the finders, as crm.py does in-process.
"""

from config.settings.base import *  # noqa: F403

DEBUG = False
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
