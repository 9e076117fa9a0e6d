"""Home page, the site frame (footer, canonical, skip link) and the 404/500 pages."""

from collections import Counter
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.http import QueryDict
from django.test import RequestFactory, override_settings

from evidence.filtersets import PAGING, query_key
from evidence.models import Cargo, EvidenceDrug
from evidence.site import graphs, views
from exoresist.errors import server_error
from tests.factories import CargoFactory, DrugFactory, EvidenceFactory


def test_home_shows_counts_entry_points_and_recent_accepted_evidence(client, demo):
    draft_only = {"cargos": [CargoFactory(symbol="DRAFT-ONLY", kind="protein")], "drugs": [DrugFactory(name="draft")]}
    EvidenceFactory(status="draft", **draft_only)
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["counts"] == {"evidence": 8, "citations": 5, "drugs": 5, "cargos": 7}
    # The drug and cargo counts are what their links list: a drug only ever a modifier too.
    EvidenceDrug.objects.create(evidence=demo.evidence[7], drug=DrugFactory(name="verapamil"), role="modifier")
    cache.clear()
    counts = client.get("/").context["counts"]
    for name, url in (("drugs", "/drugs/"), ("cargos", "/cargos/")):
        assert counts[name] == client.get(url).context["page"].paginator.count, name
    assert counts["drugs"] == 6
    # Read from the stored counts; the same as asking each drug and cargo for an accepted item.
    public = Counter(Cargo.objects.public().values_list("kind", flat=True))
    assert {kind["value"]: kind["count"] for kind in response.context["cargo_kinds"]} == public
    assert "/therapy-classes/chemotherapy/" in html
    assert "/cargos/?kind=mirna" in html
    assert demo.evidence[7].public_id in html
    assert "DRAFT finding" not in html
    assert 'data-network="/network.json?limit=80"' in html
    assert "data-matrix" in html
    assert 'href="/evidence/?therapy_class=chemotherapy&amp;mechanism=drug-efflux"' in html


@override_settings(EXORESIST_RELEASE="2026.1")
def test_every_page_has_a_footer_with_release_citation_and_licence_and_a_canonical_url(client, demo):
    html = client.get("/drugs/doxorubicin/?page=1").content.decode()
    assert "2026.1" in html
    assert "How to cite" in html
    assert "CC BY 4.0" in html
    assert '<link rel="canonical" href="http://testserver/drugs/doxorubicin/">' in html
    assert 'class="skip-link" href="#main"' in html
    assert 'role="search"' in html


def test_the_canonical_url_of_a_filtered_list_keeps_its_filters_sorted(client, demo):
    html = client.get("/evidence/?level=C&drug=ADM&page=1").content.decode()
    assert '<link rel="canonical" href="http://testserver/evidence/?drug=ADM&amp;level=C">' in html


def test_a_query_has_one_key_whatever_the_order_of_its_parameters():
    key = [("drug", "ADM"), ("drug", "cisplatin"), ("level", "C"), ("page", "2")]
    assert query_key(QueryDict("level=C&drug=ADM&page=2&drug=cisplatin")) == key
    assert query_key(QueryDict("drug=ADM&drug=cisplatin&page=2&level=C")) == key
    assert query_key(QueryDict("level=C&drug=ADM&page=2&drug=cisplatin"), leave_out=PAGING) == key[:3]


def test_the_facets_pictures_and_canonical_link_read_the_same_key(client, demo, monkeypatch):
    """The facets' and the pictures' cache keys and the canonical link are the one ``query_key``."""
    keys = []

    def remember(name, parts, compute):
        keys.append((name, parts))
        return compute()

    monkeypatch.setattr(views, "cached", remember)
    monkeypatch.setattr(graphs, "cached", remember)
    html = client.get("/evidence/?level=C&ordering=-year&effect=confers_resistance&page=1").content.decode()
    client.get("/network.json?level=C&effect=confers_resistance")
    client.get("/matrix.json?level=C&effect=confers_resistance")
    filters = query_key(QueryDict("effect=confers_resistance&level=C"))
    assert keys == [("facets", filters), ("network", filters), ("matrix", filters)]
    shown = urlencode(query_key(QueryDict("effect=confers_resistance&level=C&ordering=-year")))
    assert f'<link rel="canonical" href="http://testserver/evidence/?{shown.replace("&", "&amp;")}">' in html


def test_it_has_no_inline_event_handlers_or_inline_scripts(client, demo):
    for url in ["/", "/evidence/", "/drugs/doxorubicin/", demo.evidence[0].get_absolute_url()]:
        html = client.get(url).content.decode()
        assert " onclick=" not in html and " onload=" not in html
        assert "<script>" not in html  # only <script src=...>


@pytest.mark.parametrize(
    "url",
    ["/drugs/no-such-drug/", "/cargos/nope/", "/cells/nope/", "/mechanisms/nope/", "/therapy-classes/nope/",
     "/citations/999999/", "/evidence/EXR999999/", "/evidence/not-an-id/", "/nowhere/",
     f"/evidence/EXR{'9' * 5000}/"],
)  # fmt: skip
def test_it_answers_404_in_the_site_style_for_unknown_pages(client, demo, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert "site-footer" in html


def test_a_draft_evidence_item_is_not_found_by_the_public(client, demo):
    assert client.get(demo.evidence[-1].get_absolute_url()).status_code == 404


def test_the_500_page_renders_without_touching_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_cached_counts_change_as_soon_as_curated_data_does(client, demo):
    from tests.factories import EvidenceFactory

    assert client.get("/").context["counts"]["evidence"] == 8
    assert client.get("/evidence/?drug=ADM").context["page"].paginator.count == 4
    EvidenceFactory(drugs=[demo.drugs["doxorubicin"]])
    assert client.get("/").context["counts"]["evidence"] == 9
    assert client.get("/evidence/?drug=ADM").context["page"].paginator.count == 5
    demo.evidence[0].delete()
    assert client.get("/").context["counts"]["evidence"] == 8
