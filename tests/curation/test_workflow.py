"""The review workflow: transitions, roles, four eyes, suggested revisions, flags, locking."""

from __future__ import annotations

import pytest

from evidence.choices import Status
from evidence.curation import workflow
from evidence.models import Evidence, StaleEdit
from tests.factories import CargoFactory, DrugFactory, EvidenceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor2(db):
    return UserFactory(username="editor2", groups=["Editors"])


@pytest.fixture
def draft(curator):
    return EvidenceFactory(status=Status.DRAFT, created_by=curator)


def test_a_draft_goes_through_submission_to_acceptance(draft, curator, editor):
    workflow.submit(draft, curator)
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and draft.submitted_by == curator and draft.submitted_at
    accepted = workflow.accept(draft, editor, reviewed_version=draft.version)
    assert accepted.status == Status.ACCEPTED and accepted.reviewed_by == editor
    assert Evidence.objects.public().filter(pk=draft.pk).exists()
    reasons = list(accepted.history.order_by("history_id").values_list("history_change_reason", "history_user"))
    assert reasons[-2:] == [("Submitted for review", curator.pk), ("Accepted", editor.pk)]


def test_rejection_needs_a_reason_and_keeps_it(draft, curator, editor):
    workflow.submit(draft, curator)
    draft.refresh_from_db()
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        workflow.reject(draft, editor, "  ")
    rejected = workflow.reject(draft, editor, "The paper shows this in HeLa cells, not MCF-7.")
    assert rejected.status == Status.REJECTED
    assert rejected.rejection_reason.startswith("The paper shows")
    assert not Evidence.objects.public().filter(pk=draft.pk).exists()
    workflow.submit(rejected, curator)  # fixed and sent back


def test_nobody_accepts_their_own_submission(editor, editor2):
    mine = EvidenceFactory(status=Status.DRAFT, created_by=editor2)
    workflow.submit(mine, editor)
    mine.refresh_from_db()
    with pytest.raises(workflow.WorkflowPermissionError, match="four eyes"):
        workflow.accept(mine, editor, reviewed_version=mine.version)  # submitted it
    with pytest.raises(workflow.WorkflowPermissionError, match="four eyes"):
        workflow.reject(mine, editor2, "no")  # entered it
    assert Evidence.objects.get(pk=mine.pk).status == Status.SUBMITTED


def test_content_authors_are_read_from_the_history(curator, editor, editor2):
    item = EvidenceFactory(status=Status.ACCEPTED, created_by=curator, level="D")
    revision = workflow.propose_revision(item, curator, {"level": "C"})
    workflow.apply_revision(revision, editor)  # the proposer wrote it, not the editor who applied it
    item.refresh_from_db()
    workflow.edit_evidence(item, editor2, {"statement": "Reworded."}, expected_version=item.version)
    authors = workflow.content_authors(item)
    assert authors[editor2.pk] == {"statement"}
    assert "level" in authors[curator.pk] and "statement" not in authors[curator.pk]
    assert editor.pk not in authors


def test_accept_without_the_reviewed_version_is_refused(draft, curator, editor):
    workflow.submit(draft, curator)
    draft.refresh_from_db()
    with pytest.raises(workflow.WorkflowError, match="Say which version"):
        workflow.accept(draft, editor, reviewed_version=None)
    with pytest.raises(StaleEdit, match="changed after you reviewed it"):
        workflow.accept(draft, editor, reviewed_version=draft.version - 1)
    assert Evidence.objects.get(pk=draft.pk).status == Status.SUBMITTED


def test_curators_cannot_accept_and_readers_cannot_submit(draft, curator):
    workflow.submit(draft, curator)
    draft.refresh_from_db()
    with pytest.raises(workflow.WorkflowPermissionError, match="Only editors"):
        workflow.accept(
            draft, UserFactory(username="other-curator", groups=["Curators"]), reviewed_version=draft.version
        )
    with pytest.raises(workflow.WorkflowPermissionError, match="Only curators"):
        workflow.submit(EvidenceFactory(status=Status.DRAFT), UserFactory(username="reader"))


def test_only_drafts_are_submitted_and_only_submissions_reviewed(curator, editor):
    accepted = EvidenceFactory(status=Status.ACCEPTED)
    with pytest.raises(workflow.WorkflowError, match="only drafts"):
        workflow.submit(accepted, curator)
    with pytest.raises(workflow.WorkflowError, match="only submitted"):
        workflow.accept(EvidenceFactory(status=Status.DRAFT), editor, reviewed_version=1)


