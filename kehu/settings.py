"""Django settings, read from the environment.

Safe defaults for a laptop: DEBUG off unless asked for, a SQLite file under the data
directory, a development secret that production refuses (see ``KEHU_PRODUCTION``).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _default_data_dir() -> Path:
    # A source checkout keeps its data beside the code; an installed package in the user's home.
    if (PROJECT_DIR / "manage.py").exists():
        return PROJECT_DIR / "data"
    return Path.home() / ".local" / "share" / "kehu"


DATA_DIR = Path(os.environ.get("KEHU_DATA_DIR") or _default_data_dir()).resolve()
# The SQLite file and collected static files live here; create it so a first run just works.
(DATA_DIR / "static").mkdir(parents=True, exist_ok=True)

DEBUG = _env_bool("DEBUG")
PRODUCTION = _env_bool("KEHU_PRODUCTION")

_DEV_SECRET = "kehu-insecure-development-key-change-me"  # noqa: S105 - refused in production
SECRET_KEY = os.environ.get("SECRET_KEY") or _DEV_SECRET
if PRODUCTION and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "KEHU_PRODUCTION is set: SECRET_KEY must be set to a random value of 50+ characters."
    )
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("KEHU_PRODUCTION is set: DEBUG must be off.")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
]
if DEBUG:
    ALLOWED_HOSTS.append("testserver")
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "kehu.core",
    "kehu.masterdata",
    "kehu.customers",
    "kehu.sales",
    "kehu.evaluation",
    "kehu.credit",
    "kehu.quality",
    "kehu.jobs",
    # After the apps whose permissions its roles hand out (seeded on post_migrate).
    "kehu.accounts",
    "kehu.audit",
    "kehu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kehu.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kehu.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kehu.core.middleware.ApiJsonErrorsMiddleware",
]

ROOT_URLCONF = "kehu.urls"
WSGI_APPLICATION = "kehu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_config() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.postgresql":
            config.setdefault("TEST", {})["NAME"] = os.environ.get("KEHU_TEST_DB_NAME")
            if not config["TEST"]["NAME"]:
                del config["TEST"]["NAME"]
        return config
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(DATA_DIR / "kehu.sqlite3"),
        # WAL lets readers go on while one request writes; IMMEDIATE avoids lock upgrades.
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = os.environ.get("KEHU_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
# The trading currency of customers that name none: their sales documents are in it.
KEHU_BASE_CURRENCY = os.environ.get("KEHU_BASE_CURRENCY", "CNY")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve straight from the installed packages too, so a missed collectstatic never breaks a page.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"

# Background jobs (imports): django-tasks with its database backend, whose worker `kehu serve`
# starts beside gunicorn (or `kehu worker` alone). Another django-tasks backend (RQ, Celery)
# by its dotted path in KEHU_TASKS_BACKEND, with that backend's own workers: docs/deployment.md.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("KEHU_TASKS_BACKEND") or "django_tasks_db.DatabaseBackend",
    }
}
# How often a running job writes its progress, and after how long without a sign of life a
# job run by a worker on another machine counts as interrupted.
KEHU_JOB_PROGRESS_SECONDS = float(os.environ.get("KEHU_JOB_PROGRESS_SECONDS", "1"))
KEHU_JOB_STALE_SECONDS = int(os.environ.get("KEHU_JOB_STALE_SECONDS", "900"))

# How many reverse proxies stand in front of Kehu and append to X-Forwarded-For (nginx:
# `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`). The audit trail and the login
# lockout then take the client's address from there; 0 (default): the connection's own address.
KEHU_TRUSTED_PROXIES = int(os.environ.get("KEHU_TRUSTED_PROXIES", "0"))

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "accounts:login"

# Security headers on every response: SecurityMiddleware (nosniff, Referrer-Policy,
# Cross-Origin-Opener-Policy, HSTS), XFrameOptionsMiddleware and Kehu's CSP middleware.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
KEHU_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
KEHU_CSP_PATHS = {
    # Swagger UI (served from django-ninja's own static files) sets style attributes.
    "/api/v1/docs": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
}
if PRODUCTION:
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto; SECURE_SSL_REDIRECT=0 when
    # the proxy redirects to https itself, SECURE_HSTS_SECONDS=0 while trying https out.
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("SECURE_HSTS_PRELOAD", True)
    if _env_bool("SECURE_PROXY_SSL_HEADER", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
