"""The workflow in the curator admin: stale saves, duplicates, revisions, review pages, BibTeX upload."""

from __future__ import annotations

import json
import random
import string

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evidence.choices import Status
from evidence.curation import workflow
from evidence.models import Citation, Drug, Evidence, EvidenceDrug, EvidenceFlag, EvidenceRevision
from tests.factories import CargoFactory, DrugFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def drug_rows(evidence: Evidence, prefix: str = "evidencedrug_set", new: bool = False) -> dict:
    """The drug inline's management form and rows (drug, role) as the change page posts them
    (``new``: as the add page posts the same drugs for a new item)."""
    links = list(EvidenceDrug.objects.filter(evidence=evidence).order_by("pk"))
    data = {f"{prefix}-TOTAL_FORMS": len(links), f"{prefix}-INITIAL_FORMS": 0 if new else len(links),
            f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000}  # fmt: skip
    for i, link in enumerate(links):
        data.update({f"{prefix}-{i}-drug": link.drug_id, f"{prefix}-{i}-role": link.role})
        if not new:
            data.update({f"{prefix}-{i}-id": link.pk, f"{prefix}-{i}-evidence": evidence.pk})
    return data


def form_data(evidence: Evidence, **changes) -> dict:
    data = {
        "statement": evidence.statement,
        "effect": evidence.effect,
        "evidence_type": evidence.evidence_type,
        "level": evidence.level,
        "cargos": [c.pk for c in evidence.cargos.all()],
        "mechanisms": [],
        **drug_rows(evidence),
        "therapy_class": evidence.therapy_class_id,
        "cancer_type": evidence.cancer_type_id,
        "subtype": evidence.subtype,
        "drug_response_measured": "on" if evidence.drug_response_measured else None,
        "vesicle_involvement": evidence.vesicle_involvement,
        "ev_type": evidence.ev_type,
        "citation": evidence.citation_id,
        "loaded_version": evidence.version,
        "comments-TOTAL_FORMS": "0",
        "comments-INITIAL_FORMS": "0",
        "comments-MIN_NUM_FORMS": "0",
        "comments-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_save_based_on_a_stale_version_is_refused_with_a_clear_message(curator_client):
    item = EvidenceFactory(status=Status.DRAFT, statement="Original.")
    loaded = form_data(item)
    Evidence.objects.get(pk=item.pk).save()  # someone else saved in between: version 2
    response = curator_client.post(
        reverse("admin:evidence_evidence_change", args=[item.pk]), {**loaded, "statement": "Mine."}
    )
    assert response.status_code == 200
    assert "changed by someone else while you were editing it" in response.content.decode()
    assert Evidence.objects.get(pk=item.pk).statement == "Original."


def test_a_current_save_goes_through_with_its_reason(curator_client, curator):
    item = EvidenceFactory(status=Status.DRAFT)
    data = form_data(item, statement="Clearer.", change_reason="Wording")
    response = curator_client.post(reverse("admin:evidence_evidence_change", args=[item.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.statement == "Clearer." and item.version == 2
    assert item.history.first().history_change_reason == "Wording" and item.history.first().history_user == curator


def test_a_possible_duplicate_is_shown_before_saving(curator_client):
    cargo, drug = CargoFactory(), DrugFactory()
    existing = EvidenceFactory(cargos=[cargo], drugs=[drug])
    data = form_data(existing, statement="Same finding again.")
    data = {k: v for k, v in data.items() if not k.endswith(("-id", "-evidence"))} | drug_rows(existing, new=True)
    data.pop("loaded_version")
    response = curator_client.post(reverse("admin:evidence_evidence_add"), data)
    assert response.status_code == 200
    assert "Possible duplicate" in response.content.decode() and existing.public_id in response.content.decode()
    assert Evidence.objects.count() == 1
    response = curator_client.post(reverse("admin:evidence_evidence_add"), {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302
    assert Evidence.objects.count() == 2


def test_the_add_page_keeps_the_new_items_drugs_in_its_history(curator_client, curator):
    # The drug rows are saved after the item's first history record: the latest record of a
    # new item must still hold them, or a restore to it would drop them.
    from evidence.curation.bulk import content_links
    from evidence.curation.workflow import content_values

    cargo, drug = CargoFactory(), DrugFactory()
    template = EvidenceFactory(cargos=[cargo], drugs=[drug])
    data = form_data(template, statement="A new finding.", confirm_duplicate="on")
    data = {k: v for k, v in data.items() if not k.endswith(("-id", "-evidence"))} | drug_rows(template, new=True)
    data.pop("loaded_version")
    response = curator_client.post(reverse("admin:evidence_evidence_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = Evidence.objects.exclude(pk=template.pk).get()
    latest = item.history.order_by("-history_date", "-history_id").first()
    recorded = content_values(latest, content_links([latest.history_id], history=True), latest.history_id)
    assert recorded["drugs"] == {str(drug.pk): "treatment"} and latest.history_user == curator


def test_a_curators_edit_of_accepted_evidence_is_filed_as_a_revision(curator_client):
    item = EvidenceFactory(status=Status.ACCEPTED, level="D")
    response = curator_client.post(
        reverse("admin:evidence_evidence_change", args=[item.pk]), form_data(item, level="C"), follow=True
    )
    assert "suggested revision" in response.content.decode()
    assert Evidence.objects.get(pk=item.pk).level == "D"
    assert EvidenceRevision.objects.get().proposed == {"level": "C"}


def test_the_review_page_submits_accepts_and_enforces_four_eyes(client, curator, editor):
    item = EvidenceFactory(status=Status.DRAFT, created_by=curator)
    url = reverse("admin:evidence_evidence_review", args=[item.pk])
    client.force_login(curator)
    assert client.get(url).status_code == 200
    client.post(url, {"action": "submit"})
    item.refresh_from_db()
    assert item.status == Status.SUBMITTED
    response = client.post(url, {"action": "accept", "reviewed_version": item.version}, follow=True)
    assert "Only editors" in response.content.decode()
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert f'name="reviewed_version" value="{item.version}"' in page
    response = client.post(url, {"action": "reject", "reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    client.post(url, {"action": "accept", "reviewed_version": item.version})
    assert Evidence.objects.get(pk=item.pk).status == Status.ACCEPTED
    page = client.get(url).content.decode()
    assert "This item is public" in page
    assert 'value="submit"' not in page and 'value="withdraw"' not in page and 'value="accept"' not in page


def test_the_review_page_does_not_accept_an_item_changed_after_it_was_read(client, curator, editor):
    item = EvidenceFactory(status=Status.SUBMITTED, created_by=curator, submitted_by=curator, level="D")
    read_version = item.version
    workflow.edit_evidence(item, curator, {"level": "A"}, expected_version=item.version)  # meanwhile
    client.force_login(editor)
    url = reverse("admin:evidence_evidence_review", args=[item.pk])
    response = client.post(url, {"action": "accept", "reviewed_version": read_version}, follow=True)
    assert "changed after you reviewed it" in response.content.decode()
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.level == "A"


def test_an_admin_edit_of_a_submitted_item_sends_it_back_to_draft(client, curator):
    item = EvidenceFactory(status=Status.SUBMITTED, created_by=curator, submitted_by=curator)
    client.force_login(curator)
    url = reverse("admin:evidence_evidence_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    # A reason as long as the form takes: with the workflow's note it must still fit history.
    data.update(statement="A reworded statement.", loaded_version=item.version, change_reason="wording " * 12)
    data.update({name: [v.pk for v in data[name]] for name in ("cargos", "mechanisms") if name in data})
    data.update({f"comments-{key}": value for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()})
    data.update(drug_rows(item))
    response = client.post(url, data, follow=True)
    assert "back to draft" in response.content.decode(), response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.status == Status.DRAFT and item.statement == "A reworded statement."


def test_a_drugs_only_admin_edit_is_in_history_and_sends_a_submitted_item_back(client, curator, editor):
    # The drug rows are saved after the item: the history snapshot missed them, and a change of
    # drugs alone neither sent the item back to draft nor made its editor an author, so the
    # editor could accept their own change.
    item = EvidenceFactory(status=Status.SUBMITTED, created_by=curator, submitted_by=curator, drugs=[DrugFactory()])
    client.force_login(editor)
    url = reverse("admin:evidence_evidence_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(loaded_version=item.version)
    data.update({name: [v.pk for v in data[name]] for name in ("cargos", "mechanisms") if name in data})
    data.update({f"comments-{key}": value for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()})
    data.update(drug_rows(item))
    data["evidencedrug_set-0-role"] = "modifier"
    response = client.post(url, data, follow=True)
    assert "back to draft" in response.content.decode(), response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.status == Status.DRAFT
    assert EvidenceDrug.objects.get(evidence=item).role == "modifier"
    latest = item.history.first()
    assert latest.history_user == editor
    assert "drugs" in workflow.content_authors(item)[editor.pk]


def test_there_is_no_bulk_accept(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:evidence_evidence_changelist"))
    assert "accept_selected" not in response.content.decode()


def test_editors_apply_revisions_and_resolve_flags_on_their_pages(client, curator, editor):
    from evidence.curation import workflow

    item = EvidenceFactory(status=Status.ACCEPTED, level="D")
    revision = workflow.propose_revision(item, curator, {"level": "B"})
    flag = workflow.raise_flag(item, "Level looks too high.")
    client.force_login(editor)
    assert client.get(reverse("admin:evidence_evidencerevision_changelist")).status_code == 200
    assert client.get(reverse("admin:evidence_evidenceflag_changelist")).status_code == 200
    client.post(reverse("admin:evidence_evidencerevision_decide", args=[revision.pk]), {"action": "apply"})
    client.post(reverse("admin:evidence_evidenceflag_decide", args=[flag.pk]), {"action": "resolve", "reason": "Ok"})
    assert Evidence.objects.get(pk=item.pk).level == "B"
    assert EvidenceFlag.objects.get().status == "resolved"


def test_comments_are_added_inline_by_their_author(curator_client, curator):
    item = EvidenceFactory(status=Status.DRAFT)
    data = form_data(item)
    data.update({"comments-TOTAL_FORMS": "1", "comments-0-text": "Figure 2 supports it."})
    assert curator_client.post(reverse("admin:evidence_evidence_change", args=[item.pk]), data).status_code == 302
    assert item.comments.get().author == curator


def test_the_bibtex_upload_shares_the_importer_and_reports(curator_client, curator):
    url = reverse("admin:evidence_citation_import")
    assert curator_client.get(reverse("admin:evidence_citation_changelist")).content.decode().count(url) == 1
    good = b"@article{a2020, title={Exosomes}, year={2020}, doi={https://doi.org/10.1000/ABC}}"
    response = curator_client.post(url, {"file": SimpleUploadedFile("refs.bib", good)})
    assert "1 citations created" in response.content.decode()
    assert Citation.objects.get().history.get().history_user == curator
    response = curator_client.post(url, {"file": SimpleUploadedFile("refs.bib", good)})
    assert "already there" in response.content.decode()
    bad = SimpleUploadedFile("bad.bib", b"@article{b, title={x}, doi={nonsense}}")
    response = curator_client.post(url, {"file": bad})
    assert "is not a DOI" in response.content.decode() and Citation.objects.count() == 1


def test_a_reader_flags_public_evidence(client):
    item = EvidenceFactory(status=Status.ACCEPTED)
    url = reverse("evidence_flag", args=[item.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "wrong_data", "description": "Wrong cell line.", "email": ""})
    assert response.status_code == 302
    assert EvidenceFlag.objects.get().raised_by is None
    draft = EvidenceFactory(status=Status.DRAFT)
    assert client.get(reverse("evidence_flag", args=[draft.public_id])).status_code == 404


@pytest.mark.parametrize("model", ["evidencerevision", "evidenceflag", "evidencecomment"])
def test_review_lists_answer_with_a_bounded_number_of_queries(client, editor, model, django_assert_max_num_queries):
    from evidence.curation import workflow
    from evidence.models import EvidenceComment

    for _ in range(5):
        item = EvidenceFactory(status=Status.ACCEPTED)
        workflow.propose_revision(item, editor, {"level": "A"})
        workflow.raise_flag(item, "Check.")
        EvidenceComment.objects.create(evidence=item, author=editor, text="Note.")
    client.force_login(editor)
    with django_assert_max_num_queries(15):
        assert client.get(reverse(f"admin:evidence_{model}_changelist")).status_code == 200


def drug_form(drug, **changes) -> dict:
    return {
        "name": drug.name,
        "slug": drug.slug,
        "drug_class": drug.drug_class,
        "therapy_class": drug.therapy_class_id,
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
        "loaded_modified": drug.modified.isoformat(),
        **changes,
    }


def test_a_stale_save_of_an_entity_is_refused_too(curator_client):
    drug = DrugFactory(name="paclitaxel", drug_class="")
    url = reverse("admin:evidence_drug_change", args=[drug.pk])
    assert f'value="{drug.modified.isoformat()}"' in curator_client.get(url).content.decode()
    opened = Drug.objects.get(pk=drug.pk)  # two curators open the same drug
    assert curator_client.post(url, drug_form(opened, drug_class="taxane")).status_code == 302
    response = curator_client.post(url, drug_form(opened, drug_class="anthracycline"))
    assert response.status_code == 200
    assert "Someone else saved this drug after you opened it" in response.content.decode()
    assert Drug.objects.get(pk=drug.pk).drug_class == "taxane"
    response = curator_client.post(url, drug_form(opened, drug_class="anthracycline", loaded_modified=""))
    assert "Someone else saved this drug" in response.content.decode()
    assert Drug.objects.get(pk=drug.pk).drug_class == "taxane"


def test_a_curator_sees_names_identifiers_and_retraction_read_only(client, curator, editor):
    citation = Citation.objects.create(title="Exosomes and drugs", year=2020, doi="10.1000/x")
    drug = DrugFactory(name="epirubicin")
    client.force_login(curator)
    form = client.get(reverse("admin:evidence_citation_change", args=[citation.pk])).context["adminform"].form
    assert "retracted" not in form.fields and "title" not in form.fields and "doi" not in form.fields
    assert "note" in form.fields  # the curator's note is theirs to edit
    page = client.get(reverse("admin:evidence_drug_change", args=[drug.pk]))
    assert "name" not in page.context["adminform"].form.fields
    assert not page.context["inline_admin_formsets"][0].has_add_permission  # aliases
    client.force_login(editor)
    form = client.get(reverse("admin:evidence_citation_change", args=[citation.pk])).context["adminform"].form
    assert "retracted" in form.fields and "title" in form.fields
    assert "name" in client.get(reverse("admin:evidence_drug_add")).context["adminform"].form.fields


def test_an_editor_pastes_identifiers_as_papers_print_them(client, editor):
    # The importers and the API take a DOI link, "PMID: 123" and "pmc123"; the admin form ran
    # the model's checks on the raw text and refused them ("not a DOI", "at most 12 characters").
    citation = Citation.objects.create(title="Exosomes and drugs", year=2020)
    client.force_login(editor)
    url = reverse("admin:evidence_citation_change", args=[citation.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(doi="https://doi.org/10.1038/S41419-020-2250-5", pmid="PMID: 28039476", pmcid="pmc123")
    data["loaded_modified"] = form.fields["loaded_modified"].initial
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    citation.refresh_from_db()
    assert (citation.doi, citation.pmid, citation.pmcid) == ("10.1038/s41419-020-2250-5", "28039476", "PMC123")


CITATION_ADD = "/admin/evidence/citation/add/"


def _uncompressible_words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 9))) for _ in range(n)]


@pytest.mark.parametrize(
    "authors, message",
    [
        ('{"a": 1}', 'Give the authors as a list of names in quotes, e.g. ["Ning, Kai", "Wang, Tao"], not {"a": 1}.'),
        ('"Doe, J"', 'Give the authors as a list of names in quotes, e.g. ["Ning, Kai", "Wang, Tao"], not "Doe, J".'),
        ("[1, null]", 'Author 1 is 1, not a name in quotes ("Family, Given").'),
        ('["Doe, J", ["x"]]', 'Author 2 is ["x"], not a name in quotes ("Family, Given").'),
        (
            json.dumps([f"{w.title()}, {w[0].upper()}" for w in _uncompressible_words(400, 2)]),
            "Its 400 authors make a list of 4,422 characters; at most 2,400 fit (fewer for non-Latin letters). "
            'Keep the first authors and mark the list as cut short (tick "authors truncated").',
        ),
    ],
    ids=["object", "one-string", "numbers", "nested", "too-long"],
)
def test_the_citation_form_takes_authors_only_as_a_list_of_names(admin_client, authors, message):
    """Before: an object was a 500 (KeyError), "Doe, J" the label "D et al.", [1, null] "1 and None",
    and 400 authors a 503 (the database refused the index entry)."""
    data = {"title": "T", "authors": authors, "entry_type": "article", "publication_type": "primary", "year": "2019"}
    response = admin_client.post(CITATION_ADD, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"authors": [message]}
    assert not Citation.objects.exists()


def test_the_citation_form_refuses_a_title_too_long_to_index_and_drops_blank_authors(admin_client):
    data = {"authors": '["", "  ", " Doe, J "]', "entry_type": "article", "publication_type": "primary"}
    response = admin_client.post(CITATION_ADD, {**data, "title": " ".join(_uncompressible_words(400, 1))})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "title": ["The title is 2,808 characters long; at most 2,000 fit (fewer for non-Latin letters)."]
    }
    assert not Citation.objects.exists()
    assert admin_client.post(CITATION_ADD, {**data, "title": "T"}).status_code == 302
    assert Citation.objects.get().authors == ["Doe, J"]  # was ["", "  ", " Doe, J "], labelled "Anon. et al."
