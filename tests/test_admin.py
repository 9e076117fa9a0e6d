"""The curator admin answers for curators and keeps everyone else out."""

import pytest
from django.urls import reverse

from tests.factories import (
    CargoFactory,
    CellFactory,
    CitationFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
    TherapyClassFactory,
    UserFactory,
)

MODELS = ["evidence", "citation", "drug", "cargo", "cell", "mechanism", "therapyclass"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_data():
    drug = DrugFactory(name="doxorubicin")
    cargo = CargoFactory(symbol="ABCB1")
    EvidenceFactory(drugs=[drug], cargos=[cargo], mechanisms=[MechanismFactory()])
    CellFactory()
    TherapyClassFactory()
    CitationFactory()


@pytest.mark.parametrize("model", MODELS)
def test_curators_see_changelist_search_and_add_form(curator_client, some_data, model):
    changelist = reverse(f"admin:evidence_{model}_changelist")
    assert curator_client.get(changelist).status_code == 200
    assert curator_client.get(changelist, {"q": "dox"}).status_code == 200
    assert curator_client.get(reverse(f"admin:evidence_{model}_add")).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_curators_see_change_and_history_pages(curator_client, some_data, model):
    from django.apps import apps

    obj = apps.get_model("evidence", model).objects.first()
    assert curator_client.get(reverse(f"admin:evidence_{model}_change", args=[obj.pk])).status_code == 200
    assert curator_client.get(reverse(f"admin:evidence_{model}_history", args=[obj.pk])).status_code == 200


@pytest.mark.parametrize("model", MODELS)
def test_anonymous_users_are_sent_to_log_in(client, model):
    response = client.get(reverse(f"admin:evidence_{model}_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_a_user_outside_the_curators_group_cannot_add(client):
    client.force_login(UserFactory(username="visitor", is_staff=True))
    assert client.get(reverse("admin:evidence_evidence_add")).status_code == 403


def test_curators_may_not_delete_evidence(curator_client, some_data):
    from evidence.models import Evidence

    evidence = Evidence.objects.first()
    assert curator_client.get(reverse("admin:evidence_evidence_delete", args=[evidence.pk])).status_code == 403


def test_autocomplete_serves_citations_to_curators(curator_client, some_data):
    response = curator_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "evidence", "model_name": "evidence", "field_name": "citation", "term": "Exosomes"},
    )
    assert response.status_code == 200
    assert response.json()["results"]


def test_a_curator_adds_a_drug_with_aliases_through_the_admin(curator_client):
    therapy = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    response = curator_client.post(
        reverse("admin:evidence_drug_add"),
        {
            "name": "fluorouracil",
            "slug": "fluorouracil",
            "drug_class": "antimetabolite",
            "therapy_class": therapy.pk,
            "chebi": "",
            "drugbank": "",
            "pubchem_cid": "",
            "description": "",
            "aliases-TOTAL_FORMS": "2",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "aliases-0-name": "5-FU",
            "aliases-1-name": "Adrucil",
        },
    )
    assert response.status_code == 302, response.content
    from evidence.models import Drug

    assert Drug.objects.by_name("5fu").name == "fluorouracil"


def test_two_spellings_of_one_alias_are_a_form_error_not_a_500(curator_client):
    # "5-FU" and "5FU" share a name key, which is unique per drug: the database refused the second.
    therapy = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    data = {
        "name": "fluorouracil", "slug": "fluorouracil", "drug_class": "", "therapy_class": therapy.pk,
        "chebi": "", "drugbank": "", "pubchem_cid": "", "description": "",
        "aliases-TOTAL_FORMS": "2", "aliases-INITIAL_FORMS": "0", "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000", "aliases-0-name": "5-FU", "aliases-1-name": "5fu",
    }  # fmt: skip
    response = curator_client.post(reverse("admin:evidence_drug_add"), data)
    assert response.status_code == 200
    assert "the same name as" in response.content.decode()
    from evidence.models import Drug

    assert not Drug.objects.filter(slug="fluorouracil").exists()


@pytest.mark.parametrize("model", MODELS)
def test_an_address_that_names_no_id_is_a_404(curator_client, some_data, model):
    """ "EXR000001" is a public id, not a key: the history, changes and restore pages sent it to
    the database as an integer, a 500."""
    for text in ("EXR000001", "abc"):
        for name, args in (("history", [text]), ("changes", [text]), ("restore", [text, 1])):
            response = curator_client.get(reverse(f"admin:evidence_{model}_{name}", args=args))
            assert response.status_code == 404, (model, name, text)
        one = reverse(f"admin:evidence_{model}_history", args=[text]) + "1/"
        assert curator_client.get(one).status_code == 404, (model, text)
    assert curator_client.get(reverse("admin:evidence_evidence_review", args=["EXR000001"])).status_code == 404
    for decided in ("evidencerevision", "evidenceflag"):
        for name in ("decide", "history"):
            assert curator_client.get(reverse(f"admin:evidence_{decided}_{name}", args=["abc"])).status_code == 404


def test_the_changes_of_an_item_without_history_are_an_empty_list(curator_client, some_data):
    """An item loaded without history (generate_synthetic, raw SQL): the page paired its
    versions with zip(strict=True) and had one more "previous" than versions, a 500."""
    from evidence.models import Evidence

    item = Evidence.objects.first()
    item.history.all().delete()
    response = curator_client.get(reverse("admin:evidence_evidence_changes", args=[item.pk]))
    assert response.status_code == 200
    assert response.context["versions"] == []


def test_the_evidence_lists_find_an_item_by_its_public_id(client, editor, some_data):
    """Every page, export and flag names an item EXR000123; the admin's searches did not know it."""
    from evidence.curation import workflow
    from evidence.models import Evidence, EvidenceComment

    client.force_login(editor)
    item, other = Evidence.objects.first(), EvidenceFactory()
    for evidence in (item, other):
        workflow.raise_flag(evidence, "Check the drug.")
        EvidenceComment.objects.create(evidence=evidence, author=editor, text="Note.")
    for model in ("evidence", "evidenceflag", "evidencecomment"):
        changelist = reverse(f"admin:evidence_{model}_changelist")
        for term in (item.public_id, item.public_id.lower(), f" {item.public_id} "):
            rows = client.get(changelist, {"q": term}).context["cl"].result_list
            assert [getattr(row, "evidence_id", row.pk) for row in rows] == [item.pk], (model, term)
        assert not client.get(changelist, {"q": "EXR999999"}).context["cl"].result_list


def test_the_citation_list_finds_a_paper_by_a_pasted_identifier(curator_client, some_data):
    """Curators paste DOIs as links and PMIDs with their label; the fields hold them bare."""
    paper = CitationFactory(doi="10.1038/s41419-020-2250-5", pmid="32001234")
    changelist = reverse("admin:evidence_citation_changelist")
    for term in ("https://doi.org/10.1038/S41419-020-2250-5", "doi: 10.1038/s41419-020-2250-5", "PMID: 32001234"):
        rows = curator_client.get(changelist, {"q": term}).context["cl"].result_list
        assert [row.pk for row in rows] == [paper.pk], term


def test_the_evidence_list_searches_as_the_site_does(curator_client, some_data):
    """By words in any order, a drug by an alias, a cargo, a paper's DOI link and the row's
    import key; and not by a word no field holds."""
    from tests.factories import DrugAliasFactory

    drug = DrugFactory(name="tamoxifen")
    DrugAliasFactory(entity=drug, name="Nolvadex")
    item = EvidenceFactory(
        statement="Exosomal miR-221 from resistant cells transfers tamoxifen resistance.",
        drugs=[drug],
        cargos=[CargoFactory(symbol="hsa-miR-221-3p")],
        citation=CitationFactory(doi="10.1000/tam.221"),
        import_key="liu2024-row-17",
    )
    changelist = reverse("admin:evidence_evidence_changelist")
    terms = ("resistance tamoxifen", "Nolvadex", "miR-221", "10.1000/tam.221", "https://doi.org/10.1000/TAM.221")
    for term in (*terms, "liu2024-row-17", item.public_id):
        rows = curator_client.get(changelist, {"q": term}).context["cl"].result_list
        assert [row.pk for row in rows] == [item.pk], term
    assert not curator_client.get(changelist, {"q": "zebrafish"}).context["cl"].result_list


def test_the_admin_refuses_a_second_record_of_a_drug_by_another_spelling(curator_client):
    """The rule the API applies lives on the model: the admin form applies it too."""
    from evidence.models import Drug

    therapy = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    Drug.objects.create(name="doxorubicin", slug="doxorubicin", therapy_class=therapy)
    data = {
        "name": "Doxorubicin", "slug": "doxo-2", "drug_class": "", "therapy_class": therapy.pk,
        "chebi": "", "drugbank": "", "pubchem_cid": "", "description": "",
        "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0", "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    response = curator_client.post(reverse("admin:evidence_drug_add"), data)
    assert response.status_code == 200
    assert "is the drug doxorubicin already" in response.content.decode()
    assert not Drug.objects.filter(slug="doxo-2").exists()


def test_a_cell_cannot_be_made_to_derive_from_its_own_derivative(db):
    from django.core.exceptions import ValidationError

    from tests.factories import CellFactory

    parent = CellFactory(name="MCF-7", slug="mcf-7")
    derivative = CellFactory(name="MCF-7/ADR", slug="mcf-7-adr", kind="resistant_line", parent=parent)
    parent.parent = derivative
    with pytest.raises(ValidationError, match="MCF-7 cannot derive from MCF-7/ADR"):
        parent.full_clean()
