"""Index and detail pages of drugs, cargos, cells, mechanisms, therapy classes and citations."""

import pytest

from tests.factories import CargoFactory, DrugFactory, EvidenceFactory


def test_the_drug_page_lists_aliases_identifiers_and_groups_evidence_by_cargo_and_mechanism(client, demo):
    response = client.get("/drugs/doxorubicin/")
    assert response.status_code == 200
    html = response.content.decode()
    for alias in ["Adriamycin", "ADM", "DOX"]:
        assert f'<span class="alias">{alias}</span>' in html
    assert 'href="https://www.ebi.ac.uk/chebi/searchId.do?chebiId=CHEBI:28748"' in html
    assert 'href="https://go.drugbank.com/drugs/DB00997"' in html
    assert 'href="https://pubchem.ncbi.nlm.nih.gov/compound/31703"' in html
    by_cargo = {row["label"]: row["total"] for row in response.context["by_cargo"]}
    assert by_cargo == {"ABCB1": 1, "GSTP1": 1, "H19": 1, "hsa-miR-155-5p": 1}
    by_mechanism = {row["label"] for row in response.context["by_mechanism"]}
    assert {"Autophagy", "Transfer of efflux pumps", "Drug efflux"} <= by_mechanism
    assert response.context["page"].paginator.count == 4  # the draft is not counted
    assert 'href="/evidence/?drug=doxorubicin&amp;cargo=ABCB1"' in html
    assert 'data-network="/network.json?drug=doxorubicin"' in html


def test_the_cargo_page_groups_evidence_by_drug_and_links_its_identifiers(client, demo):
    response = client.get("/cargos/abcb1/")
    html = response.content.decode()
    assert 'href="https://www.genenames.org/data/gene-symbol-report/#!/hgnc_id/HGNC:40"' in html
    assert 'href="https://www.uniprot.org/uniprotkb/P08183/entry"' in html
    assert 'href="https://www.ensembl.org/id/ENSG00000085563"' in html
    assert 'href="https://www.ncbi.nlm.nih.gov/gene/5243"' in html
    assert "P-glycoprotein" in html and "P-gp" in html
    assert {row["label"] for row in response.context["by_drug"]} == {"docetaxel", "doxorubicin"}
    html = client.get("/cargos/hsa-mir-155-5p/").content.decode()
    assert 'href="https://www.mirbase.org/mature/MIMAT0000646"' in html


def test_a_mirbase_precursor_links_to_the_hairpin_page(client, db):
    cargo = CargoFactory(symbol="hsa-mir-21", slug="hsa-mir-21", kind="mirna", mirbase="MI0000077")
    EvidenceFactory(cargos=[cargo])  # public once accepted evidence carries it
    assert 'href="https://www.mirbase.org/hairpin/MI0000077"' in client.get(cargo.get_absolute_url()).content.decode()


def test_the_cell_page_shows_parent_derivatives_cellosaurus_and_both_roles(client, demo):
    html = client.get("/cells/mcf-7/").content.decode()
    assert 'href="https://www.cellosaurus.org/CVCL_0031"' in html
    assert 'href="/cells/mcf-7-adr/"' in html
    response = client.get("/cells/mcf-7-adr/")
    assert 'href="/cells/mcf-7/"' in response.content.decode()
    assert response.context["entity"].source_count == 4


