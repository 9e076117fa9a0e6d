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
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exoresist.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("EXORESIST_INSECURE_DEV_KEY", "1")
os.environ.setdefault("EXORESIST_TESTING", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from evidence.choices import EvidenceLevel  # noqa: E402
from evidence.models import Cargo, Drug, Evidence, TherapyClass  # noqa: E402

TARGET_MS = 100.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def sample_urls(rng: random.Random, n: int) -> dict[str, list[str]]:
    """For each page, ``n`` URLs with parameters drawn from the data."""
    public = Evidence.objects.public()
    top_drugs = list(
        Drug.objects.annotate(k=Count("evidence")).order_by("-k").values_list("name", "slug", flat=False)[:5]
    )
    drugs = list(Drug.objects.values_list("name", "slug"))
    cargos = list(Cargo.objects.values_list("symbol", "slug"))
    classes = list(TherapyClass.objects.values_list("slug", flat=True))
    max_pk = public.order_by("-pk").values_list("pk", flat=True).first() or 1
    evidence_ids = list(
        public.filter(pk__in=[rng.randint(1, max_pk) for _ in range(n * 3)]).values_list("pk", flat=True)
    )
    levels = EvidenceLevel.values

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
        "drug page": [f"/drugs/{drug_pair()[1]}/" for _ in range(n)],
        "cargo page": [f"/cargos/{rng.choice(cargos)[1]}/" for _ in range(n)],
        "evidence detail": [f"/evidence/EXR{rng.choice(evidence_ids):06d}/" for _ in range(n)],
        "search (alias, redirects)": ["/search/?" + urlencode({"q": drug_pair()[0]}) for _ in range(n)],
        "network.json (home)": ["/network.json?limit=80"] * n,
        "matrix.json (therapy class)": ["/matrix.json"] * n,
    }
    return urls


def run(requests: int, seed: int) -> dict:
    rng = random.Random(seed)
    client = Client()
    total = Evidence.objects.count()
    results = {}
    for name, urls in sample_urls(rng, requests).items():
        client.get(urls[0])  # warm caches (templates, connection)
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
    return {"evidence_items": total, "database": connection.vendor, "pages": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="requests per page (default 50)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    report = run(args.requests, args.seed)
    report.update(
        when=datetime.now(UTC).isoformat(timespec="seconds"),
        python=platform.python_version(),
        machine=platform.machine(),
        target_p95_ms=TARGET_MS,
    )
    print(f"{report['evidence_items']:,} evidence items on {report['database']}; {args.requests} requests per page")
    print(f"{'page':<55} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}")
    for name, row in report["pages"].items():
        flag = "" if row["p95_ms"] < TARGET_MS else "  > target"
        print(f"{name:<55} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {row['queries']:>8}{flag}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"pages-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
