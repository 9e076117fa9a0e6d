"""Draft, submitted and rejected evidence never reaches the public: not in pages, lists,
search, CSV, JSON or network views, for anonymous visitors and for signed-in readers."""

import pytest

from evidence.choices import Status
from exoresist.urlmap import endpoints, list_endpoints, urls_for
from tests.factories import EvidenceFactory
from tests.production.conftest import make_client

MARKER = "zq7unpublishedmarker"
#: Only in the unpublished items, never in a request: pages rightly echo the search term
#: (MARKER) in their search box, so a leak is looked for by this second word.
SECRET = "zq7neverpublished"
VARIANTS = ["", f"?q={MARKER}", "?format=csv", "?format=json", "?format=tsv", "?page_size=500", "?status=draft"]


@pytest.fixture
def unpublished(graph):
    items = []
    for status in (Status.DRAFT, Status.SUBMITTED, Status.REJECTED):
        items.append(
            EvidenceFactory(
                statement=f"{MARKER} {SECRET} {status} statement about exosomal miR-155.",
                curation_note=f"{MARKER} {SECRET} note",
                source_quote=f"{MARKER} {SECRET} quote",
                drugs=list(graph.drugs.all()),
                cargos=list(graph.cargos.all()),
                mechanisms=list(graph.mechanisms.all()),
                source_cell=graph.source_cell,
                recipient_cell=graph.recipient_cell,
                status=status,
            )
        )
    return items


@pytest.mark.parametrize("role", ["anonymous", "reader"])
def test_unpublished_evidence_never_appears_on_a_public_url(unpublished, role):
    client = make_client(role)
    leaks = []
    urls = [e.url for e in endpoints()]
    for url in urls:
        for variant in VARIANTS if url in {e.url for e in list_endpoints()} else [""]:
            response = client.get(url + variant, HTTP_ACCEPT="*/*")
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if SECRET.encode() in body:
                leaks.append(url + variant)
    assert not leaks


@pytest.mark.parametrize("role", ["anonymous", "reader"])
def test_unpublished_evidence_has_no_public_detail(unpublished, role):
    client = make_client(role)
    for item in unpublished:
        urls = urls_for(item)
        assert urls, "no detail route for evidence"
        for url in urls:
            response = client.get(url)
            # 405: a POST-only workflow action answers before looking the item up, so it says nothing of it.
            assert response.status_code in (404, 405), url
            assert SECRET.encode() not in response.content
