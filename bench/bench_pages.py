#!/usr/bin/env python
"""Server-side render time of the public HTML pages, at the size of a grown database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python manage.py generate_synthetic --evidence 100000 --flush
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python bench/bench_pages.py [--requests 50]

Takes whatever database DATABASE_URL names (it writes nothing). Each page is
requested through Django's test client (full middleware and template rendering, no
network) as an anonymous visitor, with a new drug, cargo or evidence item drawn from
the data each time (popular and rare alike). Prints p50/p95/max in milliseconds and
the number of SQL queries per page, and writes JSON to bench/out/. Target: p95 under
100 ms at 100,000 evidence items.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentile, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from evidence.choices import Effect, EvidenceLevel, EvidenceType, Subtype  # noqa: E402
from evidence.models import Cargo, Cell, Drug, Evidence, Mechanism, TherapyClass  # noqa: E402
from exoresist.gcfreeze import freeze_after_startup  # noqa: E402

TARGET_MS = 100.0


def sample_urls(rng: random.Random, n: int) -> dict[str, list[str]]:
    """For each page, ``n`` URLs with parameters drawn from the data."""
    public = Evidence.objects.public()
    top_drugs = list(
        Drug.objects.annotate(k=Count("evidence")).order_by("-k").values_list("name", "slug", flat=False)[:5]
    )
    drugs = list(Drug.objects.values_list("name", "slug"))
    cargos = list(Cargo.objects.values_list("symbol", "slug"))
    classes = list(TherapyClass.objects.values_list("slug", flat=True))
    cells = list(Cell.objects.values_list("slug", flat=True))
    mechanisms = list(Mechanism.objects.values_list("slug", flat=True))
    citations = list(public.order_by().values_list("citation_id", flat=True)[: n * 20])
    max_pk = public.order_by("-pk").values_list("pk", flat=True).first() or 1
    evidence_ids = list(
        public.filter(pk__in=[rng.randint(1, max_pk) for _ in range(n * 3)]).values_list("pk", flat=True)
    )
    levels = EvidenceLevel.values
    effects, subtypes, evidence_types = Effect.values, Subtype.values, EvidenceType.values
    top_cargos = list(Cargo.objects.annotate(k=Count("evidence")).order_by("-k").values_list("symbol", flat=True)[:5])

    def drug_pair():
        # Half the time one of the most-cited drugs: the heaviest pages.
        return rng.choice(top_drugs) if rng.random() < 0.5 else rng.choice(drugs)

    urls = {
        "home /": ["/"] * n,
        "evidence list, filtered (drug + level)": [
            "/evidence/?" + urlencode({"drug": drug_pair()[0], "level": rng.choice(levels)}) for _ in range(n)
        ],
        "evidence list, filtered (therapy class + cargo kind)": [
            "/evidence/?" + urlencode({"therapy_class": rng.choice(classes), "cargo_type": "mirna"}) for _ in range(n)
        ],
        "evidence list, unfiltered": ["/evidence/"] * n,
        # The largest lists the stored counts cannot size: every facet counted over the items.
        "evidence list, level=D (half the items)": ["/evidence/?level=D"] * n,
        "evidence list, level=C&effect=biomarker": ["/evidence/?level=C&effect=biomarker"] * n,
        "evidence list, filtered (level + effect)": [
            "/evidence/?" + urlencode({"level": rng.choice(levels), "effect": rng.choice(effects)}) for _ in range(n)
        ],
        "evidence list, filtered (subtype or evidence type)": [
            "/evidence/?"
            + rng.choice(
                [urlencode({"subtype": rng.choice(subtypes)}), urlencode({"evidence_type": rng.choice(evidence_types)})]
            )
            for _ in range(n)
        ],  # fmt: skip
        "evidence list, filtered (cargo + level)": [
            "/evidence/?" + urlencode({"cargo": rng.choice(top_cargos), "level": rng.choice(levels)}) for _ in range(n)
        ],
        # Words most statements use: the free-text list that ranks and counts the most items.
        "evidence list, text search (a common word)": [
            "/evidence/?" + urlencode({"q": rng.choice(["resistance", "exosomal", "cells", "transfer"])})
            for _ in range(n)
        ],
        "drug page": [f"/drugs/{drug_pair()[1]}/" for _ in range(n)],
        "cargo page": [f"/cargos/{rng.choice(cargos)[1]}/" for _ in range(n)],
        "cell page": [f"/cells/{rng.choice(cells)}/" for _ in range(n)],
        "mechanism page": [f"/mechanisms/{rng.choice(mechanisms)}/" for _ in range(n)],
        "therapy class page": [f"/therapy-classes/{rng.choice(classes)}/" for _ in range(n)],
        "citation page": [f"/citations/{rng.choice(citations)}/" for _ in range(n)],
        "drug index /drugs/": ["/drugs/"] * n,
        "cargo index /cargos/ (page 2)": ["/cargos/?page=2"] * n,
        "cell index /cells/": ["/cells/"] * n,
        "mechanism index /mechanisms/": ["/mechanisms/"] * n,
        "therapy class index": ["/therapy-classes/"] * n,
        "citation index /citations/": ["/citations/"] * n,
        "evidence detail": [f"/evidence/EXR{rng.choice(evidence_ids):06d}/" for _ in range(n)],
        "search (alias, redirects)": ["/search/?" + urlencode({"q": drug_pair()[0]}) for _ in range(n)],
        "network.json (home)": ["/network.json?limit=80"] * n,
        "matrix.json (therapy class)": ["/matrix.json"] * n,
    }
    return urls


NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


def run(requests: int, seed: int, cache: str, only: str = "", skip: str = "") -> dict:
    """Time every page; with ``cache`` off nothing is remembered between requests.

    With ``cache`` off (a dummy cache backend) every request computes its facets,
    counts and groupings afresh: what the first visitor after a data change waits.
    With it on, each URL is requested once before the timed run, so the figures are
    those of a warm cache.
    """
    if cache == "lists":
        # Every list's facets, counts and groupings computed afresh, as on the first visit to a
        # list; what is computed once per data version for the whole site (the citations'
        # letters) stays warm, as it is for every visitor but the first after a change.
        from evidence.site import graphs, views

        afresh = lambda name, parts, compute: compute()  # noqa: E731
        with mock.patch.object(views, "cached", afresh), mock.patch.object(graphs, "cached", afresh):
            return run(requests, seed, "on", only, skip) | {"cache": "lists"}
    if cache == "off":
        with override_settings(CACHES=NO_CACHE):
            return run(requests, seed, "on", only, skip) | {"cache": "off"}
    rng = random.Random(seed)
    client = Client()
    # As gunicorn.conf.py does once the app is loaded: a warmed-up process, frozen.
    client.get("/")
    client.get("/evidence/")
    freeze_after_startup()
    total = Evidence.objects.count()
    results = {}
    for name, urls in sample_urls(rng, requests).items():
        if (only and not any(part in name for part in only.split(","))) or (skip and skip in name):
            continue
        client.get(urls[0])  # warm templates and the connection
        for url in set(urls):
            client.get(url)  # warm the cache (a no-op with the dummy backend)
        timings: list[float] = []
        queries: list[int] = []
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
            if response.status_code not in (200, 302):
                raise SystemExit(f"{url} answered {response.status_code}")
            timings.append(elapsed)
            queries.append(len(captured.captured_queries))
        results[name] = {
            "p50_ms": round(statistics.median(timings), 1),
            "p95_ms": round(percentile(timings, 0.95), 1),
            "max_ms": round(max(timings), 1),
            "queries": max(queries),
            "requests": len(urls),
        }
        print(f"  {name}: p50 {results[name]['p50_ms']} ms, p95 {results[name]['p95_ms']} ms", flush=True)
    return {"evidence_items": total, "database": connection.vendor, "cache": "on", "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--cache",
        choices=["on", "off", "lists", "both"],
        default="both",
        help="off: every request computes its aggregates (first visit after a change); lists: each list's "
        "facets and groupings computed afresh, site-wide lookups warm; on: warm cache",
    )
    parser.add_argument("--only", default="", help="only pages whose name contains one of these (comma list)")
    parser.add_argument("--skip", default="", help="leave out pages whose name contains this text")
    args = parser.parse_args()
    modes = {"on": ["on"], "off": ["off"], "lists": ["lists"], "both": ["off", "on"]}[args.cache]
    for cache in modes:
        report(run(args.requests, args.seed, cache, args.only, args.skip))


def report(data: dict) -> None:
    report = data
    report.update(
        when=datetime.now(UTC).isoformat(timespec="seconds"),
        python=platform.python_version(),
        machine=platform.machine(),
        target_p95_ms=TARGET_MS,
    )
    print(f"{report['evidence_items']:,} evidence items on {report['database']}; cache {report['cache']}")
    print(f"{'page':<55} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, row in report["pages"].items():
        flag = "" if row["p95_ms"] < TARGET_MS else "  > target"
        print(f"{name:<55} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {row['queries']:>8}{flag}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"pages-cache-{report['cache']}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
