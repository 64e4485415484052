"""Settings shared by every environment of the arpkit web platform.

Security defaults are the production ones; ``local`` and ``test`` relax only what plain HTTP on
the loopback interface needs. Environment variables:

* ``ARPKIT_SECRET_KEY`` - Django's secret key (required in production).
* ``DATABASE_URL`` - the web database (default: SQLite in ``ARPKIT_VAR_DIR``).
* ``ARPKIT_WAREHOUSE`` - the DuckDB warehouse file the dashboards read.
* ``ARPKIT_VAR_DIR`` - where runtime files live (default ``./var``).
* ``ARPKIT_GOVUK_FRONTEND`` - the ``dist/govuk`` folder of the pinned govuk-frontend npm package.
* ``ARPKIT_LA_CODE`` - the authority's three-digit DfE code.
* ``ARPKIT_REFERENCE_DIR`` - published DfE comparison tables (England, neighbours).
* ``ARPKIT_SPEAKUP_KEY`` / ``ARPKIT_SPEAKUP_KEY_FILE`` - the speak-up master key (docs/speakup.md).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF

WEB_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = WEB_DIR.parent.parent.parent
VAR_DIR = Path(os.environ.get("ARPKIT_VAR_DIR", Path.cwd() / "var")).resolve()

GOVUK_FRONTEND_DIST = Path(
    os.environ.get("ARPKIT_GOVUK_FRONTEND",
                   REPO_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"))

WAREHOUSE_PATH = Path(os.environ.get("ARPKIT_WAREHOUSE", VAR_DIR / "arpkit.duckdb"))
# The authority's DfE code, used when typed child ids are pseudonymised and to tell the
# authority from its peers; when unset, the single authority in the warehouse is used.
ARPKIT_LA_CODE = os.environ.get("ARPKIT_LA_CODE", "")
# Published DfE tables for England and statistical neighbours (see arpkit.engine.reference).
ARPKIT_REFERENCE_DIR = os.environ.get("ARPKIT_REFERENCE_DIR", "")
# After a browser import (or roll-back), draw every dashboard page of the new cache in the
# background job, so nobody waits for charts on first view (docs/web.md).
ARPKIT_PREDRAW_AFTER_IMPORT = os.environ.get("ARPKIT_PREDRAW_AFTER_IMPORT", "1") != "0"

SECRET_KEY = os.environ.get("ARPKIT_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS: list[str] = [h for h in os.environ.get("ARPKIT_ALLOWED_HOSTS", "").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "govuk_frontend_django",
    "arpkit.web.core",
    "arpkit.web.accounts",
    "arpkit.web.audit",
    "arpkit.web.dashboards",
    "arpkit.web.imports",
    "arpkit.web.thinking_tool",
    "arpkit.web.audits",
    "arpkit.web.speakup",
    "arpkit.web.workforce",
    "arpkit.web.learning",
    "arpkit.web.programme",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "arpkit.web.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "arpkit.web.core.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: every view must declare who may use it, or nobody may.
    "arpkit.web.core.middleware.AccessMiddleware",
]

ROOT_URLCONF = "arpkit.web.urls"
WSGI_APPLICATION = "arpkit.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "arpkit.web.core.context_processors.navigation",
            ],
            "builtins": ["govuk_frontend_django.templatetags.govuk_frontend_django"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'arpkit-web.sqlite3'}", conn_max_age=60),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user's roles with the user (one query a request).
    "arpkit.web.accounts.backends.AccountBackend",
]
# Database sessions read with one prepared statement (core/sessions.py).
SESSION_ENGINE = "arpkit.web.core.sessions"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: 15 minutes idle, 12 hours absolute (arpkit's own settings, enforced by
# SessionTimeoutMiddleware); the cookie itself never outlives the absolute limit.
ARPKIT_SESSION_IDLE_SECONDS = 15 * 60
ARPKIT_SESSION_ABSOLUTE_SECONDS = 12 * 60 * 60
SESSION_COOKIE_AGE = ARPKIT_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "__Host-arpkit-session"
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "__Host-arpkit-csrf"
CSRF_COOKIE_SAMESITE = "Lax"

SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# A strict, nonce-based Content-Security-Policy: no inline script or style without the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "object-src": [NONE],
        "base-uri": [SELF],
    },
}

# Login throttling: five failures for a username from one address locks it for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLE_ACCESS_FAILURE_LOG = True

OTP_TOTP_ISSUER = "arpkit"

# A cache shared by every worker process (throttling counters must not be per process).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": "arpkit_cache"},
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [("govuk", GOVUK_FRONTEND_DIST)]
# The GOV.UK Frontend stylesheet refers to its fonts and images at /assets/...
WHITENOISE_ROOT = GOVUK_FRONTEND_DIST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

MEDIA_ROOT = VAR_DIR / "uploads"
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# Suppression: every role but analysts sees DfE-suppressed figures.
ARPKIT_SUPPRESSION_THRESHOLD = 5
ARPKIT_AUDIT_DB_TRIGGERS = True
