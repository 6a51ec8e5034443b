"""The project's WSGI application with the benchmark's extra views (bench/regions/urls.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.regions.settings"
application = get_wsgi_application()
