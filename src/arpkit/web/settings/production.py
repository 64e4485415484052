"""Production settings: PostgreSQL via ``DATABASE_URL``, gunicorn behind TLS.

Refuses to start without a secret key, a database URL and allowed hosts, so a misconfigured
deployment fails loudly rather than running with development defaults.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("set ARPKIT_SECRET_KEY to a random string of 50 or more characters")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("set DATABASE_URL (postgres://user:pass@host:5432/arpkit)")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("set ARPKIT_ALLOWED_HOSTS to the comma-separated host names served")
