"""CSV, TSV and BibTeX: same filters as JSON, spreadsheet-safe, and BibTeX that re-imports."""

import csv
import io

import bibtexparser
import pytest

from evidence.curation.bibtex import parse_bibtex
from tests.factories import CancerTypeFactory, CitationFactory, EvidenceFactory

EVIDENCE_COLUMNS = [
    "evidence_id", "statement", "cargos", "drugs", "therapy_class", "mechanisms", "source_cell",
    "recipient_cell", "effect", "level", "evidence_type", "subtype", "cancer_type", "drug_response_measured",
    "vesicle_involvement", "ev_type", "doi", "pmid", "citation", "year", "retracted", "citation_notice", "url",
]  # fmt: skip


def table(response, delimiter=","):
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    return list(csv.DictReader(io.StringIO(body), delimiter=delimiter))


@pytest.mark.parametrize("fmt, delimiter, media", [("csv", ",", "text/csv"), ("tsv", "\t", "text/tab-separated")])
def test_evidence_exports_with_the_same_filters(api, corpus, fmt, delimiter, media):
    response = api.get("/api/v1/evidence/", {"format": fmt, "drug": "ADM"})
    assert response["Content-Type"].startswith(media)
    assert "attachment" in response["Content-Disposition"]
    rows = table(response, delimiter)
    assert list(rows[0]) == EVIDENCE_COLUMNS
    assert {r["evidence_id"] for r in rows} == {corpus["e1"].public_id, corpus["e2"].public_id}
    e2 = next(r for r in rows if r["evidence_id"] == corpus["e2"].public_id)
    assert e2["drugs"] == "cisplatin; doxorubicin" and e2["cargos"] == "ABCB1"
    assert e2["doi"] == "10.1000/beta" and e2["year"] == "2019" and e2["retracted"] == "false"
    assert e2["url"].endswith(corpus["e2"].get_absolute_url())


@pytest.mark.parametrize("fmt, delimiter", [("csv", ","), ("tsv", "\t")])
def test_one_item_exports_as_its_row_of_the_list_table(api, curator_api, corpus, fmt, delimiter):
    """A reader who takes one finding and then the list gets one table: the same columns and cells."""
    item = corpus["e2"]
    response = api.get(f"/api/v1/evidence/{item.public_id}/", {"format": fmt})
    assert f'filename="exoresist-{item.public_id}.{fmt}"' in response["Content-Disposition"]
    [row] = table(response, delimiter)
    listed = table(api.get("/api/v1/evidence/", {"format": fmt}), delimiter)
    assert list(row) == EVIDENCE_COLUMNS
    assert row == next(r for r in listed if r["evidence_id"] == item.public_id)
    draft = EvidenceFactory(status="draft")
    assert api.get(f"/api/v1/evidence/{draft.public_id}/", {"format": fmt}).status_code == 404
    [row] = table(curator_api.get(f"/api/v1/evidence/{draft.public_id}/", {"format": fmt}), delimiter)
    assert row["evidence_id"] == draft.public_id


def test_the_export_is_not_paginated(api, db):
    EvidenceFactory.create_batch(60)
    assert len(table(api.get("/api/v1/evidence/", {"format": "csv"}))) == 60


def test_exports_do_not_grow_queries_with_rows(api, corpus, django_assert_max_num_queries):
    EvidenceFactory.create_batch(20, drugs=[corpus["dox"]], cargos=[corpus["mir155"]])
    with django_assert_max_num_queries(8):
        rows = table(api.get("/api/v1/evidence/", {"format": "csv"}))
    assert len(rows) == 24


def test_cells_that_look_like_formulas_are_neutralised(api, db):
    EvidenceFactory(
        statement='=HYPERLINK("http://evil")', cancer_type=CancerTypeFactory(slug="evil", name="+cmd|' /C calc'!A0")
    )
    EvidenceFactory(statement="@SUM(1+1)", cancer_type=CancerTypeFactory(slug="minus", name="-2+3"))
    rows = table(api.get("/api/v1/evidence/", {"format": "csv"}))
    cells = [r["statement"] for r in rows] + [r["cancer_type"] for r in rows]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert '\'=HYPERLINK("http://evil")' in cells and "'-2+3" in cells


