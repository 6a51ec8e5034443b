"""The project's WSGI application with the benchmark's trivial view added (bench/pages/urls.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.pages.settings"
application = get_wsgi_application()
