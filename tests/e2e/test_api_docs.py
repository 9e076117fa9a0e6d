"""The API documentation pages render in headless chromium under the site's real
Content-Security-Policy, with every script, style and image from this site."""

import pytest

# serialized_rollback as test_browser.py: a flush without it re-creates the content types, which
# the next serialized-rollback test then restores over (a unique-constraint error when run alone).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# ReDoc's side menu always shows "API docs by Redocly" with an <img> whose src is hard-coded to
# this address. The policy refuses it before any request leaves the browser (Playwright reports
# the request as failed with "csp") and ReDoc drops the image on the error. It is the one refusal
# the docs pages may show; any other one fails the tests.
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture
def watched(page, live_server):
    """The page, with what it reports about the policy and every request it makes."""
    page.refusals, page.errors, page.answered, page.failed = [], [], [], []

    def on_console(message):
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            page.refusals.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("response", lambda response: page.answered.append(response.url))
    page.on("requestfailed", lambda request: page.failed.append((request.url, request.failure)))
    page.origin = live_server.url
    return page


def policy_of(response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def only_this_site(page) -> None:
    """Everything the browser fetched came from the live server (or a blob: the page made)."""
    outside = [url for url in page.answered if not url.startswith((page.origin + "/", "blob:" + page.origin))]
    assert outside == []


def test_swagger_ui_renders_the_operations_under_the_csp(watched):
    response = watched.goto("/api/v1/docs/")
    policy = policy_of(response)
    assert "http" not in str(policy) and "unsafe-inline" not in str(policy)
    watched.locator("#operations-evidence-evidence_list").wait_for()
    assert "/api/v1/evidence/" in watched.locator("#operations-evidence-evidence_list").inner_text()
    assert "ExoResist API" in watched.locator(".info .title").inner_text()
    watched.wait_for_load_state("networkidle")
    assert watched.refusals == [] and watched.errors == [] and watched.failed == []
    only_this_site(watched)
    assert any("/static/drf_spectacular_sidecar/swagger-ui-dist/" in url for url in watched.answered)


def test_redoc_renders_the_api_under_the_csp(watched):
    response = watched.goto("/api/v1/redoc/")
    policy = policy_of(response)
    assert "http" not in str(policy)
    assert policy["script-src"] == "'self'"
    watched.locator("h1", has_text="ExoResist API").wait_for()
    # The evidence list operation is documented with its path, and ReDoc's styles applied
    # (the side menu is a narrow column, not the width of the page).
    operation = watched.locator('[data-section-id="operation/evidence_list"]')
    operation.wait_for()
    assert "/api/v1/evidence/" in operation.inner_text()
    assert 0 < watched.locator(".menu-content").bounding_box()["width"] < 400
    watched.wait_for_load_state("networkidle")
    assert watched.errors == []
    assert [text for text in watched.refusals if REDOCLY_LOGO not in text or "img-src" not in text] == []
    assert watched.failed in ([], [(REDOCLY_LOGO, "csp")])
    only_this_site(watched)
    assert any("/static/drf_spectacular_sidecar/redoc/" in url for url in watched.answered)
