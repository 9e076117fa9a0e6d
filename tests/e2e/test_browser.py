"""End to end in headless chromium: search, facets, BibTeX copy and the network."""

import re
from pathlib import Path

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


NETWORK = "window.ExoResistNetwork.graphs[0]"


def _draw_network(page, url):
    """Open ``url`` and wait for its network to be drawn; the policy violations seen on the way are kept."""
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.violatedDirective));"
    )
    page.goto(url)
    page.wait_for_selector(".network[data-rendered=true] canvas")


def _scroll_to_network(page):
    """Bring the drawing into view and let Cytoscape see the scroll (it reads the container's
    place on the page again on the scroll event, a frame later)."""
    page.locator(".network").first.scroll_into_view_if_needed()
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _click_node(page, label):
    """Click a node where Cytoscape drew it (the canvas has no element per node)."""
    _scroll_to_network(page)
    x, y = page.evaluate(
        f"""(label) => {{
            const cy = {NETWORK};
            const node = cy.nodes().filter((n) => n.data('label') === label)[0];
            const box = cy.container().getBoundingClientRect(), p = node.renderedPosition();
            return [box.left + p.x, box.top + p.y];
        }}""",
        label,
    )
    page.mouse.click(x, y)


def test_the_network_renders_labelled_nodes_and_a_node_leads_to_its_page(page, demo):
    _draw_network(page, "/")
    drawn = page.evaluate(
        f"""() => {{
            const cy = {NETWORK};
            const box = cy.container().getBoundingClientRect();
            return {{
                labels: cy.nodes().map((n) => n.data('label')).sort(),
                shown: cy.nodes().not('.label-hidden').length,
                edges: cy.edges().length,
                onScreenFont: cy.nodes()[0].numericStyle('font-size') * cy.zoom(),
                inside: cy.nodes().every((n) => {{
                    const p = n.renderedPosition();
                    return p.x > 0 && p.y > 0 && p.x < box.width && p.y < box.height;
                }}),
            }};
        }}"""
    )
    assert len(drawn["labels"]) == 12 and "doxorubicin" in drawn["labels"] and "hsa-miR-155-5p" in drawn["labels"]
    assert drawn["shown"] == 12  # a dozen nodes leave room for every label
    assert drawn["edges"] >= 8
    assert drawn["onScreenFont"] == pytest.approx(12, abs=0.01)
    assert drawn["inside"]
    assert page.evaluate("window.__violations") == []
    # Labels keep their size on screen when zoomed.
    page.click("[data-network-action=zoom-in]")
    page.click("[data-network-action=zoom-in]")
    for _ in range(40):  # relabelled on the next animation frame
        font = page.evaluate(f"{NETWORK}.nodes()[0].numericStyle('font-size') * {NETWORK}.zoom()")
        if abs(font - 12) < 0.01:
            break
        page.wait_for_timeout(50)
    assert font == pytest.approx(12, abs=0.01)
    page.click("[data-network-action=fit]")
    _click_node(page, "doxorubicin")
    page.wait_for_url(re.compile(r"/drugs/doxorubicin/$"))
    # The drug page draws the network narrowed to the drug.
    page.wait_for_selector(".network[data-rendered=true] canvas")
    assert page.evaluate(f"{NETWORK}.nodes().length") == 7


def test_a_network_link_lists_its_evidence_under_the_page_filters(page, demo):
    _draw_network(page, "/network/?therapy_class=chemotherapy")
    _scroll_to_network(page)
    x, y, count, title = page.evaluate(
        f"""() => {{
            const cy = {NETWORK};
            // A line whose middle no node covers (a click there would open the node).
            const clear = (e) => !cy.nodes().some((n) => {{
                const b = n.renderedBoundingBox(), m = e.renderedMidpoint();
                return m.x >= b.x1 - 4 && m.x <= b.x2 + 4 && m.y >= b.y1 - 4 && m.y <= b.y2 + 4;
            }});
            const edge = cy.edges().filter(clear)[0];
            const box = cy.container().getBoundingClientRect(), p = edge.renderedMidpoint();
            return [box.left + p.x, box.top + p.y, edge.data('count'), edge.data('title')];
        }}"""
    )
    page.mouse.click(x, y)
    detail = page.locator("[data-network-detail]")
    detail.wait_for()
    assert detail.inner_text().startswith(f"{title}: {count} evidence item")
    detail.locator("a").click()
    page.wait_for_url(re.compile(r"/evidence/\?therapy_class=chemotherapy&cargo=[^&]+&drug=[^&]+$"))
    assert int(page.locator("[data-testid=result-count]").inner_text()) == count


