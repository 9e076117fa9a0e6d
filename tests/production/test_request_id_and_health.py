import json
import logging
import uuid

from django.db import OperationalError

from exoresist.logging import JsonFormatter, RequestIdFilter
from tests.production.conftest import make_client


def test_a_safe_incoming_request_id_is_echoed(db):
    response = make_client("anonymous").get("/", HTTP_X_REQUEST_ID="lb-4f2a9c1e-0001")
    assert response["X-Request-ID"] == "lb-4f2a9c1e-0001"


def test_an_unsafe_request_id_is_replaced_by_a_uuid(db):
    response = make_client("anonymous").get("/", HTTP_X_REQUEST_ID="x\r\nSet-Cookie: a=b")
    assert uuid.UUID(response["X-Request-ID"])


def test_every_request_gets_an_id(db):
    first = make_client("anonymous").get("/")["X-Request-ID"]
    second = make_client("anonymous").get("/")["X-Request-ID"]
    assert first != second


def test_the_request_log_is_one_json_object_with_the_request_id(db, caplog):
    with caplog.at_level(logging.INFO, logger="exoresist.request"):
        response = make_client("anonymous").get("/", HTTP_X_REQUEST_ID="trace-0123456789")
    record = next(r for r in caplog.records if r.name == "exoresist.request")
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "trace-0123456789" == response["X-Request-ID"]
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["path"] == "/"
    assert line["duration_ms"] >= 0


def test_healthz_reports_the_database_and_cache(db):
    response = make_client("anonymous").get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["database"] == "ok"
    assert response.json()["cache"] == "ok"
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_any_host_and_plain_http(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["exoresist.example.org"]
    response = make_client("anonymous").get("/healthz", HTTP_HOST="10.0.3.7:8000")
    assert response.status_code == 200


def test_healthz_is_503_when_the_database_is_down(db, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        response = make_client("anonymous").get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_a_cache_outage_is_logged_briefly_not_once_per_operation(db, settings, caplog):
    """Redis down: django-redis reports every ignored error; the log gets one short line."""
    import logging

    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    settings.DJANGO_REDIS_LOGGER = "exoresist.cache"
    from exoresist.logging import CacheOutageFilter

    logger = logging.getLogger("exoresist.cache")
    # From settings.LOGGING; each django.setup() in the process (importing exoresist.wsgi, as
    # tests/api/test_fuzz.py does) configures logging again and adds one more: reset them all.
    outages = [f for f in logger.filters if isinstance(f, CacheOutageFilter)]
    assert outages
    for outage in outages:
        outage.last, outage.suppressed = float("-inf"), 0
    with caplog.at_level(logging.WARNING, logger="exoresist.cache"):
        cache = caches.create_connection("default")
        for _ in range(20):
            assert cache.get("k") is None
    lines = [r for r in caplog.records if r.name == "exoresist.cache"]
    assert len(lines) == 1
    assert lines[0].exc_info is None and "cache unavailable" in lines[0].getMessage()
    assert sum(outage.suppressed for outage in outages) == 19
