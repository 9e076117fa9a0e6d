"""/evidence/: the HTML twin of /api/v1/evidence/, with facets, chips, sorting and paging."""

from django.core.cache import cache

from evidence.choices import Effect, EvidenceLevel, Status
from tests.factories import CargoFactory, DrugFactory, EvidenceFactory, MechanismFactory
from tests.web.facet_oracle import group_by


def ids(response):
    return [item.public_id for item in response.context["page"]]


def facet(response, param):
    return {v.value: v for f in response.context["facets"] if f.param == param for v in f.values}


def test_it_lists_only_accepted_evidence(client, demo):
    response = client.get("/evidence/")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 8
    assert "DRAFT finding" not in response.content.decode()


def test_it_filters_by_a_drug_alias_like_the_api(client, demo):
    response = client.get("/evidence/?drug=Adriamycin")
    assert sorted(ids(response)) == sorted(
        e.public_id for e in demo.evidence[:8] if demo.drugs["doxorubicin"] in e.drugs.all()
    )
    assert len(ids(response)) == 4


def test_two_facets_combine_and_the_counts_change(client, demo):
    all_levels = facet(client.get("/evidence/"), "level")
    assert {k: v.count for k, v in all_levels.items()} == {"B": 2, "C": 2, "D": 4}
    response = client.get("/evidence/?drug=doxorubicin&level=C")
    assert response.context["page"].paginator.count == 2
    # Disjunctive: the level facet is counted without the level filter...
    levels = facet(response, "level")
    assert {k: v.count for k, v in levels.items()} == {"B": 1, "C": 2, "D": 1}
    assert levels["C"].selected and not levels["B"].selected
    # ...and the other facets with it.
    assert {k: v.count for k, v in facet(response, "cargo_type").items()} == {"mirna": 1, "lncrna": 1}


def test_a_facet_value_link_adds_it_and_a_selected_one_removes_it(client, demo):
    response = client.get("/evidence/?level=C")
    levels = facet(response, "level")
    assert levels["D"].url == "?level=C&level=D"
    assert levels["C"].url == "?"
    effects = facet(response, "effect")
    assert effects["confers_resistance"].url == "?level=C&effect=confers_resistance"


def test_active_filters_are_shown_as_removable_chips(client, demo):
    response = client.get("/evidence/?therapy_class=chemotherapy&q=exosomal&page=1")
    chips = {(c.param, c.value): c.remove_url for c in response.context["chips"]}
    assert chips == {("therapy_class", "Chemotherapy"): "?q=exosomal", ("q", "exosomal"): "?therapy_class=chemotherapy"}
    html = response.content.decode()
    assert 'aria-label="Remove filter Therapy class Chemotherapy"' in html
    assert "Clear all" in html


def test_it_links_the_same_query_as_csv_and_api_json(client, demo):
    html = client.get("/evidence/?drug=ADM&level=C").content.decode()
    assert 'href="/api/v1/evidence/?drug=ADM&amp;level=C"' in html
    assert 'href="/api/v1/evidence/?drug=ADM&amp;level=C&amp;format=csv"' in html


def test_it_sorts_with_the_filtersets_ordering_parameter(client, demo):
    ascending = ids(client.get("/evidence/?ordering=id"))
    assert ascending == sorted(ascending)
    by_year = [e.citation.year for e in client.get("/evidence/?ordering=-year").context["page"]]
    assert by_year == sorted(by_year, reverse=True)
    html = client.get("/evidence/?ordering=level").content.decode()
    assert 'aria-sort="ascending"><a href="?ordering=-level">Level</a>' in html


def test_it_paginates(client, demo):
    response = client.get("/evidence/?page_size=3&page=2")
    assert response.context["page"].number == 2
    assert len(ids(response)) == 3
    assert 'rel="next"' in response.content.decode()


def test_it_rejects_an_unknown_level_with_a_clear_400(client, demo):
    response = client.get("/evidence/?level=Z")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Unknown value &#x27;Z&#x27;" in html and "D – in vitro" in html
    assert "Some filters could not be applied" in html


