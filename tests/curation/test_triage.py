"""The triage queue and drafts from a paper (issue 14, items 3 and 4): imported papers
without evidence, ranked by what their title and abstract name; curators mark them
curate, not relevant (with a reason) or later; "start evidence" opens a pre-filled form
that saves nothing until the curator saves it."""

import pytest
from django.contrib.auth.models import User

from evidence.curation import triage, workflow
from evidence.models import Cell, CitationTriage, Evidence
from tests.factories import CitationFactory, DrugAliasFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

PROMISING = (
    "Exosomes from adriamycin-resistant MCF7/ADR cells transfer UCH-L1 and confer doxorubicin resistance on "
    "MCF-7 breast cancer cells through drug efflux."
)


@pytest.fixture
def papers(vocabulary):
    promising = CitationFactory(title="Exosomal UCH-L1 and chemoresistance", abstract=PROMISING)
    dull = CitationFactory(title="Hip fracture outcomes in older adults", abstract="A registry study of surgery.")
    vesicles_only = CitationFactory(title="Extracellular vesicles in plants", abstract="Plant EVs carry RNA.")
    cited = CitationFactory(title="Exosomes and doxorubicin resistance", abstract=PROMISING)
    EvidenceFactory(citation=cited)
    return {"promising": promising, "dull": dull, "vesicles_only": vesicles_only, "cited": cited}


def test_the_queue_ranks_what_a_paper_names_and_leaves_out_cited_papers(papers):
    ranked = [c.citation for c in triage.queue()]
    assert papers["cited"] not in ranked
    assert ranked == [papers["promising"], papers["vesicles_only"], papers["dull"]]
    top = triage.queue()[0]
    assert top.entities["drug"] == ["doxorubicin"] and "UCHL1" in top.entities["cargo"]
    assert set(top.entities["cell"]) == {"MCF-7/ADR", "MCF-7"}
    assert '<mark class="mention-cargo">UCH-L1</mark>' in top.abstract_html
    assert '<mark class="term-vesicle">Exosomes</mark>' in top.abstract_html


def test_marks_escape_the_papers_text(vocabulary):
    paper = CitationFactory(title="<script>alert(1)</script> exosomes", abstract="")
    html = triage.assess(paper).title_html
    assert "<script>" not in html and "&lt;script&gt;" in html and '<mark class="term-vesicle">' in html


def test_decisions_order_the_queue_and_not_relevant_leaves_it(papers, curator):
    triage.decide(papers["dull"], curator, "not_relevant", "Orthopaedics, no vesicles.")
    triage.decide(papers["promising"], curator, "later")
    ranked = [c.citation for c in triage.queue()]
    assert ranked == [papers["vesicles_only"], papers["promising"]]  # later comes last
    triage.decide(papers["vesicles_only"], curator, "curate")
    triage.decide(papers["promising"], curator, "curate")
    queue = triage.queue()
    # Papers to curate stay first, marked, until evidence cites them.
    assert [(c.citation, c.decision) for c in queue] == [
        (papers["promising"], "curate"),
        (papers["vesicles_only"], "curate"),
    ]
    assert CitationTriage.objects.get(citation=papers["promising"]).history.count() == 2
    EvidenceFactory(citation=papers["promising"])
    assert [c.citation for c in triage.queue()] == [papers["vesicles_only"]]


def test_not_relevant_needs_a_reason_and_only_curators_decide(papers, curator):
    with pytest.raises(workflow.WorkflowError, match="Say why"):
        triage.decide(papers["dull"], curator, "not_relevant", "  ")
    with pytest.raises(workflow.WorkflowError, match="not a triage decision"):
        triage.decide(papers["dull"], curator, "maybe")
    reader = User.objects.create_user("reader", password="x", is_staff=True)
    with pytest.raises(workflow.WorkflowPermissionError):
        triage.decide(papers["dull"], reader, "curate")
    assert not CitationTriage.objects.exists()


