"""End to end in headless chromium: search, facets, BibTeX copy and the network."""

import re

import pytest

from tests.web.demo import build_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def demo(transactional_db):
    return build_demo()


def test_searching_a_drug_by_an_alias_lands_on_its_page(page, demo):
    page.goto("/")
    page.fill("#hero-q", "Adriamycin")
    page.press("#hero-q", "Enter")
    page.wait_for_url(re.compile(r"/drugs/doxorubicin/$"))
    assert page.locator("h1").inner_text() == "doxorubicin"
    assert page.locator(".aliases").inner_text().count("ADM") == 1


def test_typeahead_suggests_the_drug_for_an_alias_prefix(page, demo):
    page.goto("/evidence/")
    page.fill("#site-search-q", "Adria")
    option = page.locator("#site-search-suggestions [role=option]").first
    option.wait_for()
    assert "doxorubicin" in option.inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/drugs/doxorubicin/$"))


def test_two_facets_narrow_the_evidence_list(page, demo):
    page.goto("/evidence/")
    count = page.locator("[data-testid=result-count]")
    assert count.inner_text() == "8"
    page.click("a.facet-value[data-facet=therapy_class][data-value=chemotherapy]")
    page.wait_for_url(re.compile(r"therapy_class=chemotherapy"))
    assert count.inner_text() == "6"
    page.click("a.facet-value[data-facet=level][data-value=C]")
    page.wait_for_url(re.compile(r"level=C"))
    assert count.inner_text() == "2"
    assert page.locator(".chip").count() == 2
    page.click("a.chip-remove[aria-label='Remove filter Evidence level C – in vivo (animal model)']")
    page.wait_for_url(re.compile(r"/evidence/\?therapy_class=chemotherapy$"))
    assert count.inner_text() == "6"


def test_the_bibtex_of_an_evidence_item_can_be_copied(page, demo):
    page.goto(demo.evidence[0].get_absolute_url())
    button = page.locator("button.copy-button")
    button.click()
    page.wait_for_selector("button.copy-button[data-copied=true]")
    assert "copied" in page.locator(".copy-status").inner_text()
    clipboard = page.evaluate("navigator.clipboard.readText()")
    assert clipboard.startswith("@article{ning2017,")
    assert "Exosomes released by gemcitabine-resistant cells transfer miR-155" in clipboard


def test_the_network_renders_and_a_node_leads_to_its_page(page, demo):
    page.goto("/")
    page.wait_for_selector(".network[data-rendered=true] svg")
    assert page.locator(".network a.node").count() == 12
    assert page.locator(".network line.edge").count() >= 8
    drug = demo.drugs["doxorubicin"]
    page.locator(f'.network a[data-node-id="drug-{drug.pk}"] .node-shape').click()
    page.wait_for_url(re.compile(r"/drugs/doxorubicin/$"))
    # The drug page draws the network narrowed to the drug.
    page.wait_for_selector(".network[data-rendered=true] svg")
    assert page.locator(".network a.node").count() == 7


def test_the_matrix_renders_counts_that_link_to_the_evidence(page, demo):
    page.goto("/matrix/")
    cell = page.locator(".matrix[data-rendered=true] td a").first
    cell.click()
    page.wait_for_url(re.compile(r"/evidence/\?therapy_class=.+&mechanism=.+"))


def test_the_live_server_answers_simultaneous_requests(page, demo):
    """The home page fetches its two pictures at once: 50 simultaneous requests, each answered."""
    page.goto("/")
    statuses = page.evaluate(
        """async () => {
            const urls = [];
            for (let i = 0; i < 25; i++) {
                urls.push('/network.json?limit=' + (40 + i), '/matrix.json?rows=' + (i % 2 ? 'drug' : 'therapy_class'));
            }
            const responses = await Promise.all(urls.map((u) => fetch(u, {cache: 'no-store'})));
            return responses.map((r) => r.status);
        }"""
    )
    assert statuses == [200] * 50


def test_a_misspelt_search_offers_the_right_name_and_marks_what_matched(page, demo):
    page.goto("/evidence/")
    page.fill("#filter-q", "doxorubicim")
    page.press("#filter-q", "Enter")
    page.wait_for_url(re.compile(r"q=doxorubicim"))
    suggestion = page.locator("[data-testid=did-you-mean] a", has_text="doxorubicin").first
    suggestion.click()
    page.wait_for_url(re.compile(r"/evidence/\?q=doxorubicin$"))
    assert int(page.locator("[data-testid=result-count]").inner_text()) > 0
    assert page.locator("td.statement mark").count() > 0
