"""The benchmark's settings (bench/pages/settings.py) with one more URL: the floor of a view that asks the
database (bench/regions/urls.py).

BENCH_HEALTH_CHECKS=0 turns off the connection check Django makes before a request's first query.
"""

import os

from bench.pages.settings import *  # noqa: F401,F403
from bench.pages.settings import DATABASES

ROOT_URLCONF = "bench.regions.urls"

if os.environ.get("BENCH_HEALTH_CHECKS") == "0":
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
