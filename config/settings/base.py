"""ParkSuite settings, read from the environment.

Every setting a deployment may change is listed in README.md ("Settings").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import dj_email_url
from django.utils.translation import gettext_lazy as _

from core.embedded_db import DATA_DIR, dev_secret_key, embedded_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or dev_secret_key()

PARKSUITE_DOMAIN = os.environ.get("PARKSUITE_DOMAIN", "localhost").strip().lower()
# Hosts that serve the public site (landing, sign-up, park console, webhooks).
PARKSUITE_PUBLIC_HOSTS = [PARKSUITE_DOMAIN, f"www.{PARKSUITE_DOMAIN}"] + [
    host.strip().lower()
    for host in os.environ.get("PARKSUITE_EXTRA_PUBLIC_HOSTS", "127.0.0.1").split(",")
    if host.strip()
]
# Scheme and port used when the server writes an absolute link (emails, status URLs).
PARKSUITE_URL_SCHEME = os.environ.get("PARKSUITE_URL_SCHEME", "http")
PARKSUITE_URL_PORT = os.environ.get("PARKSUITE_URL_PORT", "8000" if DEBUG else "")

ALLOWED_HOSTS = [PARKSUITE_DOMAIN, f".{PARKSUITE_DOMAIN}", *PARKSUITE_PUBLIC_HOSTS]

DATABASE_URL = os.environ.get("DATABASE_URL") or embedded_database_url()
# Behind PgBouncer in transaction mode: every statement runs in a transaction that sets the
# firm's search path locally (core/db/base.py); no server-side prepared statements or cursors.
PARKSUITE_PGBOUNCER = env_bool("PARKSUITE_PGBOUNCER", False)
DATABASES: dict[str, dict[str, Any]] = {
    "default": {
        **dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True),
        "ENGINE": "core.db",
        "TRANSACTION_POOLING": PARKSUITE_PGBOUNCER,
    }
}
if PARKSUITE_PGBOUNCER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# Session-level work (advisory locks, pg_dump/psql, snapshots) needs PostgreSQL itself, never a
# transaction pooler: behind PgBouncer, point this at the server directly.
PARKSUITE_DIRECT_DATABASE_URL = os.environ.get("PARKSUITE_DIRECT_DATABASE_URL") or DATABASE_URL
DATABASES["direct"] = {
    **dj_database_url.parse(PARKSUITE_DIRECT_DATABASE_URL),
    "ENGINE": "core.db",
    "TEST": {"MIRROR": "default"},
}
for _alias in DATABASES.values():
    # A socket directory given as ?host=/path belongs in HOST, where every tool looks for it.
    if _alias.get("OPTIONS", {}).get("host"):
        _alias["HOST"] = _alias["OPTIONS"].pop("host")
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)

SHARED_APPS = [
    "django_tenants",
    "core",
    "tenants",
    "apps.accounts",
    "apps.audit",
    "apps.parks",
    "apps.billing",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procrastinate.contrib.django",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "apps.accounts",
    "apps.audit",
    "apps.crm",
    "apps.hr",
    "apps.finance",
    "apps.supply_chain",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Firm"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "config.urls_public"
ROOT_URLCONF = "config.urls_tenant"
TENANT_CREATION_FAKES_MIGRATIONS = False

MIDDLEWARE = [
    # Static files are served before tenant resolution: any host gets its CSS (the unknown
    # host page too) and no asset request costs a tenant lookup.
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.tenancy.FirmMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "apps.accounts.middleware.TwoFactorRequiredMiddleware",
    "core.tenancy.FirmStatusMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Entitlements: module gating, read-only when unpaid (one cache lookup, no Stripe call).
    "apps.billing.middleware.EntitlementMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.shell",
                "apps.billing.context_processors.billing",
                "apps.parks.context_processors.park_console",
            ],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "core.hashers.Argon2idHasher",
    # Verifies (and upgrades at the next login) hashes made before Argon2id was the default.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cookies are host-only (no Domain attribute): a firm's session never reaches another firm.
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
LANGUAGE_COOKIE_DOMAIN = None
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "core" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: the tenant resolution cache lives here. The default is a file cache that all
# local processes share; several web nodes need a shared one (CACHE_URL=redis://...).
CACHE_URL = os.environ.get("CACHE_URL", f"file://{DATA_DIR / 'cache'}")


def _cache_from_url(url: str) -> dict[str, object]:
    scheme, _sep, rest = url.partition("://")
    backends = {
        "file": "django.core.cache.backends.filebased.FileBasedCache",
        "locmem": "django.core.cache.backends.locmem.LocMemCache",
        "redis": "django.core.cache.backends.redis.RedisCache",
        "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
    }
    if scheme not in backends:
        raise ValueError(f"CACHE_URL scheme {scheme!r} is not one of {sorted(backends)}")
    location = rest if scheme in {"file", "locmem"} else url
    if scheme == "memcached":
        location = rest
    return {
        "BACKEND": backends[scheme],
        "LOCATION": location,
        # Every key carries the schema it belongs to.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    }


CACHES = {"default": _cache_from_url(CACHE_URL)}
PARKSUITE_TENANT_CACHE_SECONDS = int(os.environ.get("PARKSUITE_TENANT_CACHE_SECONDS", "300"))

EMAIL_URL = os.environ.get("EMAIL_URL", "console://")
_email = dj_email_url.parse(EMAIL_URL)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
if _email.get("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = _email["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "ParkSuite <no-reply@parksuite.local>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens first: an API client without credentials gets 401 with WWW-Authenticate.
        "apps.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "apps.accounts.tokens.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["apps.accounts.tokens.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "core.api.Pagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": [],
    # How many proxies stand in front of the app; 0 means the client address is
    # REMOTE_ADDR and a client-sent X-Forwarded-For is ignored by the rate limits.
    "NUM_PROXIES": int(os.environ.get("PARKSUITE_NUM_PROXIES", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ParkSuite API",
    "DESCRIPTION": "Public sign-up and the firm API. Errors are {code, detail, fields}.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation documents its error answers ({code, detail, fields}): core/openapi.py.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "core.openapi.document_errors"],
    "ENUM_NAME_OVERRIDES": {
        "UserRoleEnum": "apps.accounts.models.User.Role",
        "InvitationRoleEnum": "apps.accounts.models.Invitation.Role",
        "FapiaoTypeEnum": "apps.finance.models.Invoice.FapiaoType",
        "InvoiceDirectionEnum": "apps.finance.models.Invoice.Direction",
        "PaymentDirectionEnum": "apps.finance.models.Payment.Direction",
        "DocumentStatusEnum": "apps.finance.models.Voucher.Status",
        "PeriodStatusEnum": "apps.finance.models.Period.Status",
        "SpecialDeductionKindEnum": "apps.hr.models.SpecialDeduction.Kind",
        "PayrollItemKindEnum": "apps.hr.models.PayrollItem.Kind",
        "ContractKindEnum": "apps.hr.models.EmploymentContract.Kind",
        "ActivityKindEnum": "apps.crm.models.Activity.Kind",
        "StageKindEnum": "apps.crm.models.Stage.Kind",
        "LeadStatusEnum": "apps.crm.models.Lead.Status",
        "AccountSizeEnum": "apps.crm.models.Account.Size",
        "CrmImportKindEnum": "apps.crm.models.CrmImport.Kind",
        "CrmImportStatusEnum": "apps.crm.models.CrmImport.Status",
        "QuoteStatusEnum": "apps.crm.models.Quote.Status",
    },
}

PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "jobs"
PROCRASTINATE_WORKER_DEFAULTS = {"install_signal_handlers": True}

# Spare schemas kept migrated ahead of time, so a sign-up needs no migration (0 disables).
PARKSUITE_POOL_SIZE = int(os.environ.get("PARKSUITE_POOL_SIZE", "3"))
# Per-firm backup archives (tenant_backup and the nightly job) and how long they are kept.
PARKSUITE_BACKUP_DIR = Path(os.environ.get("PARKSUITE_BACKUP_DIR", DATA_DIR / "backups"))
PARKSUITE_BACKUP_KEEP_DAYS = int(os.environ.get("PARKSUITE_BACKUP_KEEP_DAYS", "14"))
# How long an invitation link stays valid.
PARKSUITE_INVITATION_DAYS = int(os.environ.get("PARKSUITE_INVITATION_DAYS", "7"))
# A worker must have sent a heartbeat this recently for /readyz to pass.
PARKSUITE_WORKER_STALE_SECONDS = 60

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"schema": {"()": "core.logging.SchemaFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s [%(schema)s] %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["schema"], "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "procrastinate": {"level": os.environ.get("PROCRASTINATE_LOG_LEVEL", "WARNING")},
        "pgserver": {"level": "WARNING"},
    },
}

# Billing (apps/billing). Without STRIPE_SECRET_KEY, `platform/run` starts the in-repo Stripe
# fake and points STRIPE_API_BASE at it (test mode, clearly labelled); tests do the same.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
STRIPE_TEST_MODE = STRIPE_SECRET_KEY.startswith("sk_test_") or not STRIPE_SECRET_KEY
# Days a firm keeps full access after a payment failed (past due), with a banner and emails.
BILLING_GRACE_DAYS = int(os.environ.get("BILLING_GRACE_DAYS", "7"))
