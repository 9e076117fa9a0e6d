"""Browser tests: Playwright for Python driving Debian's chromium (never a downloaded browser)."""

import os
from pathlib import Path

import pytest
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM
# calls from it (SynchronousOnlyOperation) unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _SerialLiveServer(WSGIServer):
    """One request at a time, on the live server's own thread.

    On SQLite the test database lives in memory and Django hands the live server
    the test's single connection. Django's default threaded server then lets
    two browser requests (the home page fetches network.json and matrix.json at
    once) open a transaction on that one connection together, and the second
    fails with "cannot start a transaction within a transaction". A serial
    server never shares the connection; the server answers with
    ``Connection: close`` so the browser does not hold it for keep-alive.
    """

    def __init__(self, *args, connections_override=None, **kwargs):
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _serial_live_server():
    original = LiveServerThread.server_class
    LiveServerThread.server_class = _SerialLiveServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Cached aggregates must not leak from one test's (rolled back) data to the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
