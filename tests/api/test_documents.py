"""The API documents PostgreSQL keeps (migration 0026): what they say, and that they follow
every write to what they show. The counts tests (tests/test_evidence_counts.py) also compare
every stored document with one built afresh after each write path they exercise."""

import json

import pytest
from django.db import DataError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evidence.api import documents as module
from evidence.api.documents import DocumentJSONRenderer, documents
from evidence.models import CancerType, Cell, Citation, Evidence, TherapyClass
from tests.api.helpers import stale_documents
from tests.factories import CargoFactory, CitationFactory, EvidenceFactory, MechanismFactory


def test_the_links_of_a_document_are_the_url_configurations(corpus):
    item = Evidence.objects.with_related().get(pk=corpus["e1"].pk)
    item.secondary_source = CitationFactory()
    item.save()
    found = json.loads(documents([item.pk], public=False)[0])
    assert found["url"] == reverse("api:evidence-detail", args=[item.public_id])
    assert found["html_url"] == reverse("evidence_detail", args=[item.public_id])
    for route, key, entity in [
        ("drug", "drugs", item.drugs.first()),
        ("cargo", "cargos", item.cargos.first()),
        ("mechanism", "mechanisms", item.mechanisms.order_by("name").first()),
    ]:
        embedded = found[key][0]
        assert (embedded["url"], embedded["html_url"]) == (
            reverse(f"api:{route}-detail", args=[entity.slug]),
            reverse(f"{route}_detail", args=[entity.slug]),
        )
    assert found["therapy_class"]["url"] == reverse("api:therapyclass-detail", args=[item.therapy_class.slug])
    assert found["therapy_class"]["html_url"] == reverse("therapyclass_detail", args=[item.therapy_class.slug])
    assert found["source_cell"]["url"] == reverse("api:cell-detail", args=[item.source_cell.slug])
    assert found["source_cell"]["html_url"] == reverse("cell_detail", args=[item.source_cell.slug])
    for key in ("citation", "secondary_source"):
        cited = getattr(item, key)
        assert found[key]["url"] == reverse("api:citation-detail", args=[cited.pk])
        assert found[key]["html_url"] == reverse("citation_detail", args=[cited.pk])


@pytest.mark.parametrize(
    "authors, truncated, year, label",
    [
        (["Lv, M.", "Zhu, X."], True, 2014, "Lv et al. (2014)"),
        (["Liu, X", "Wang, Y"], False, 2024, "Liu and Wang (2024)"),
        (["  Ivanov , P", "Vu, T"], False, None, "Ivanov and Vu (n.d.)"),
        (["Ning"], False, 0, "Ning (n.d.)"),
        ([], False, 2020, "Anon. (2020)"),
        ([], True, 2020, "Anon. et al. (2020)"),
        (["García-Vázquez, Ana", "", "Ó Briain, S"], False, 2019, "García-Vázquez et al. (2019)"),
        ([", nobody"], False, 2001, "Anon. (2001)"),
    ],
)
def test_a_documents_labels_are_the_citations_short_labels(corpus, authors, truncated, year, label):
    item = Evidence.objects.get(pk=corpus["e1"].pk)
    item.secondary_source = CitationFactory(authors=authors, authors_truncated=truncated, year=year)
    item.save()
    found = json.loads(documents([item.pk], public=False)[0])
    assert found["secondary_source"]["label"] == label == item.secondary_source.short_label
    assert found["citation"]["label"] == item.citation.short_label
    # Written on reading: a change of authors needs no rebuilt document.
    Citation.objects.filter(pk=item.secondary_source_id).update(authors=["Zhou, Q"], authors_truncated=False)
    found = json.loads(documents([item.pk], public=False)[0])
    assert found["secondary_source"]["label"] == f"Zhou ({year or 'n.d.'})"


def test_documents_carry_the_letters_that_tell_same_label_papers_apart(api, corpus):
    first = CitationFactory(authors=["Liu, X", "Wang, Y"], year=2024, title="A first")
    CitationFactory(authors=["Liu, X", "Wang, Y"], year=2024, title="B second")
    item = corpus["e1"]
    item.secondary_source = first
    item.save()
    body = api.get(f"/api/v1/evidence/{item.public_id}/").json()
    assert body["secondary_source"]["label"] == "Liu and Wang (2024a)"