def test_the_mechanism_page_includes_its_narrower_terms(client, demo):
    response = client.get("/mechanisms/drug-efflux/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 2  # drug-efflux itself and efflux-pump-transfer
    assert "Transfer of efflux pumps" in response.content.decode()


def test_the_therapy_class_page_lists_its_drugs_and_a_matrix(client, demo):
    response = client.get("/therapy-classes/chemotherapy/")
    html = response.content.decode()
    drugs = {d.name: d.evidence_count for d in response.context["drugs"]}
    assert set(drugs) == {"docetaxel", "doxorubicin", "paclitaxel"}
    assert list(drugs.values()) == sorted(drugs.values(), reverse=True)  # most studied first
    assert "/matrix.json?therapy_class=chemotherapy&amp;rows=drug&amp;columns=mechanism" in html
    matrix = response.context["data"]
    assert [row["label"] for row in matrix["rows"]] == ["docetaxel", "doxorubicin", "paclitaxel"]
    assert 'href="/evidence/?therapy_class=chemotherapy&amp;drug=doxorubicin&amp;mechanism=drug-efflux"' in html
    assert "drugs in this class</a>" not in html  # all of them are shown


def test_a_therapy_class_with_many_drugs_shows_the_most_studied_and_links_to_the_rest(client, demo):
    from evidence.site.views import TOP_CLASS_DRUGS

    chemo = demo.drugs["doxorubicin"].therapy_class
    for drug in DrugFactory.create_batch(TOP_CLASS_DRUGS, therapy_class=chemo):
        EvidenceFactory(drugs=[drug], therapy_class=chemo)
    response = client.get("/therapy-classes/chemotherapy/")
    shown = [d.name for d in response.context["drugs"]]
    assert len(shown) == TOP_CLASS_DRUGS and "doxorubicin" in shown  # the studied ones come first
    assert response.context["drug_total"] == TOP_CLASS_DRUGS + 3
    assert f'href="/drugs/?therapy_class=chemotherapy">all {TOP_CLASS_DRUGS + 3} drugs in this class</a>' in (
        response.content.decode()
    )


def test_the_citation_page_shows_links_bibtex_retraction_and_both_roles(client, demo):
    review = demo.citations["review"]
    response = client.get(review.get_absolute_url())
    assert response.context["curated_count"] == 8
    assert "@article{liu2024" in response.content.decode()
    retracted = client.get(demo.citations["retracted2016"].get_absolute_url()).content.decode()
    assert "This publication has been retracted" in retracted
    assert "image duplication" in retracted
    ning = client.get(demo.citations["ning2017"].get_absolute_url()).content.decode()
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/28000001/"' in ning
    assert 'href="https://doi.org/10.1000/demo.ning2017"' in ning


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/drugs/", "doxorubicin"),
        ("/cargos/", "hsa-miR-155-5p"),
        ("/cells/", "MCF-7/ADR"),
        ("/mechanisms/", "Transfer of efflux pumps"),
        ("/therapy-classes/", "HER2-targeted therapy"),
        ("/citations/", "Research progress of exosomes"),
    ],
)
def test_every_index_page_lists_its_records(client, demo, url, expected):
    response = client.get(url)
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_the_drug_index_is_searchable_by_alias_and_sortable_by_evidence_count(client, demo):
    response = client.get("/drugs/?q=Adriamycin")
    assert [d.name for d in response.context["page"]] == ["doxorubicin"]
    counts = [d.evidence_count for d in client.get("/drugs/?ordering=-evidence_count").context["page"]]
    assert counts == sorted(counts, reverse=True)
    assert client.get("/drugs/?ordering=bogus").status_code == 400


def test_the_cargo_index_filters_by_kind(client, demo):
    response = client.get("/cargos/?kind=mirna")
    assert {c.symbol for c in response.context["page"]} == {"hsa-miR-155-5p", "hsa-miR-221-3p", "hsa-miR-9-5p"}
    assert client.get("/cargos/?kind=virus").status_code == 400


@pytest.mark.parametrize(
    ("index", "api"),
    [("/drugs/", "drugs"), ("/cargos/", "cargos"), ("/cells/", "cells"), ("/mechanisms/", "mechanisms"),
     ("/therapy-classes/", "therapy-classes"), ("/citations/", "citations")],
)  # fmt: skip
def test_an_index_page_lists_the_rows_of_its_api_list_in_the_same_order(client, demo, index, api):
    # Two cargos under one symbol (two species): the order still holds from page to page.
    CargoFactory(symbol="ABCB1", slug="abcb1-mouse", species="Mus musculus")
    page = client.get(f"{index}?page_size=500").context["page"]
    body = client.get(f"/api/v1/{api}/?page_size=500").json()
    key = "id" if api == "citations" else "slug"
    assert [getattr(row, "pk" if key == "id" else key) for row in page] == [row[key] for row in body["results"]]


def test_the_therapy_class_index_counts_only_drugs_a_reader_can_see(client, demo):
    # A drug entered for a draft is not listed on the class page; counting it on the index
    # said one more than the page shows, and told readers a draft exists.
    from evidence.models import TherapyClass

    chemo = TherapyClass.objects.get(slug="chemotherapy")
    shown = len(client.get("/therapy-classes/chemotherapy/").context["drugs"])
    EvidenceFactory(status="draft", drugs=[DrugFactory(name="draftdrug", therapy_class=chemo)])
    rows = client.get("/therapy-classes/").context["page"]
    assert next(row.drug_count for row in rows if row.slug == "chemotherapy") == shown


