"""Help and about (issue 13, item 3): every level, effect, evidence type, drug role and
field explained, with working search examples; what the database covers, its sources,
curation, licence and how to cite; both linked from every page."""

import re

import pytest

from evidence.choices import MEANING, DrugRole, Effect, EvidenceLevel, EvidenceType, VesicleInvolvement
from evidence.curation.workflow import CONTENT_FIELDS
from evidence.models import Evidence

pytestmark = pytest.mark.django_db


def test_every_controlled_value_has_a_meaning():
    for vocabulary in (EvidenceLevel, Effect, EvidenceType, DrugRole, VesicleInvolvement):
        for member in vocabulary:
            assert len(MEANING.get(member, "")) > 20, member


def test_the_help_page_explains_every_value_and_field(client, seeded):
    page = client.get("/help/").content.decode()
    for vocabulary in (EvidenceLevel, Effect, EvidenceType, DrugRole, VesicleInvolvement):
        for member in vocabulary:
            assert member.label in page.replace("&ndash;", "–") and MEANING[member][:40] in page
    for name in CONTENT_FIELDS:
        if name != "curation_note":
            field = Evidence._meta.get_field(name)
            assert f'id="field-{name}"' in page and field.help_text, name


def test_the_help_pages_examples_work_on_the_seed(client, seeded):
    page = client.get("/help/").content.decode()
    examples = set(re.findall(r'href="(/evidence/\?[^"]+)"', page))
    assert len(examples) >= 8
    for url in examples:
        response = client.get(url.replace("&amp;", "&"))
        assert response.status_code == 200, (url, response.status_code)
        assert "No accepted evidence matches" not in response.content.decode(), url  # each example finds something


def test_the_about_page_says_what_it_covers_and_how_to_cite(client, seeded):
    page = client.get("/about/").content.decode()
    public = Evidence.objects.public().count()
    assert f"<strong>{public}</strong> accepted findings" in page
    assert "doi.org/10.3389/fbioe.2023.1214648" in page and "CC BY 4.0" in page
    assert "What it does not cover" in page and "four eyes" in page


@pytest.mark.parametrize("url", ["/", "/evidence/", "/drugs/", "/downloads/"])
def test_help_and_about_are_linked_from_every_page(client, seeded, url):
    page = client.get(url).content.decode()
    assert 'href="/help/"' in page and 'href="/about/"' in page
