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
