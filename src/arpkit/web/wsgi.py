"""WSGI entry point for gunicorn: ``gunicorn arpkit.web.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arpkit.web.settings.production")
application = get_wsgi_application()