def test_a_mechanism_counts_its_narrower_terms_wherever_it_is_counted(client, demo):
    # mechanism= lists a term's items and its narrower terms'; the index, the API and the
    # facet counted the term's own items, so "drug efflux" said fewer than its list showed.
    from evidence.models import Evidence, Mechanism

    efflux = Mechanism.objects.get(slug="drug-efflux")
    own = Evidence.objects.public().filter(mechanisms=efflux).count()
    listed = client.get("/evidence/", {"mechanism": "drug-efflux"}).context["page"].paginator.count
    assert listed > own
    assert client.get("/mechanisms/drug-efflux/").context["page"].paginator.count == listed
    assert client.get("/api/v1/mechanisms/drug-efflux/").json()["evidence_count"] == listed
    index = client.get("/mechanisms/").context["page"]
    assert next(row.evidence_count for row in index if row.slug == "drug-efflux") == listed
    for query in ["", "effect=confers_resistance,reverses_resistance,biomarker,delivery_vehicle"]:
        facets = client.get(f"/evidence/?{query}").context["facets"]
        values = {v.value: v.count for f in facets if f.param == "mechanism" for v in f.values}
        assert values["drug-efflux"] == listed, query


@pytest.mark.django_db
def test_a_therapy_class_page_breaks_count_ties_by_name_as_read(client):
    for name in ("U18666A", "beta-elemene"):
        EvidenceFactory(status="accepted", drugs=[DrugFactory(name=name)])
    drugs = client.get("/therapy-classes/chemotherapy/").context["drugs"]
    assert [drug.name for drug in drugs] == ["beta-elemene", "U18666A"]


@pytest.mark.parametrize("kind", ["drugs", "cargos"])
def test_every_row_of_a_drug_or_cargo_page_counts_the_list_it_links_to(client, demo, kind):
    """A row's number is the length of the list its link opens: by mechanism too, whose link
    (``mechanism=``) takes the narrower terms ("Drug efflux" with "Transfer of efflux pumps")."""
    from evidence.models import Cargo, Drug

    model = {"drugs": Drug, "cargos": Cargo}[kind]
    checked = 0
    for slug in model.objects.public().values_list("slug", flat=True):
        context = client.get(f"/{kind}/{slug}/").context
        for table in ("by_drug", "by_cargo", "by_mechanism"):
            for row in context.get(table) or []:
                listed = client.get(row["list_url"]).context["page"].paginator.count
                assert row["total"] == listed, (slug, table, row["label"])
                checked += 1
    assert checked > 10


@pytest.mark.parametrize("model_name", ["Drug", "Cargo", "Cell", "Mechanism", "TherapyClass", "Citation"])
def test_an_entity_page_lists_the_items_its_link_to_the_evidence_list_opens(client, demo, model_name):
    """The page's table and its "all evidence" link read the list's own filter: one rule."""
    from evidence import models

    model = getattr(models, model_name)
    records = model.objects.public() if hasattr(model.objects, "public") else model.objects.all()
    checked = 0
    for record in records:
        context = client.get(record.get_absolute_url() + "?page_size=500").context
        listed = client.get(context["all_evidence_url"] + "&page_size=500").context["page"]
        assert [row.pk for row in context["page"]] == [row.pk for row in listed], record
        checked += len(listed)
    assert checked


def test_a_family_page_says_which_member_each_of_its_items_names(client, db):
    from tests.factories import CargoFactory, EvidenceFactory

    family = CargoFactory(symbol="TGF-beta", kind="protein")
    member = CargoFactory(symbol="TGFB1", kind="protein", family=family)
    EvidenceFactory(status="accepted", cargos=[family])
    EvidenceFactory(status="accepted", cargos=[member])
    page = client.get(family.get_absolute_url()).context["page"]
    notes = sorted(getattr(row, "matched_because", []) for row in page)
    assert len(page) == 2 and notes[0] == [] and notes[1][0].startswith("TGFB1: ")


@pytest.mark.parametrize("index", ["/drugs/", "/cargos/", "/cells/", "/citations/"])
def test_an_index_page_shows_as_many_rows_as_its_page_size_asks(client, demo, index):
    """page_size=1 showed two rows (the index doubles its default size, and doubled a given one
    too), where the API list of the same address serves one."""
    assert len(client.get(index, {"page_size": 1}).context["page"]) == 1
    assert len(client.get(f"/api/v1{index}", {"page_size": 1}).json()["results"]) == 1
    page = client.get(index, {"page_size": 3, "page": 2}).context["page"]
    assert page.paginator.per_page == 3
    # Unasked, an index still shows twice the evidence list's 25 rows.
    assert client.get(index).context["page"].paginator.per_page == 50
