"""Production mode: refuses to start without a real secret key and database."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("Production needs DATABASE_URL; the embedded database is for development.")
_secret = os.environ.get("SECRET_KEY", "")
if len(_secret) < 50 or len(set(_secret)) < 5 or _secret.startswith("django-insecure"):
    raise ImproperlyConfigured("Production needs SECRET_KEY: at least 50 random characters.")
os.environ.setdefault("DEBUG", "false")

from .base import *  # noqa: E402

if DEBUG:
    raise ImproperlyConfigured("Production refuses DEBUG=true.")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() in {"1", "true", "yes", "on"}
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
PARKSUITE_URL_SCHEME = os.environ.get("PARKSUITE_URL_SCHEME", "https")
