"""The load test's URL mix: every read URL answers GET, and every kind of page is in it."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from exoresist.urlmap import answers_get
from tests.factories import EvidenceFactory

pytestmark = pytest.mark.django_db


def test_post_only_workflow_actions_do_not_answer_get():
    assert answers_get("/api/v1/evidence/")
    assert answers_get("/api/v1/evidence/EXR000001/")
    assert not answers_get("/api/v1/evidence/EXR000001/accept/")
    assert not answers_get("/no/such/page/")


def test_the_read_mix_holds_only_urls_that_answer_get(client):
    EvidenceFactory()
    out = StringIO()
    call_command("loadtest_urls", "--samples", "5", stdout=out)
    mix = json.loads(out.getvalue())
    assert mix["read"] and mix["search"]
    assert not [url for url in mix["read"] if url.rstrip("/").endswith(("accept", "submit", "reject"))]
    statuses = {client.get(url).status_code for url in mix["read"]}
    assert statuses <= {200, 302}, statuses
