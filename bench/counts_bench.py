#!/usr/bin/env python
"""How long the evidence counts (a materialized view, evidence/models/counts.py) take to refresh.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python manage.py generate_synthetic --evidence 100000 --flush
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python bench/counts_bench.py [--rounds 5]

For each round: the view's query alone (``SELECT count(*)`` over its definition: the
work any recount must do), then ``refresh_counts(force=True)`` (that work, plus the
CONCURRENTLY diff against the old rows and the writes). Then the path a curator's edit
takes: one accepted item's effect changed and committed, and the refresh that follows.
It changes one item's effect and puts it back. Prints milliseconds; JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, setup_django  # noqa: E402

setup_django()

from django.db import connection, transaction  # noqa: E402

from evidence.choices import Effect, Status  # noqa: E402
from evidence.models import Evidence, EvidenceCount  # noqa: E402
from evidence.models.counts import VIEW, refresh_counts  # noqa: E402


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def view_query() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_viewdef(%s::regclass)", [VIEW])
        definition = cursor.fetchone()[0].rstrip().rstrip(";")
        cursor.execute(f"SELECT count(*) FROM ({definition}) q")
        cursor.fetchone()


def one_edit() -> float:
    """Commit one accepted item's new effect, then refresh: the refresh's milliseconds."""
    item = Evidence.objects.filter(status=Status.ACCEPTED).order_by("pk").first()
    old = item.effect
    new = Effect.BIOMARKER if old != Effect.BIOMARKER else Effect.CONFERS_RESISTANCE
    with transaction.atomic():
        Evidence.objects.filter(pk=item.pk).update(effect=new)
    took = timed(refresh_counts)
    with transaction.atomic():
        Evidence.objects.filter(pk=item.pk).update(effect=old)
    refresh_counts()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    items = Evidence.objects.public().count()
    refresh_counts()
    rows = EvidenceCount.objects.count()
    query, forced, edit = [], [], []
    for _ in range(args.rounds):
        query.append(timed(view_query))
        forced.append(timed(lambda: refresh_counts(force=True)))
        edit.append(one_edit())
    result = {
        "accepted_items": items,
        "view_rows": rows,
        "view_query_ms": query,
        "forced_refresh_ms": forced,
        "edit_then_refresh_ms": edit,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(f"{items} accepted items, {rows} count rows; median of {args.rounds} rounds (min-max), ms")
    for name in ("view_query_ms", "forced_refresh_ms", "edit_then_refresh_ms"):
        values = result[name]
        print(f"  {name:24} {statistics.median(values):9.0f}  ({min(values):.0f}-{max(values):.0f})")
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / f"counts-{items}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
