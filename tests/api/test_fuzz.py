"""Schemathesis against /api/v1/schema/, with every check it has: no 5xx, no status code,
content type, header or body the schema does not declare, reads anonymous, writes refused
without a login.

One check is narrowed, not dropped: ``positive_data_acceptance`` wants every request that
fits the schema answered with a success, but two 400s are the API's promise (issues 11
and 15): a name that matches no drug, cargo, cell or vocabulary term (with the closest
names), a page past the offset cap (a limit on page x page_size that a schema cannot
state), and a NUL character in the address. Any other 400 for schema-valid input fails.

Bounded: a few generated examples per operation, derandomized, so the run takes well
under a minute and fails the same way twice.
"""

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from exoresist.wsgi import application

EXAMPLES_PER_OPERATION = 10
ALL_BUT_POSITIVE = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
    checks.missing_required_header,
    checks.unsupported_method,
    checks.ignored_auth,
    checks.use_after_free,
    checks.ensure_resource_availability,
]
#: The 400s that schema-valid input may get, and why (see the module docstring; PostgreSQL
#: text cannot hold NUL, so a NUL in the address is refused before any view).
PROMISED_400 = re.compile(r"No [a-z ]+ is called|Pages past row [\d,]+ are not served|NUL characters are not")


@pytest.fixture
def wsgi_in_test_transaction(monkeypatch):
    from django.core import signals
    from django.db import close_old_connections
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": None})
    # Called through WSGI, Django would close the test's database connection after each
    # request (as django.test.Client prevents); keep it open for the test transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def run(method: str) -> dict[str, str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    selected = schema.include(method="GET") if method == "GET" else schema.exclude(method="GET")
    operations = [result.ok() for result in selected.get_all_operations()]
    assert len(operations) >= (14 if method == "GET" else 3)
    failures = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case):
            response = case.call()
            case.validate_response(response, checks=ALL_BUT_POSITIVE)
            if response.status_code == 400 and method == "GET":
                assert PROMISED_400.search(response.text), f"schema-valid input refused: {response.text[:300]}"

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # collected: one run names every failing operation
            failures[operation.label] = str(exc)[:2000]
    return failures


def test_every_read_honours_the_schema(db, corpus, wsgi_in_test_transaction):
    assert run("GET") == {}


def test_every_write_honours_the_schema_and_refuses_anonymous_clients(db, corpus, wsgi_in_test_transaction):
    assert run("WRITE") == {}
