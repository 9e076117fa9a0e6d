"""Whole-table exports are complete files (issue 15, items 2 and 15): sent with their length,
the public unfiltered ones kept per data version, builds limited site-wide and per client."""

from pathlib import Path

import pytest
from django.core.cache import cache

from evidence.api import views
from exoresist.data_version import bump_version
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def kept(settings) -> list[str]:
    return sorted(p.name for p in Path(settings.EXORESIST_EXPORTS_DIR).iterdir())


def test_an_export_is_sent_with_its_length(api, corpus):
    response = api.get("/api/v1/evidence/", {"format": "csv", "drug": "ADM"})
    assert response.status_code == 200
    content = body(response)
    assert int(response["Content-Length"]) == len(content) and content.count(b"\r\n") == 3


def test_the_public_unfiltered_export_is_built_once_per_data_version(api, corpus, settings):
    first = body(api.get("/api/v1/evidence/", {"format": "csv"}))
    [name] = kept(settings)
    assert name.startswith("exoresist-evidence-") and name.endswith(".csv")
    Path(settings.EXORESIST_EXPORTS_DIR, name).write_bytes(b"kept\r\n")
    assert body(api.get("/api/v1/evidence/", {"format": "csv"})) == b"kept\r\n"  # served, not rebuilt
    bump_version()  # what a committed public change does
    assert body(api.get("/api/v1/evidence/", {"format": "csv"})) == first
    assert len(kept(settings)) == 1  # the older version's file is gone


@pytest.mark.parametrize("query", [{"drug": "ADM"}, {"ordering": "-year"}])
def test_filtered_exports_are_not_kept(api, corpus, settings, query):
    assert api.get("/api/v1/evidence/", {"format": "tsv", **query}).status_code == 200
    assert kept(settings) == []


def test_a_curators_export_with_drafts_is_never_the_shared_file(api, curator_api, corpus, settings):
    draft = EvidenceFactory(status="draft", statement="An unreviewed claim.")
    public = body(api.get("/api/v1/evidence/", {"format": "csv"}))
    mine = body(curator_api.get("/api/v1/evidence/", {"format": "csv"}))
    assert draft.public_id.encode() in mine and draft.public_id.encode() not in public
    assert body(api.get("/api/v1/evidence/", {"format": "csv"})) == public
    assert len(kept(settings)) == 1


def test_the_citations_bibtex_export_is_a_complete_file(api, corpus):
    response = api.get("/api/v1/citations/", {"format": "bibtex"})
    content = body(response)
    assert int(response["Content-Length"]) == len(content) and content.count(b"@article") == 3


def test_one_client_builds_one_export_at_a_time(api, corpus, settings):
    cache.set("exoresist:exports:client:ip:127.0.0.1", settings.EXORESIST_EXPORTS_PER_CLIENT)
    response = api.get("/api/v1/evidence/", {"format": "csv"})
    assert response.status_code == 429 and response["Retry-After"]
    assert b"exports being built" in response.content  # as CSV, the format asked for
    other = api.get("/api/v1/evidence/", {"format": "csv"}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200
    assert cache.get("exoresist:exports:client:ip:10.0.0.2") == 0  # its slot was given back


def test_builds_are_capped_site_wide_and_a_kept_file_needs_no_build(api, corpus, settings):
    assert api.get("/api/v1/evidence/", {"format": "csv"}).status_code == 200  # kept for this version
    cache.set("exoresist:exports:running", settings.EXORESIST_EXPORT_BUILDS)
    response = api.get("/api/v1/evidence/", {"format": "csv", "drug": "ADM"})
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b"building other exports" in response.content
    assert api.get("/api/v1/evidence/", {"format": "csv"}).status_code == 200  # from disk


def test_an_export_that_fails_half_way_is_an_error_and_leaves_nothing(api, corpus, settings, monkeypatch):
    def rows_then_failure(self, queryset):
        yield ["EXR000001"] + [""] * 18
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views.EvidenceViewSet, "export_rows", rows_then_failure)
    api.raise_request_exception = False
    response = api.get("/api/v1/evidence/", {"format": "csv"})
    assert response.status_code == 500
    assert kept(settings) == []  # no partial file, kept or temporary
    assert cache.get("exoresist:exports:running") == 0


def test_one_worker_builds_a_kept_file_and_the_others_come_back(api, corpus, settings):
    from exoresist.data_version import get_version

    cache.set(f"exoresist:exports:building:exoresist-evidence-{get_version()}.csv", 1)
    response = api.get("/api/v1/evidence/", {"format": "csv"})
    assert response.status_code == 503 and b"being prepared" in response.content
    assert api.get("/api/v1/evidence/", {"format": "csv", "drug": "ADM"}).status_code == 200  # others go on
