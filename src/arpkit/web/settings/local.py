"""Settings for ``make run``: the embedded defaults (SQLite, DuckDB) on http://127.0.0.1:8000.

Everything from production stays on except what plain HTTP on the loopback interface cannot
support: TLS redirect, HSTS and ``Secure``/``__Host-`` cookies.
"""

import os
import secrets

from .base import *  # noqa: F403
from .base import DATABASES, VAR_DIR

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SESSION_COOKIE_NAME = "arpkit-session"
CSRF_COOKIE_NAME = "arpkit-csrf"


def _local_secret() -> str:
    """A per-checkout secret key kept in a 0600 file, so sessions survive restarts."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("ARPKIT_SECRET_KEY") or _local_secret()

# SQLite, the default web database here: write-ahead logging, so page reads never wait for a
# session or audit write (nor writes for reads); a write waits up to 20 s for another
# instead of failing at once with "database is locked", which Django reports for a session
# save as a 400 (SessionInterrupted); IMMEDIATE takes the write lock when a transaction
# starts, so two writers never deadlock upgrading a read lock (Django 5.1+, "SQLite notes").
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES = {**DATABASES, "default": {**DATABASES["default"], "OPTIONS": {
        **DATABASES["default"].get("OPTIONS", {}),
        "init_command": "PRAGMA journal_mode=WAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }}}
