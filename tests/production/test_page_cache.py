"""Anonymous GETs from the cache, invalidated by any change to curated data; ETag and
Last-Modified answered with 304; never cached for signed-in users or writes; a dead
Redis leaves the site serving, uncached."""

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.db.models.signals import post_save
from django.utils.http import http_date

from evidence.choices import Status
from exoresist import data_version
from tests.factories import DrugAliasFactory, EvidenceFactory
from tests.production.conftest import make_client

CLOSED_PORT_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
    }
}


@pytest.fixture
def page_cache(settings, graph):
    settings.EXORESIST_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


def test_a_second_anonymous_get_is_served_from_the_cache(page_cache, django_assert_num_queries):
    client = make_client("anonymous")
    first = client.get("/")
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get("/")
    assert second.status_code == 200
    assert second.content == first.content
    assert second.wsgi_request.page_cache == "hit"


def test_an_accepted_edit_invalidates_cached_pages(page_cache, django_capture_on_commit_callbacks):
    client = make_client("anonymous")
    client.get("/")
    with django_capture_on_commit_callbacks(execute=True):
        EvidenceFactory(statement="Freshly accepted: exosomal circRNA-X reverses tamoxifen resistance.")
    response = client.get("/")
    assert b"circRNA-X" in response.content
    assert response.wsgi_request.page_cache == "miss"


def test_a_many_to_many_change_invalidates_too(page_cache, graph, django_capture_on_commit_callbacks):
    before = data_version.get_version()
    with django_capture_on_commit_callbacks(execute=True):
        graph.mechanisms.clear()
    assert data_version.get_version() != before


def test_a_transaction_bumps_the_version_once_after_commit(page_cache, settings, django_capture_on_commit_callbacks):
    settings.EXORESIST_DEDUPLICATE_BUMPS = True
    before = data_version.get_version()
    # Start from an empty list as a real request's transaction would (the test's own has old callbacks).
    connection.run_on_commit = []
    with django_capture_on_commit_callbacks() as callbacks:
        alias = DrugAliasFactory()
        alias.name = "renamed"
        alias.save()
        assert data_version.get_version() == before, "bumped before the commit"
    assert len([c for c in callbacks if c is data_version._public_data_committed]) == 1
    for callback in callbacks:
        callback()
    assert data_version.get_version() != before


CURATED_MODELS = [
    m
    for m in apps.get_app_config("evidence").get_models()
    if not hasattr(m, "instance_type") and getattr(m, "shown_on_public_pages", True)
]
#: Curation-only models: no public page shows them (flags, comments, suggested revisions).
CURATION_ONLY = [m for m in apps.get_app_config("evidence").get_models() if m not in CURATED_MODELS]


@pytest.mark.parametrize("model", CURATED_MODELS, ids=lambda m: m.__name__)
def test_every_curated_model_invalidates_the_cache(page_cache, model, django_capture_on_commit_callbacks):
    receivers = [r for r in post_save._live_receivers(model)[0] if r is data_version._on_save_or_delete]
    assert receivers, "the data-version receiver does not listen to this model"
    before = data_version.get_version()
    with django_capture_on_commit_callbacks(execute=True):
        data_version._on_save_or_delete(sender=model, instance=None, using="default")
    assert data_version.get_version() != before


@pytest.mark.parametrize(
    "model", [m for m in CURATION_ONLY if not hasattr(m, "instance_type")], ids=lambda m: m.__name__
)
def test_curation_only_models_leave_the_cache(page_cache, model, django_capture_on_commit_callbacks):
    before = data_version.get_version()
    with django_capture_on_commit_callbacks(execute=True):
        data_version._on_save_or_delete(sender=model, instance=None, using="default")
    assert data_version.get_version() == before


def test_models_outside_the_curated_apps_do_not_invalidate(page_cache, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User

    before = data_version.get_version()
    with django_capture_on_commit_callbacks(execute=True):
        data_version._on_save_or_delete(sender=User, instance=None, using="default")
    assert data_version.get_version() == before


def test_signed_in_users_are_never_served_or_stored_in_the_cache(page_cache, curator_client):
    anonymous = make_client("anonymous")
    anonymous.get("/")
    response = curator_client.get("/")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "page_cache")
    assert "public" not in response.get("Cache-Control", "")


def test_writes_and_admin_pages_are_not_cached(page_cache):
    client = make_client("anonymous")
    client.post("/")
    assert not hasattr(client.post("/").wsgi_request, "page_cache")
    assert not hasattr(client.get("/admin/login/").wsgi_request, "page_cache")


