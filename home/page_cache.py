"""Whole-page cache for Wagtail pages, for every visitor, with the visitor's own parts filled in.

Rendering a catalog page (24 cards with Wagtail image renditions, the header, menus and footer)
costs tens of milliseconds, and most of it is the same for everyone: only the header's account
links and mini-cart, the messages and the CSRF tokens belong to one visitor. So a page is stored
once with those parts cut out, and every visitor, signed in or not, is served the stored page with
their own parts put back: the header part (templates/includes/visitor_header.html, between
VISITOR_MARKERS) rendered for this request, and a CSRF token of their own. bench/pages measures it.

Two middlewares share the entries:

- AnonymousPageHitMiddleware, right after WhiteNoise, serves visitors without a session cookie
  (most visitors, and every search engine) before sessions, CSRF, authentication, messages and the
  rest run: they have no name, no cart and no messages to show, so the header part kept with the
  entry is theirs. What the skipped middleware would have added, the hit adds: Content-Language
  from the language cookie (tokoku.middleware.shop_language, the key's language too), Vary,
  X-Frame-Options (XFrameOptionsMiddleware itself), Content-Length, and the visitor's CSRF cookie
  (CsrfViewMiddleware itself reads and sends it; the form token is masked afresh for each response,
  page_cache_tokens.py). SecurityMiddleware still wraps it. Settings that change what a skipped
  middleware does to a page (PREPEND_WWW, DISALLOWED_USER_AGENTS, CSRF_USE_SESSIONS) leave every
  visit to the whole stack.
- VisitorPageCacheMiddleware, last in MIDDLEWARE, stores pages and serves everyone else after
  every middleware has run: visitors with a session (their header part rendered for the request),
  and those without one when the early middleware left them to it.

Who gets a cached page: GET or HEAD without messages waiting (no messages cookie, none kept in the
session). Anyone else gets a fresh render.

What is stored: 200 answers of Wagtail's page view (home, catalog, product pages, text pages)
for pages without view restrictions, that set no cookie but the CSRF and session cookies, are not
marked private, and carry the visitor part (a template not built on base.html is stored only from
a visitor without a session, as before). Messages are cut out; the CSRF token is replaced by a
placeholder. The page is kept as bytes already split at the visitor part and the CSRF tokens, so a
hit joins the pieces once. What a visitor without a session sees in the header part is kept with
the entry (and filled in by the first such visitor when a signed-in one rendered the page), so
their hits render nothing at all.

When it is dropped: every entry carries the catalog version it was rendered under; saving a
product, its pictures, a category, a stock movement, a page, a page's view restriction or the site
settings bumps the version. Entries also expire after PAGE_CACHE_SECONDS, the bound on staleness
where a signal cannot reach (per-process local-memory caches without Redis); bulk writes call
bump_version() themselves. PAGE_CACHE_SECONDS=0 turns the cache off.
"""

import hashlib
import re
import time
import uuid

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.core.cache import cache
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csrf import CsrfViewMiddleware
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

from tokoku.middleware import shop_language

from .page_cache_tokens import masked_token

# The shape of an entry is part of these names: the entries of an older release, pages and search
# pages alike (search/caching.py keeps its pages in this shape, under this version), are never read.
VERSION_KEY = "tokoku:page-cache:version:3"
ENTRY_KEY_PREFIX = "tokoku:page-cache:3"
CSRF_PLACEHOLDER = b"__tokoku_csrf_token__"
CSRF_INPUT = re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")')
VISITOR_TEMPLATE = "includes/visitor_header.html"
VISITOR_PART = re.compile(rb"<!--tokoku:visitor-->.*?<!--/tokoku:visitor-->", re.DOTALL)
MESSAGES_PART = re.compile(rb"<!--tokoku:messages-->.*?<!--/tokoku:messages-->", re.DOTALL)
CACHEABLE_VIEWS = {"wagtail_serve"}
KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Frame-Options")
VARY = ("Cookie", "Accept-Language")


def timeout():
    return settings.PAGE_CACHE_SECONDS


