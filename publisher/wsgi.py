"""WSGI entry point for the editors' side (the admin), e.g. under gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
application = get_wsgi_application()