def test_documents_follow_renamed_cells_classes_cancer_types_and_edited_citations(api, corpus):
    item = corpus["e1"]
    Cell.objects.filter(pk=item.source_cell_id).update(name="MCF-7 (renamed)", slug="mcf-7-renamed")
    TherapyClass.objects.filter(pk=item.therapy_class_id).update(name="Cytotoxic chemotherapy")
    CancerType.objects.filter(pk=item.cancer_type_id).update(ncit="C9999")
    Citation.objects.filter(pk=item.citation_id).update(title="Retitled", authors=["Zhou, Q"], year=2021)
    body = api.get(f"/api/v1/evidence/{item.public_id}/").json()
    assert (body["source_cell"]["name"], body["source_cell"]["slug"]) == ("MCF-7 (renamed)", "mcf-7-renamed")
    assert body["source_cell"]["url"].endswith("/api/v1/cells/mcf-7-renamed/")
    assert body["therapy_class"]["name"] == "Cytotoxic chemotherapy"
    assert body["cancer_type_ids"]["ncit"] == "C9999"
    assert (body["citation"]["title"], body["citation"]["label"]) == ("Retitled", "Zhou (2021)")
    assert stale_documents() == []


def test_documents_follow_links_and_their_order(api, corpus):
    item = Evidence.objects.get(pk=corpus["e1"].pk)
    item.cargos.add(CargoFactory(symbol="AAA1"))
    item.mechanisms.add(MechanismFactory(name="AAA mechanism"))
    body = api.get(f"/api/v1/evidence/{item.public_id}/").json()
    assert [c["symbol"] for c in body["cargos"]] == sorted(c.symbol for c in item.cargos.all())
    assert body["mechanisms"][0]["name"] == "AAA mechanism"
    item.cargos.clear()
    assert api.get(f"/api/v1/evidence/{item.public_id}/").json()["cargos"] == []
    assert stale_documents() == []


def test_a_deleted_item_takes_its_document_with_it(corpus):
    pk = corpus["e1"].pk
    Evidence.objects.filter(pk=pk).delete()
    assert documents([pk], public=False) == []
    assert stale_documents() == []


def test_a_page_of_documents_is_written_as_json(api, corpus):
    response = api.get("/api/v1/evidence/?page_size=2")
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert len(body["results"]) == 2 and body["next"]
    assert all(item["url"].startswith("http://testserver/api/v1/evidence/EXR") for item in body["results"])
    pretty = api.get("/api/v1/evidence/?page_size=2", HTTP_ACCEPT="application/json; indent=2").json()
    assert pretty == body


def test_a_page_of_documents_is_valid_json_whatever_the_json_settings(api, corpus, monkeypatch):
    compact = api.get("/api/v1/evidence/?page_size=3")
    monkeypatch.setattr(DocumentJSONRenderer, "compact", False)  # DRF's COMPACT_JSON = False
    spaced = api.get("/api/v1/evidence/?page_size=3")
    assert b'"results": [' in spaced.content and spaced.json() == compact.json()


def test_documents_are_read_by_statements_prepared_once_per_connection(corpus):
    draft = EvidenceFactory(status="draft")
    public_ids = [corpus["e1"].pk, corpus["e2"].pk]
    module._prepared.pop(connection.connection, None)  # as on a new connection
    with CaptureQueriesContext(connection) as first:
        assert [json.loads(d)["id"] for d in documents([draft.pk], public=False)] == [draft.public_id]
    with CaptureQueriesContext(connection) as again:
        assert documents([draft.pk], public=True) == []
        assert documents([draft.pk], public=False) != []
        assert len(documents([*public_ids, draft.pk], public=True)) == 2
        assert len(documents([*public_ids, draft.pk], public=False)) == 3

    def reads(captured):  # the label letters are read once per response too
        return [q["sql"].split()[0] for q in captured if "exoresist_documents_" in q["sql"]]

    assert reads(first) == ["PREPARE"]
    # Each (one id or many, public or not) statement is prepared on its first read only.
    assert reads(again) == ["PREPARE", "EXECUTE", "PREPARE", "PREPARE"]

    # An EXECUTE that fails after its PREPARE leaves the statement behind: the next read
    # prepares one under a new name rather than failing on the name taken.
    module._prepared.pop(connection.connection, None)
    with pytest.raises(DataError), transaction.atomic():
        documents([2**63], public=True)  # bypasses public_id_to_pk: out of bigint range
    assert [json.loads(d)["id"] for d in documents([corpus["e1"].pk], public=True)] == [corpus["e1"].public_id]
