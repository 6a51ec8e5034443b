"""Whole-page cache for Wagtail pages seen by visitors without a session.

Rendering a catalog page (24 cards with Wagtail image renditions) costs tens of milliseconds; most
storefront traffic is anonymous browsing that sees the same HTML. bench/pages measures the effect.

Who gets a cached page: GET or HEAD with no session cookie and no messages cookie. That is a
visitor who is not logged in and has an empty cart, which is most catalog traffic. Anyone else
gets a fresh render, so no cached page ever carries someone's cart, name or messages.

What is cached: 200 answers of Wagtail's page view (home, catalog, product pages, text pages) that
set no cookie other than the CSRF cookie and are not marked private. CSRF tokens in the page are
replaced by a placeholder when stored and by a token of the visitor's own when served, so forms on
cached pages (the language switcher) keep working.

When it is dropped: every entry carries the catalog version it was rendered under; saving a
product, its pictures, a category, a stock movement, a page or the site settings bumps the version.
Entries also expire after PAGE_CACHE_SECONDS, the bound on staleness where a signal cannot reach
(per-process local-memory caches without Redis); bulk writes call bump_version() themselves.
PAGE_CACHE_SECONDS=0 turns the cache off.

Placed last in MIDDLEWARE, a hit still goes through the whole middleware stack, exactly as the
benchmark's trivial view does.
"""

import hashlib
import re
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_vary_headers

VERSION_KEY = "tokoku:page-cache:version"
CSRF_PLACEHOLDER = "__tokoku_csrf_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
CACHEABLE_VIEWS = {"wagtail_serve"}
KEPT_HEADERS = ("Content-Type", "Content-Language")


def timeout():
    return settings.PAGE_CACHE_SECONDS


def bump_version(**kwargs):
    """Drop every cached page: they were all rendered under an older catalog."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


class VisitorPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not timeout() or not self.is_cacheable_request(request):
            return self.get_response(request)
        key = self.key(request)
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            cache.add(VERSION_KEY, version, None)
            version = cache.get(VERSION_KEY, version)
        entry = found.get(key)
        if entry is not None and entry["version"] == version:
            return self.response_from(entry, request)
        response = self.get_response(request)
        if self.is_cacheable_response(request, response):
            cache.set(key, self.entry_from(response, version), timeout())
        return response

    @staticmethod
    def is_cacheable_request(request):
        cookies = request.COOKIES
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in cookies
            and CookieStorage.cookie_name not in cookies
        )

    @staticmethod
    def key(request):
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        return f"tokoku:page-cache:{request.get_host()}:{getattr(request, 'LANGUAGE_CODE', '')}:{path}"

    @staticmethod
    def is_cacheable_response(request, response):
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name not in CACHEABLE_VIEWS:
            return False
        if response.status_code != 200 or response.streaming:
            return False
        cache_control = response.get("Cache-Control", "")
        if any(word in cache_control for word in ("private", "no-cache", "no-store")):
            return False
        return set(response.cookies) <= {settings.CSRF_COOKIE_NAME}

    @staticmethod
    def entry_from(response, version):
        content = response.content.decode(response.charset)
        return {
            "version": version,
            "content": CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", content),
            "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        }

    @staticmethod
    def response_from(entry, request):
        content = entry["content"]
        if CSRF_PLACEHOLDER in content:
            # get_token() marks the CSRF cookie for sending, so the visitor's form posts are accepted.
            content = content.replace(CSRF_PLACEHOLDER, get_token(request))
        response = HttpResponse(content, headers=entry["headers"])
        response["X-Page-Cache"] = "hit"
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        return response