def test_etag_revalidation_answers_304_without_touching_the_database(page_cache, django_assert_num_queries):
    client = make_client("anonymous")
    response = client.get("/")
    etag = response["ETag"]
    assert response["Last-Modified"]
    with django_assert_num_queries(0):
        revalidated = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert revalidated.status_code == 304
    assert revalidated["ETag"] == etag
    assert client.get("/", HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_last_modified_revalidation_answers_304_until_the_data_changes(page_cache, django_capture_on_commit_callbacks):
    client = make_client("anonymous")
    last_modified = client.get("/")["Last-Modified"]
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        EvidenceFactory()
    data_version.bump_version()
    assert client.get("/", HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_an_edit_changes_the_etag(page_cache, django_capture_on_commit_callbacks):
    client = make_client("anonymous")
    etag = client.get("/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        EvidenceFactory()
    response = client.get("/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_the_representation_is_part_of_the_key(page_cache):
    client = make_client("anonymous")
    html = client.get("/", HTTP_ACCEPT="text/html")
    other = client.get("/", HTTP_ACCEPT="application/json")
    assert html["ETag"] != other["ETag"]
    assert "Accept" in html["Vary"]


def test_without_a_shared_cache_pages_still_get_content_etags(graph, settings):
    settings.EXORESIST_PAGE_CACHE = False
    settings.EXORESIST_SHARED_CACHE = False
    client = make_client("anonymous")
    response = client.get("/")
    assert response.has_header("ETag")
    assert client.get("/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_redis_down_the_site_keeps_serving_uncached(graph, settings):
    settings.CACHES = CLOSED_PORT_REDIS
    settings.EXORESIST_PAGE_CACHE = True
    settings.EXORESIST_SHARED_CACHE = True
    client = make_client("anonymous")
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200
        assert response.wsgi_request.page_cache == "unavailable"
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["cache"] == "unavailable"
    assert health.json()["status"] == "degraded"


def test_detail_pages_that_look_at_the_user_are_cached_for_anonymous_visitors(page_cache, graph):
    client = make_client("anonymous")
    client.get(graph.get_absolute_url())
    response = client.get(graph.get_absolute_url())
    assert response.wsgi_request.page_cache == "hit"


def test_pages_with_a_csrf_token_are_never_cached(page_cache, settings):
    settings.ROOT_URLCONF = "tests.production.replica_urls"
    client = make_client("anonymous")
    client.get("/admin/login/")  # the visitor has a CSRF cookie now
    first = client.get("/csrf-form/")
    second = client.get("/csrf-form/")
    assert first.status_code == second.status_code == 200
    assert not hasattr(second.wsgi_request, "page_cache")


def test_a_visitor_with_pending_messages_is_not_served_from_the_cache(page_cache):
    client = make_client("anonymous")
    client.get("/")
    client.cookies["messages"] = "pending"
    assert not hasattr(client.get("/").wsgi_request, "page_cache")


def test_saving_a_draft_keeps_the_cached_pages(page_cache, graph, django_capture_on_commit_callbacks):
    before = data_version.get_version()
    with django_capture_on_commit_callbacks(execute=True):
        draft = EvidenceFactory(status=Status.DRAFT, citation=graph.citation, drugs=list(graph.drugs.all()))
        draft.statement = "Still a draft."
        draft.save()
        draft.mechanisms.set(list(graph.mechanisms.all()))
    assert data_version.get_version() == before


def test_accepting_or_withdrawing_evidence_invalidates(page_cache, django_capture_on_commit_callbacks):
    draft = EvidenceFactory(status=Status.DRAFT)
    before = data_version.get_version()
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Status.ACCEPTED
        draft.save()
    accepted = data_version.get_version()
    assert accepted != before
    loaded = type(draft).objects.get(pk=draft.pk)
    with django_capture_on_commit_callbacks(execute=True):
        loaded.status = Status.REJECTED
        loaded.save()
    assert data_version.get_version() != accepted


def test_history_rows_alone_do_not_invalidate(page_cache, graph, django_capture_on_commit_callbacks):
    before = data_version.get_version()
    history_model = type(graph).history.model
    with django_capture_on_commit_callbacks(execute=True):
        data_version._on_save_or_delete(sender=history_model, instance=None, using="default")
    assert data_version.get_version() == before


def test_conditional_requests_for_a_missing_page_are_not_answered_304(page_cache):
    client = make_client("anonymous")
    client.get("/")
    future = http_date(4102444800)  # 2100
    assert client.get("/no-such-page/", HTTP_IF_MODIFIED_SINCE=future).status_code == 404
    assert client.get("/no-such-page/", HTTP_IF_NONE_MATCH="*").status_code == 404


def representative_urls(graph) -> list[str]:
    """A page list, a page detail, an API list and an API detail (not only the home page)."""
    from exoresist.urlmap import list_endpoints

    lists = [e.url for e in list_endpoints()]
    html_list = next(url for url in lists if not url.startswith("/api/") and "evidence" in url)
    api_list = next(url for url in lists if url.startswith("/api/") and "evidence" in url)
    return [html_list, graph.get_absolute_url(), api_list, f"{api_list}{graph.pk}/"]


def test_lists_details_and_the_api_are_cached_revalidated_and_invalidated(
    page_cache, graph, django_assert_num_queries, django_capture_on_commit_callbacks
):
    client = make_client("anonymous")
    urls = representative_urls(graph)
    first = {url: client.get(url) for url in urls}
    assert {url: response.status_code for url, response in first.items()} == dict.fromkeys(urls, 200)
    for url, response in first.items():
        with django_assert_num_queries(0):
            again = client.get(url)
            revalidated = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.wsgi_request.page_cache == "hit", url
        assert again.content == response.content, url
        assert revalidated.status_code == 304, url
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304, url
    with django_capture_on_commit_callbacks(execute=True):
        graph.statement = "Edited and accepted: exosomal miR-155 statement zq7fresh."
        graph.save()
    for url, response in first.items():
        fresh = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert fresh.status_code == 200, url
        assert fresh.wsgi_request.page_cache == "miss", url
        assert b"zq7fresh" in fresh.content, url
