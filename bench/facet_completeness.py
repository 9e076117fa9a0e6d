#!/usr/bin/env python
"""How complete the evidence list's facet counts are, at the size of the database DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python bench/facet_completeness.py [--requests 20] [--count-limit 10000]

For the evidence-list URLs of ``bench_pages.py`` (same seed, same draws), builds each list's
facets as the page does and prints, per kind of list, how many facets were counted, how
many of the values shown carry a count, and how many lists were sized exactly. Past
``COUNT_LIMIT`` (a million items) a facet the stored counts cannot answer is listed
uncounted; this is the figure to compare between two versions of the code, run from each
checkout against the same database. ``--count-limit`` lowers the cap: 10,000 at 100,000
items puts the cap where 100,000 stands at 1,000,000, without generating a million items
(an hour and more on a 2-core machine). It writes nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_pages import sample_urls  # noqa: E402  (sets Django up)
from django.http import QueryDict  # noqa: E402

from evidence import facets, stored_counts  # noqa: E402
from evidence.filtersets import EvidenceFilterSet  # noqa: E402
from evidence.models import Evidence  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20, help="URLs per kind of list (default 20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count-limit", type=int, default=facets.COUNT_LIMIT, help="the cap on counting items")
    args = parser.parse_args()
    facets.COUNT_LIMIT = args.count_limit
    base = Evidence.objects.public()
    print(f"{Evidence.objects.count():,} items; COUNT_LIMIT {facets.COUNT_LIMIT:,}")
    print(f"{'list':<55} {'facets counted':>15} {'values counted':>15} {'sized exactly':>14}")
    for name, urls in sample_urls(random.Random(args.seed), args.requests).items():
        if not name.startswith("evidence list"):
            continue
        shown = counted = values = valued = exact = 0
        for url in urls:
            query = QueryDict(urlsplit(url).query)
            filterset = EvidenceFilterSet(query, queryset=base)
            built, size = facets.build_facets(filterset, base, stored_counts.stored_size(query))
            shown += len(built)
            counted += sum(facet.counted for facet in built)
            values += sum(len(facet.values) for facet in built)
            valued += sum(value.count is not None for facet in built for value in facet.values)
            exact += size <= facets.COUNT_LIMIT or stored_counts.stored_size(query) is not None
        print(f"{name:<55} {f'{counted}/{shown}':>15} {f'{valued}/{values}':>15} {f'{exact}/{len(urls)}':>14}")


if __name__ == "__main__":
    main()
