"""Papers behind any filter, for reference managers (issue 13, item 5): BibTeX, RIS and
CSL-JSON on the evidence list (the filtered findings' primary citations, each once), on
citations and on one item."""

import json

import pytest
import rispy

from evidence.curation.bibtex import parse_bibtex
from tests.factories import CitationFactory, EvidenceFactory

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def papers(corpus):
    retracted = CitationFactory(
        doi="10.1000/retracted",
        pmid="999",
        title="A retracted\nmulti-line title",
        authors=["Müller, Jörg", "Consortium of Exosome Research"],
        retracted=True,
        retraction_note="Retracted for image duplication.",
        pages="10-19",
        year=2020,
    )
    EvidenceFactory(citation=retracted, drugs=[corpus["tam"]])
    return {"retracted": retracted, **corpus}


def test_the_evidence_list_gives_the_papers_behind_its_filter_once_each(api, papers):
    dox_papers = {e.citation_id for e in (papers["e1"], papers["e2"], papers["e3"]) if papers["dox"] in e.drugs.all()}
    text = body(api.get("/api/v1/evidence/", {"drug": "doxorubicin", "format": "csljson"}))
    items = json.loads(text)
    assert len(items) == len({i["id"] for i in items}) == len(dox_papers)  # each paper once
    assert "10.1000/retracted" not in text  # not behind a doxorubicin finding


def test_ris_and_csl_carry_the_retraction_and_round_trip(api, papers):
    ris = body(api.get("/api/v1/evidence/", {"drug": "tamoxifen", "format": "ris"}))
    records = rispy.loads(ris)
    record = next(r for r in records if r.get("doi") == "10.1000/retracted")
    assert record["type_of_reference"] == "JOUR"
    assert record["authors"] == ["Müller, Jörg", "Consortium of Exosome Research"]
    assert record["primary_title"] == "A retracted multi-line title"  # one line: RIS ends a field there
    assert (record["start_page"], record["end_page"]) == ("10", "19")
    assert any(note.startswith("RETRACTED: Retracted for image duplication.") for note in record["notes"])
    assert "PMID: 999" in record["notes"]

    item = next(
        i
        for i in json.loads(body(api.get("/api/v1/citations/", {"format": "csljson"})))
        if i.get("DOI") == "10.1000/retracted"
    )
    assert item["author"] == [{"family": "Müller", "given": "Jörg"}, {"literal": "Consortium of Exosome Research"}]
    assert item["issued"] == {"date-parts": [[2020]]} and item["PMID"] == "999"
    assert item["note"].startswith("RETRACTED")


def test_a_line_break_in_a_field_cannot_break_a_ris_record(api):
    evil = CitationFactory(title="Title\nER  - \nTY  - JOUR\nTI  - injected", doi="10.1000/evil")
    EvidenceFactory(citation=evil)
    records = rispy.loads(body(api.get("/api/v1/citations/", {"format": "ris", "doi": "10.1000/evil"})))
    assert len(records) == 1 and "injected" in records[0]["primary_title"]


def test_one_item_and_one_citation(api, papers):
    e1 = papers["e1"]
    response = api.get(f"/api/v1/evidence/{e1.public_id}/", {"format": "bibtex"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-bibtex")
    entries, problems = parse_bibtex(response.content.decode())
    assert not problems and len(entries) == 1 and entries[0].values["doi"] == e1.citation.doi
    response = api.get(f"/api/v1/citations/{e1.citation_id}/", {"format": "ris"})
    assert response["Content-Type"].startswith("application/x-research-info-systems")
    assert rispy.loads(response.content.decode())[0]["doi"] == e1.citation.doi
    missing = api.get("/api/v1/evidence/EXR999999/", {"format": "csljson"})
    assert missing.status_code == 404 and "detail" in json.loads(missing.content)


def test_the_pages_offer_them(client, papers):
    page = client.get("/evidence/?drug=doxorubicin").content.decode()
    assert "format=ris" in page and "drug=doxorubicin" in page.split("format=ris")[0].rsplit("href=", 1)[1]
    assert "format=csljson" in client.get("/citations/").content.decode()
    assert "format=ris" in client.get(papers["e1"].citation.get_absolute_url()).content.decode()


def test_an_empty_selection_is_a_valid_empty_file(api, papers):
    assert json.loads(body(api.get("/api/v1/evidence/", {"q": "nothingmatchesthis", "format": "csljson"}))) == []
    assert body(api.get("/api/v1/evidence/", {"q": "nothingmatchesthis", "format": "ris"})).strip() == ""


@pytest.mark.parametrize("name", ["csljson", "ris", "bibtex"])
def test_a_file_streamed_in_several_chunks_stays_one_valid_file(name):
    from evidence.api.reference_formats import FORMATS

    citations = [CitationFactory(title=f"Paper {n}", doi=f"10.1000/chunk{n}") for n in range(5)]
    text = "".join(FORMATS[name].stream([citations[:2], [], citations[2:]]))
    if name == "csljson":
        assert [item["DOI"] for item in json.loads(text)] == [c.doi for c in citations]
    elif name == "ris":
        assert [r["doi"] for r in rispy.loads(text)] == [c.doi for c in citations]
    else:
        entries, problems = parse_bibtex(text)
        assert not problems and [e.values["doi"] for e in entries] == [c.doi for c in citations]
