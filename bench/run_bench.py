#!/usr/bin/env python
"""Latency of the evidence API on PostgreSQL, against the raw SQL floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python manage.py generate_synthetic --evidence 100000 --flush
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python bench/run_bench.py [--requests 200]

Each case sends requests through Django's full WSGI stack in-process (middleware,
authentication, throttling, filters, pagination, serializers, JSON rendering; no
network), as an anonymous reader, with a new parameter value each time drawn from
the data (drugs, cargos and search terms of every popularity). The floor is a
hand-written query through psycopg2 returning the same page of 50 with the same
embedded names, one round trip. It prints a table and writes JSON to bench/out/.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentile, setup_django  # noqa: E402

# Throttling stays in the stack but must not refuse the benchmark's own requests.
setup_django(EXORESIST_ANON_RATE="100000000/s")

import psycopg2  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from exoresist.gcfreeze import freeze_after_startup  # noqa: E402

PAGE = 50

SELECT_PAGE = """
SELECT e.id, e.statement, e.effect, e.level, e.evidence_type, e.subtype, ct.name,
       tc.slug, tc.name, sc.slug, sc.name, rc.slug, rc.name,
       c.id, c.doi, c.pmid, c.title, c.journal, c.year, c.retracted,
       (SELECT array_agg(g.symbol || '|' || g.kind || '|' || g.slug) FROM evidence_evidence_cargos ec
          JOIN evidence_cargo g ON g.id = ec.cargo_id WHERE ec.evidence_id = e.id),
       (SELECT array_agg(d.name || '|' || d.slug) FROM evidence_evidence_drugs ed
          JOIN evidence_drug d ON d.id = ed.drug_id WHERE ed.evidence_id = e.id),
       (SELECT array_agg(m.name || '|' || m.slug) FROM evidence_evidence_mechanisms em
          JOIN evidence_mechanism m ON m.id = em.mechanism_id WHERE em.evidence_id = e.id)
