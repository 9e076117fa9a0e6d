"""The network and matrix JSON endpoints and the pages that draw them."""

import pytest

from tests.factories import CargoFactory, DrugFactory, EvidenceFactory, MechanismFactory


def test_the_network_links_cargos_and_drugs_by_accepted_evidence(client, demo):
    data = client.get("/network.json").json()
    nodes = {n["label"]: n for n in data["nodes"]}
    assert nodes["doxorubicin"]["count"] == 4
    assert nodes["doxorubicin"]["url"] == "/drugs/doxorubicin/"
    assert nodes["hsa-miR-155-5p"]["kind"] == "cargo"
    links = {(link["source"], link["target"]): link for link in data["links"]}
    mir155, dox = nodes["hsa-miR-155-5p"]["id"], nodes["doxorubicin"]["id"]
    assert links[(mir155, dox)]["count"] == 1
    assert links[(mir155, dox)]["effect"] == "confers_resistance"
    assert links[(mir155, dox)]["url"] == "/evidence/?cargo=hsa-miR-155-5p&drug=doxorubicin"
    # The draft links ABCB1 and doxorubicin too, but must not count.
    abcb1 = nodes["ABCB1"]["id"]
    assert links[(abcb1, dox)]["count"] == 1


def test_the_network_takes_the_evidence_filters(client, demo):
    data = client.get("/network.json?drug=Herceptin").json()
    assert {n["label"] for n in data["nodes"]} == {"trastuzumab", "ERBB2"}
    assert client.get("/network.json?level=Q").status_code == 400
    assert client.get("/network.json?limit=x").status_code == 400


def test_the_network_keeps_only_the_strongest_links_when_asked(client, demo):
    data = client.get("/network.json?limit=2").json()
    assert len(data["links"]) == 2
    assert data["truncated"] is True


def test_the_matrix_counts_therapy_class_by_mechanism_with_parents_including_children(client, demo):
    data = client.get("/matrix.json").json()
    rows = [r["label"] for r in data["rows"]]
    columns = [c["slug"] for c in data["columns"]]
    chemo = data["cells"][rows.index("Chemotherapy")]
    assert chemo[columns.index("drug-efflux")]["count"] == 2  # GSTP1 (drug-efflux) + ABCB1 (its child term)
    assert chemo[columns.index("efflux-pump-transfer")]["count"] == 1
    assert chemo[columns.index("drug-efflux")]["url"] == "/evidence/?therapy_class=chemotherapy&mechanism=drug-efflux"
    assert data["max"] == 2


def test_the_matrix_by_drug_and_its_errors(client, demo):
    data = client.get("/matrix.json?rows=drug&therapy_class=chemotherapy").json()
    assert [r["label"] for r in data["rows"]] == ["docetaxel", "doxorubicin", "paclitaxel"]
    assert client.get("/matrix.json?rows=cells").status_code == 400


def test_the_picture_pages_render(client, demo):
    assert 'data-network="/network.json?drug=ADM"' in client.get("/network/?drug=ADM").content.decode()
    assert "data-matrix" in client.get("/matrix/?rows=drug").content.decode()


@pytest.mark.parametrize("filters", ["", "level=C"], ids=["unfiltered (stored counts)", "filtered"])
def test_the_pictures_query_counts_do_not_grow_with_the_data(client, db, django_assert_max_num_queries, filters):
    def make(n):
        mechanism = MechanismFactory()
        for _ in range(n):
            EvidenceFactory(drugs=[DrugFactory()], cargos=[CargoFactory()], mechanisms=[mechanism], level="C")

    network_url = f"/network.json?{filters}" if filters else "/network.json"
    matrix_url = f"/matrix.json?rows=drug&{filters}" if filters else "/matrix.json?rows=drug"
    make(5)
    # At most 6 data queries, plus the test transaction's SAVEPOINT and RELEASE.
    with django_assert_max_num_queries(8) as network:
        client.get(network_url)
    with django_assert_max_num_queries(8) as matrix:
        client.get(matrix_url)
    make(45)
    with django_assert_max_num_queries(len(network.captured_queries)):
        assert len(client.get(network_url).json()["nodes"]) == 100
    with django_assert_max_num_queries(len(matrix.captured_queries)):
        client.get(matrix_url)


def test_the_matrix_page_passes_evidence_filters_to_its_json(client, db):
    response = client.get("/matrix/?rows=drug&level=C&drug=doxorubicin")
    html = response.content.decode()
    assert 'href="/matrix.json?level=C&amp;drug=doxorubicin&amp;rows=drug&amp;columns=mechanism"' in html
    assert "rows=drug&amp;rows" not in html


def test_the_unfiltered_pictures_from_the_stored_counts_equal_those_counted_from_the_items(demo):
    from evidence.models import Evidence
    from evidence.site import graphs

    public = Evidence.objects.public()
    for limit in (1, 2, 5, 150):
        assert graphs.network_of_all(max_edges=limit) == graphs.network(public, max_edges=limit), limit
    assert graphs.matrix_of_all("therapy_class") == graphs.matrix(public, "therapy_class")
    assert graphs.matrix_of_all("drug") == graphs.matrix(public, "drug")