@pytest.mark.parametrize("url", ["/api/v1/drugs/", "/api/v1/cargos/", "/api/v1/cells/", "/api/v1/citations/",
                                 "/api/v1/mechanisms/", "/api/v1/therapy-classes/"])  # fmt: skip
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_every_list_exports(api, corpus, url, fmt):
    rows = table(api.get(url, {"format": fmt}), "," if fmt == "csv" else "\t")
    assert rows and "url" in rows[0]


@pytest.mark.parametrize("url", ["/api/v1/drugs/", "/api/v1/cargos/", "/api/v1/cells/", "/api/v1/citations/",
                                 "/api/v1/mechanisms/", "/api/v1/therapy-classes/"])  # fmt: skip
@pytest.mark.parametrize("fmt", ["csv", "tsv", "json"])
def test_each_row_links_to_its_record_not_to_the_export(api, corpus, url, fmt):
    """A row's url is the record's API address: not the export again (``?format=csv``)."""
    response = api.get(url, {"format": fmt})
    rows = response.json()["results"] if fmt == "json" else table(response, "," if fmt == "csv" else "\t")
    assert rows
    for row in rows:
        assert row["url"] == f"http://testserver{url}{row.get('slug') or row['id']}/"


def test_a_drug_export_flattens_related_values(api, corpus):
    rows = {r["name"]: r for r in table(api.get("/api/v1/drugs/", {"format": "csv", "q": "ADM"}))}
    assert rows["doxorubicin"]["therapy_class"] == "Chemotherapy"
    assert rows["doxorubicin"]["aliases"] == "ADM; adriamycin"
    assert rows["doxorubicin"]["evidence_count"] == "2"


def test_a_bad_filter_in_csv_is_still_a_400(api, corpus):
    response = api.get("/api/v1/evidence/", {"format": "csv", "level": "Z"})
    assert response.status_code == 400
    assert b"level" in response.content


def _parse(text):
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    return library.entries


def test_a_citation_as_bibtex_reimports_to_the_same_record(api, db):
    citation = CitationFactory(
        doi="10.1038/s41419-020-2250-5",
        pmid="32170179",
        title="Exosomal {miR-155} confers \\emph{resistance}",
        authors=["Ning, Kai", "Wang, Tao", "Müller, Jörg"],
        journal="Cell Death Dis",
        year=2020,
        volume="11",
        pages="201-209",
    )
    EvidenceFactory(citation=citation)  # public once accepted evidence cites it
    response = api.get(f"/api/v1/citations/{citation.pk}/", {"format": "bibtex"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/x-bibtex")
    (entry,) = _parse(response.content.decode())
    fields = {f.key: f.value for f in entry.fields}
    assert fields["doi"] == citation.doi
    assert fields["pmid"] == citation.pmid
    assert fields["year"] == "2020" and fields["journal"] == "Cell Death Dis" and fields["volume"] == "11"
    # The braces and backslash of the title are text, escaped so that the import reads them back.
    (parsed,), problems = parse_bibtex(response.content.decode())
    assert not problems
    assert parsed.values["title"] == citation.title
    assert parsed.values["authors"] == citation.authors
    assert parsed.values["pages"] == citation.pages


def test_the_citation_list_as_bibtex_keeps_filters(api, corpus):
    response = api.get("/api/v1/citations/", {"format": "bibtex", "year": 2019})
    entries = _parse(b"".join(response.streaming_content).decode())
    assert [{f.key: f.value for f in e.fields}["doi"] for e in entries] == ["10.1000/beta"]
    all_entries = _parse(b"".join(api.get("/api/v1/citations/", {"format": "bibtex"}).streaming_content).decode())
    assert len(all_entries) == 3
    retracted = next(e for e in all_entries if {f.key: f.value for f in e.fields}["doi"] == "10.1000/gamma")
    assert {f.key: f.value for f in retracted.fields}["retracted"] == "yes"


def test_a_missing_citation_in_bibtex_is_a_404(api, db):
    response = api.get("/api/v1/citations/424242/", {"format": "bibtex"})
    assert response.status_code == 404


@pytest.mark.parametrize("url", ["/api/v1/evidence/", "/api/v1/citations/", "/api/v1/drugs/doxorubicin/"])
def test_an_unknown_format_is_a_400_naming_the_formats_offered(api, corpus, url):
    response = api.get(url, {"format": "xml"})
    assert response.status_code == 400
    [message] = response.json()["format"]
    assert "'xml'" in message and "json" in message and "csv" in message
    if url == "/api/v1/citations/":
        assert "bibtex" in message