FROM evidence_evidence e
JOIN evidence_therapyclass tc ON tc.id = e.therapy_class_id
JOIN evidence_citation c ON c.id = e.citation_id
LEFT JOIN evidence_cell sc ON sc.id = e.source_cell_id
LEFT JOIN evidence_cell rc ON rc.id = e.recipient_cell_id
LEFT JOIN evidence_cancertype ct ON ct.id = e.cancer_type_id
WHERE e.status = 'accepted' {where}
ORDER BY e.id DESC LIMIT 50
"""

_DRUG_IDS = """(SELECT id FROM evidence_drug WHERE key = %(key)s
      UNION SELECT entity_id FROM evidence_drugalias WHERE key = %(key)s)"""
_CARGO_IDS = """(SELECT id FROM evidence_cargo WHERE key = %(key2)s OR base = %(key2)s
      UNION SELECT entity_id FROM evidence_cargoalias WHERE key = %(key2)s OR base = %(key2)s)"""
RAW_WHERE = {
    "unfiltered": "",
    "drug": f"AND e.id IN (SELECT evidence_id FROM evidence_evidence_drugs WHERE drug_id IN {_DRUG_IDS})",
    "cargo": "AND e.id IN (SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN "
    + _CARGO_IDS.replace("key2", "key")
    + ")",
    "drug+cargo": f"AND e.id IN (SELECT evidence_id FROM evidence_evidence_drugs WHERE drug_id IN {_DRUG_IDS}) "
    f"AND e.id IN (SELECT evidence_id FROM evidence_evidence_cargos WHERE cargo_id IN {_CARGO_IDS})",
    # q and q2 (two words): the API's own tsquery (TextQuery), matched and ranked; see raw_sql().
    "q": None,
    "q2": None,
    "detail": None,
}
#: A text search joins the search document and orders by relevance, as Evidence.objects.search() does.
SELECT_SEARCH = SELECT_PAGE.replace(
    "FROM evidence_evidence e\n", "FROM evidence_evidence e\nJOIN evidence_search s ON s.evidence_id = e.id\n"
).replace("ORDER BY e.id DESC", "ORDER BY ts_rank(s.document, ({query})) DESC, e.id DESC")
RAW_DETAIL = SELECT_PAGE.replace("ORDER BY e.id DESC LIMIT 50", "").format(where="AND e.id = %(id)s")


def samples(rng: random.Random, n: int) -> dict[str, list[dict]]:
    """Parameters for every case, drawn from the data across the popularity range."""
    from evidence.identifiers import lookup_keys

    with connection.cursor() as cur:
        # Drugs by popularity rank: the head (doxorubicin) and the long tail alike.
        cur.execute(
            "SELECT d.name, d.key, (SELECT a.name FROM evidence_drugalias a WHERE a.entity_id = d.id LIMIT 1) "
            "FROM evidence_drug d JOIN evidence_evidence_drugs ed ON ed.drug_id = d.id "
            "GROUP BY d.id ORDER BY count(*) DESC"
        )
        drugs = cur.fetchall()
        cur.execute(
            "SELECT g.symbol, (SELECT a.name FROM evidence_cargoalias a WHERE a.entity_id = g.id LIMIT 1) "
            "FROM evidence_cargo g JOIN evidence_evidence_cargos ec ON ec.cargo_id = g.id "
            "GROUP BY g.id ORDER BY count(*) DESC"
        )
        cargos = cur.fetchall()
        cur.execute(
            "SELECT e.id, d.name, g.symbol FROM evidence_evidence e "
            "JOIN evidence_evidence_drugs ed ON ed.evidence_id = e.id JOIN evidence_drug d ON d.id = ed.drug_id "
            "JOIN evidence_evidence_cargos ec ON ec.evidence_id = e.id JOIN evidence_cargo g ON g.id = ec.cargo_id "
            "WHERE e.status = 'accepted' AND e.id % 97 = 0 ORDER BY e.id LIMIT 2000"
        )
        pairs = cur.fetchall()
        cur.execute("SELECT id FROM evidence_evidence WHERE status = 'accepted' AND id % 89 = 0 LIMIT 5000")
        ids = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT name FROM evidence_cell ORDER BY id LIMIT 500")
        cells = [row[0] for row in cur.fetchall()]

    def ranked(rows: list) -> list:
        # Half the draws from the 20 most cited, half from everywhere: both extremes count.
        return [rng.choice(rows[:20]) if i % 2 == 0 else rng.choice(rows) for i in range(n)]

    def name_or_alias(name: str, alias: str | None) -> str:
        return alias if alias and rng.random() < 0.3 else name

    words = ["macrophages", "paclitaxel", "stromal", "xenograft", "tamoxifen", "miR-2", "PROT", "co-culture"]
    cases: dict[str, list[dict]] = {"unfiltered": [{} for _ in range(n)]}
    cases["drug"] = [{"drug": name_or_alias(d[0], d[2]), "_key": d[1]} for d in ranked(drugs)]
    cases["cargo"] = [{"cargo": name_or_alias(c[0], c[1])} for c in ranked(cargos)]
    cases["drug+cargo"] = [{"drug": p[1], "cargo": p[2]} for p in (rng.choice(pairs) for _ in range(n))]
    cases["q"] = [
        {"q": rng.choice([rng.choice(words), rng.choice(cells), rng.choice(cargos)[0], rng.choice(drugs)[0]])}
        for _ in range(n)
    ]
    # Two words as a researcher types them: a drug or cargo with a word of the statements.
    cases["q2"] = [
        {"q": f"{rng.choice([rng.choice(drugs)[0], rng.choice(cargos)[0]])} {rng.choice(words)}"} for _ in range(n)
    ]
    cases["detail"] = [{"_id": rng.choice(ids)} for _ in range(n)]
    for params in cases["drug"] + cases["cargo"] + cases["drug+cargo"]:
        if "drug" in params:
            params["_key"] = lookup_keys(params["drug"])[0]
        if "cargo" in params:
            params["_key2"] = lookup_keys(params["cargo"])[0]
    return cases


def raw_sql(case: str, params: dict) -> tuple[str, dict | tuple]:
    """The floor's SQL and parameters for one request (name lookups are not part of the floor)."""
    if case == "detail":
        return RAW_DETAIL, raw_params(case, params)
    if case in ("q", "q2"):
        from evidence.models.search import TextQuery

        query = TextQuery.of(params["q"])
        sql = SELECT_SEARCH.format(where=f"AND s.document @@ ({query.sql})", query=query.sql)
        return sql, (*query.params, *query.params)
    return SELECT_PAGE.format(where=RAW_WHERE[case]), raw_params(case, params)


