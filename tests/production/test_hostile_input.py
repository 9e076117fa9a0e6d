"""Hostile query strings and form fields against every list URL and admin page found at
run time: no 5xx, and nothing in the database changes."""

import json
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exoresist.urlmap import list_endpoints
from tests.production.conftest import make_client
from tests.production.site_map import admin_urls, filter_params, row_counts

# Already percent-encoded, so NUL bytes and invalid UTF-8 reach the server as such.
HOSTILE = [
    quote("' OR '1'='1' --"),
    quote("1); DROP TABLE evidence_evidence; --"),
    quote("x" * 10_000),
    "%00",
    "abc%00def",
    "%ff%fe%fd",
    quote("<script>alert(1)</script>"),
    quote("../../../../etc/passwd"),
    quote("%%%%__\\\\"),
    "-1",
    "99999999999999999999999999",
]
PAGING = ["-1", "0", "99999999999999999999999999", "1e9", "abc", str(10**9), "%00", "%ff%fe"]
# The run is bounded by its size, not by a clock (speed is for the benchmarks in bench/): a fixed
# list of queries per list URL, and a hostile query never makes a request run more SQL queries
# than this (the busiest page, /search/, runs 16 with the test data).
MAX_QUERIES_PER_REQUEST = 25


def hostile_queries() -> list[str]:
    params = sorted(filter_params() - {"page", "page_size", "limit", "offset", "p"})
    queries = ["&".join(f"{name}={value}" for name in params) for value in HOSTILE]
    queries += [f"page={v}&page_size={v}&limit={v}&offset={v}&p={v}" for v in PAGING]
    queries += ["page_size=1000000", "page=1&page_size=-5", "q=" + "%ff" * 300]
    return queries


def test_hostile_query_strings_never_cause_a_server_error_or_a_change(graph):
    client = make_client("anonymous")
    before = row_counts()
    failures, heavy = [], []
    for endpoint in list_endpoints():
        for query in hostile_queries():
            with CaptureQueriesContext(connection) as queries:
                response = client.get(f"{endpoint.url}?{query}")
            if response.status_code >= 500:
                failures.append((endpoint.url, query[:80], response.status_code))
            if len(queries) > MAX_QUERIES_PER_REQUEST:
                heavy.append((endpoint.url, query[:80], len(queries)))
    assert not failures
    assert not heavy
    assert row_counts() == before


def test_hostile_admin_searches_and_orderings_never_cause_a_server_error(graph):
    client = make_client("superuser")
    before = row_counts()
    failures = []
    for _, changelist, _ in admin_urls():
        for value in HOSTILE:
            response = client.get(f"{changelist}?q={value}&o={value}&p={value}")
            if response.status_code >= 500:
                failures.append((changelist, value[:40], response.status_code))
    assert not failures
    assert row_counts() == before


def test_nul_characters_get_a_clear_400(db):
    response = make_client("anonymous").get("/?q=a%00b")
    assert response.status_code == 400
    assert b"NUL" in response.content


RELATED_NAMES = ["drugs", "cargos", "mechanisms", "source_cell", "recipient_cell", "therapy_class", "cancer_type"]


