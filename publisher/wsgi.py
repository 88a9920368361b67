"""WSGI entry point for the editors' side (the admin), e.g. under gunicorn."""

import os
from pathlib import Path

from django.core.wsgi import get_wsgi_application

from publisher.envfile import ENV_FILE_NAME, load_env_file

# The checkout's .env, read as manage.py reads it (a variable already set wins).
load_env_file(Path(__file__).resolve().parent.parent / ENV_FILE_NAME)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "publisher.settings")
application = get_wsgi_application()