def bump_version(**kwargs):
    """Drop every cached page: they were all rendered under an older catalog."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def has_session(request):
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def entry_key(host, language, full_path):
    return f"{ENTRY_KEY_PREFIX}:{host}:{language}:{hashlib.sha256(full_path.encode()).hexdigest()}"


def lookup(key):
    """(catalog version, the entry kept under `key` for that version or None), in one cache round trip."""
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY, version)
    entry = found.get(key)
    return version, (entry if entry is not None and entry["version"] == version else None)


def page_body(entry, token, part):
    """The stored page with this CSRF token in its forms and this header part (its pieces around the
    CSRF tokens) in its place, as bytes."""
    before = token.join(entry["before"])
    if entry["after"] is None:
        return before
    return b"".join((before, token.join(part), token.join(entry["after"])))


def hit(entry, body):
    response = HttpResponse(body, headers=entry["headers"])
    response["X-Page-Cache"] = "hit"
    response.xframe_options_exempt = entry["xframe_options_exempt"]
    return response


class AnonymousPageHitMiddleware:
    """Serves stored pages to visitors without a session, before the middleware that only they skip."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)
        self.x_frame_options = XFrameOptionsMiddleware(get_response)

    def __call__(self, request):
        if not timeout() or not self.is_anonymous_visit(request):
            return self.get_response(request)
        language = shop_language(request)
        key = entry_key(request.get_host(), language, request.get_full_path())
        version, entry = lookup(key)
        if entry is None or (entry["after"] is not None and entry["anonymous_part"] is None):
            # Rendered (or to be) by the whole stack; the last middleware need not ask the cache again.
            request.page_cache_lookup = (key, version, entry)
            return self.get_response(request)
        self.csrf.process_request(request)  # this visitor's CSRF cookie, read as the whole stack reads it
        part = entry["anonymous_part"] or ()
        token = masked_token(request).encode() if entry["forms"] or len(part) > 1 else b""
        body = page_body(entry, token, part)
        response = hit(entry, body)
        response.headers.setdefault("Content-Language", language)
        response["Content-Length"] = str(len(body))
        response["Vary"] = ", ".join(VARY)
        self.x_frame_options.process_response(request, response)
        return self.csrf.process_response(request, response)

    @staticmethod
    def is_anonymous_visit(request):
        cookies = request.COOKIES
        return (
            request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in cookies
            and not cookies.get(CookieStorage.cookie_name)
            and not (settings.PREPEND_WWW or settings.DISALLOWED_USER_AGENTS or settings.CSRF_USE_SESSIONS)
        )


class VisitorPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not timeout() or not self.is_cacheable_request(request):
            return self.get_response(request)
        key = self.key(request)
        looked_up = getattr(request, "page_cache_lookup", None)
        version, entry = looked_up[1:] if looked_up and looked_up[0] == key else lookup(key)
        if entry is not None:
            return self.response_from(entry, request, key)
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
        return entry_key(request.get_host(), getattr(request, "LANGUAGE_CODE", ""), request.get_full_path())

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
        content = CSRF_INPUT.sub(rb"\g<1>" + CSRF_PLACEHOLDER + rb"\g<2>", response.content)
        content = MESSAGES_PART.sub(b"", content)
        parts = VISITOR_PART.findall(content)
        if len(parts) > 1 or (not parts and has_session(request)):
            return None  # a page whose visitor's own part cannot be told apart is kept for no one
        pieces = [piece.split(CSRF_PLACEHOLDER) for piece in VISITOR_PART.split(content)]
        return {
            "version": version,
            "expires": time.time() + timeout(),
            "charset": response.charset,
            "before": pieces[0],
            "after": pieces[1] if parts else None,
            "forms": any(len(piece) > 1 for piece in pieces),
            # What a visitor without a session sees there: nothing of theirs (no name, no cart).
            "anonymous_part": None if (not parts or has_session(request)) else parts[0].split(CSRF_PLACEHOLDER),
            "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
            "xframe_options_exempt": getattr(response, "xframe_options_exempt", False),
        }

    @staticmethod
    def response_from(entry, request, key=None):
        part = entry["anonymous_part"] or ()
        # The CSRF middleware sends the visitor's cookie with the token, so their form posts are accepted.
        token = masked_token(request) if entry["forms"] or len(part) > 1 else None
        if entry["after"] is not None and (not part or has_session(request)):
            # Rendered with the page's token, when it has one; else the {% csrf_token %} of a form in
            # the part makes one, as on any page.
            context = {} if token is None else {"csrf_token": token}
            rendered = render_to_string(VISITOR_TEMPLATE, context, request=request).encode(entry["charset"])
            part = [rendered]
            if key is not None and not has_session(request):
                keep_anonymous_part(key, entry, rendered)
        body = page_body(entry, b"" if token is None else token.encode(), part)
        response = hit(entry, body)
        patch_vary_headers(response, VARY)
        if has_session(request):
            patch_cache_control(response, private=True)  # it carries this visitor's name and cart
        return response


def keep_anonymous_part(key, entry, part):
    """A page a signed-in visitor rendered first: the next visitors without a session are served early."""
    remaining = entry["expires"] - time.time()
    if remaining >= 1:  # never beyond the entry's own expiry: PAGE_CACHE_SECONDS bounds how stale a page is
        pieces = CSRF_INPUT.sub(rb"\g<1>" + CSRF_PLACEHOLDER + rb"\g<2>", part).split(CSRF_PLACEHOLDER)
        cache.set(key, {**entry, "anonymous_part": pieces}, int(remaining))
