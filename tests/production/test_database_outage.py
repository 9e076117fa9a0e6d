"""The database going away mid-request: 503 with a clear body, never a traceback; the
write is rolled back whole; the next request works again."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import InterfaceError, OperationalError

from evidence.models import Drug, DrugAlias
from evidence.site.views import HomeView
from tests.factories import TherapyClassFactory
from tests.production.conftest import make_client


@pytest.fixture
def database_drops(monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(HomeView, "get_context_data", fail)


def test_a_page_gets_a_503_with_a_clear_body(db, database_drops):
    response = make_client("anonymous").get("/", HTTP_ACCEPT="text/html")
    assert response.status_code == 503
    assert b"temporarily unavailable" in response.content
    assert b"Traceback" not in response.content
    assert response["Retry-After"] == "5"
    assert response["X-Request-ID"]


def test_an_api_client_gets_json(db, database_drops):
    response = make_client("anonymous").get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "temporarily unavailable" in response.json()["detail"]


def test_an_outage_inside_middleware_is_a_503_too(db, monkeypatch):
    def fail(self, *args, **kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(SessionStore, "load", fail)
    client = make_client("anonymous")
    client.cookies["sessionid"] = "a" * 32
    response = client.get("/admin/")
    assert response.status_code == 503
    assert b"Traceback" not in response.content


def test_the_site_recovers_by_itself(db, monkeypatch):
    calls = {"n": 0}
    original = HomeView.get_context_data

    def flaky(self, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("terminating connection due to administrator command")
        return original(self, **kwargs)

    monkeypatch.setattr(HomeView, "get_context_data", flaky)
    client = make_client("anonymous")
    assert client.get("/").status_code == 503
    assert client.get("/").status_code == 200


def test_a_write_interrupted_by_an_outage_is_not_half_applied(db, monkeypatch):
    """The drug is saved, then the database drops while its aliases are written: nothing stays."""
    therapy = TherapyClassFactory(slug="chemotherapy", name="Chemotherapy")
    client = make_client("superuser")

    def fail(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(DrugAlias, "save", fail)
    response = client.post(
        "/admin/evidence/drug/add/",
        {
            "name": "epirubicin",
            "slug": "epirubicin",
            "drug_class": "anthracycline",
            "therapy_class": therapy.pk,
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-MIN_NUM_FORMS": "0",
            "aliases-MAX_NUM_FORMS": "1000",
            "aliases-0-name": "EPI",
        },
    )
    assert response.status_code == 503, response.content[:500]
    assert not Drug.objects.filter(slug="epirubicin").exists()
    assert not Drug.history.filter(slug="epirubicin").exists()


def test_requests_are_atomic(settings):
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True
