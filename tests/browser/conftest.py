"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

The browser is the system's (/usr/bin/chromium, installed by apt; CI installs it the same way),
never one downloaded by `playwright install`. When it is missing the tests are skipped and say why.
A step that fails leaves a screenshot and the HTML of every open page in test-artifacts/.
"""

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# The machines running CI are small and shared: generous, so a slow page is not a failure.
TIMEOUT_MS = 30_000


@pytest.fixture
def chromium(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's package: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    # Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
    # (setting up data, checking results) are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
            # With Playwright's loop running, Django keeps this thread's connections in a
            # context of their own; closed here, or the test database can't be dropped at the end.
            from django.db import connections

            connections.close_all()


class Journey:
    """Pages of several people in their own browser contexts, and steps that leave evidence when they fail."""

    def __init__(self, browser, base_url, name):
        self.browser = browser
        self.base_url = base_url.rstrip("/")
        self.name = re.sub(r"[^\w.-]+", "_", name)
        self.pages = {}

    def url(self, path):
        return self.base_url + path

    def page_for(self, who):
        """A fresh browser (own cookies) for one person, e.g. the buyer or a CS."""
        context = self.browser.new_context(
            locale="id-ID", timezone_id="Asia/Jakarta", viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        self.pages[who] = page
        return page

    @contextmanager
    def step(self, title):
        try:
            yield
        except BaseException:
            self.keep_evidence(title)
            raise

    def keep_evidence(self, title):
        ARTIFACTS.mkdir(exist_ok=True)
        slug = re.sub(r"[^\w.-]+", "_", title)
        for who, page in self.pages.items():
            for number, open_page in enumerate(page.context.pages):
                stem = ARTIFACTS / f"{self.name}-{slug}-{who}-{number}"
                try:
                    open_page.screenshot(path=f"{stem}.png", full_page=True)
                    stem.with_suffix(".html").write_text(open_page.content(), encoding="utf-8")
                except Exception:  # noqa: BLE001  (a page that cannot be captured must not hide the real failure)
                    pass


@pytest.fixture
def journey(chromium, live_server, request):
    trip = Journey(chromium, live_server.url, request.node.name)
    yield trip
    for page in trip.pages.values():
        page.context.close()
