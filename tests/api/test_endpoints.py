"""Endpoints, detail lookups, embedded content, pagination and the query-count bound."""

import pytest

from tests.api.helpers import ids, pub
from tests.factories import EvidenceFactory


def test_the_root_lists_every_endpoint(api, db):
    body = api.get("/api/v1/").json()
    for name in (
        "evidence",
        "citations",
        "drugs",
        "cargos",
        "cells",
        "mechanisms",
        "therapy-classes",
        "schema",
        "docs",
    ):
        assert name in body, name
        assert body[name].startswith("http://testserver/api/v1/")


DETAILS = [
    "/api/v1/evidence/{e1}/",
    "/api/v1/drugs/doxorubicin/",
    "/api/v1/cargos/hsa-mir-155-5p/",
    "/api/v1/cells/mcf-7/",
    "/api/v1/mechanisms/drug-efflux/",
    "/api/v1/therapy-classes/chemotherapy/",
    "/api/v1/citations/{c2015}/",
]


@pytest.mark.parametrize("url", [*DETAILS, "/api/v1/evidence/{e1_number}/", "/api/v1/evidence/{e1_lower}/"])
def test_every_detail_is_reachable_by_its_stable_identifier(api, corpus, url):
    e1 = corpus["e1"]
    url = url.format(e1=e1.public_id, e1_number=e1.pk, e1_lower=e1.public_id.lower(), c2015=corpus["c2015"].pk)
    response = api.get(url)
    assert response.status_code == 200, response.content[:300]


def test_the_browsable_api_renders_its_forms_for_a_curator(curator_api, corpus):
    """A curator sees the HTML forms; their choices were keyed by each entity's embedded
    summary, a dict, and every list and detail with one was a 500."""
    urls = [url.rsplit("/", 2)[0] + "/" for url in DETAILS] + DETAILS
    for url in urls:
        url = url.format(e1=corpus["e1"].public_id, c2015=corpus["c2015"].pk)
        response = curator_api.get(url, {"format": "api"})
        assert response.status_code == 200, url
        assert b"<form" in response.content, url
    # The form's options are the ids a write accepts.
    form = curator_api.get("/api/v1/evidence/", {"format": "api"}).content.decode()
    assert f'<option value="{corpus["c2015"].pk}"' in form


def test_an_unknown_or_malformed_identifier_is_a_404(api, corpus):
    assert api.get("/api/v1/evidence/EXR999999/").status_code == 404
    assert api.get("/api/v1/evidence/EXRabc/").status_code == 404
    # The number is read as the table's key, a bigint; past it nothing can match.
    assert api.get(f"/api/v1/evidence/EXR{2**63}/").status_code == 404
    assert api.get(f"/api/v1/evidence/{2**64}/").status_code == 404
    assert api.get("/api/v1/drugs/no-such-drug/").status_code == 404
    assert api.get("/api/v1/citations/999999/").status_code == 404


def test_an_evidence_item_embeds_what_a_reader_needs(api, corpus):
    item = api.get(f"/api/v1/evidence/{corpus['e2'].public_id}/").json()
    assert item["id"] == corpus["e2"].public_id
    assert item["statement"].startswith("Exosomal P-gp")
    assert item["cargos"][0]["symbol"] == "ABCB1" and item["cargos"][0]["kind"] == "protein"
    assert [d["name"] for d in item["drugs"]] == ["cisplatin", "doxorubicin"]
    assert item["therapy_class"]["slug"] == "chemotherapy"
    assert item["mechanisms"][0]["slug"] == "drug-efflux"
    assert item["source_cell"]["name"] == "MCF-7/ADR" and item["recipient_cell"]["name"] == "MCF-7"
    assert (item["effect"], item["level"], item["evidence_type"], item["subtype"]) == (
        "confers_resistance",
        "C",
        "predictive",
        "tnbc",
    )
    citation = item["citation"]
    assert citation["doi"] == "10.1000/beta" and citation["pmid"] == "222" and citation["year"] == 2019
    assert citation["title"] and citation["journal"] and citation["retracted"] is False
    assert item["html_url"] == f"http://testserver{corpus['e2'].get_absolute_url()}"
    assert item["drugs"][1]["url"] == "http://testserver/api/v1/drugs/doxorubicin/"
    assert item["drugs"][1]["html_url"] == "http://testserver" + corpus["dox"].get_absolute_url()
    assert citation["url"] == f"http://testserver/api/v1/citations/{corpus['c2019'].pk}/"
    # Every embedded link resolves.
    for url in [item["url"], citation["url"], item["therapy_class"]["url"], item["cargos"][0]["url"]]:
        assert api.get(url).status_code == 200


