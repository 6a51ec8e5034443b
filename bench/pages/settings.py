"""The project's settings, with one more URL: the trivial view the pages are measured against.

BENCH_PAGE_CACHE=1 adds the proposed whole-page cache (bench/pages/page_cache.py) as the innermost
middleware, to measure it before it moves into the project.
"""

import os

from tokoku.settings import *  # noqa: F401,F403
from tokoku.settings import MIDDLEWARE

ROOT_URLCONF = "bench.pages.urls"

if os.environ.get("BENCH_PAGE_CACHE") == "1":
    MIDDLEWARE = [*MIDDLEWARE, "bench.pages.page_cache.VisitorPageCacheMiddleware"]
