"""Login throttling, CSRF on every form, Content-Security-Policy and the other security
headers, and templates that the policy can be strict about (no inline script or style)."""

import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from exoresist.urlmap import endpoints
from tests.factories import UserFactory
from tests.production.conftest import make_client
from tests.production.site_map import admin_urls, row_counts

TEMPLATE_DIRS = [
    Path(django_settings.BASE_DIR) / "templates",
    Path(django_settings.BASE_DIR) / "evidence" / "templates",
]


def test_pages_carry_a_strict_content_security_policy(graph):
    response = make_client("anonymous").get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "img-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize("url", ["/", "/admin/login/", "/healthz"])
def test_security_headers(db, url):
    response = make_client("anonymous").get(url)
    assert response["X-Content-Type-Options"] == "nosniff"
    if url != "/healthz":
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def template_files():
    for directory in TEMPLATE_DIRS:
        if directory.exists():
            yield from directory.rglob("*.html")


@pytest.mark.parametrize("template", list(template_files()), ids=lambda p: str(p.name))
def test_templates_need_no_inline_script_or_style(template):
    """The CSP allows scripts and styles from static files only: keep templates compatible."""
    source = template.read_text()
    inline_scripts = [
        tag for tag in re.findall(r"<script\b[^>]*>", source, re.I) if "src=" not in tag and "json" not in tag.lower()
    ]
    assert not inline_scripts, f"inline <script> in {template}: move it to a static .js file"
    assert not re.search(r"<style\b", source, re.I), f"<style> block in {template}: use a static .css file"
    assert not re.search(r"\sstyle\s*=", source, re.I), f'style="" attribute in {template}: use a CSS class'
    assert not re.search(r"\son[a-z]+\s*=", source, re.I), f"inline event handler in {template}"
    assert "javascript:" not in source.lower(), f"javascript: URL in {template}"


def test_every_form_and_endpoint_needs_a_csrf_token(graph):
    """A signed-in curator's browser must not be made to post by another site."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(UserFactory(username="csrf-curator", groups=["Curators"]))
    before = row_counts()
    urls = [e.url for e in endpoints()] + [add for _, _, add in admin_urls()] + ["/admin/logout/"]
    unprotected = [url for url in urls if client.post(url, {"name": "x"}).status_code != 403]
    assert not unprotected
    assert row_counts() == before


def test_the_login_form_needs_a_csrf_token(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD = "correct horse battery staple"


def test_repeated_failed_logins_lock_the_account_out(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.AXES_ENABLED = True
    user = UserFactory(username="target", groups=["Curators"])
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/admin/login/?next=/admin/", {"username": "target", "password": "wrong"})
    locked = client.post("/admin/login/?next=/admin/", {"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert user.is_active


def test_a_successful_login_before_the_limit_is_not_throttled(db, settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS
    settings.AXES_ENABLED = True
    UserFactory(username="fumbler", groups=["Curators"])
    client = Client()
    client.post("/admin/login/", {"username": "fumbler", "password": "wrong"})
    response = client.post("/admin/login/?next=/admin/", {"username": "fumbler", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_the_anonymous_api_throttle_is_configured(settings):
    assert "evidence.api.throttling.AnonWindowThrottle" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"]


def test_anonymous_api_clients_are_throttled_per_ip(graph, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import AnonRateThrottle

    api = [e for e in endpoints() if e.is_api and not e.has_args]
    if not api:
        pytest.skip("no /api/ endpoints in this build yet")
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    cache.clear()
    client = make_client("anonymous")
    statuses = [client.get(api[0].url, REMOTE_ADDR="203.0.113.9").status_code for _ in range(5)]
    assert statuses[-1] == 429
    assert client.get(api[0].url, REMOTE_ADDR="203.0.113.10").status_code != 429
    cache.clear()


def test_client_ip_trusts_only_the_configured_proxies(rf, settings):
    from exoresist.middleware import client_ip

    request = rf.get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7", REMOTE_ADDR="10.0.0.2")
    settings.EXORESIST_NUM_PROXIES = 0
    assert client_ip(request) == "10.0.0.2"
    settings.EXORESIST_NUM_PROXIES = 1
    assert client_ip(request) == "198.51.100.7"


def policy_of(response) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("url", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_api_documentation_pages_load_everything_from_this_site(db, url):
    """Swagger UI and ReDoc come from drf_spectacular_sidecar's static files: no other host in
    the page or its policy, and no inline <script> block."""
    response = make_client("anonymous").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]", page, re.I), page
    assert re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", page, re.I) == []
    assets = re.findall(r'<script src="([^"]+)"', page) + re.findall(r'<link[^>]+href="([^"]+)"', page)
    bundles = [asset for asset in assets if not asset.startswith(url)]  # docs/?script: the setup script
    assert bundles and all(asset.startswith("/static/") for asset in bundles), assets
    assert any("/static/drf_spectacular_sidecar/" in asset for asset in bundles), assets
    policy = policy_of(response)
    assert not re.search(r"https?:|//|\*", str(policy)), policy
    assert policy["script-src"] == "'self'"


def test_only_redoc_gets_inline_styles_and_a_blob_worker(db):
    """ReDoc (styled-components) adds <style> elements and starts a blob: worker, so its page
    gets style-src 'unsafe-inline' and worker-src blob:; Swagger UI and the rest of the site
    keep the site's policy as it is."""
    client = make_client("anonymous")
    site = policy_of(client.get("/evidence/"))
    assert policy_of(client.get("/api/v1/docs/")) == site
    redoc = policy_of(client.get("/api/v1/redoc/"))
    assert redoc == {**site, "style-src": "'self' 'unsafe-inline'", "worker-src": "blob:"}
    assert "unsafe-inline" not in str(site)


