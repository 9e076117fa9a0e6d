"""Telling papers apart (issue 13, item 7): two papers with the same in-text label get
"2023a" and "2023b", in title order, the same on pages, in the API and in exports."""

import csv
import io

import pytest

from evidence.models import Citation, Evidence
from tests.factories import CitationFactory, EvidenceFactory

pytestmark = pytest.mark.django_db

LIU = ["Liu, Lin", "Wang, Jun", "Chen, Ai"]


@pytest.fixture
def papers():
    second = CitationFactory(title="Nanoplatforms for drug delivery", authors=LIU, year=2023, doi="10.1/b")
    first = CitationFactory(title="Exosomes in breast cancer", authors=[*LIU[:1], "Zhou, Q"], year=2023, doi="10.1/a")
    third = CitationFactory(title="A review of resistance", authors=["Liu, Yan", "Li, Q", "Ma, X"], year=2023)
    pair = CitationFactory(title="Two authors", authors=["Liu, Lin", "Zhou, Q"], year=2022)
    alone = CitationFactory(title="Only one", authors=["Kim, S", "Park, J", "Lee, H"], year=2023)
    item = EvidenceFactory(citation=second, secondary_source=third)
    EvidenceFactory(citation=alone)
    return {"first": first, "second": second, "third": third, "pair": pair, "alone": alone, "item": item}


def test_same_label_papers_get_letters_in_title_order(papers):
    labels = {name: Citation.objects.get(pk=c.pk).short_label for name, c in papers.items() if name != "item"}
    # "Liu and Zhou (2023)" is a different label from "Liu et al. (2023)": no letter.
    assert labels == {
        "first": "Liu and Zhou (2023)",
        "second": "Liu et al. (2023b)",
        "third": "Liu et al. (2023a)",
        "pair": "Liu and Zhou (2022)",
        "alone": "Kim et al. (2023)",
    }


def test_the_api_pages_and_exports_agree(api, client, papers):
    item = papers["item"]
    body = api.get(f"/api/v1/evidence/{item.public_id}/").json()
    assert body["citation"]["label"] == "Liu et al. (2023b)"
    assert body["secondary_source"]["label"] == "Liu et al. (2023a)"
    listed = api.get("/api/v1/evidence/").json()["results"]
    assert {r["citation"]["label"] for r in listed} == {"Liu et al. (2023b)", "Kim et al. (2023)"}
    assert api.get(f"/api/v1/citations/{papers['third'].pk}/").json()["label"] == "Liu et al. (2023a)"
    rows = list(
        csv.DictReader(io.StringIO(b"".join(api.get("/api/v1/evidence/?format=csv").streaming_content).decode()))
    )
    assert "Liu et al. (2023b)" in {row["citation"] for row in rows}
    assert "Liu et al. (2023b)" in client.get("/evidence/").content.decode()
    page = client.get(item.get_absolute_url()).content.decode()
    assert "Liu et al. (2023b)" in page and "Liu et al. (2023a)" in page


def test_a_new_paper_with_the_same_label_letters_both(papers, django_capture_on_commit_callbacks):
    before = Citation.objects.get(pk=papers["alone"].pk).short_label
    with django_capture_on_commit_callbacks(execute=True):  # the commit bumps the data version
        CitationFactory(title="Another Kim paper", authors=["Kim, S", "Yoon, B", "Lee, H"], year=2023)
    assert before == "Kim et al. (2023)"
    assert Citation.objects.get(pk=papers["alone"].pk).short_label == "Kim et al. (2023b)"


def test_papers_are_lettered_exactly_when_their_labels_would_be_the_same(db):
    # The letters are counted in SQL (exoresist_label_key), the label written in Python
    # (short_label): the two must agree on what "the same label" is, edge cases included.
    from collections import Counter

    from evidence.models.citation import short_label

    cases = [
        ([], True, 2020), ([], False, 2020),  # no author: "Anon.", truncated or not
        (["Kim, S"], False, 0), (["Kim, S"], False, None),  # year 0 is not "no year"
        (["Kim, S"], False, 2019), (["Kim, S", "Lee, H", "Park, J"], False, 2019),
    ]  # fmt: skip
    papers = [
        CitationFactory(title=f"Paper {n}", authors=authors, authors_truncated=truncated, year=year)
        for n, (authors, truncated, year) in enumerate(cases)
    ]
    unlettered = Counter(short_label(p.authors, p.authors_truncated, p.year) for p in papers)
    for paper in papers:
        shared = unlettered[short_label(paper.authors, paper.authors_truncated, paper.year)] > 1
        label = Citation.objects.get(pk=paper.pk).short_label
        assert label[-2].isalpha() == shared, (label, unlettered)


def test_a_search_by_label_with_its_letter_finds_that_papers_findings(api, papers, django_capture_on_commit_callbacks):
    def found(text):
        return {item["id"] for item in api.get("/api/v1/evidence/", {"q": text}).json()["results"]}

    a_item, b_item = EvidenceFactory(citation=papers["third"]), papers["item"]  # Liu et al. (2023a), (2023b)
    # The review letters its papers its own way: its "2023a" is the site's 2023b.
    Evidence.objects.filter(pk=b_item.pk).update(cited_as="Liu et al., 2023a")
    assert found("Liu 2023") == {a_item.public_id, b_item.public_id}
    assert found("Liu 2023a") == found("Liu et al. (2023a)") == found("2023a") == {a_item.public_id}
    assert found("Liu et al. 2023b") == found("liu -2023a") == {b_item.public_id}
    assert found("Kim 2023a") == set()
    # Another Liu et al. (2023), first by title, letters the others again.
    with django_capture_on_commit_callbacks(execute=True):
        CitationFactory(title="A first title", authors=LIU, year=2023)
    assert Citation.objects.get(pk=papers["third"].pk).short_label == "Liu et al. (2023b)"
    assert found("Liu 2023b") == {a_item.public_id}
    assert found("Liu 2023c") == {b_item.public_id}
