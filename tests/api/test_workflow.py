"""The review workflow through the API: status only changes by submit/accept/reject, four
eyes, and a curator's edit of public evidence is a suggested revision, not an edit."""

import pytest

from evidence.models import Evidence, EvidenceRevision
from tests.factories import EvidenceFactory, UserFactory


@pytest.fixture
def draft(corpus, curator):
    return EvidenceFactory(status="draft", created_by=curator, citation=corpus["c2015"], level="D")


def url(evidence, action=""):
    return f"/api/v1/evidence/{evidence.public_id}/" + (f"{action}/" if action else "")


def test_status_cannot_be_written_directly(curator_api, draft):
    response = curator_api.patch(url(draft), {"status": "accepted", "version": draft.version}, format="json")
    assert response.status_code == 200
    assert Evidence.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize("who", ["curator_api", "editor_api"])
def test_an_edit_that_changes_nothing_saves_nothing(request, corpus, draft, who):
    """Read-only fields, or values as they are: no new version, no history row, 200 with the item."""
    client = request.getfixturevalue(who)
    for item in (draft, corpus["e1"]):  # a draft, and accepted evidence (a curator's would be a revision)
        item.refresh_from_db()
        versions, history = item.version, item.history.count()
        unchanged = [
            {"status": "accepted"},
            {"statement": item.statement, "level": item.level},
            {"drugs": [drug.slug for drug in item.drugs.all()]},
        ]
        for payload in unchanged:
            response = client.patch(url(item), {**payload, "version": versions}, format="json")
            assert response.status_code == 200, (payload, response.content)
            assert response.json()["version"] == versions and response.json()["id"] == item.public_id
        item.refresh_from_db()
        assert (item.version, item.history.count()) == (versions, history)
        assert not EvidenceRevision.objects.filter(evidence=item).exists()


def test_a_draft_goes_through_submit_and_accept(curator_api, editor_api, draft):
    response = curator_api.post(url(draft, "submit"))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted"
    response = editor_api.post(url(draft, "accept"), {"version": response.json()["version"]}, format="json")
    assert response.status_code == 200, response.content
    draft.refresh_from_db()
    assert draft.status == "accepted" and draft.reviewed_by.username == "editor"


def test_a_curator_cannot_accept(curator_api, draft):
    curator_api.post(url(draft, "submit"))
    response = curator_api.post(url(draft, "accept"), {"version": draft.version + 1}, format="json")
    assert response.status_code == 403
    assert Evidence.objects.get(pk=draft.pk).status == "submitted"


def test_nobody_accepts_their_own_submission(corpus):
    from rest_framework.test import APIClient

    editor = UserFactory(username="busy-editor", groups=["Editors"])
    client = APIClient()
    client.force_authenticate(editor)
    own = EvidenceFactory(status="draft", created_by=editor, citation=corpus["c2015"])
    assert client.post(url(own, "submit")).status_code == 200
    response = client.post(url(own, "accept"), {"version": own.version + 1}, format="json")
    assert response.status_code == 403
    assert "four eyes" in response.json()["detail"]
    assert Evidence.objects.get(pk=own.pk).status == "submitted"


def test_a_rejection_needs_a_reason(curator_api, editor_api, draft):
    curator_api.post(url(draft, "submit"))
    assert editor_api.post(url(draft, "reject"), {}, format="json").status_code == 400
    response = editor_api.post(url(draft, "reject"), {"reason": "The cited paper shows no EVs."}, format="json")
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "rejected" and draft.rejection_reason == "The cited paper shows no EVs."


def test_accepting_a_draft_that_was_never_submitted_is_a_400(editor_api, draft):
    response = editor_api.post(url(draft, "accept"), {"version": draft.version}, format="json")
    assert response.status_code == 400
    assert Evidence.objects.get(pk=draft.pk).status == "draft"


def test_a_curators_edit_of_public_evidence_is_a_suggested_revision(curator_api, corpus):
    accepted = corpus["e1"]
    before = accepted.level
    response = curator_api.patch(url(accepted), {"level": "A", "version": accepted.version}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["evidence"]["level"] == before
    revision = EvidenceRevision.objects.get(pk=body["revision"])
    assert revision.evidence_id == accepted.pk
    assert Evidence.objects.get(pk=accepted.pk).level == before


def test_the_public_cannot_use_the_workflow_actions(api, draft):
    for action in ("submit", "accept", "reject"):
        assert api.post(url(draft, action)).status_code in (401, 403, 404)


def test_accept_needs_the_reviewed_version_and_refuses_a_changed_item(curator_api, editor_api, draft):
    """The probe's race: an editor reads version N, a curator swaps the text, the editor accepts."""
    submitted = curator_api.post(url(draft, "submit")).json()
    response = editor_api.post(url(draft, "accept"), {}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    swapped = curator_api.patch(
        url(draft), {"statement": "Swapped text.", "level": "A", "version": submitted["version"]}, format="json"
    )
    assert swapped.status_code == 200 and swapped.json()["status"] == "draft"  # back to draft
    response = editor_api.post(url(draft, "accept"), {"version": submitted["version"]}, format="json")
    assert response.status_code == 409
    assert "changed after you reviewed it" in response.json()["version"][0]
    draft.refresh_from_db()
    assert draft.status == "draft" and not Evidence.objects.public().filter(pk=draft.pk).exists()


def test_an_editor_who_edited_an_item_cannot_accept_it(curator_api, editor_api, draft):
    submitted = curator_api.post(url(draft, "submit")).json()
    edited = editor_api.patch(
        url(draft), {"statement": "The editor's words.", "version": submitted["version"]}, format="json"
    ).json()
    resubmitted = curator_api.post(url(draft, "submit")).json()
    assert resubmitted["version"] == edited["version"] + 1
    response = editor_api.post(url(draft, "accept"), {"version": resubmitted["version"]}, format="json")
    assert response.status_code == 403
    assert "wrote part of its current content (statement)" in response.json()["detail"]
    assert Evidence.objects.get(pk=draft.pk).status == "submitted"
