"""Reads run in autocommit; a write through the API is all or nothing (AtomicWritesMixin).

These tests commit for real (``transaction=True``): inside the usual test transaction
every request would look atomic.
"""

import pytest
from django.db import OperationalError, transaction
from rest_framework.test import APIClient

from evidence.api import views
from evidence.models import Evidence
from tests.factories import CitationFactory, DrugFactory, EvidenceFactory, TherapyClassFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_it_reads_outside_a_transaction(monkeypatch):
    EvidenceFactory()
    seen = []
    original = views.EvidenceViewSet.list

    def spy(self, request, *args, **kwargs):
        seen.append(transaction.get_connection().in_atomic_block)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(views.EvidenceViewSet, "list", spy)
    assert APIClient().get("/api/v1/evidence/").status_code == 200
    assert seen == [False]


def test_a_write_that_fails_half_way_leaves_nothing(monkeypatch):
    therapy = TherapyClassFactory(slug="chemotherapy")
    citation = CitationFactory(doi="10.1000/atomic")
    DrugFactory(name="doxorubicin", slug="doxorubicin", therapy_class=therapy)
    original = views.EvidenceViewSet.perform_create

    def create_then_fail(self, serializer):
        original(self, serializer)  # the evidence, its links and history are saved (and released)...
        raise OperationalError("server closed the connection unexpectedly")  # ...then the database goes

    monkeypatch.setattr(views.EvidenceViewSet, "perform_create", create_then_fail)
    client = APIClient()
    # A superuser: the curators' group comes from a data migration that a flushing test may have removed.
    client.force_authenticate(UserFactory(username="editor-in-chief", is_superuser=True, is_staff=True))
    payload = {
        "statement": "Exosomal miR-1 confers doxorubicin resistance.",
        "drugs": ["doxorubicin"],
        "therapy_class": "chemotherapy",
        "effect": "confers_resistance",
        "evidence_type": "predictive",
        "level": "C",
        "citation": citation.doi,
    }
    response = client.post("/api/v1/evidence/", payload, format="json")
    assert response.status_code == 503, response.content[:300]
    assert not Evidence.objects.exists()
    assert not Evidence.history.exists()


@pytest.mark.parametrize("url", ["/", "/evidence/", "/drugs/", "/network.json", "/matrix.json", "/search/?q=dox"])
def test_pages_read_outside_a_transaction(monkeypatch, client, url):
    from django.db.backends.base.base import BaseDatabaseWrapper

    EvidenceFactory()
    inside = []
    original = BaseDatabaseWrapper.cursor

    def spying_cursor(self, *args, **kwargs):
        inside.append(self.in_atomic_block)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", spying_cursor)
    response = client.get(url)
    assert response.status_code in (200, 302)
    assert inside and not any(inside)
