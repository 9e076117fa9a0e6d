"""Evidence read as rows (``Evidence.objects.as_rows()``, the HTML pages and exports) and as
API documents (``evidence/api/documents.py``), in a fixed number of queries."""

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from evidence.api.documents import documents
from evidence.api.serializers import EvidenceSerializer
from evidence.models import Evidence
from evidence.models.evidence import complete_rows
from tests.api.helpers import stale_documents
from tests.factories import CargoFactory, CitationFactory, DrugFactory, EvidenceFactory, MechanismFactory


def test_an_instance_is_shown_as_its_document(corpus):
    item = Evidence.objects.get(pk=corpus["e1"].pk)
    item.cargos.add(CargoFactory(symbol="ABCC1"))
    item.mechanisms.add(MechanismFactory(name="drug efflux"))
    item.secondary_source = CitationFactory(authors=["Liu, X", "Wang, Y"], year=2024)
    item.save()
    shown = EvidenceSerializer(Evidence.objects.get(pk=item.pk), context={"request": None}).data
    assert shown == json.loads(documents([item.pk], public=False)[0])
    assert [c["symbol"] for c in shown["cargos"]] == sorted(c.symbol for c in item.cargos.all())
    assert shown["secondary_source"]["label"] == "Liu and Wang (2024)"
    assert shown["version"] == item.version and shown["id"] == item.public_id


def test_the_api_detail_is_the_serialized_instance(api, corpus):
    item = Evidence.objects.with_related().get(pk=corpus["e2"].pk)
    body = api.get(f"/api/v1/evidence/{item.public_id}/").json()
    assert body == EvidenceSerializer(item, context={"request": api.get("/").wsgi_request}).data


def test_rows_embed_their_names_in_one_query(corpus):
    with CaptureQueriesContext(connection) as ctx:
        rows = complete_rows(list(Evidence.objects.public().as_rows()))
    assert len(ctx.captured_queries) == 1
    assert {row["id"] for row in rows} == set(Evidence.objects.public().values_list("pk", flat=True))
    assert all({"cargos", "drugs", "mechanisms"} <= row.keys() for row in rows)


def test_a_detail_read_is_one_query(api, corpus):
    from evidence.models.citation import label_letters

    label_letters()  # read once per data version, not per request
    # (The savepoint is the test's transaction showing through: in production a read runs in autocommit.)
    with CaptureQueriesContext(connection) as ctx:
        assert api.get(f"/api/v1/evidence/{corpus['e1'].public_id}/").status_code == 200
    data_queries = [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(data_queries) == 1


def test_an_items_names_sort_as_every_list_of_names_does(api, db):
    """Case-folded, then by id, in its document, its row, its instance and its exports:
    beta-elemene before Bexarotene, not after it as in code-point order."""
    item = EvidenceFactory(
        drugs=[DrugFactory(name="Bexarotene"), DrugFactory(name="beta-elemene")],
        cargos=[CargoFactory(symbol="MDR1"), CargoFactory(symbol="let-7a")],
        mechanisms=[MechanismFactory(name="EMT"), MechanismFactory(name="drug efflux")],
    )
    expected = {
        "drugs": ["beta-elemene", "Bexarotene"],
        "cargos": ["let-7a", "MDR1"],
        "mechanisms": ["drug efflux", "EMT"],
    }

    def names(shown):
        return {relation: [e.get("symbol") or e["name"] for e in shown[relation]] for relation in expected}

    assert names(json.loads(documents([item.pk], public=False)[0])) == expected
    assert names(api.get("/api/v1/evidence/").json()["results"][0]) == expected
    instance = Evidence.objects.with_related().get(pk=item.pk)
    assert names(EvidenceSerializer(instance, context={"request": None}).data) == expected
    assert names(complete_rows(list(Evidence.objects.filter(pk=item.pk).as_rows()))[0]) == expected
    exported = api.get("/api/v1/evidence/", {"format": "csv"})
    assert b"beta-elemene; Bexarotene" in b"".join(exported.streaming_content)
    assert stale_documents() == []
