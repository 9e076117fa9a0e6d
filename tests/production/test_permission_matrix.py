"""Every role against every page, API endpoint and admin page found at run time.

Reads never fail with a 5xx; writes need the right role: anonymous and signed-in
non-curators are refused (401/403, or a redirect to the login page), never 2xx, and
nothing in the database changes.
"""

import pytest
from django.contrib import admin
from django.test import Client

from exoresist.urlmap import endpoints
from tests.production.conftest import ROLES, make_client
from tests.production.site_map import admin_change_urls, admin_urls, row_counts

WRITE_METHODS = ["post", "put", "patch", "delete"]
REFUSED = {302, 401, 403, 405}
#: Open to anyone by POST because they read (a text too long for an address) and write
#: nothing: answered, not refused; the row counts checked below still hold.
READS_BY_POST = {"/api/v1/recognise/"}


def all_urls() -> list[str]:
    urls = [e.url for e in endpoints()]
    for _, changelist, add in admin_urls():
        urls += [changelist, add]
    return urls + admin_change_urls() + ["/admin/"]


def send(client: Client, method: str, url: str):
    if method == "post":
        return client.post(url, {"name": "x", "statement": "x"})
    return getattr(client, method)(url, data="{}", content_type="application/json")


@pytest.mark.parametrize("role", ROLES)
def test_no_page_or_endpoint_fails_for_any_role(graph, role):
    client = make_client(role)
    failures = [(url, r.status_code) for url in all_urls() if (r := client.get(url)).status_code >= 500]
    assert not failures


@pytest.fixture(autouse=True)
def _no_throttling(monkeypatch):
    """The matrix sends hundreds of requests; a 429 would hide the answer being tested.
    Throttling itself is tested in tests/api/test_permissions.py."""
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "allow_request", lambda self, request, view: True)


@pytest.mark.parametrize("role", ["anonymous", "reader"])
def test_writes_are_refused_without_a_curator_role(graph, role):
    client = make_client(role)
    before = row_counts()
    wrong = []
    for url in all_urls():
        if url.rstrip("/").endswith(("login", "logout")):
            continue
        if url.endswith("/flag/"):
            # Readers may flag a possible error by design; tests/curation covers that the flag
            # is all such a post can create (the row counts below still hold: the post is empty).
            continue
        for method in WRITE_METHODS:
            response = send(client, method, url)
            if method == "post" and url in READS_BY_POST:
                assert response.status_code in (200, 400), (url, response.status_code)
                continue
            if response.status_code not in REFUSED:
                wrong.append((method.upper(), url, response.status_code))
            elif response.status_code == 302:
                assert "login" in response["Location"], (method, url, response["Location"])
    assert not wrong
    assert row_counts() == before


@pytest.mark.parametrize("role", ["curator", "editor", "superuser"])
def test_admin_pages_follow_the_roles_permissions(graph, role):
    client = make_client(role)
    request = client.get("/admin/").wsgi_request
    wrong = []
    for model, changelist, add in admin_urls():
        model_admin = admin.site._registry[model]
        can_view = model_admin.has_view_or_change_permission(request)
        can_add = model_admin.has_add_permission(request)
        for url, allowed, method in ((changelist, can_view, "get"), (add, can_add, "get"), (add, can_add, "post")):
            response = getattr(client, method)(url, {})
            expected = 200 if allowed else 403
            if response.status_code != expected:
                wrong.append((method.upper(), url, response.status_code, expected))
    assert not wrong


@pytest.mark.parametrize("role", ["curator", "editor", "superuser"])
def test_api_writes_follow_the_roles_permissions(graph, role):
    client = make_client(role)
    user = client.get("/").wsgi_request.user
    api = [e for e in endpoints() if e.is_api and not e.has_args and e.view_class is not None]
    if not api:
        pytest.skip("no /api/ endpoints in this build yet")
    wrong = []
    for endpoint in api:
        queryset = getattr(endpoint.view_class, "queryset", None)
        response = client.post(endpoint.url, data={}, content_type="application/json")
        if response.status_code >= 500:
            wrong.append((endpoint.url, response.status_code))
        if queryset is not None and response.status_code != 405:
            meta = queryset.model._meta
            allowed = user.has_perm(f"{meta.app_label}.add_{meta.model_name}")
            if allowed and response.status_code in (401, 403):
                wrong.append((endpoint.url, response.status_code, "refused a permitted write"))
            if not allowed and response.status_code not in (401, 403):
                wrong.append((endpoint.url, response.status_code, "accepted a forbidden write"))
    assert not wrong


def test_curators_cannot_delete_what_only_editors_may(graph):
    client = make_client("curator")
    before = row_counts()
    user = client.get("/").wsgi_request.user
    for url in admin_change_urls():
        delete_url = url.replace("/change/", "/delete/")
        model_label = "evidence." if "/evidence/" in url else ""
        response = client.post(delete_url, {"post": "yes"})
        if model_label and not user.has_perm(f"evidence.delete_{url.split('/')[3]}"):
            assert response.status_code == 403, delete_url
        assert response.status_code < 500
    for endpoint in (e for e in endpoints() if e.is_api and e.has_args):
        assert client.delete(endpoint.url).status_code == 405, endpoint.url  # no endpoint deletes
    counts = row_counts()
    assert counts["evidence.Evidence"] == before["evidence.Evidence"]
    assert counts["evidence.Drug"] == before["evidence.Drug"]
