"""Whole-page cache for Wagtail pages, for every visitor, with the visitor's own parts filled in.

Rendering a catalog page (24 cards with Wagtail image renditions, the header, menus and footer)
costs tens of milliseconds, and most of it is the same for everyone: only the header's account
links and mini-cart, the messages and the CSRF tokens belong to one visitor. So a page is stored
once with those parts cut out, and every visitor, signed in or not, is served the stored page with
their own parts put back: the header part (templates/includes/visitor_header.html, between
VISITOR_MARKERS) rendered for this request, and a CSRF token of their own. bench/pages measures it.

Who gets a cached page: GET or HEAD without messages waiting (no messages cookie, none kept in the
session). Anyone else gets a fresh render.

What is stored: 200 answers of Wagtail's page view (home, catalog, product pages, text pages)
for pages without view restrictions, that set no cookie but the CSRF and session cookies, are not
marked private, and carry the visitor part (a template not built on base.html is stored only from
a visitor without a session, as before). Messages are cut out; the CSRF token is replaced by a
placeholder. What a visitor without a session sees in the header part is kept with the entry, so
their hits render nothing at all.

When it is dropped: every entry carries the catalog version it was rendered under; saving a
product, its pictures, a category, a stock movement, a page, a page's view restriction or the site
settings bumps the version. Entries also expire after PAGE_CACHE_SECONDS, the bound on staleness
where a signal cannot reach (per-process local-memory caches without Redis); bulk writes call
bump_version() themselves. PAGE_CACHE_SECONDS=0 turns the cache off.

Placed last in MIDDLEWARE, a hit still goes through the whole middleware stack (security,
sessions, CSRF, authentication, locale), exactly as the benchmark's trivial view does.
"""

import hashlib
import re
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

VERSION_KEY = "tokoku:page-cache:version"
# Bumped when the shape of an entry changes, so entries of an older release are never served.
ENTRY_KEY_PREFIX = "tokoku:page-cache:2"
CSRF_PLACEHOLDER = "__tokoku_csrf_token__"
CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
VISITOR_TEMPLATE = "includes/visitor_header.html"
VISITOR_PLACEHOLDER = "<!--tokoku:visitor-part-->"
VISITOR_PART = re.compile(r"<!--tokoku:visitor-->.*?<!--/tokoku:visitor-->", re.DOTALL)
MESSAGES_PART = re.compile(r"<!--tokoku:messages-->.*?<!--/tokoku:messages-->", re.DOTALL)
CACHEABLE_VIEWS = {"wagtail_serve"}
KEPT_HEADERS = ("Content-Type", "Content-Language")


def timeout():
    return settings.PAGE_CACHE_SECONDS


def bump_version(**kwargs):
    """Drop every cached page: they were all rendered under an older catalog."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def has_session(request):
    return settings.SESSION_COOKIE_NAME in request.COOKIES


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
            entry = self.entry_from(request, response, version)
            if entry is not None:
                cache.set(key, entry, timeout())
        return response

    @staticmethod
    def is_cacheable_request(request):
        if request.method not in ("GET", "HEAD") or request.COOKIES.get(CookieStorage.cookie_name):
            return False
        # Messages kept in the session (when too big for their cookie) are shown by a fresh render.
        return not has_session(request) or SessionStorage.session_key not in request.session

    @staticmethod
    def key(request):
        path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        return f"{ENTRY_KEY_PREFIX}:{request.get_host()}:{getattr(request, 'LANGUAGE_CODE', '')}:{path}"

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
        if not set(response.cookies) <= {settings.CSRF_COOKIE_NAME, settings.SESSION_COOKIE_NAME}:
            return False
        # A restricted page (password, sign-in, groups) is checked by Wagtail's view on every visit.
        page = (getattr(response, "context_data", None) or {}).get("page")
        return page is not None and not page.get_view_restrictions().exists()

    @staticmethod
    def entry_from(request, response, version):
        content = response.content.decode(response.charset)
        content = MESSAGES_PART.sub("", CSRF_INPUT.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", content))
        parts = VISITOR_PART.findall(content)
        if len(parts) > 1 or (not parts and has_session(request)):
            return None  # a page whose visitor's own part cannot be told apart is kept for no one
        return {
            "version": version,
            "content": VISITOR_PART.sub(VISITOR_PLACEHOLDER, content),
            # What a visitor without a session sees there: nothing of theirs (no name, no cart).
            "anonymous_part": None if (not parts or has_session(request)) else parts[0],
            "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        }

    @staticmethod
    def response_from(entry, request):
        content = entry["content"]
        if VISITOR_PLACEHOLDER in content:
            part = entry["anonymous_part"]
            if part is None or has_session(request):
                part = render_to_string(VISITOR_TEMPLATE, request=request)
            content = content.replace(VISITOR_PLACEHOLDER, part)
        if CSRF_PLACEHOLDER in content:
            # get_token() marks the CSRF cookie for sending, so the visitor's form posts are accepted.
            content = content.replace(CSRF_PLACEHOLDER, get_token(request))
        response = HttpResponse(content, headers=entry["headers"])
        response["X-Page-Cache"] = "hit"
        patch_vary_headers(response, ("Cookie", "Accept-Language"))
        if has_session(request):
            patch_cache_control(response, private=True)  # it carries this visitor's name and cart
        return response