def raw_params(case: str, params: dict) -> dict:
    if case == "drug":
        return {"key": params["_key"]}
    if case == "cargo":
        return {"key": params["_key2"]}
    if case == "drug+cargo":
        return {"key": params["_key"], "key2": params["_key2"]}
    if case == "detail":
        return {"id": params["_id"]}
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="Timed requests per case.")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    parser.add_argument("--cases", default="unfiltered,drug,cargo,drug+cargo,q,q2,detail")
    args = parser.parse_args()

    if connection.vendor != "postgresql":
        sys.exit("The benchmark measures PostgreSQL: set DATABASE_URL=postgres://...")
    from evidence.models import Evidence

    total = Evidence.objects.count()
    rng = random.Random(args.seed)
    n = args.requests + args.warmup
    cases = samples(rng, n)
    db = settings.DATABASES["default"]
    raw = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"] or 5432
    )
    raw.autocommit = True
    client = Client()
    # As gunicorn.conf.py does once the app is loaded: a warmed-up process, frozen.
    client.get("/api/v1/evidence/")
    freeze_after_startup()
    results = []
    for case in args.cases.split(","):
        api_times, raw_times, statuses = [], [], set()
        for i, params in enumerate(cases[case]):
            public = {k: v for k, v in params.items() if not k.startswith("_")}
            if case == "detail":
                url = f"/api/v1/evidence/EXR{params['_id']:06d}/"
            else:
                url = "/api/v1/evidence/?" + urlencode({**public, "page_size": PAGE})
            started = time.perf_counter()
            response = client.get(url)
            _ = response.content
            elapsed = (time.perf_counter() - started) * 1000
            statuses.add(response.status_code)
            sql, bound = raw_sql(case, params)
            started = time.perf_counter()
            with raw.cursor() as cur:
                cur.execute(sql, bound)
                cur.fetchall()
            raw_elapsed = (time.perf_counter() - started) * 1000
            if i >= args.warmup:
                api_times.append(elapsed)
                raw_times.append(raw_elapsed)
        row = {
            "case": case,
            "requests": len(api_times),
            "statuses": sorted(statuses),
            "api_p50_ms": round(statistics.median(api_times), 2),
            "api_p95_ms": round(percentile(api_times, 0.95), 2),
            "raw_p50_ms": round(statistics.median(raw_times), 2),
            "raw_p95_ms": round(percentile(raw_times, 0.95), 2),
        }
        row["api_over_raw_p50"] = round(row["api_p50_ms"] / max(row["raw_p50_ms"], 0.01), 2)
        results.append(row)
        print(f"  {case}: done", file=sys.stderr)

    header = f"{'case':<12} {'api p50':>9} {'api p95':>9} {'raw p50':>9} {'raw p95':>9} {'api/raw':>8}  status"
    print(f"\nExoResist API benchmark: {total} evidence items, {args.requests} requests per case, page of {PAGE}")
    print(header)
    print("-" * len(header))
    for row in results:
        print(
            f"{row['case']:<12} {row['api_p50_ms']:>9.1f} {row['api_p95_ms']:>9.1f} {row['raw_p50_ms']:>9.1f} "
            f"{row['raw_p95_ms']:>9.1f} {row['api_over_raw_p50']:>7.1f}x  {row['statuses']}"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {
        "evidence_items": total,
        "requests_per_case": args.requests,
        "page_size": PAGE,
        "date": stamp,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "postgres": raw.server_version,
        "results": results,
    }
    path = out / f"bench-{total}-{stamp}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