def test_the_network_downloads_as_png_and_svg(page, demo):
    _draw_network(page, "/network/")
    with page.expect_download() as png:
        page.click("[data-network-action=png]")
    assert png.value.suggested_filename == "exoresist-network.png"
    assert Path(png.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.click("[data-network-action=svg]")
    assert svg.value.suggested_filename == "exoresist-network.svg"
    text = Path(svg.value.path()).read_text()
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert ">doxorubicin</text>" in text and text.count("<circle") == 7 and text.count("<line") >= 8
    assert page.evaluate("window.__violations") == []


def test_without_javascript_the_network_is_a_table_of_links(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/network/")
    links = page.locator("table.network-links tbody tr")
    assert links.count() >= 8
    assert page.locator("table.network-links").is_visible()
    page.locator("table.network-nodes a", has_text="doxorubicin").click()
    page.wait_for_url(re.compile(r"/drugs/doxorubicin/$"))
    context.close()


def test_the_matrix_renders_counts_that_link_to_the_evidence(page, demo):
    page.goto("/matrix/")
    headers = page.locator(".heat-map th[scope=row] a")
    assert headers.count() > 0
    # Every name is shown whole: no header is cut off by its cell.
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.heat-map th a')]"
        ".filter((a) => a.scrollWidth > a.parentElement.clientWidth).length"
    )
    assert clipped == 0
    cell = page.locator(".heat-map td a").first
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r"/evidence/\?therapy_class=.+&mechanism=.+"))
    assert int(page.locator("[data-testid=result-count]").inner_text()) == count


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


def test_help_is_one_click_from_any_page_and_its_anchors_work(page, demo):
    page.goto("/drugs/doxorubicin/")
    page.locator(".site-nav a", has_text="Help").click()
    page.wait_for_url(re.compile(r"/help/$"))
    page.locator("a[href='#drug-roles']").click()
    assert page.locator("#drug-roles").is_visible()
    assert page.locator("#drug-roles-modifier th").inner_text() == "modifier"
    page.locator(".site-nav a", has_text="About").click()
    page.wait_for_url(re.compile(r"/about/$"))
    assert "CC BY 4.0" in page.locator("main").inner_text()


def test_downloads_lists_every_export_and_each_link_downloads_a_file(page, demo):
    page.goto("/")
    page.locator("footer a", has_text="downloads").click()
    page.wait_for_url(re.compile(r"/downloads/$"))
    # Each export link is a file the browser saves, not a page.
    for label, check in (("CSV", b"evidence_id"), ("RIS", b"TY  - "), ("CSL-JSON", b"[")):
        link = page.locator("a", has_text=re.compile(rf"^{re.escape(label)}$")).first
        with page.expect_download() as download:
            link.evaluate("(a) => a.click()")
        assert Path(download.value.path()).read_bytes().lstrip()[: len(check)] == check, label


def test_the_papers_behind_a_filtered_list_download_for_a_reference_manager(page, demo):
    page.goto("/evidence/?drug=doxorubicin")
    count = int(page.locator("[data-testid=result-count]").inner_text())
    assert count > 0
    with page.expect_download() as download:
        page.locator("a[data-format=RIS]").evaluate("(a) => a.click()")
    assert download.value.suggested_filename == "exoresist-papers.ris"
    text = Path(download.value.path()).read_text()
    assert text.count("TY  - ") >= 1 and text.count("ER  - ") == text.count("TY  - ")
