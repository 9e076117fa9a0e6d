"""The network and matrix JSON endpoints and the pages that draw them."""

import re

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


@pytest.mark.django_db
def test_the_matrix_rows_and_columns_sort_names_as_the_lists_do(client):
    """The drug rows sorted capitals first (U18666A before beta-elemene), unlike /drugs/."""
    efflux, escape = MechanismFactory(name="drug efflux"), MechanismFactory(name="Immune escape")
    for name, mechanism in (("U18666A", efflux), ("beta-elemene", escape), ("Cisplatin", efflux)):
        EvidenceFactory(status="accepted", drugs=[DrugFactory(name=name)], mechanisms=[mechanism])
    data = client.get("/matrix.json?rows=drug&level=A,B,C,D,E").json()
    assert [r["label"] for r in data["rows"]] == ["beta-elemene", "Cisplatin", "U18666A"]
    assert [c["label"] for c in data["columns"]] == ["drug efflux", "Immune escape"]


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


def _listed(client, url: str) -> int:
    """How many items the evidence list shows at ``url``."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["page"].paginator.count


@pytest.mark.parametrize(
    "filters", ["", "therapy_class=chemotherapy", "level=C&level=B", "drug=doxorubicin", "cargo=hsa-miR-155-5p"]
)
def test_each_network_link_lists_as_many_items_as_it_counts_under_the_same_filters(client, demo, filters):
    data = client.get(f"/network.json?{filters}").json()
    assert data["links"] and any(link["url"] for link in data["links"])
    for link in data["links"]:
        # Under a cargo or drug filter, a pair outside it cannot be one list: no link.
        if link["url"] is None:
            continue
        assert _listed(client, link["url"]) == link["count"], link
        for name_value in filters.split("&") if filters else ():
            assert name_value in link["url"]


@pytest.mark.parametrize("columns", ["mechanism", "cargo_kind"])
@pytest.mark.parametrize(
    "filters",
    # The last ones filter on the matrix's own rows or columns: a cell of another value has no link.
    ["", "level=C", "mechanism=drug-efflux", "drug=doxorubicin", "cargo_type=protein", "therapy_class=chemotherapy"],
)
def test_each_matrix_count_lists_as_many_items_under_the_same_filters(client, demo, columns, filters):
    for rows in ("therapy_class", "drug"):
        data = client.get(f"/matrix.json?rows={rows}&columns={columns}&{filters}").json()
        assert data["rows_by"] == rows and data["columns_by"] == columns
        counted = [cell for line in data["cells"] for cell in line if cell["count"]]
        assert counted and any(cell["url"] for cell in counted)
        for cell in counted:
            assert cell["url"] is None or _listed(client, cell["url"]) == cell["count"], cell


def test_the_matrix_by_cargo_kind_counts_items_per_kind(client, demo):
    from evidence.models import Evidence

    data = client.get("/matrix.json?columns=cargo_kind").json()
    kinds = [c["slug"] for c in data["columns"]]
    assert data["columns"][kinds.index("mirna")]["label"] == "miRNA"
    totals = {kind: sum(line[i]["count"] for line in data["cells"]) for i, kind in enumerate(kinds)}
    # Every item has one therapy class, so a column adds up to the items with a cargo of that kind.
    for kind, total in totals.items():
        assert total == Evidence.objects.public().filter(cargos__kind=kind).distinct().count(), kind
    assert client.get("/matrix.json?columns=cells").json()["errors"]["columns"]
    assert client.get("/matrix.json?columns=cells").status_code == 400


def test_the_network_page_lists_its_nodes_and_links_without_javascript(client, demo):
    data = client.get("/network.json?therapy_class=chemotherapy").json()
    response = client.get("/network/?therapy_class=chemotherapy")
    html = response.content.decode()
    assert 'data-network="/network.json?therapy_class=chemotherapy"' in html
    # The tables start open: without a script they are the picture.
    assert '<details class="network-tables" data-network-tables open>' in html
    links_at = html.index('<table class="grouped network-links">')
    nodes_at = html.index('<table class="grouped network-nodes">')
    table = html[links_at:nodes_at]
    assert table.count("<tr><td>") == len(data["links"])
    for link in data["links"]:
        assert f'href="{link["url"].replace("&", "&amp;")}"' in table
    nodes = html[nodes_at:]
    for node in data["nodes"]:
        assert f'<a href="{node["url"]}">{node["label"]}</a>' in nodes
    assert "<noscript>" in html


def test_a_drug_page_draws_the_network_of_its_evidence_as_tables_too(client, demo):
    html = client.get("/drugs/doxorubicin/").content.decode()
    assert 'data-network="/network.json?drug=doxorubicin"' in html
    assert 'href="/evidence/?drug=doxorubicin&amp;cargo=hsa-miR-155-5p"' in html


def test_the_picture_pages_say_which_filters_are_wrong(client, demo):
    html = client.get("/network/?level=Q").content.decode()
    assert 'role="alert">The network cannot be drawn for these filters: level:' in html
    html = client.get("/matrix/?level=Q").content.decode()
    assert 'role="alert">The matrix cannot be drawn for these filters: level:' in html


def test_the_matrix_page_puts_the_longer_list_down_the_side_and_says_so(client, demo):
    by_class = client.get("/matrix/").content.decode()
    data = client.get("/matrix.json").json()
    assert len(data["rows"]) < len(data["columns"])  # fewer therapy classes than mechanisms in the demo
    assert "by mechanism (rows) and therapy class (columns)</caption>" in by_class
    for column in data["columns"]:
        assert re.search(rf'<th scope="row"[^>]*><a href="{re.escape(column["url"])}">', by_class), column
    by_kind = client.get("/matrix/?rows=drug&columns=cargo_kind").content.decode()
    data = client.get("/matrix.json?rows=drug&columns=cargo_kind").json()
    side, top = ("drug", "cargo kind") if len(data["rows"]) >= len(data["columns"]) else ("cargo kind", "drug")
    assert f"by {side} (rows) and {top} (columns)</caption>" in by_kind
    assert "<h1>Drug by cargo kind</h1>" in by_kind


def test_the_picture_pages_run_no_inline_script_under_a_strict_policy(client, demo):
    for url in ("/", "/network/", "/matrix/", "/drugs/doxorubicin/", "/cargos/hsa-mir-155-5p/"):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src == "'self'", url
        assert "unsafe" not in policy and "style=" not in response.content.decode(), url
        # JSON-LD is a data block the browser never runs (tests/web/test_linked_data.py).
        scripts = [a for a in re.findall(r"<script([^>]*)>", response.content.decode()) if "ld+json" not in a]
        assert scripts and all(re.search(r'src="/static/', attrs) for attrs in scripts), (url, scripts)


def test_each_vendored_script_keeps_its_licence_and_the_version_named_in_the_readme():
    from pathlib import Path

    vendor = Path(__file__).resolve().parents[2] / "static" / "vendor"
    readme = (vendor / "README.md").read_text()
    for folder in ("cytoscape", "cytoscape-fcose", "cose-base", "layout-base"):
        assert (
            "MIT License" in (vendor / folder / "LICENSE").read_text()
            or "Permission is hereby granted" in (vendor / folder / "LICENSE").read_text()
        )
        assert f"| {folder}/ |" in readme
    assert '"3.35.0"' in (vendor / "cytoscape" / "cytoscape.min.js").read_text()
    assert "| cytoscape | 3.35.0 |" in readme


@pytest.mark.parametrize(
    "url", ["/network/?cargo=", "/network.json?drug=&cargo=", "/matrix.json?rows=drug&drug=", "/matrix/?mechanism="]
)
def test_an_empty_filter_of_a_picture_filters_nothing(client, demo, url):
    """A fuzzer's /network/?cargo= was a 500: an empty value was taken for a chosen cargo."""
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("limit", ["0", "-1", "501", "99999999999999999999"])
def test_a_network_limit_out_of_range_is_a_400_not_clamped(client, demo, limit):
    """limit=0 drew one link, limit=99999 at most 500, and nothing said so (the API refuses
    page_size=1000 with a 400)."""
    response = client.get("/network.json", {"limit": limit})
    assert response.status_code == 400
    message = response.json()["errors"]["limit"][0]["message"]
    assert message == f"limit must be between 1 and 500, got {limit}."
    assert len(client.get("/network.json", {"limit": "500"}).json()["links"]) <= 500
