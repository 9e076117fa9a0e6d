"""Lists the stored counts can size (evidence/stored_counts.py): the same figures as counting the items."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from evidence import facets, stored_counts
from evidence.filtersets import EvidenceFilterSet
from evidence.models import Evidence
from tests.web.facet_oracle import group_by

#: Queries the stored counts answer: therapy class, effects and one cargo kind; one entity filter.
ANSWERED = [
    "",
    "therapy_class=chemotherapy",
    "therapy_class=chemotherapy,endocrine",
    "cargo_type=mirna",
    "therapy_class=chemotherapy&cargo_type=mirna",
    "therapy_class=chemotherapy&cargo_type=protein&effect=confers_resistance",
    "effect=biomarker,reverses_resistance&cargo_type[]=protein",
    "drug=Adriamycin",
    "drug=doxorubicin&effect=confers_resistance&page=2&ordering=-year",
    "cargo=miR-155",
    "mechanism=drug-efflux",
    "drug=doxorubicin&level=C",
    "drug=Adriamycin&level=C,D&effect=confers_resistance",
    "drug=paclitaxel&level=A",
    # Columns only (the column counts, migration 0027).
    "level=C",
    "therapy_class=chemotherapy&level=C",
    "level=C,D&effect=biomarker&subtype=tnbc",
    "evidence_type=predictive&vesicle_involvement=cargo_associated",
]
#: Queries they don't: a level with a cargo, two cargo kinds (an item may carry both),
#: a cancer type (it takes narrower types), text, an unknown parameter.
UNANSWERED = [
    "cargo=miR-155&level=C",
    "cargo_type=mirna&level=C",
    "cancer_type=breast-cancer",
    "cargo_type=mirna,protein",
    "q=tamoxifen",
    "drug=doxorubicin&cargo=ABCB1",
    "drug=doxorubicin&therapy_class=chemotherapy",
    "colour=blue",
]


@pytest.fixture
def demo(demo_for_module, db):
    # Built once per module: no test here changes its objects in memory.
    return demo_for_module


def counted(query: str) -> int:
    filterset = EvidenceFilterSet(QueryDict(query), queryset=Evidence.objects.public())
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


@pytest.mark.parametrize("query", ANSWERED)
def test_it_sizes_a_list_as_counting_its_items_would(demo, query):
    assert stored_counts.stored_size(QueryDict(query)) == counted(query)


@pytest.mark.parametrize("query", UNANSWERED)
def test_it_leaves_other_lists_to_be_counted(demo, query):
    assert stored_counts.stored_size(QueryDict(query)) is None


@pytest.mark.parametrize("param", sorted(stored_counts.CLASS_KIND_PARAMS))
@pytest.mark.parametrize("others", ["", "therapy_class=chemotherapy", "cargo_type=mirna", "effect=biomarker"])
def test_its_facets_equal_a_group_by_over_the_items(demo, param, others):
    active = stored_counts.narrowing(QueryDict(others))
    active.pop(param, None)
    spec = next(spec for spec in facets.FACETS if spec.param == param)
    data = QueryDict(others, mutable=True)
    data.pop(param, None)
    items = EvidenceFilterSet(data, queryset=Evidence.objects.public()).qs
    assert stored_counts.class_kind_facet(param, active) == group_by(spec, items)


def test_the_page_counts_a_large_class_and_kind_list_exactly_and_its_facets_too(client, demo, monkeypatch):
    url = "/evidence/?therapy_class=chemotherapy&cargo_type=protein"
    uncapped = client.get(url)
    # Every set on this page is over this cap, as at 100,000 items.
    monkeypatch.setattr(facets, "COUNT_LIMIT", 1)
    cache.clear()
    capped = client.get(url)
    paginator = capped.context["page"].paginator
    assert paginator.count == counted("therapy_class=chemotherapy&cargo_type=protein") > 1
    assert paginator.count_label == str(paginator.count)  # not "1+"
    for param in stored_counts.CLASS_KIND_PARAMS:
        shown = {v.value: v.count for f in capped.context["facets"] if f.param == param for v in f.values}
        expected = {v.value: v.count for f in uncapped.context["facets"] if f.param == param for v in f.values}
        assert shown == expected, param
    level = next(f for f in capped.context["facets"] if f.param == "level")
    assert not level.counted  # not stored: over the cap, listed uncounted


def test_the_page_reads_no_item_to_count_a_class_and_kind_list(client, demo, monkeypatch):
    monkeypatch.setattr(facets, "COUNT_LIMIT", 1)
    with CaptureQueriesContext(connection) as captured:
        client.get("/evidence/?therapy_class=chemotherapy&cargo_type=protein")
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [sql for sql in counts if "evidence_evidence_cargos" in sql], counts


def test_the_api_counts_a_class_and_kind_list_exactly(client, demo, monkeypatch):
    from evidence.api import pagination

    monkeypatch.setattr(pagination.StandardPagination, "count_cap", 1)
    body = client.get("/api/v1/evidence/?therapy_class=chemotherapy&cargo_type=protein&page_size=1").json()
    assert body["count"] == counted("therapy_class=chemotherapy&cargo_type=protein") > 1
    assert body["count_exact"] is True


@pytest.mark.parametrize(
    ("param", "others"),
    [
        ("level", "drug=doxorubicin"),
        ("level", "drug=Adriamycin&effect=confers_resistance"),
        ("drug", "level=C"),
        ("drug", "level=C,D&effect=confers_resistance"),
        ("drug", "level=A"),
    ],
)
def test_its_drug_and_level_facets_equal_a_group_by_over_the_items(demo, param, others):
    spec = next(spec for spec in facets.FACETS if spec.param == param)
    items = EvidenceFilterSet(QueryDict(others), queryset=Evidence.objects.public()).qs
    assert stored_counts.drug_level_facet(param, stored_counts.narrowing(QueryDict(others)), spec.top) == group_by(
        spec, items
    )


def test_a_popular_drug_lists_its_level_facet_counted(client, demo, monkeypatch):
    # doxorubicin (4 items) is over this cap: its level facet comes from the stored counts.
    monkeypatch.setattr(facets, "COUNT_LIMIT", 3)
    cache.clear()
    response = client.get("/evidence/?drug=doxorubicin&level=C")
    shown = {v.value: v.count for f in response.context["facets"] if f.param == "level" for v in f.values}
    items = Evidence.objects.public().filter(drugs__slug="doxorubicin")
    assert shown == {level: items.filter(level=level).count() for level in shown}
    assert None not in shown.values() and sum(shown.values()) == items.count()
    assert response.context["page"].paginator.count == counted("drug=doxorubicin&level=C")
