"""Sorting by a column many rows share: walking the pages gives every row exactly once."""

import re

import pytest

#: (list, sort, page size): each sorts by a value several seeded rows share.
SORTED_LISTS = [
    ("/api/v1/evidence/", "year", 10),
    ("/api/v1/evidence/", "-effect", 10),
    ("/api/v1/evidence/", "level", 7),
    ("/api/v1/citations/", "year", 5),
    ("/api/v1/drugs/", "evidence_count", 3),
    ("/api/v1/cargos/", "-evidence_count", 3),
]


def walk(api, url: str) -> list[str]:
    """Every row's ``url``, following ``next`` to the last page."""
    rows = []
    while url:
        body = api.get(url).json()
        rows += [row["url"] for row in body["results"]]
        url = body["next"]
    return rows


@pytest.mark.parametrize("path, ordering, page_size", SORTED_LISTS)
def test_pages_of_a_list_sorted_on_shared_values_neither_repeat_nor_skip(api, seeded, path, ordering, page_size):
    everything = walk(api, f"{path}?page_size=500")
    walked = walk(api, f"{path}?ordering={ordering}&page_size={page_size}")
    assert len(walked) == len(set(walked)) == len(everything) > 2 * page_size
    assert set(walked) == set(everything)


def test_the_html_list_pages_sorted_on_shared_values_neither_repeat_nor_skip(client, seeded):
    seen = []
    for page in range(1, 7):  # the seed's 60 items
        response = client.get("/evidence/", {"ordering": "year", "page_size": 10, "page": page})
        seen += dict.fromkeys(re.findall(r'href="/evidence/(EXR\d+)/"', response.content.decode()))
    assert len(seen) == len(set(seen)) == 60


def _folded(names: list[str]) -> bool:
    return names == sorted(names, key=str.lower) and names != sorted(names)


@pytest.mark.parametrize(
    "path, key, ordering",
    [
        ("/api/v1/drugs/", "name", ""),
        ("/api/v1/drugs/", "name", "name"),
        ("/api/v1/cargos/", "symbol", "name"),
        ("/api/v1/cells/", "name", "name"),
    ],
)
def test_names_sort_as_people_read_them_not_capitals_first(api, seeded, path, key, ordering):
    """The seed's drugs listed LDN-57444 and U18666A before beta-elemene: the C collation
    sorts by character code."""
    query = {"ordering": ordering} if ordering else {}
    names = [row[key] for row in api.get(path, {**query, "page_size": 500}).json()["results"]]
    assert _folded(names)
    backwards = [
        row[key] for row in api.get(path, {"ordering": f"-{ordering or 'name'}", "page_size": 500}).json()["results"]
    ]
    assert backwards == names[::-1]


def test_the_html_drug_list_sorts_names_as_read(client, seeded):
    page = client.get("/drugs/").content.decode()
    names = re.findall(r'href="/drugs/[^/"]+/">([^<]+)</a>', page)
    assert len(names) > 10 and _folded(names)


def test_codes_sort_as_stored_names_case_folded():
    """A level or an effect is a code its index serves in stored order; only names fold."""
    from evidence.filtersets import CitationFilterSet, EvidenceFilterSet
    from evidence.models import Citation, Evidence

    by_level = str(EvidenceFilterSet({"ordering": "-level"}, queryset=Evidence.objects.all()).qs.query)
    assert 'ORDER BY "evidence_evidence"."level" DESC' in by_level and "LOWER" not in by_level
    by_title = str(CitationFilterSet({"ordering": "title"}, queryset=Citation.objects.all()).qs.query)
    assert 'ORDER BY LOWER("evidence_citation"."title") ASC' in by_title