@pytest.mark.parametrize("field", [*RELATED_NAMES, "citation", "statement", "aliases", "parent"])
def test_nul_characters_in_json_bodies_are_a_400_naming_the_field(graph, field):
    """They reached PostgreSQL as lookups ('A string literal cannot contain NUL'): a 500."""
    value = ["a\x00b"] if field in ("drugs", "cargos", "mechanisms", "aliases") else "a\x00b"
    client = make_client("curator")
    before = row_counts()
    for url in ("/api/v1/evidence/", "/api/v1/drugs/", "/api/v1/cells/"):
        response = client.post(url, data=json.dumps({"level": "D", field: value}), content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert f"{field}: text may not contain NUL" in response.json()["detail"]
    assert row_counts() == before


@pytest.mark.parametrize("field", [*RELATED_NAMES, "citation", "level", "kind", "aliases", "parent"])
def test_lone_surrogates_in_json_bodies_are_a_400_naming_the_field(graph, field):
    """JSON may escape half a UTF-16 pair ("\\ud800"): no text holds it. Looked up as a name it
    reached PostgreSQL ('surrogates not allowed': a 500), echoed in a choice's error it broke
    the response's encoding (a 500)."""
    value = ["a\ud800b"] if field in ("drugs", "cargos", "mechanisms", "aliases") else "a\udfffb"
    client = make_client("curator")
    before = row_counts()
    for url in ("/api/v1/evidence/", "/api/v1/drugs/", "/api/v1/cells/"):
        # json.dumps writes the lone surrogate as its escape, as a client's JSON library would.
        response = client.post(url, data=json.dumps({"level": "D", field: value}), content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert f"{field}: text may not contain half of a UTF-16 surrogate pair" in response.json()["detail"]
    assert row_counts() == before


def test_deeply_nested_json_bodies_are_a_400_on_every_api_endpoint(graph):
    """A body nested 100,000 deep overflowed Python's recursion while it was parsed: a 500."""
    client = make_client("curator")
    endpoints = [e.url for e in list_endpoints() if e.url.startswith("/api/")]
    assert len(endpoints) >= 6
    failures, parsed = [], set()
    for url in endpoints:
        for body in ("[" * 100_000 + "]" * 100_000, '{"statement": ' + "[" * 30 + "]" * 30 + "}"):
            response = client.post(url, data=body, content_type="application/json")
            if response.status_code == 405:
                continue  # read-only: the body is never parsed
            parsed.add(url)
            if response.status_code != 400 or b"nested more than" not in response.content:
                failures.append((url, response.status_code, response.content[:100]))
    assert not failures
    assert {"/api/v1/evidence/", "/api/v1/citations/", "/api/v1/drugs/", "/api/v1/cargos/"} <= parsed


@pytest.mark.parametrize("value", ["x" * 10_000, "a\x00b", "' OR 1=1 --", "<script>alert(1)</script>", "\udcff"])
def test_hostile_admin_form_posts_never_cause_a_server_error(graph, value):
    client = make_client("superuser")
    failures = []
    for _, _, add in admin_urls():
        fields = {name: value for name in ("name", "slug", "symbol", "statement", "title", "doi", "pmid", "authors")}
        try:
            response = client.post(add, fields)
        except UnicodeEncodeError:
            pytest.skip("the test client cannot encode a lone surrogate")
        if response.status_code >= 500:
            failures.append((add, response.status_code))
    assert not failures


def test_hostile_uploads_to_every_endpoint_never_cause_a_server_error(graph):
    """Upload endpoints (BibTeX import, bulk curation) added later are covered too."""
    client = make_client("superuser")
    before = row_counts()
    payloads = [b"\xff\xfe\x00garbage\x00", b"@article{" + b"x" * 200_000, b"=cmd|' /C calc'!A0\n" * 100]
    failures = []
    for endpoint in list_endpoints():
        for payload in payloads:
            upload = SimpleUploadedFile("hostile.bib", payload, content_type="application/x-bibtex")
            response = client.post(endpoint.url, {"file": upload, "bibtex": upload, "q": "' OR 1=1 --"})
            if response.status_code >= 500:
                failures.append((endpoint.url, response.status_code))
    assert not failures
    counts = row_counts()
    assert {k: v for k, v in counts.items() if k.startswith("evidence.")} == {
        k: v for k, v in before.items() if k.startswith("evidence.")
    }


def test_a_form_body_over_the_limit_is_a_413_that_says_so(db, settings):
    """The length was not announced as too large (the middleware's 413), but more came."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.EXORESIST_MAX_UPLOAD_BYTES = 10_000  # the announced length alone passes
    response = make_client("anonymous").post("/admin/login/", {"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413
    assert b"too large" in response.content


BIBTEX_IMPORT = "/admin/evidence/citation/import-bibtex/"


def test_an_upload_over_the_limit_is_refused_before_it_is_imported(db, settings):
    """DATA_UPLOAD_MAX_MEMORY_SIZE leaves files out of its count: the upload limit is separate."""
    settings.EXORESIST_MAX_UPLOAD_BYTES = 4096
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # the announced length alone passes
    client = make_client("superuser")
    before = row_counts()
    entry = b"@article{k%d, title={T}, author={A}, year={2020}, doi={10.1000/x%d}}\n"
    payload = b"".join(entry % (n, n) for n in range(200))
    assert len(payload) > 4096
    upload = SimpleUploadedFile("big.bib", payload, content_type="application/x-bibtex")
    response = client.post(BIBTEX_IMPORT, {"file": upload})
    assert response.status_code == 413
    assert b"Uploaded files exceed 4096 bytes" in response.content
    assert row_counts() == before


def test_a_body_announced_over_the_limits_gets_413_unread(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.EXORESIST_MAX_UPLOAD_BYTES = 1024
    client = make_client("superuser")
    upload = SimpleUploadedFile("big.bib", b"%" * 5000, content_type="application/x-bibtex")
    assert client.post(BIBTEX_IMPORT, {"file": upload}).status_code == 413
    response = client.post("/api/v1/evidence/", data=b"{}" + b" " * 5000, content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_an_upload_under_the_limit_still_imports(db):
    upload = SimpleUploadedFile(
        "one.bib",
        b"@article{ok1, title={Exosomes}, author={Doe, J.}, journal={J}, year={2020}, doi={10.1000/ok1}}\n",
        content_type="application/x-bibtex",
    )
    response = make_client("superuser").post(BIBTEX_IMPORT, {"file": upload})
    assert response.status_code == 200


def test_a_percent_sign_in_an_unknown_name_is_quoted_back_not_a_500(db):
    """django-filter %-formats error messages; a name holding "%" once crashed the list."""
    response = make_client("anonymous").get("/api/v1/evidence/", {"recipient_cell": "100% made up", "drug": "%s%d"})
    assert response.status_code == 400
    body = response.json()
    assert "100% made up" in str(body["recipient_cell"]) and "%s%d" in str(body["drug"])


@pytest.mark.parametrize("name", ["%", "%zz", "100%", "%(x)s"])
def test_a_percent_sign_in_an_unknown_parameter_name_is_a_400_that_quotes_it(db, name):
    """``?%`` (a stray percent sign) reached DRF's error translation as a %-format: a 500
    (TypeError: not enough arguments for format string) on every API list."""
    client = make_client("anonymous")
    for url in ("/api/v1/evidence/", "/api/v1/drugs/", "/api/v1/citations/"):
        response = client.get(f"{url}?{quote(name, safe='%')}=1")
        assert response.status_code == 400, (url, response.status_code)
        assert f"Unknown parameter {name!r}" in str(response.json()[name]), url
    page = client.get(f"/evidence/?{quote(name, safe='%')}=1")
    assert page.status_code == 400
    assert f"Unknown parameter {name!r}".replace("'", "&#x27;") in page.content.decode()


@pytest.mark.parametrize("text", ["-", "-x", '"', "--", "or"])
def test_a_search_without_a_word_to_look_for_finds_nothing_everywhere(graph, text):
    """``q=-`` is a query with no word in it, an empty set: the facets and the pictures
    wrote its SQL and got Django's EmptyResultSet instead (a 500)."""
    client = make_client("anonymous")
    failures = []
    for endpoint in list_endpoints():
        response = client.get(endpoint.url, {"q": text})
        if response.status_code >= 500:
            failures.append((endpoint.url, response.status_code))
    assert not failures
    page = client.get("/evidence/", {"q": text})
    assert page.status_code == 200 and page.context["page"].paginator.count == 0
    assert all(not value.count for facet in page.context["facets"] for value in facet.values)
    assert client.get("/network.json", {"q": text}).json()["nodes"] == []
    assert client.get("/matrix.json", {"q": text}).json()["cells"] == []


@pytest.mark.parametrize("fmt", ["csv", "tsv", "bibtex", "ris", "csljson"])
def test_an_export_of_a_search_that_finds_nothing_is_an_empty_file(graph, fmt):
    """The list added "did you mean" to what it took for a JSON page, and a CSV file has no
    ``data``: an export of a text search that found nothing was a 500."""
    response = make_client("anonymous").get("/api/v1/evidence/", {"q": "zzqqxx", "format": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"doxorubicin" not in body and b"EXR" not in body


def test_a_percent_escape_of_nul_in_a_doi_is_not_a_500(graph):
    """A DOI is percent-decoded ("10.1000%2Fxyz"), so ``%2500`` became a NUL, which PostgreSQL refuses."""
    client = make_client("anonymous")
    for url in ("/api/v1/evidence/", "/api/v1/citations/", "/evidence/"):
        response = client.get(url, {"doi": "%00"})
        assert response.status_code == 200, url
    assert client.get("/search/", {"q": "%00"}).status_code == 200
