"""The project's settings, with one more URL: the trivial view the pages are measured against.

BENCH_PAGE_CACHE=0 turns the project's page cache off, to measure rendering without it.
"""

import os

from tokoku.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.pages.urls"

if os.environ.get("BENCH_PAGE_CACHE") == "0":
    PAGE_CACHE_SECONDS = 0