def test_a_curators_edit_of_accepted_evidence_becomes_a_revision_an_editor_applies(curator, editor):
    item = EvidenceFactory(status=Status.ACCEPTED, level="D")
    drug = DrugFactory()
    revision = workflow.edit_evidence(item, curator, {"level": "C", "drugs": [drug]}, expected_version=item.version)
    assert revision is not None
    item.refresh_from_db()
    assert item.level == "D" and not item.drugs.exists()  # public record unchanged
    assert revision.proposed == {"level": "C", "drugs": {str(drug.pk): "treatment"}}
    assert revision.original == {"level": "D", "drugs": {}}
    with pytest.raises(workflow.WorkflowPermissionError, match="Only editors"):
        workflow.apply_revision(revision, curator)
    workflow.apply_revision(revision, editor)
    item.refresh_from_db()
    assert item.level == "C" and list(item.drugs.all()) == [drug]
    assert item.history.first().history_change_reason.startswith(f"Applied suggested revision #{revision.pk}")


def test_an_editor_cannot_apply_their_own_revision(editor, editor2):
    item = EvidenceFactory(status=Status.ACCEPTED)
    revision = workflow.propose_revision(item, editor, {"statement": "Better wording."})
    with pytest.raises(workflow.WorkflowPermissionError):
        workflow.apply_revision(revision, editor)
    workflow.reject_revision(revision, editor2, "The original wording follows the paper.")
    revision.refresh_from_db()
    assert revision.status == "rejected"


def test_a_revision_is_refused_when_the_item_changed_underneath(curator, editor):
    item = EvidenceFactory(status=Status.ACCEPTED, level="D")
    revision = workflow.propose_revision(item, curator, {"level": "C"})
    workflow.edit_evidence(item, editor, {"level": "B"}, expected_version=item.version)
    with pytest.raises(workflow.WorkflowError, match="changed since revision"):
        workflow.apply_revision(revision, editor)


def test_an_edit_based_on_a_stale_version_is_refused(curator):
    item = EvidenceFactory(status=Status.DRAFT, statement="First.")
    mine, theirs = Evidence.objects.get(pk=item.pk), Evidence.objects.get(pk=item.pk)
    theirs.statement = "Theirs."
    theirs.save()
    with pytest.raises(StaleEdit, match="changed by someone else"):
        workflow.edit_evidence(mine, curator, {"statement": "Mine."}, expected_version=mine.version)
    mine.statement = "Mine, saved directly."
    with pytest.raises(StaleEdit, match="you edited version 1, it is now version 2"):
        mine.save()
    assert Evidence.objects.get(pk=item.pk).statement == "Theirs."


def test_every_save_bumps_the_version(curator):
    item = EvidenceFactory(status=Status.DRAFT)
    assert item.version == 1
    item.save()
    item.save()
    assert Evidence.objects.get(pk=item.pk).version == 3


def test_duplicates_are_found_by_citation_cargo_and_drug():
    cargo, drug = CargoFactory(), DrugFactory()
    first = EvidenceFactory(cargos=[cargo], drugs=[drug])
    other = EvidenceFactory(cargos=[CargoFactory()], drugs=[drug], citation=first.citation)
    assert list(workflow.find_duplicates(first.citation, [cargo], [drug])) == [first]
    assert list(workflow.find_duplicates(first.citation, [cargo], [drug], exclude=first)) == []
    assert other not in workflow.find_duplicates(first.citation, [cargo], [drug])


def test_a_reader_flags_and_an_editor_resolves(curator, editor):
    item = EvidenceFactory()
    flag = workflow.raise_flag(item, "The drug is tamoxifen, not doxorubicin.", user=None, email="reader@example.org")
    with pytest.raises(workflow.WorkflowPermissionError):
        workflow.resolve_flag(flag, curator, "fixed")
    with pytest.raises(workflow.WorkflowError, match="how the flag was resolved"):
        workflow.resolve_flag(flag, editor, "")
    workflow.resolve_flag(flag, editor, "Corrected the drug.")
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_by == editor
    with pytest.raises(workflow.WorkflowError, match="already resolved"):
        workflow.resolve_flag(flag, editor, "again")
