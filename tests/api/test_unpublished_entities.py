"""A drug, cargo, cell or citation entered for a draft is not public until accepted evidence
uses it (issue 15, item 13): not in lists, pages, suggestions, the API or releases."""

import json

import pytest

from evidence.curation import workflow
from evidence.curation.release import release_data
from evidence.models import Cargo, Cell, Citation, Drug
from tests.factories import (
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugAliasFactory,
    DrugFactory,
    EvidenceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft_only(corpus, curator):
    """What a curator entered for a new paper, still a draft."""
    drug = DrugFactory(name="zoledronate", slug="zoledronate", therapy_class=corpus["dox"].therapy_class)
    cargo = CargoFactory(symbol="hsa-miR-9999", slug="hsa-mir-9999")
    parent = CellFactory(name="HCC1937", slug="hcc1937")
    cell = CellFactory(name="HCC1937/ZOL", slug="hcc1937-zol", kind="resistant_line", parent=parent)
    citation = CitationFactory(title="Zoledronate and vesicles", doi="10.1000/zol")
    draft = EvidenceFactory(
        status="draft", created_by=curator, drugs=[drug], cargos=[cargo], source_cell=cell, citation=citation
    )
    return {"drug": drug, "cargo": cargo, "cell": cell, "parent": parent, "citation": citation, "draft": draft}


def urls(items):
    return {
        "drug": ("/api/v1/drugs/zoledronate/", "/drugs/zoledronate/", "/api/v1/drugs/", "/drugs/"),
        "cargo": ("/api/v1/cargos/hsa-mir-9999/", "/cargos/hsa-mir-9999/", "/api/v1/cargos/", "/cargos/"),
        "cell": ("/api/v1/cells/hcc1937-zol/", "/cells/hcc1937-zol/", "/api/v1/cells/", "/cells/"),
        "parent": ("/api/v1/cells/hcc1937/", "/cells/hcc1937/", "/api/v1/cells/", "/cells/"),
        "citation": (
            f"/api/v1/citations/{items['citation'].pk}/",
            f"/citations/{items['citation'].pk}/",
            "/api/v1/citations/",
            "/citations/",
        ),
    }


def test_entities_of_a_draft_are_not_public(api, client, curator_api, draft_only):
    for kind, (api_detail, page, api_list, index) in urls(draft_only).items():
        assert api.get(api_detail).status_code == 404, kind
        assert client.get(page).status_code == 404, kind
        name = draft_only[kind].title if kind == "citation" else str(draft_only[kind])
        assert name not in api.get(api_list, {"page_size": 100}).content.decode(), kind
        assert name not in client.get(index).content.decode(), kind
        assert curator_api.get(api_detail).status_code == 200, kind  # curators see what they entered
    assert "zoledronate" not in json.dumps(client.get("/search/typeahead/", {"q": "zoled"}).json())
    assert client.get("/search/", {"q": "10.1000/zol"}).status_code != 302


def test_they_become_public_with_the_accepted_item(api, client, draft_only, curator, editor):
    item = draft_only["draft"]
    workflow.submit(item, curator)
    item.refresh_from_db()
    workflow.accept(item, editor, reviewed_version=item.version)
    for kind, (api_detail, page, _, _) in urls(draft_only).items():
        assert api.get(api_detail).status_code == 200, kind
        assert client.get(page).status_code == 200, kind
    assert "zoledronate" in json.dumps(client.get("/search/typeahead/", {"q": "zoled"}).json())
    assert Drug.objects.public().filter(slug="zoledronate").exists()
    assert Cell.objects.public().filter(slug="hcc1937").exists()  # the parent of a used line


def test_a_release_holds_only_public_entities_and_every_parent_it_names(draft_only, corpus):
    grandparent = CellFactory(name="Root line", slug="root-line")
    corpus["mcf7"].parent = grandparent
    corpus["mcf7"].save()
    data = release_data()
    assert "zoledronate" not in {d["slug"] for d in data["drugs"]}
    assert "hsa-mir-9999" not in {c["slug"] for c in data["cargos"]}
    cells = {c["slug"]: c for c in data["cells"]}
    assert "hcc1937-zol" not in cells and "hcc1937" not in cells
    assert all(c["parent"] in cells for c in cells.values() if c["parent"])
    assert "root-line" in cells  # not used, but an ancestor of one that is
    assert "10.1000/zol" not in {c["doi"] for c in data["citations"]}
    assert Cargo.objects.count() > len(data["cargos"])
    assert Citation.objects.count() > len(data["citations"])


def test_every_parental_line_of_a_public_cell_has_its_page(api, client, db):
    # A derivative of a derivative: only the youngest line is used, each page links its parent.
    root = CellFactory(name="HCC1806", slug="hcc1806")
    middle = CellFactory(name="HCC1806/PTX", slug="hcc1806-ptx", kind="resistant_line", parent=root)
    young = CellFactory(name="HCC1806/PTX-R2", slug="hcc1806-ptx-r2", kind="resistant_line", parent=middle)
    EvidenceFactory(source_cell=young, recipient_cell=young)
    assert set(Cell.objects.public().values_list("slug", flat=True)) == {"hcc1806", "hcc1806-ptx", "hcc1806-ptx-r2"}
    for page, parent in (("hcc1806-ptx-r2", "hcc1806-ptx"), ("hcc1806-ptx", "hcc1806")):
        assert f'href="/cells/{parent}/"' in client.get(f"/cells/{page}/").content.decode()
        assert client.get(f"/cells/{parent}/").status_code == 200
        assert api.get(f"/api/v1/cells/{parent}/").status_code == 200


def test_suggestions_never_offer_a_name_entered_only_for_a_draft(api, client, curator_api):
    """A reader who mistypes is offered public names only; a curator sees the draft's names too."""
    from tests.factories import DrugFactory, EvidenceFactory

    secret = DrugFactory(name="zanubrutinib", slug="zanubrutinib")
    EvidenceFactory(drugs=[secret], status="draft")
    public = api.get("/api/v1/evidence/", {"q": "zanubrutinob"}).json()
    assert "zanubrutinib" not in str(public["did_you_mean"])
    refused = api.get("/api/v1/evidence/", {"drug": "zanubrutinob"})
    assert refused.status_code == 400 and "zanubrutinib" not in refused.content.decode()
    assert "zanubrutinib" not in client.get("/search/", {"q": "zanubrutinob"}).content.decode()
    assert "zanubrutinib" not in client.get("/evidence/", {"q": "zanubrutinob"}).content.decode()
    curated = curator_api.get("/api/v1/evidence/", {"q": "zanubrutinob"}).json()
    assert "zanubrutinib" in str(curated["did_you_mean"])


def test_a_name_entered_only_for_a_draft_is_unknown_to_the_public(api, client, curator_api, corpus, curator):
    """A name only a draft's drug, cargo or cell answers to is refused as an unknown name is:
    a 200 with no result would tell anyone the name was entered. A curator's list reads it."""
    drug = DrugFactory(name="Secretmab", slug="secretmab", drug_class="secret blockers")
    DrugAliasFactory(entity=drug, name="SCM-1")
    cell = CellFactory(name="SecretCell-9", slug="secretcell-9")
    cargo = CargoFactory(symbol="hsa-miR-8888", slug="hsa-mir-8888")
    EvidenceFactory(status="draft", created_by=curator, drugs=[drug], cargos=[cargo], source_cell=cell)
    secret = [
        ("/api/v1/evidence/", "drug", "Secretmab"),
        ("/api/v1/evidence/", "drug", "SCM-1"),
        ("/api/v1/evidence/", "cargo", "hsa-miR-8888"),
        ("/api/v1/evidence/", "cell", "SecretCell-9"),
        ("/api/v1/evidence/", "source_cell", "SecretCell-9"),
        ("/api/v1/evidence/", "recipient_cell", "SecretCell-9"),
        ("/api/v1/drugs/", "drug_class", "secret blockers"),
    ]
    for path, param, name in secret:
        public = api.get(path, {param: name})
        assert public.status_code == 400, (param, name)
        assert f"is called {name!r}" in public.content.decode(), (param, name)
        assert curator_api.get(path, {param: name}).status_code == 200, (param, name)
    assert api.get("/api/v1/evidence/", {"drug": "Secretmabb"}).status_code == 400
    assert client.get("/evidence/", {"drug": "Secretmab"}).status_code == 400
    assert client.get("/evidence/", {"cell": "SecretCell-9"}).status_code == 400
    client.force_login(curator)
    assert client.get("/evidence/", {"drug": "Secretmab"}).status_code == 200
    assert api.get("/api/v1/evidence/", {"drug": "ADM"}).json()["count"] == 2  # public names resolve
    assert curator_api.get("/api/v1/evidence/", {"drug": "SCM-1"}).json()["count"] == 1


def test_a_readers_resolved_names_are_never_anothers(corpus, curator):
    """In one request, the memo keeps a curator's answer apart from a public reader's."""
    from evidence.filtersets import EvidenceFilterSet, resolving_once

    drug = DrugFactory(name="Secretmab", slug="secretmab")
    EvidenceFactory(status="draft", created_by=curator, drugs=[drug])
    resolve = EvidenceFilterSet.base_filters["drug"].extra["resolve"]
    with resolving_once():
        assert resolve("Secretmab", public=False) == [drug.pk]
        assert resolve("Secretmab", public=True) is None
        assert resolve("Secretmab") is None
        assert resolve("Secretmab", public=False) == [drug.pk]