def test_it_rejects_an_unknown_ordering_with_a_400(client, demo):
    assert client.get("/evidence/?ordering=statement").status_code == 400


def test_it_escapes_user_provided_text(client, db):
    EvidenceFactory(statement="<script>alert(1)</script> miR-1 confers resistance")
    html = client.get("/evidence/?q=<script>").content.decode()
    assert "<script>alert(1)</script>" not in html
    # Escaped, with the searched word marked.
    assert "&lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt;" in html


def _rows(n):
    drugs = [DrugFactory() for _ in range(3)]
    cargos = [CargoFactory() for _ in range(3)]
    mechanism = MechanismFactory()
    for i in range(n):
        EvidenceFactory(
            drugs=drugs[: 1 + i % 3],
            cargos=cargos[: 1 + i % 2],
            mechanisms=[mechanism],
            level=EvidenceLevel.values[i % 5],
            effect=Effect.values[i % 4],
        )
    EvidenceFactory(status=Status.DRAFT)


def test_its_query_count_does_not_grow_with_the_rows_shown(client, db, django_assert_max_num_queries):
    _rows(5)
    with django_assert_max_num_queries(16) as small:
        client.get("/evidence/?page_size=50")
    _rows(45)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/evidence/?page_size=50")
    assert len(response.context["page"]) == 50
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        client.get("/evidence/?page_size=50&level=A&effect=biomarker")


def test_it_counts_the_unfiltered_facets_from_the_stored_counts_as_a_group_by_would(client, demo, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evidence import facets
    from evidence.models import Evidence

    # Above the cap, as at 1,000,000 items: the stored counts still count every facet exactly
    # (the entity counts, the column counts and the facet key counts), reading no item.
    monkeypatch.setattr(facets, "COUNT_LIMIT", 3)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/evidence/")
    assert response.context["page"].paginator.count == 8  # exact: every accepted item
    public = Evidence.objects.public()
    for spec in facets.FACETS:
        shown = facet(response, spec.param)
        direct = {value: n for value, _, n in group_by(spec, public)}
        assert {k: v.count for k, v in shown.items()} == direct, spec.param
    counting = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counting if "evidence_facet_keys" in sql or "evidence_evidence_" in sql], counting


def test_it_counts_the_facets_a_column_filter_narrows_below_the_cap_as_without_the_cap(client, demo, monkeypatch):
    from evidence import facets

    url = "/evidence/?drug=doxorubicin&level=C"
    uncapped = client.get(url)
    # doxorubicin alone (4 items) is over this cap, doxorubicin at level C (2) is not.
    monkeypatch.setattr(facets, "COUNT_LIMIT", 3)
    cache.clear()
    capped = client.get(url)
    assert capped.context["page"].paginator.count == 2
    for spec in facets.FACETS:
        # The level facet's own set (doxorubicin at any level) is over the cap: the stored
        # drug x level counts give it.
        expected = {k: v.count for k, v in facet(uncapped, spec.param).items()}
        assert {k: v.count for k, v in facet(capped, spec.param).items()} == expected, spec.param


