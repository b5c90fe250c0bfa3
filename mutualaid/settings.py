"""Settings for the mutual-aid administration system.

Everything that differs between machines comes from the environment and is
checked here, so a typo fails at start-up instead of at the first request.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, not {raw!r}")


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters in production")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG and not ALLOWED_HOSTS:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "procrastinate.contrib.django",  # the job queue, on PostgreSQL (mutualaid/jobs.py)
    "mutualaid",
    "enrollment",
    "claims",
    "reports",
    "demo",
    "import_export",
    "axes",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",  # trigram indexes for the search boxes (mutualaid/search.py)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "mutualaid.middleware.RejectNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mutualaid.audit.RequestActorMiddleware",  # database triggers name the signed-in person in the audit trail
    "django.contrib.messages.middleware.MessageMiddleware",
    "mutualaid.middleware.FirstPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "mutualaid.middleware.NoStoreForSignedInMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out login with the Chinese lockout page
]

# Login throttling (django-axes): after 5 failures an account, and separately an address, is
# locked for 30 minutes, on the site's login page and on /admin/login/ alike; every failure is kept.
# mutualaid.backends.StaffBackend is ModelBackend reading the signed-in person, their groups and their
# profile in one query on every request.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "mutualaid.backends.StaffBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept in the database (axes' access failure log)
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "0")) or None
CSRF_FAILURE_VIEW = "mutualaid.views.csrf_failure"

ROOT_URLCONF = "mutualaid.urls"
WSGI_APPLICATION = "mutualaid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "mutualaid.context_processors.role",
            ],
        },
    },
]

# PostgreSQL everywhere: tests, CI and production. Without DATABASE_URL a
# DEBUG machine falls back to SQLite so `manage.py` works out of the box; the
# Makefile points `make run` at the local PostgreSQL whenever one answers.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    # No parallel plans unless asked for (DJANGO_DB_PARALLEL_WORKERS): a page's query that PostgreSQL
    # splits over two more processes costs three times the CPU, taken from the other people's pages
    # when many click at once (README "Load": 200 people at once on two cores).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _parallel = os.environ.get("DJANGO_DB_PARALLEL_WORKERS", "0")
    if not _parallel.isdigit():
        raise ImproperlyConfigured("DJANGO_DB_PARALLEL_WORKERS must be a whole number (0: no parallel query plans)")
    _options["options"] = f"{_options.get('options', '')} -c max_parallel_workers_per_gather={_parallel}".strip()
elif DEBUG:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "db.sqlite3"}}
else:
    raise ImproperlyConfigured("DATABASE_URL must be set when DJANGO_DEBUG is off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["mutualaid.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# The site's address as people reach it (https://hz.example.org), for what leaves without a request:
# the QR code of a receipt printed by ``manage.py render_pdf``. Pages use the request's own address.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").rstrip("/")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Documents on shared storage, so any number of web and worker machines see the same files: with
# DJANGO_S3_BUCKET set, claim and application scans, registration papers and job results go to an
# S3-compatible bucket (MinIO, Ceph, Alibaba OSS, Tencent COS, AWS). Objects stay private; people get
# them only through the scoped download views, which stream them from the bucket.
S3_BUCKET = os.environ.get("DJANGO_S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("DJANGO_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DJANGO_S3_REGION") or None,
            "access_key": os.environ.get("DJANGO_S3_ACCESS_KEY") or None,
            "secret_key": os.environ.get("DJANGO_S3_SECRET_KEY") or None,
            "location": os.environ.get("DJANGO_S3_PREFIX", ""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Background jobs: any number of `manage.py procrastinate worker` processes take jobs from
# PostgreSQL. Workers need a direct connection (not a transaction-pooling proxy).
# The "notices" queue carries the SMS (mutualaid/notices) and the morning deadline digest.
PROCRASTINATE_WORKER_DEFAULTS = {
    "queues": ["jobs", "notices"],
    "concurrency": int(os.environ.get("WORKER_CONCURRENCY", "1")),
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Notices (mutualaid/notices): how SMS leave (console | file | aliyun | tencent; README "Notices"), how
# fast the worker sends them, and the year calendar the payment deadline counts working days on.
SMS_BACKEND = os.environ.get("DJANGO_SMS_BACKEND", "console")
SMS_FILE_PATH = os.environ.get("DJANGO_SMS_FILE_PATH", str(BASE_DIR / "sms"))
SMS_SIGN_NAME = os.environ.get("DJANGO_SMS_SIGN_NAME", "")
try:
    SMS_RATE = float(os.environ.get("DJANGO_SMS_RATE", "10"))
except ValueError as exc:
    raise ImproperlyConfigured("DJANGO_SMS_RATE must be a number of messages per second, e.g. 10") from exc
if SMS_RATE <= 0:
    raise ImproperlyConfigured("DJANGO_SMS_RATE must be a number of messages per second above 0")
HOLIDAYS_FILE = os.environ.get("DJANGO_HOLIDAYS_FILE", "")

# Claim documents: scans and photos of invoices, PDFs of discharge summaries.
CLAIM_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Admin imports (units, members, catalogues): the file as uploaded; an .xlsx is also held to the
# spreadsheet limit on its uncompressed size (mutualaid.lib.spreadsheet).
IMPORT_MAX_BYTES = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Trust X-Forwarded-Proto only behind a proxy that sets it (and strips it from clients).
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "procrastinate": {"level": os.environ.get("WORKER_LOG_LEVEL", "WARNING")},
        # WeasyPrint logs every page it lays out at INFO; only its warnings matter here.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