def test_a_list_item_is_the_detail(api, corpus):
    listed = {i["id"]: i for i in api.get("/api/v1/evidence/").json()["results"]}
    for name in ("e1", "e2", "e3", "e4"):
        detail = api.get(f"/api/v1/evidence/{corpus[name].public_id}/").json()
        assert listed[corpus[name].public_id] == detail


def test_drafts_do_not_leak_to_the_public(api, corpus):
    draft = corpus["draft"]
    assert api.get(f"/api/v1/evidence/{draft.public_id}/").status_code == 404
    assert draft.public_id not in ids(api.get("/api/v1/evidence/"))
    assert b"SECRET" not in api.get("/api/v1/evidence/", {"format": "csv"}).getvalue()
    assert b"SECRET" not in api.get("/api/v1/evidence/", {"format": "tsv"}).getvalue()


class TestPagination:
    URL = "/api/v1/evidence/"

    def test_it_pages_with_count_next_and_previous(self, api, corpus):
        first = api.get(self.URL, {"page_size": 3}).json()
        assert set(first) >= {"count", "next", "previous", "results"}
        assert first["count"] == 4 and first["count_exact"] is True
        assert len(first["results"]) == 3 and first["previous"] is None
        second = api.get(first["next"]).json()
        assert len(second["results"]) == 1 and second["next"] is None and second["count"] == 4
        assert pub(corpus["e1"]) == {r["id"] for r in second["results"]}
        assert api.get(second["previous"]).json() == first

    def test_the_default_page_is_fifty_and_the_maximum_five_hundred(self, api, db):
        EvidenceFactory.create_batch(51)
        body = api.get(self.URL).json()
        assert len(body["results"]) == 50 and body["next"]
        assert api.get(self.URL, {"page_size": 500}).status_code == 200

    @pytest.mark.parametrize(
        "params, status",
        [
            ({"page": "0"}, 400),
            ({"page": "two"}, 400),
            ({"page": "-1"}, 400),
            ({"page": "99"}, 404),
            ({"page_size": "0"}, 400),
            ({"page_size": "501"}, 400),
            ({"page_size": "lots"}, 400),
            ({"page": "99999999999999999999"}, 400),
        ],
    )
    def test_bad_pages_are_clear_errors(self, api, corpus, params, status):
        response = api.get(self.URL, params)
        assert response.status_code == status
        assert response.json()

    def test_count_is_capped_and_says_so(self, api, db, monkeypatch):
        from evidence.api.pagination import StandardPagination

        monkeypatch.setattr(StandardPagination, "count_cap", 5)
        EvidenceFactory.create_batch(8)
        # A filter the stored counts cannot size (a year; a level alone they can): counted up to the cap.
        query = {"level": "D", "year_min": "1900"}
        body = api.get(self.URL, {"page_size": 2, **query}).json()
        assert body["count"] == 5 and body["count_exact"] is False
        last = api.get(self.URL, {"page_size": 2, "page": 4, **query}).json()
        assert last["count"] == 8 and last["count_exact"] is True and last["next"] is None

    def test_a_list_narrowed_by_columns_is_counted_exactly_from_the_column_counts(self, api, db, monkeypatch):
        from evidence.api.pagination import StandardPagination

        monkeypatch.setattr(StandardPagination, "count_cap", 5)
        EvidenceFactory.create_batch(8, level="D")
        EvidenceFactory(level="C")
        body = api.get(self.URL, {"page_size": 2, "level": "d"}).json()
        assert body["count"] == 8 and body["count_exact"] is True

    def test_the_unfiltered_public_list_is_counted_exactly_from_the_stored_counts(
        self, api, curator_api, db, monkeypatch, django_assert_max_num_queries
    ):
        from evidence.api.pagination import StandardPagination

        monkeypatch.setattr(StandardPagination, "count_cap", 5)
        EvidenceFactory.create_batch(8)
        EvidenceFactory(status="draft")
        # The page (its names embedded), the stored total, and the test's savepoint.
        with django_assert_max_num_queries(7) as captured:
            body = api.get(self.URL, {"page_size": 2, "ordering": "-year"}).json()
        assert body["count"] == 8 and body["count_exact"] is True
        assert not any("COUNT(" in query["sql"] for query in captured.captured_queries)
        # A curator also sees the draft: the stored counts (accepted items only) do not apply.
        body = curator_api.get(self.URL, {"page_size": 2}).json()
        assert body["count"] == 5 and body["count_exact"] is False

    def test_a_text_search_is_counted_up_to_its_own_cap(self, api, db, monkeypatch):
        from evidence.api.pagination import StandardPagination

        monkeypatch.setattr(StandardPagination, "text_count_cap", 3)
        EvidenceFactory.create_batch(6, statement="Exosomal transfer of resistance.")
        body = api.get(self.URL, {"page_size": 2, "q": "exosomal"}).json()
        assert body["count"] == 3 and body["count_exact"] is False
        assert api.get(self.URL, {"page_size": 2}).json() | {"results": None} == {
            "count": 6,
            "count_exact": True,
            "next": "http://testserver/api/v1/evidence/?page=2&page_size=2",
            "previous": None,
            "results": None,
        }

    def test_a_text_search_with_a_full_page_is_not_counted_by_default(self, api, db, django_assert_max_num_queries):
        EvidenceFactory.create_batch(7, statement="Exosomal transfer of resistance.")
        with django_assert_max_num_queries(12) as captured:
            body = api.get(self.URL, {"page_size": 2, "q": "exosomal"}).json()
        assert not any("COUNT(" in query["sql"] for query in captured.captured_queries)
        assert body["count"] == 3 and body["count_exact"] is False and body["next"]
        page2 = api.get(self.URL, {"page_size": 2, "q": "exosomal", "page": 2}).json()
        assert page2["count"] == 5 and page2["count_exact"] is False
        last = api.get(self.URL, {"page_size": 2, "q": "exosomal", "page": 4}).json()
        assert last["count"] == 7 and last["count_exact"] is True and last["next"] is None
        small = api.get(self.URL, {"page_size": 10, "q": "exosomal"}).json()
        assert small["count"] == 7 and small["count_exact"] is True


