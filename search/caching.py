"""Searches asked again are answered from the cache, and a change to the catalog is seen by the next one.

Three things are kept, each under the catalog version (home.page_cache.VERSION_KEY):

- the ranked result of a query (engine.find: ids, categories, prices, corrections), so that another
  page, sort or filter of the same query does not search again;
- the suggestions' JSON for what was typed;
- the whole result page, stored the way the page cache stores a Wagtail page: the visitor's own
  header part, the messages and the CSRF token cut out, put back for each request
  (VisitorPageCacheMiddleware.entry_from / response_from). Two visitors never share a header or a cart.

Why not simply the page cache: it serves Wagtail pages only, and search shows more than the catalog:
the owner's synonyms. So search keeps its own entries (marked X-Search-Cache, not X-Page-Cache), and
a synonym saved or deleted bumps the catalog version as a product, its pictures, a category, a stock
movement or a page do (search/receivers.py, home/receivers.py): the next search after any of those is
computed afresh. Entries are stored under the version read before computing, so a change made
meanwhile leaves them unused.

As for pages, PAGE_CACHE_SECONDS bounds how long an entry can outlive a change no signal reports
(an UPDATE of many rows at once, another process with its own local-memory cache: use Redis when
running several) and 0 turns all of this off.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache

from home.page_cache import VERSION_KEY, VisitorPageCacheMiddleware

KEY_PREFIX = "tokoku:search:1"
HIT_HEADER = "X-Search-Cache"


def enabled():
    return settings.PAGE_CACHE_SECONDS > 0


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _lookup(key):
    """(catalog version, the entry kept under `key` for that version or None) in one cache round trip."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        # As the page cache does: the first asker (or the first after an eviction) starts a version.
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    entry = found.get(key)
    if entry is not None and entry["version"] == version:
        return version, entry
    return version, None


def remembered(kind, text, compute):
    """compute() for `text`, from the cache while the catalog has not changed since it was computed."""
    if not enabled():
        return compute()
    key = f"{KEY_PREFIX}:{kind}:{_digest(text)}"
    version, entry = _lookup(key)
    if entry is not None:
        return entry["value"]
    value = compute()
    cache.set(key, {"version": version, "value": value}, settings.PAGE_CACHE_SECONDS)
    return value


def page_key(request, page_size):
    path = _digest(request.get_full_path())
    return f"{KEY_PREFIX}:page:{request.get_host()}:{getattr(request, 'LANGUAGE_CODE', '')}:{page_size}:{path}"


def cached_page(request, page_size, render):
    """The result page for this request: the kept one with this visitor's parts put back, or render()'s,
    kept for the next visitor asking the same."""
    if not enabled() or not VisitorPageCacheMiddleware.is_cacheable_request(request):
        return render()
    key = page_key(request, page_size)
    version, entry = _lookup(key)
    if entry is not None:
        response = VisitorPageCacheMiddleware.response_from(entry, request)
        # The page cache's own mark says its middleware stored the page; this entry is search's.
        del response["X-Page-Cache"]
        response[HIT_HEADER] = "hit"
        return response
    response = render()
    response.render()
    if _is_cacheable_response(response):
        entry = VisitorPageCacheMiddleware.entry_from(request, response, version)
        if entry is not None:
            cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
    return response


def _is_cacheable_response(response):
    if response.status_code != 200 or response.streaming:
        return False
    if any(word in response.get("Cache-Control", "") for word in ("private", "no-cache", "no-store")):
        return False
    return set(response.cookies) <= {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME}