def test_every_facet_of_a_narrowed_list_counts_as_a_group_by_over_its_own_set_would(client, db, monkeypatch):
    # Whichever path counts them (the rows read with their link ids, the filtered set
    # alone, the stored drug x level counts), each facet shows the values, counts, order
    # and top cut of one GROUP BY over the items every other filter selects; an item with
    # two cargos of one kind counts once.
    from evidence import facets
    from evidence.filtersets import EvidenceFilterSet
    from evidence.models import Evidence

    item_rows = facets._item_rows
    mirs = [CargoFactory(symbol=f"miR-{i}", kind="mirna") for i in range(14)]
    protein = CargoFactory(symbol="ABCB1", kind="protein")
    drugs = [DrugFactory(name=f"drug {i}") for i in range(3)]
    mechanisms = [MechanismFactory() for _ in range(2)]
    flips = []

    def spied(*args):
        flips.append(item_rows(*args))
        return flips[-1]

    monkeypatch.setattr(facets, "_item_rows", spied)
    for i in range(30):
        EvidenceFactory(
            status=Status.ACCEPTED,
            level="CD"[i % 2],
            effect=Effect.BIOMARKER if i % 3 == 1 else Effect.CONFERS_RESISTANCE,
            cargos=[mirs[i % 14], mirs[(i * 5) % 14], *([protein] if i % 4 == 0 else [])],
            drugs=drugs[: 1 + i % 3],
            mechanisms=mechanisms[: i % 3],
        )
    cases = (
        ("/evidence/?level=C", 1000),  # the stored column counts and column facet keys
        ("/evidence/?level=C,D&effect=biomarker", 1000),  # the column counts; keys item by item
        ("/evidence/?effect=confers_resistance&subtype=unspecified", 1000),
        ("/evidence/?drug=drug 0&level=C&effect=biomarker", 1000),
        ("/evidence/?drug=drug 0&level=D", 20),  # drug 0 alone (30) over the cap: _narrowed_counts
        ("/evidence/?level=D", 5),  # over the cap: the stored column and facet key counts alone
        ("/evidence/?cargo_type=mirna&subtype=unspecified", 1000),
        # Most of the items the column filters select: counted as those less the ones missed.
        ("/evidence/?cargo_type=protein&level=C", 1000),
        (f"/evidence/?mechanism={mechanisms[0].slug}", 1000),
        (f"/evidence/?mechanism={mechanisms[0].slug}&level=D", 1000),
    )
    # Then as if the planner expected every set to hold most of its column filters' set: the
    # one statement that counts what a set misses, or the set itself when it is not most.
    for (url, limit), planned in [*((case, None) for case in cases), *((case, 10**6) for case in cases)]:
        if planned:
            monkeypatch.setattr(facets, "_estimated_size", lambda *args, rows=planned: rows)
        monkeypatch.setattr(facets, "COUNT_LIMIT", limit)
        cache.clear()
        response = client.get(url)
        query = response.wsgi_request.GET
        for spec in facets.FACETS:
            shown = [(v.value, v.label, v.count) for f in response.context["facets"] if f.param == spec.param
                     for v in f.values]  # fmt: skip
            if any(count is None for _, _, count in shown):
                continue  # its own set is over the cap
            # Disjunctive: over the set every other filter selects.
            others = query.copy()
            others.pop(spec.param, None)
            items = EvidenceFilterSet(others, queryset=Evidence.objects.public()).qs
            assert shown == group_by(spec, items), (url, spec.param)
            assert shown or spec.param == "subtype", (url, spec.param)
    # Some sets were counted as the items their column filters select less those they miss.
    assert any(flipped and rows for flipped, rows in flips) and not all(flipped for flipped, _ in flips)


def test_the_page_and_its_api_twin_count_to_the_same_cap(client, demo, monkeypatch):
    """Issue 16: at 100k, `level=C&effect=biomarker` said "5,000+" on the page while the API
    counted 5,669. Both count exactly up to one cap (``COUNT_LIMIT``), and past it both say
    "at least"."""
    from evidence import facets
    from evidence.api.pagination import StandardPagination
    from evidence.models import Evidence

    # A set the stored counts cannot size (a cargo kind with a level): counted item by item.
    params = {"level": "D", "cargo_type": "mirna"}
    total = Evidence.objects.public().filter(level="D", cargos__kind="mirna").distinct().count()
    assert total > 1
    page = client.get("/evidence/", params).context["page"]
    api = client.get("/api/v1/evidence/", params).json()
    assert page.paginator.count == api["count"] == total and page.paginator.count_label == str(total)
    assert api["count_exact"] is True
    monkeypatch.setattr(facets, "COUNT_LIMIT", 1)
    monkeypatch.setattr(StandardPagination, "count_cap", 1)
    cache.clear()
    response = client.get("/evidence/", params)
    api = client.get("/api/v1/evidence/", {**params, "page_size": 1}).json()
    assert response.context["page"].paginator.count_label == "1+"
    assert api["count_exact"] is False
    # Past the cap, a facet the stored counts cannot answer is listed uncounted.
    assert not next(f for f in response.context["facets"] if f.param == "subtype").counted
