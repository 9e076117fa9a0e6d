"""The evidence search document behind ``q`` follows every change of what it holds, whoever writes.

PostgreSQL's triggers keep it (migration 0013): the ORM, ``update()``, raw SQL, bulk
writes and ``loaddata`` all reach it without a line of Python remembering to.
"""

from django.core import serializers
from django.core.management import call_command
from django.db import connection

from evidence.curation.bulk import insert_evidence, update_evidence
from evidence.models import Evidence, EvidenceSearch
from tests.api.helpers import ids, pub
from tests.factories import CargoFactory, CellAliasFactory, DrugAliasFactory, DrugFactory

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


def test_it_follows_an_alias_list_replaced_through_the_api(api, editor_api, corpus):
    modified = editor_api.get("/api/v1/drugs/doxorubicin/").json()["modified"]
    response = editor_api.patch(
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


def test_it_follows_writes_that_skip_the_orm(api, corpus):
    Evidence.objects.filter(pk=corpus["e4"].pk).update(statement="Oxaliplatin cross-resistance.")
    assert found(api, "oxaliplatin") == pub(corpus["e4"])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE evidence_drug SET name = 'rubidomycin' WHERE id = %s", [corpus["dox"].pk])
        cursor.execute(
            "INSERT INTO evidence_cellalias (entity_id, name, key, base) VALUES (%s, 'Michigan Cancer Foundation-7', "
            "'michigancancerfoundation7', 'michigancancerfoundation7')",
            [corpus["mcf7"].pk],
        )
    assert found(api, "rubidomycin") == pub(corpus["e1"], corpus["e2"])
    assert found(api, "michigan foundation") == pub(corpus["e1"], corpus["e2"], corpus["e3"])


def test_it_follows_renamed_mechanisms_therapy_classes_and_citation_authors(api, corpus):
    corpus["emt"].name = "EMT programme"
    corpus["emt"].save()
    assert found(api, "programme") == pub(corpus["e3"])
    corpus["emt"].parent = corpus["efflux"]  # a broader term's name finds the narrower term's items
    corpus["emt"].save()
    assert found(api, "drug efflux") == pub(corpus["e1"], corpus["e2"], corpus["e3"])
    corpus["endocrine"].name = "Hormone therapy"
    corpus["endocrine"].save()
    assert found(api, "hormone") == pub(corpus["e3"])
    citation = corpus["c2015"]
    citation.authors = ["Ozawa, P. M."]
    citation.save()
    assert found(api, "Ozawa 2015") == pub(corpus["e1"])


def test_loaddata_reaches_the_document(api, corpus, tmp_path):
    item = corpus["e4"]
    path = tmp_path / "item.json"
    path.write_text(serializers.serialize("json", [item]).replace("Carboplatin resistance", "Gemcitabine resistance"))
    call_command("loaddata", str(path), verbosity=0)
    assert found(api, "gemcitabine") == pub(item)


def test_a_moved_alias_leaves_one_entity_and_reaches_the_other(api, corpus):
    alias = CellAliasFactory(entity=corpus["caf"], name="Stromal fibroblast")
    assert found(api, "stromal fibroblast") == pub(corpus["e3"])
    alias.entity = corpus["mcf7adr"]
    alias.save()
    assert found(api, "stromal fibroblast") == pub(corpus["e1"], corpus["e2"])


def test_every_item_has_one_document(corpus):
    assert set(EvidenceSearch.objects.values_list("evidence_id", flat=True)) == set(
        Evidence.objects.values_list("pk", flat=True)
    )
    corpus["e4"].delete()
    assert not EvidenceSearch.objects.filter(evidence_id=corpus["e4"].pk).exists()


def test_bulk_inserted_and_updated_evidence_is_found(api, corpus):
    item = Evidence(
        statement="Exosomal zq-circRNA-77 carries resistance.",
        citation=corpus["c2015"],
        therapy_class=corpus["chemo"],
        effect="confers_resistance",
        evidence_type="functional",
        level="D",
        status="accepted",
    )
    insert_evidence([item], [{"cargos": [], "drugs": [corpus["dox"].pk], "mechanisms": []}])
    assert found(api, "zq-circrna-77") == pub(item)
    assert item in Evidence.objects.search("adriamycin")
    item.statement = "Exosomal zq-circRNA-78 carries resistance."
    update_evidence([item], ["statement"], [{"cargos": [], "drugs": [corpus["tam"].pk], "mechanisms": []}])
    assert found(api, "zq-circrna-77") == set()
    assert found(api, "zq-circrna-78 tamoxifen") == pub(item)
    assert item not in Evidence.objects.search("adriamycin")


def test_drug_classes_and_mechanism_synonyms_reach_the_document(api, corpus):
    from tests.factories import DrugClassFactory

    platins = DrugClassFactory(slug="platinum-compounds", name="platinum compounds", atc="L01XA")
    corpus["cis"].classes.add(platins)
    assert found(api, "L01XA") == pub(corpus["e2"])
    corpus["carbo"].classes.add(platins)
    assert found(api, "platinum") == pub(corpus["e2"], corpus["e4"])
    platins.name = "platins"
    platins.save()
    assert found(api, "platins") == pub(corpus["e2"], corpus["e4"])
    corpus["carbo"].classes.remove(platins)
    assert found(api, "platins") == pub(corpus["e2"])
    emt = corpus["emt"]
    emt.synonyms = ["EMT programme"]
    emt.save()
    assert found(api, "EMT programme") == pub(corpus["e3"])


def test_a_drug_class_finds_the_members_of_its_narrower_classes(api, corpus):
    from tests.factories import DrugClassFactory

    agents = DrugClassFactory(slug="antineoplastic-agents", name="antineoplastic agents", atc="L01")
    platins = DrugClassFactory(slug="platinum-compounds", name="platinum compounds", atc="L01XA", parent=agents)
    corpus["cis"].classes.add(platins)
    # As drug= lists them: the broader class by name and by ATC code.
    assert found(api, "antineoplastic") == found(api, "L01") == pub(corpus["e2"])
    assert ids(api.get(URL, {"drug": "antineoplastic agents"})) == pub(corpus["e2"])
    agents.name = "cytotoxics"
    agents.save()
    assert found(api, "cytotoxics") == pub(corpus["e2"])
    assert found(api, "antineoplastic") == set()
    # Moved under another class: the old one's words leave the document, the new one's come.
    other = DrugClassFactory(slug="alkylating-agents", name="alkylating agents", atc="L01A")
    platins.parent = other
    platins.save()
    assert found(api, "cytotoxics") == set()
    assert found(api, "alkylating") == pub(corpus["e2"])
