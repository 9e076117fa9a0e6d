"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser)."""

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM
# calls from it (SynchronousOnlyOperation) unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # While Playwright's loop runs, Django keeps this thread's connections apart from those
    # opened before it started and after it stops (asgiref's Local: a context variable inside
    # a running loop). A connection left open on either side outlived the other's close and
    # kept the test database from being dropped at the end of the run.
    connections.close_all()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    # The page's own requests (a figure's JSON, a typeahead) finish first: one still running in
    # a live server thread when the test's tables were flushed deadlocked with the flush.
    page.wait_for_load_state("networkidle")
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached aggregates must not leak from one test's (rolled back) data to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _live_server_closes_its_connections(monkeypatch):
    """The live server answers each request in a thread of its own, and a connection kept for
    reuse (``CONN_MAX_AGE``) outlived it: the suite's last step then waited, and failed, to drop
    the test database while that connection was open."""
    from django.db import DEFAULT_DB_ALIAS, connections

    monkeypatch.setitem(connections.settings[DEFAULT_DB_ALIAS], "CONN_MAX_AGE", 0)
