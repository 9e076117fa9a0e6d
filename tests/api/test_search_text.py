"""The evidence search document behind ``q`` follows every change of what it holds."""

from evidence.models import Evidence
from evidence.models.search_text import deferred_search_refresh, python_documents
from tests.api.helpers import ids, pub
from tests.factories import CargoAliasFactory, CargoFactory, CellFactory, DrugAliasFactory, DrugFactory, EvidenceFactory

URL = "/api/v1/evidence/"


def found(api, text: str) -> set[str]:
    return ids(api.get(URL, {"q": text}))


def test_it_finds_an_item_by_an_alias_added_later(api, corpus):
    assert found(api, "Doxil") == set()
    DrugAliasFactory(entity=corpus["dox"], name="Doxil")
    assert found(api, "doxil") == pub(corpus["e1"], corpus["e2"])


def test_it_follows_a_renamed_and_a_removed_alias(api, corpus):
    alias = corpus["dox"].aliases.get(name="adriamycin")
    alias.name = "Rubex"
    alias.save()
    assert found(api, "adriamycin") == set()
    assert found(api, "rubex") == pub(corpus["e1"], corpus["e2"])
    alias.delete()
    assert found(api, "rubex") == set()


def test_it_follows_an_alias_list_replaced_through_the_api(api, curator_api, corpus):
    modified = curator_api.get("/api/v1/drugs/doxorubicin/").json()["modified"]
    response = curator_api.patch(
        "/api/v1/drugs/doxorubicin/", {"aliases": ["Caelyx"], "modified": modified}, format="json"
    )
    assert response.status_code == 200, response.content
    assert found(api, "caelyx") == pub(corpus["e1"], corpus["e2"])
    assert found(api, "adriamycin") == set()


def test_it_follows_renamed_entities_and_citation_titles(api, corpus):
    caf = corpus["e3"].source_cell
    caf.name = "Cancer-associated fibroblast"
    caf.save()
    assert found(api, "cancer-associated") == pub(corpus["e3"])
    citation = corpus["e4"].citation
    citation.title = "Platinum escapes in vesicles"
    citation.save()
    assert found(api, "platinum escapes") == pub(corpus["e2"], corpus["e4"])
    pgp = corpus["pgp"]
    pgp.name = "Multidrug resistance protein 1"
    pgp.save()
    assert found(api, "multidrug resistance protein") == pub(corpus["e2"])


def test_it_follows_links_made_and_undone_from_either_side(api, corpus):
    cargo = CargoFactory(symbol="LINC-ROR", slug="linc-ror")
    corpus["e4"].cargos.add(cargo)
    assert found(api, "linc-ror") == pub(corpus["e4"])
    cargo.evidence.add(corpus["e1"])
    assert found(api, "linc-ror") == pub(corpus["e1"], corpus["e4"])
    cargo.evidence.clear()
    assert found(api, "linc-ror") == set()
    corpus["e1"].drugs.remove(corpus["dox"])
    assert found(api, "adriamycin") == pub(corpus["e2"])


def test_deleting_a_drug_drops_its_names(api, corpus):
    drug = DrugFactory(name="zoledronate", slug="zoledronate")
    corpus["e4"].drugs.add(drug)
    assert found(api, "zoledronate") == pub(corpus["e4"])
    drug.delete()
    assert found(api, "zoledronate") == set()


def test_it_matches_a_synonym_key_as_the_name_filters_do(api, corpus):
    assert found(api, "mcf7") == pub(corpus["e1"], corpus["e2"], corpus["e3"])
    assert found(api, "miR155") == pub(corpus["e1"])
    assert found(api, "hsa-miR-155-3p") == set()  # the other arm is another molecule


def test_a_deferred_refresh_runs_once_for_many_changes(corpus, django_assert_max_num_queries):
    with deferred_search_refresh():
        for n in range(5):
            DrugAliasFactory(entity=corpus["dox"], name=f"DOX-{n}")
        assert "dox-4" not in Evidence.objects.get(pk=corpus["e1"].pk).search_text
    assert "dox-4" in Evidence.objects.get(pk=corpus["e1"].pk).search_text


def test_refresh_search_text_repairs_writes_that_bypass_signals(api, corpus):
    Evidence.objects.filter(pk=corpus["e4"].pk).update(statement="Oxaliplatin cross-resistance.")
    assert found(api, "oxaliplatin") == set()
    Evidence.objects.filter(pk=corpus["e4"].pk).refresh_search_text()
    assert found(api, "oxaliplatin") == pub(corpus["e4"])
    Evidence.objects.update(search_text="")
    Evidence.objects.refresh_search_text()
    assert found(api, "adriamycin") == pub(corpus["e1"], corpus["e2"])


def test_the_document_is_lower_case_and_holds_every_name(corpus):
    text = Evidence.objects.get(pk=corpus["e2"].pk).search_text
    for expected in ("multidrug", "stromal vesicles", "adriamycin", "cisplatin", "p-glycoprotein", "p-gp", "mcf-7/adr"):
        assert expected in text
    assert text == text.lower()
    assert " k=mcf7 " in text


def test_postgres_and_python_write_the_same_document(corpus):
    odd = EvidenceFactory(
        statement="TGF-β-rich Exosomes; Ünusual CASE",
        drugs=[corpus["dox"], DrugFactory(name="Épirubicin", slug="epirubicin")],
        cargos=[CargoAliasFactory(entity=CargoFactory(symbol="miR-9", slug="mir-9"), name="MIR9").entity],
        source_cell=CellFactory(name="SK-BR-3", slug="sk-br-3"),
    )
    items = [odd.pk, *(corpus[k].pk for k in ("e1", "e2", "e3", "e4"))]
    Evidence.objects.refresh_search_text(items)
    stored = dict(Evidence.objects.filter(pk__in=items).values_list("pk", "search_text"))
    assert stored == python_documents(items)
