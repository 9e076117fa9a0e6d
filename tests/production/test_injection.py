"""Script and HTML in any free-text field shows as text everywhere; spreadsheet formulas
in CSV/TSV exports are neutralised."""

import csv
import io

import pytest

from evidence.choices import Status
from exoresist.csvsafe import spreadsheet_safe
from exoresist.urlmap import endpoints, list_endpoints, urls_for
from tests.factories import CitationFactory, EvidenceFactory
from tests.production.conftest import make_client
from tests.production.site_map import admin_change_urls, admin_urls

SCRIPT = '<script>alert("exo")</script>'
IMG = "<img src=x onerror=alert(1)>"
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+SUM(1,2)", "@SUM(1)", "-2+3+cmd|' /C calc'!A0"]


@pytest.fixture
def hostile_evidence(graph):
    citation = CitationFactory(title=f'Exosomes "><svg onload=alert(1)> {SCRIPT}', journal=IMG)
    items = [
        EvidenceFactory(
            statement=f"Exosomal miR-21 {SCRIPT} confers resistance {IMG}",
            curation_note=SCRIPT,
            source_quote=IMG,
            experimental_systems=SCRIPT,
            citation=citation,
            drugs=list(graph.drugs.all()),
            status=Status.ACCEPTED,
        )
    ]
    items += [EvidenceFactory(statement=formula, drugs=list(graph.drugs.all())) for formula in FORMULAS]
    return items


def html_bodies(client, urls):
    for url in urls:
        response = client.get(url)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            yield url, response.content.decode()


def test_script_in_any_field_is_shown_as_text_on_public_pages(hostile_evidence):
    urls = [e.url for e in endpoints()] + urls_for(hostile_evidence[0]) + urls_for(hostile_evidence[0].citation)
    for url, body in html_bodies(make_client("anonymous"), urls):
        assert SCRIPT not in body, url
        assert IMG not in body, url
        assert "<svg onload" not in body, url


def test_script_in_any_field_is_shown_as_text_in_the_admin(hostile_evidence):
    urls = [changelist for _, changelist, _ in admin_urls()] + admin_change_urls()
    urls.append(f"/admin/evidence/evidence/{hostile_evidence[0].pk}/change/")
    for url, body in html_bodies(make_client("superuser"), urls):
        assert SCRIPT not in body, url
        assert IMG not in body, url


def test_csv_and_tsv_exports_neutralise_spreadsheet_formulas(hostile_evidence):
    client = make_client("anonymous")
    exports = []
    for endpoint in list_endpoints():
        for variant in ("?format=csv", "?format=tsv", ""):
            response = client.get(endpoint.url + variant)
            kind = response.get("Content-Type", "")
            if response.status_code == 200 and ("csv" in kind or "tab-separated" in kind):
                exports.append((endpoint.url + variant, kind, response))
    if not exports:
        pytest.skip("no CSV/TSV export in this build yet")
    for url, kind, response in exports:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        delimiter = "\t" if "tab-separated" in kind else ","
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter):
            for cell in row:
                assert not any(cell.startswith(formula) for formula in FORMULAS), (url, cell)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("=1+1", "'=1+1"),
        ("+SUM(1)", "'+SUM(1)"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("miR-21", "miR-21"),
        ("-", "-"),
        ("-5", "-5"),
        (12, 12),
        (None, None),
    ],
)
def test_spreadsheet_safe_quotes_only_formulas(value, expected):
    assert spreadsheet_safe(value) == expected


def test_release_tsv_files_neutralise_spreadsheet_formulas(hostile_evidence, tmp_path):
    """The dated releases offered for download are TSV exports too."""
    from evidence.curation.release import export_release

    release = export_release("2099.1", directory=tmp_path)
    statements = []
    for path in release.glob("*.tsv"):
        rows = csv.reader(io.StringIO(path.read_text()), delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        for row in rows:
            for cell in row:
                assert not any(cell.startswith(formula) for formula in FORMULAS), (path.name, cell)
            statements += row
    assert any(cell == "'" + FORMULAS[1] for cell in statements), "the formula items were not exported"