def inline_code(body: str) -> list[str]:
    """What a strict CSP (no 'unsafe-inline') would block in a rendered page."""
    found = [
        tag
        for tag in re.findall(r"<script\b[^>]*>", body, re.I)
        if "src=" not in tag and "application/json" not in tag.lower() and "ld+json" not in tag.lower()
    ]
    found += re.findall(r"<style\b[^>]*>", body, re.I)
    found += re.findall(r"""\sstyle\s*=\s*["'][^"']*["']""", body, re.I)
    found += re.findall(r"\son[a-z]+\s*=", body, re.I)
    return found


def test_rendered_pages_including_the_api_docs_satisfy_the_csp(graph):
    """The template check above misses pages rendered from installed apps' templates
    (the admin, drf-spectacular's Swagger UI and ReDoc): look at what is actually served."""
    anonymous, admin = make_client("anonymous"), make_client("superuser")
    pages = [(anonymous, e.url) for e in endpoints()]
    pages += [(anonymous, "/api/v1/docs/"), (anonymous, "/api/v1/redoc/")]
    pages += [(anonymous, "/admin/login/"), (admin, "/admin/"), (admin, "/admin/evidence/evidence/")]
    pages += [(admin, "/admin/evidence/evidence/add/"), (admin, f"/admin/evidence/evidence/{graph.pk}/change/")]
    offending, checked = {}, set()
    for client, url in pages:
        response = client.get(url)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        checked.add(url)
        found = inline_code(response.content.decode())
        if found:
            offending[url] = found[:3]
    assert {"/api/v1/docs/", "/api/v1/redoc/", "/admin/evidence/evidence/add/"} <= checked
    assert not offending


def test_the_swagger_ui_setup_script_is_a_same_origin_file(db):
    client = make_client("anonymous")
    page = client.get("/api/v1/docs/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    local = [src for src in scripts if src.startswith("/")]
    assert local, scripts
    response = client.get(local[-1].replace("&amp;", "&"))
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert b"SwaggerUIBundle" in response.content
