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

The task cluster (django-q2) runs in the same tree by default: with TASKS_IN_WEB on, the master forks
it once it has loaded the application, as `manage.py qcluster` would run it, so it shares those
pages too instead of loading a copy of its own (bench/memory: about 295 MB in one tree, 385 MB
with a separate qcluster). The master stops it when it stops, and stops itself when the
cluster dies, so that systemd restarts both (tokoku/web_tasks.py). Several servers run
TASKS_IN_WEB=false on the web servers and `manage.py qcluster` where the tasks should run.
"""

import gc
import os
from pathlib import Path

import environ

from tokoku import web_tasks

# WEB_CONCURRENCY is read before the application loads .env (tokoku/settings.py), so this file reads
# it too, the same way: the environment wins, and a test run never reads a developer's .env.
if not environ.Env().bool("TOKOKU_TESTING", default=False):
    environ.Env.read_env(Path(__file__).resolve().parent / ".env", overwrite=False)

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = 60
preload_app = True


def share_what_is_loaded():
    """What every process forked from the master should find loaded, and leave unwritten."""
    from django.db import connections  # noqa: PLC0415  (Django is set up only once the app is loaded)
    from django.urls import get_resolver  # noqa: PLC0415

    get_resolver().url_patterns  # noqa: B018  (imports every view and what it needs, once, in the master)
    # A connection opened while loading must not be shared by the children: each opens its own.
    connections.close_all()
    gc.freeze()


def when_ready(server):
    # Called once, after the application is loaded and before the first worker is forked; a HUP
    # reload does not call it again, so it never forks a second cluster. TASKS_IN_WEB is read here,
    # not when this file is: loading the application has read .env into the environment.
    if web_tasks.wanted():
        share_what_is_loaded()
        web_tasks.start(server)


def pre_fork(server, worker):
    share_what_is_loaded()


def on_exit(server):
    web_tasks.stop(server)