def test_the_triage_page_for_curators_only(client, papers, curator):
    assert client.get("/admin/evidence/citation/triage/").status_code == 302  # to the login page
    reader = User.objects.create_user("reader", password="x", is_staff=True)
    client.force_login(reader)
    assert client.get("/admin/evidence/citation/triage/").status_code == 403
    client.force_login(curator)
    page = client.get("/admin/evidence/citation/triage/").content.decode()
    promising, dull = (f'data-citation="{papers[name].pk}"' for name in ("promising", "dull"))
    assert page.index(promising) < page.index(dull)
    assert f"?from_citation={papers['promising'].pk}" in page


def test_deciding_on_the_page(client, papers, curator):
    client.force_login(curator)
    url = "/admin/evidence/citation/triage/"
    response = client.post(url, {"citation": papers["dull"].pk, "decision": "not_relevant", "reason": ""}, follow=True)
    assert "Say why" in response.content.decode() and not CitationTriage.objects.exists()
    client.post(url, {"citation": papers["dull"].pk, "decision": "not_relevant", "reason": "Orthopaedics"})
    assert CitationTriage.objects.get().reason == "Orthopaedics"
    for bad in ("abc", "", "99999999", "1" * 30):
        response = client.post(url, {"citation": bad, "decision": "curate"}, follow=True)
        assert response.status_code == 200 and "No such citation" in response.content.decode()


def test_start_evidence_prefills_the_form_and_saves_nothing(client, papers, curator, vocabulary):
    client.force_login(curator)
    before = Evidence.objects.count()
    page = client.get(f"/admin/evidence/evidence/add/?from_citation={papers['promising'].pk}")
    assert page.status_code == 200 and Evidence.objects.count() == before
    form = page.context["adminform"].form
    assert form.initial["citation"] == papers["promising"].pk
    assert form.initial["cargos"] == [vocabulary["uchl1"].pk]
    assert form.initial["source_cell"] != form.initial["recipient_cell"] == vocabulary["mcf7"].pk
    assert form.initial["therapy_class"] == vocabulary["chemotherapy"].pk
    drugs = next(f for f in page.context["inline_admin_formsets"] if f.formset.model.__name__ == "EvidenceDrug")
    assert [f.initial.get("drug") for f in drugs.formset.forms if f.initial] == [vocabulary["doxorubicin"].pk]
    # A paper that does not exist, or a reader, gets the plain empty form.
    assert (
        "citation"
        not in client.get("/admin/evidence/evidence/add/?from_citation=abc").context["adminform"].form.initial
    )


def test_a_described_resistant_line_drafts_as_the_source_and_its_parent_as_the_recipient(vocabulary):
    # With "ADR" a name of doxorubicin, MCF-7/ADR's name says what it resists.
    DrugAliasFactory(entity=vocabulary["doxorubicin"], name="ADR")
    paper = CitationFactory(title="Exosomes of ADM-resistant MCF-7 cells", abstract="They carried UCH-L1.")
    initial = triage.draft_initial(paper)
    assert initial["source_cell"] == Cell.objects.get(slug="mcf-7-adr").pk
    assert initial["recipient_cell"] == vocabulary["mcf7"].pk


def test_a_reason_the_database_cannot_hold_is_refused_on_the_page(client, papers, curator):
    """A NUL character in the reason was a 500 (ValueError: A string literal cannot contain NUL)."""
    client.force_login(curator)
    url = "/admin/evidence/citation/triage/"
    for reason, message in [
        ("Ortho\x00paedics", "The reason holds a NUL character (\\u0000), which text may not contain; remove it."),
        ("r" * 5001, "The reason is 5,001 characters long; at most 5,000 are kept. Shorten it."),
    ]:
        data = {"citation": papers["dull"].pk, "decision": "not_relevant", "reason": reason}
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not CitationTriage.objects.exists()
