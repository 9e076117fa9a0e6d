"""History: who, when, why and what, for every curated change; restore by editors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from evidence.choices import Status
from evidence.curation import workflow
from evidence.models import CancerType, Citation, Drug, Evidence, StaleEdit
from evidence.models.evidence import SUBTYPE_FITTED
from tests.factories import (
    CancerTypeFactory,
    CargoFactory,
    CitationFactory,
    DrugFactory,
    EvidenceFactory,
    MechanismFactory,
)

pytestmark = pytest.mark.django_db


def test_an_editor_restores_evidence_content_with_its_cargos(editor):
    first_cargo, second_cargo = CargoFactory(), CargoFactory()
    item = EvidenceFactory(status=Status.ACCEPTED, statement="Original.", cargos=[first_cargo])
    original = item.history.order_by("-history_id").first()  # after the cargos were set
    workflow.edit_evidence(
        item, editor, {"statement": "Wrong edit.", "cargos": [second_cargo]}, expected_version=item.version
    )
    restored = workflow.restore_version(item, original.history_id, editor)
    assert restored.statement == "Original."
    assert list(restored.cargos.all()) == [first_cargo]
    assert restored.status == Status.ACCEPTED
    assert "Restored the version" in restored.history.first().history_change_reason


def test_curators_cannot_restore(curator):
    item = EvidenceFactory()
    with pytest.raises(workflow.WorkflowPermissionError):
        workflow.restore_version(item, item.history.first().history_id, curator)


def test_an_entity_is_restored_too(editor):
    drug = DrugFactory(name="doxorubicn")
    first = drug.history.get()
    drug.name = "doxorubicin hydrochloride"
    drug.save()
    workflow.restore_version(Drug.objects.get(pk=drug.pk), first.history_id, editor, "Back to the INN spelling")
    assert Drug.objects.get(pk=drug.pk).name == "doxorubicn"


def test_the_changes_page_shows_a_diff_and_restore_only_to_editors(client, curator, editor):
    item = EvidenceFactory(status=Status.DRAFT, statement="Before.")
    workflow.edit_evidence(item, curator, {"statement": "After."}, expected_version=item.version, reason="typo")
    url = reverse("admin:evidence_evidence_changes", args=[item.pk])
    client.force_login(curator)
    page = client.get(url).content.decode()
    assert "Before." in page and "After." in page and "typo" in page and "curator" in page
    assert "Restore this version" not in page
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "Restore this version" in page
    first = item.history.order_by("history_id").first()
    response = client.post(reverse("admin:evidence_evidence_restore", args=[item.pk, first.history_id]))
    assert response.status_code == 302
    assert Evidence.objects.get(pk=item.pk).statement == "Before."


def test_the_changes_page_of_an_entity_records_the_admin_user_and_reason(curator_client, curator):
    drug = DrugFactory(name="paclitaxel")
    response = curator_client.post(
        reverse("admin:evidence_drug_change", args=[drug.pk]),
        {
            "name": "paclitaxel",
            "slug": drug.slug,
            "drug_class": "taxane",
            "therapy_class": drug.therapy_class_id,
            "aliases-TOTAL_FORMS": "0",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "change_reason": "Class per ATC L01CD",
            "loaded_modified": drug.modified.isoformat(),
        },
    )
    assert response.status_code == 302, response.content
    record = drug.history.first()
    assert record.history_user == curator and record.history_change_reason == "Class per ATC L01CD"
    page = curator_client.get(reverse("admin:evidence_drug_changes", args=[drug.pk])).content.decode()
    assert "taxane" in page


def test_the_admin_revert_form_cannot_bypass_the_workflow(curator_client):
    drug = DrugFactory()
    record = drug.history.first()
    url = reverse("admin:evidence_drug_simple_history", args=[drug.pk, record.history_id])
    assert curator_client.post(url, {}).status_code == 403


def test_the_changes_page_names_related_rows_and_choices_not_ids(client, curator, editor):
    """Issue 13: it showed `reviewed_by: 4` and `[{'evidence': 60, 'mechanism': 11}]`."""
    from tests.factories import CellFactory, MechanismFactory

    item = EvidenceFactory(status=Status.DRAFT, level="D")
    mechanism, cell = MechanismFactory(name="Exosomal efflux pump transfer"), CellFactory(name="MCF-7/ADR")
    changes = {"level": "C", "mechanisms": [mechanism], "source_cell": cell}
    workflow.edit_evidence(item, curator, changes, expected_version=item.version, reason="per the paper")
    client.force_login(editor)
    page = client.get(reverse("admin:evidence_evidence_changes", args=[item.pk])).content.decode()
    assert "evidence level" in page and "C – in vivo (animal model)" in page
    assert "Exosomal efflux pump transfer" in page and "MCF-7/ADR" in page
    assert "'mechanism'" not in page and "[{" not in page


def test_a_citation_is_not_restored_to_a_doi_another_citation_holds_now(client, editor):
    cited = CitationFactory(doi="10.9999/acc.1")
    first = cited.history.get()
    cited.doi = "10.9999/acc.1-fixed"
    workflow.save_with_history(cited, editor, "DOI corrected")
    other = CitationFactory(doi="10.9999/acc.1")
    client.force_login(editor)
    response = client.post(reverse("admin:evidence_citation_restore", args=[cited.pk, first.history_id]), follow=True)
    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert f"its DOI now belongs to citation #{other.pk}" in message and "Nothing was changed" in message
    assert Citation.objects.get(pk=cited.pk).doi == "10.9999/acc.1-fixed"
    assert cited.history.count() == 2


@pytest.mark.parametrize(
    "field, old, new, label",
    [("pmid", "1111", "2222", "PMID"), ("bibtex_key", "smith2020", "smith2020a", "BibTeX key")],
)
def test_no_unique_identifier_of_an_old_version_is_taken_back_from_another_citation(editor, field, old, new, label):
    cited = CitationFactory(**{field: old})
    first = cited.history.get()
    setattr(cited, field, new)
    workflow.save_with_history(cited, editor, "Corrected")
    other = CitationFactory(**{field: old})
    with pytest.raises(workflow.WorkflowError, match=f"its {label} now belongs to citation #{other.pk} "):
        workflow.restore_version(cited, first.history_id, editor)
    assert getattr(Citation.objects.get(pk=cited.pk), field) == new


def test_an_entity_is_not_restored_to_a_slug_another_holds_now(editor):
    drug = DrugFactory(name="doxorubicn", slug="doxorubicin")
    first = drug.history.get()
    drug.slug = "doxorubicn"
    workflow.save_with_history(drug, editor, "Slug as named")
    other = DrugFactory(name="doxorubicin", slug="doxorubicin")
    with pytest.raises(workflow.WorkflowError, match=f"its slug now belongs to drug #{other.pk} "):
        workflow.restore_version(drug, first.history_id, editor)
    # The same version restores once the slug is free again.
    other.slug = "doxorubicin-hcl"
    other.save()
    workflow.restore_version(drug, first.history_id, editor)
    assert Drug.objects.get(pk=drug.pk).slug == "doxorubicin"


@pytest.mark.parametrize("kind", ["flag", "revision"])
def test_no_admin_revert_form_undoes_an_editors_decision(client, curator, editor, kind):
    """simple-history's revert form was open on flags and suggested revisions: posting an old
    version put a resolved flag back to open, or an applied revision back to pending, outside
    the workflow that decides them."""
    from evidence.models.curation import FlagStatus, RevisionStatus

    item = EvidenceFactory(status=Status.ACCEPTED, level="C")
    if kind == "flag":
        decided = workflow.resolve_flag(workflow.raise_flag(item, "wrong level", user=curator), editor, "Checked")
        undecided = {"status": FlagStatus.OPEN, "description": "wrong level", "reason": "wrong_data"}
    else:
        revision = workflow.propose_revision(item, curator, {"level": "D"}, summary="per the paper")
        workflow.apply_revision(revision, editor)
        decided = revision.__class__.objects.get(pk=revision.pk)
        undecided = {"status": RevisionStatus.PENDING, "summary": "per the paper"}
    first = decided.history.earliest()
    client.force_login(editor)
    url = reverse(f"admin:evidence_{decided._meta.model_name}_simple_history", args=[decided.pk, first.history_id])
    response = client.post(url, {**undecided, "evidence": item.pk, "_change_reason": "undo"})
    assert response.status_code == 403
    decided.refresh_from_db()
    assert decided.status not in {FlagStatus.OPEN, RevisionStatus.PENDING}


def test_a_subtype_the_system_fits_is_its_version_with_its_reason_not_the_next_editors(client, curator, editor):
    """A cancer type moved out of breast cancer takes its findings' subtypes along: each gets a
    version of its own, why and when it happened, with its links; the next edit is of that version."""
    breast = CancerType.objects.get(pk=Evidence._meta.get_field("cancer_type").get_default())
    sarcoma = CancerTypeFactory(slug="phyllodes-sarcoma", name="phyllodes sarcoma", parent=breast)
    links = {"cargos": [CargoFactory()], "drugs": [DrugFactory()], "mechanisms": [MechanismFactory()]}
    item = EvidenceFactory(status=Status.DRAFT, cancer_type=sarcoma, statement="Before.", **links)
    untouched = EvidenceFactory(status=Status.DRAFT)
    item.refresh_from_db()
    before = item.history.count()
    sarcoma.parent = None
    sarcoma.save()
    fitted = item.history.order_by("-history_id").first()
    assert item.history.count() == before + 1 and untouched.history.count() == 1
    assert (fitted.history_type, fitted.history_user, fitted.history_change_reason) == ("~", None, SUBTYPE_FITTED)
    assert (fitted.subtype, fitted.version) == ("not_applicable", item.version + 1)
    assert Evidence.objects.get(pk=item.pk).version == item.version + 1
    with pytest.raises(StaleEdit):
        workflow.edit_evidence(item, curator, {"statement": "Stale."}, expected_version=item.version)
    item.refresh_from_db()
    workflow.edit_evidence(item, curator, {"statement": "After."}, expected_version=item.version, reason="typo")
    client.force_login(editor)
    response = client.get(reverse("admin:evidence_evidence_changes", args=[item.pk]))
    # Besides the version number each saves.
    edited, system = ([c for c in v["changes"] if c["field"] != "version"] for v in response.context["versions"][:2])
    assert edited == [{"field": "statement", "old": "Before.", "new": "After."}]
    assert system == [
        {"field": "breast cancer subtype", "old": "unspecified", "new": "not applicable (not breast cancer)"}
    ]
    page = response.content.decode()
    assert page.index("typo") < page.index(SUBTYPE_FITTED) < page.index("not applicable (not breast cancer)")
