"""Settings for the test suite: SQLite in memory, or PostgreSQL when ``DATABASE_URL`` is set
(``tests/postgres_cluster.py`` starts a throwaway cluster and sets it)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("ARPKIT_SECRET_KEY", "test-only-" + "x" * 60)
os.environ.setdefault("ARPKIT_VAR_DIR", tempfile.mkdtemp(prefix="arpkit-test-var-"))

from .local import *  # noqa: F403

ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
# Hashing with Argon2 at full cost makes every login in the suite slow; the hasher itself
# is covered by a test that reads PASSWORD_HASHERS from base settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="arpkit-test-media-"))
AXES_ENABLED = True
ARPKIT_AUDIT_DB_TRIGGERS = False
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Drawing every page after each import would add minutes to the suite; the test that checks
# it turns it on (tests/web/imports).
ARPKIT_PREDRAW_AFTER_IMPORT = False
