"""The project's WSGI application with the benchmark's extra views (bench/regions/urls.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.regions.settings"
application = get_wsgi_application()

if os.environ.get("BENCH_REGION_CACHE") == "0":
    # The first-time variant: every request searches, as if no buyer had asked for that village before.
    from shop.shipping import regions

    regions._search = regions._search.__wrapped__
