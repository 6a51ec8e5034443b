"""gunicorn's settings for TokoKu, read from the working directory (`gunicorn tokoku.wsgi:application`).

The shop should fit a small VPS with PostgreSQL and Redis (bench/memory). A Django and Wagtail
process is about 140 MB once it has served a few pages, and each worker used to build all of it
for itself. Here the master loads the application and the views once, and the workers it forks
share those pages; gc.freeze() keeps the collector of each worker from writing to every shared
object's header, which would copy its page (bench/memory: the web side went from about 290 MB to
about 230 MB with 2 workers). What a worker still copies, about 50 MB under load and half of it on
its first page, is what it runs: CPython writes the reference count of every object it touches, code
included, so a page read is a page copied. Compiling every template in the master, or keeping the
collector off while loading, did not lower it (bench/memory). A new release needs a restart
(systemctl restart), not a HUP: a HUP re-forks workers from the code the master loaded.
"""

import gc
import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 60
preload_app = True


def pre_fork(server, worker):
    from django.db import connections  # noqa: PLC0415  (Django is set up only once the app is loaded)
    from django.urls import get_resolver  # noqa: PLC0415

    get_resolver().url_patterns  # noqa: B018  (imports every view and what it needs, once, in the master)
    # A connection opened while loading must not be shared by the workers: each opens its own.
    connections.close_all()
    gc.freeze()
