"""The evidence detail page: every field, the citation, BibTeX, retraction, review and history."""

import pytest


@pytest.fixture
def demo(demo_for_module, db):
    # Built once per module: no test here changes its objects in memory.
    return demo_for_module


def test_it_shows_every_field_and_links_every_related_record(client, demo):
    item = demo.evidence[0]
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert item.statement in html
    for url in ["/cargos/hsa-mir-155-5p/", "/drugs/doxorubicin/", "/drugs/paclitaxel/", "/cells/mcf-7-adr/",
                "/cells/mcf-7/", "/mechanisms/emt/", "/therapy-classes/chemotherapy/",
                item.citation.get_absolute_url(), item.secondary_source.get_absolute_url()]:  # fmt: skip
        assert f'href="{url}"' in html, url
    expected = [
        "C – in vivo (animal model)",
        "confers resistance",
        "predictive",
        "xenograft in nude mice",
        "ultracentrifugation",
        "CD63, TSG101",
        "luminal / ER+",
        "Curated through",
        "Cited there as: [10]",
    ]
    for text in expected:
        assert text in html, text
    assert 'href="https://doi.org/10.1000/demo.ning2017"' in html
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/28000001/"' in html


def test_it_offers_copyable_bibtex(client, demo):
    html = client.get(demo.evidence[0].get_absolute_url()).content.decode()
    assert '<pre id="bibtex-text"' in html
    assert "@article{ning2017," in html
    assert 'data-copy-target="bibtex-text"' in html


def test_it_says_when_and_by_whom_it_was_accepted_and_last_changed(client, demo):
    html = client.get(demo.evidence[0].get_absolute_url()).content.decode()
    assert "15 January 2026" in html
    assert "by Ada Curator" in html
    assert "Last changed" in html


def test_it_warns_when_the_citation_is_retracted(client, demo):
    html = client.get(demo.evidence[3].get_absolute_url()).content.decode()
    assert 'role="alert"' in html
    assert "The primary citation has been retracted" in html
    assert "image duplication in figure 3" in html
    assert (
        "retracted"
        not in client.get(demo.evidence[0].get_absolute_url())
        .content.decode()
        .lower()
        .split("<main")[1]
        .split("bibtex")[0]
    )


def test_the_public_id_is_case_insensitive_and_a_bare_number_works(client, demo):
    item = demo.evidence[0]
    assert client.get(f"/evidence/{item.public_id.lower()}/").status_code == 200
    assert client.get(f"/evidence/{item.pk}/").status_code == 200


def test_a_curator_can_preview_a_draft(curator_client, demo):
    html = curator_client.get(demo.evidence[-1].get_absolute_url()).content.decode()
    assert "not public" in html


def test_its_query_count_is_fixed(client, demo, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        client.get(demo.evidence[0].get_absolute_url())