#: Every list, and a list filtered every way at once.
LISTS = [
    "/api/v1/evidence/",
    "/api/v1/evidence/?drug=ADM&cargo=miR-155,miR-21&cell=MCF-7&q=exosom",
    "/api/v1/citations/",
    "/api/v1/drugs/",
    "/api/v1/cargos/",
    "/api/v1/cells/",
    "/api/v1/mechanisms/",
    "/api/v1/therapy-classes/",
]


def test_the_query_count_does_not_grow_with_the_page(api, corpus):
    # One test for every list: the 30 new items are the slow part, and they serve them all.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import CargoFactory, CitationFactory, DrugFactory, MechanismFactory

    def queries() -> dict[str, int]:
        counts = {}
        for url in LISTS:
            api.get(url)  # the first read of a data version also reads the citation letters (label_letters)
            with CaptureQueriesContext(connection) as ctx:
                assert api.get(url).status_code == 200
            counts[url] = len(ctx.captured_queries)
        return counts

    few = queries()
    for i in range(30):
        EvidenceFactory(
            statement=f"Exosomal cargo {i} confers resistance",
            drugs=[corpus["dox"], DrugFactory()],
            cargos=[corpus["mir155"], CargoFactory()],
            mechanisms=[MechanismFactory()],
            source_cell=corpus["mcf7adr"],
            recipient_cell=corpus["mcf7"],
            citation=CitationFactory(),
            secondary_source=corpus["c2015"],
        )
    many = queries()
    assert many == few
    # At most 10 data queries, plus the SAVEPOINT and RELEASE of the request's transaction.
    assert max(many.values()) <= 12, many
