"""Global search with synonyms, the exact-match redirect and typeahead."""

import pytest


@pytest.fixture
def demo(demo_for_module, db):
    # Built once per module: no test here changes its objects in memory.
    return demo_for_module


@pytest.mark.parametrize("query", ["Adriamycin", "ADM", "adriamycin", "DOX", "doxorubicin"])
def test_a_drug_name_or_alias_redirects_to_the_drug(client, demo, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 302
    assert response["Location"] == "/drugs/doxorubicin/"


def test_a_cargo_alias_redirects_to_the_cargo(client, demo):
    assert client.get("/search/", {"q": "P-gp"})["Location"] == "/cargos/abcb1/"
    assert client.get("/search/", {"q": "miR-155"})["Location"] == "/cargos/hsa-mir-155-5p/"


def test_a_public_id_doi_or_pmid_redirects_to_its_page(client, demo, django_assert_num_queries):
    # Only whether the item is public is read: building an Evidence for its address looked
    # its default cancer type up (get_or_create, a write on a read).
    with django_assert_num_queries(3) as captured:  # in the request's savepoint
        response = client.get("/search/", {"q": demo.evidence[0].public_id})
    assert not [query for query in captured.captured_queries if "cancertype" in query["sql"]]
    assert response["Location"] == demo.evidence[0].get_absolute_url()
    ning = demo.citations["ning2017"]
    assert client.get("/search/", {"q": "https://doi.org/10.1000/DEMO.ning2017"})["Location"] == ning.get_absolute_url()
    assert client.get("/search/", {"q": "PMID: 28000001"})["Location"] == ning.get_absolute_url()


def test_a_partial_query_lists_results_across_kinds(client, demo):
    response = client.get("/search/", {"q": "resist"})
    assert response.status_code == 200
    kinds = {group.kind: group.total for group in response.context["results"].kinds}
    assert kinds["evidence"] >= 5
    assert kinds["citation"] >= 1
    html = client.get("/search/", {"q": "taxel"}).content.decode()
    assert 'href="/drugs/paclitaxel/"' in html and 'href="/drugs/docetaxel/"' in html


def test_all_1_shows_results_even_for_an_exact_name(client, demo):
    response = client.get("/search/", {"q": "ADM", "all": "1"})
    assert response.status_code == 200
    assert [d.name for d in response.context["results"].kinds[0].items] == ["doxorubicin"]


def test_a_draft_is_never_a_search_result(client, demo):
    response = client.get("/search/", {"q": "DRAFT finding"})
    assert response.context["results"].total == 0
    assert "Nothing matches" in response.content.decode()
    assert client.get("/search/", {"q": demo.evidence[-1].public_id}).status_code == 200


def test_an_empty_or_hostile_query_is_harmless(client, demo):
    assert client.get("/search/").status_code == 200
    assert client.get("/search/", {"q": "x" * 5000}).status_code == 200
    # A NUL byte in the address is refused before any view runs (exoresist.middleware).
    response = client.get("/search/", {"q": "a\x00b"})
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_typeahead_suggests_by_alias_prefix(client, demo):
    results = client.get("/search/typeahead/", {"q": "Adria"}).json()["results"]
    assert results[0]["name"] == "doxorubicin"
    assert results[0]["via"] == "Adriamycin"
    assert results[0]["url"] == "/drugs/doxorubicin/"


def test_typeahead_suggests_exact_synonyms_first_and_other_kinds(client, demo):
    results = client.get("/search/typeahead/", {"q": "mir-155"}).json()["results"]
    assert results[0]["url"] == "/cargos/hsa-mir-155-5p/"
    kinds = {r["kind"] for r in client.get("/search/typeahead/", {"q": "efflux"}).json()["results"]}
    assert "mechanism" in kinds


def test_typeahead_needs_two_characters_and_is_bounded(client, demo, django_assert_max_num_queries):
    assert client.get("/search/typeahead/", {"q": "a"}).json()["results"] == []
    with django_assert_max_num_queries(15):
        results = client.get("/search/typeahead/", {"q": "hs"}).json()["results"]
    assert len(results) <= 10
