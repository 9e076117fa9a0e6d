"""Abuse limits from the outside security probe (issue 15): deep pages, a spoofed
X-Forwarded-For, and flag floods that emptied the page cache."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client, RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import AnonRateThrottle

from evidence.api.throttling import AnonWindowThrottle
from evidence.models import EvidenceFlag
from exoresist import data_version
from tests.factories import EvidenceFactory, UserFactory


@pytest.fixture
def curator_api():
    """A curator signed in as a tool would be: a token in the Authorization header."""
    from rest_framework.authtoken.models import Token

    client = APIClient()
    token = Token.objects.create(user=UserFactory(username="tool-curator", groups=["Curators"]))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


pytestmark = pytest.mark.django_db


def test_pages_past_the_offset_cap_are_a_fast_400_that_points_to_the_export(settings):
    EvidenceFactory()
    api = APIClient()
    cap = settings.EXORESIST_API_MAX_OFFSET
    assert cap == 10_000
    response = api.get("/api/v1/evidence/", {"page": cap // 50 + 2, "page_size": 50})
    assert response.status_code == 400
    message = response.json()["page"][0]
    assert "format=csv" in message and "10,000" in message
    response = api.get("/api/v1/evidence/", {"q": "m", "page": 19999})
    assert response.status_code == 400


def test_a_changing_x_forwarded_for_does_not_escape_the_throttle(settings, monkeypatch):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    cache.clear()
    api = APIClient()
    statuses = [
        api.get("/api/v1/drugs/", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}", REMOTE_ADDR="203.0.113.9").status_code
        for n in range(6)
    ]
    assert statuses[-1] == 429, statuses
    cache.clear()


class _Interleaving:
    """The cache, letting the next request run in full right after this one first touches
    the cache (``get`` of DRF's history, ``add`` of the counter): sixteen requests that
    arrive together, as deterministic as a test needs."""

    def __init__(self, requests: int, arrive):
        self.waiting, self.arrive = requests - 1, arrive

    def __getattr__(self, name):
        return getattr(cache, name)

    def _next_arrives(self):
        if self.waiting:
            self.waiting -= 1
            self.arrive()

    def get(self, *args, **kwargs):
        value = cache.get(*args, **kwargs)
        self._next_arrives()
        return value

    def add(self, *args, **kwargs):
        added = cache.add(*args, **kwargs)
        self._next_arrives()
        return added


def test_requests_arriving_together_never_pass_the_limit(monkeypatch):
    """16 at once got 134 through 120/min: DRF's throttle reads the history, appends and
    writes it back, so requests that arrive together all read the same history (with
    DRF's AnonRateThrottle all 16 pass here). The atomic counter has no such window."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/min"})
    request = RequestFactory().get("/api/v1/drugs/", REMOTE_ADDR="203.0.113.30")
    request.user = AnonymousUser()
    allowed = []

    def arrive():
        allowed.append(AnonWindowThrottle().allow_request(request, None))

    monkeypatch.setattr(AnonWindowThrottle, "cache", _Interleaving(16, arrive))
    arrive()
    cache.clear()
    assert len(allowed) == 16 and sum(allowed) == 5


def test_flags_are_limited_per_address_and_leave_the_page_cache_alone(settings, django_capture_on_commit_callbacks):
    settings.EXORESIST_FLAGS_PER_HOUR = 3
    item = EvidenceFactory(status="accepted")
    client = Client(REMOTE_ADDR="203.0.113.20")
    version = data_version.get_version()
    url = f"/evidence/{item.public_id}/flag/"
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [
            client.post(url, {"reason": "wrong_data", "description": f"Looks wrong {n}"}).status_code for n in range(5)
        ]
    assert statuses == [302, 302, 302, 429, 429]
    assert EvidenceFlag.objects.count() == 3
    assert data_version.get_version() == version  # a flag is on no public page
    other = Client(REMOTE_ADDR="203.0.113.21")
    assert other.post(url, {"reason": "wrong_data", "description": "Another reader"}).status_code == 302


def test_a_very_long_username_at_the_admin_login_is_a_normal_refusal(settings):
    settings.AXES_ENABLED = True
    response = Client().post("/admin/login/?next=/admin/", {"username": "u" * 300, "password": "x"})
    assert response.status_code == 200  # the login form again, with its error; not a 500


def test_a_statement_has_a_length_limit(curator_api):
    response = curator_api.post(
        "/api/v1/evidence/",
        {"statement": "x" * 2001, "therapy_class": "chemotherapy", "effect": "biomarker",
         "evidence_type": "predictive", "level": "C", "citation": "10.1000/none"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "2000" in str(response.json()["statement"])


def test_what_a_signed_in_curator_reads_is_never_kept_by_a_shared_cache(curator_api):
    EvidenceFactory(status="draft")
    response = curator_api.get("/api/v1/evidence/")
    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "Authorization" in response["Vary"] and "Cookie" in response["Vary"]
    anonymous = APIClient().get("/api/v1/evidence/")
    assert "private" not in anonymous.get("Cache-Control", "")


def test_public_pages_do_not_name_staff_accounts():
    editor = UserFactory(username="ed1", first_name="", last_name="", groups=["Editors"])
    item = EvidenceFactory(status="accepted", reviewed_by=editor)
    page = Client().get(item.get_absolute_url()).content.decode()
    assert "by an editor" in page and "ed1" not in page


def test_unknown_api_urls_answer_json():
    response = Client().get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "no-such-endpoint" in response.json()["detail"]
