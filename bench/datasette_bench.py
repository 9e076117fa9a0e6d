#!/usr/bin/env python
"""ExoResist against Datasette 0.65 serving the same data: interleaved A/B over HTTP.

    pip install -e '.[bench]'          # Datasette, for this script only
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \\
        .venv/bin/python bench/datasette_bench.py [--requests 100]

A curator could publish the curated tables with Datasette instead of ExoResist. This
copies the accepted evidence, its link tables and the entities it names from
PostgreSQL into SQLite (``bench/out/exoresist.db``, with the indexes such a curator
would add and foreign keys, which Datasette uses for labels and facets), then serves
it with ``datasette`` and ExoResist with ``gunicorn`` (two workers each way, loopback,
ExoResist's page cache off), and asks both the same questions, alternating request by
request so that noise hits both alike. Prints p50/p95 per case and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, percentile, setup_django  # noqa: E402

setup_django()

from django.db import connection  # noqa: E402

#: (SQLite table, PostgreSQL query): the accepted evidence and what it links to.
TABLES = {
    "therapy_class": "SELECT id, slug, name FROM evidence_therapyclass",
    "cancer_type": "SELECT id, slug, name FROM evidence_cancertype",
    "drug": "SELECT id, slug, name FROM evidence_drug",
    "cargo": "SELECT id, slug, symbol, kind FROM evidence_cargo",
    "cell": "SELECT id, slug, name FROM evidence_cell",
    "citation": "SELECT id, doi, pmid, title, journal, year, retracted FROM evidence_citation",
    "evidence": "SELECT id, statement, effect, level, evidence_type, subtype, therapy_class_id, cancer_type_id, "
    "source_cell_id, recipient_cell_id, citation_id FROM evidence_evidence WHERE status = 'accepted'",
    "evidence_drug": "SELECT l.evidence_id, l.drug_id FROM evidence_evidence_drugs l "
    "JOIN evidence_evidence e ON e.id = l.evidence_id WHERE e.status = 'accepted'",
    "evidence_cargo": "SELECT l.evidence_id, l.cargo_id FROM evidence_evidence_cargos l "
    "JOIN evidence_evidence e ON e.id = l.evidence_id WHERE e.status = 'accepted'",
}
SCHEMA = """
CREATE TABLE therapy_class (id INTEGER PRIMARY KEY, slug TEXT, name TEXT);
CREATE TABLE cancer_type (id INTEGER PRIMARY KEY, slug TEXT, name TEXT);
CREATE TABLE drug (id INTEGER PRIMARY KEY, slug TEXT, name TEXT);
CREATE TABLE cargo (id INTEGER PRIMARY KEY, slug TEXT, symbol TEXT, kind TEXT);
CREATE TABLE cell (id INTEGER PRIMARY KEY, slug TEXT, name TEXT);
CREATE TABLE citation (id INTEGER PRIMARY KEY, doi TEXT, pmid TEXT, title TEXT, journal TEXT, year INTEGER,
                       retracted INTEGER);
CREATE TABLE evidence (id INTEGER PRIMARY KEY, statement TEXT, effect TEXT, level TEXT, evidence_type TEXT,
    subtype TEXT, therapy_class_id INTEGER REFERENCES therapy_class(id),
    cancer_type_id INTEGER REFERENCES cancer_type(id), source_cell_id INTEGER REFERENCES cell(id),
    recipient_cell_id INTEGER REFERENCES cell(id), citation_id INTEGER REFERENCES citation(id));
CREATE TABLE evidence_drug (evidence_id INTEGER REFERENCES evidence(id), drug_id INTEGER REFERENCES drug(id));
CREATE TABLE evidence_cargo (evidence_id INTEGER REFERENCES evidence(id), cargo_id INTEGER REFERENCES cargo(id));
"""
INDEXES = """
CREATE INDEX evidence_level ON evidence (level);
CREATE INDEX evidence_effect ON evidence (effect);
CREATE INDEX evidence_drug_drug ON evidence_drug (drug_id, evidence_id);
CREATE INDEX evidence_drug_evidence ON evidence_drug (evidence_id);
CREATE INDEX evidence_cargo_cargo ON evidence_cargo (cargo_id, evidence_id);
CREATE INDEX evidence_cargo_evidence ON evidence_cargo (evidence_id);
"""


def export_sqlite(path: Path) -> None:
    """The accepted evidence and what it names, from PostgreSQL into a fresh SQLite file."""
    path.unlink(missing_ok=True)
    out = sqlite3.connect(path)
    out.executescript(SCHEMA)
    with connection.cursor() as cursor:
        for table, query in TABLES.items():
            cursor.execute(query)
            rows = cursor.fetchall()
            marks = ",".join("?" * len(rows[0])) if rows else ""
            if rows:
                out.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)
    out.executescript(INDEXES)
    out.execute("ANALYZE")
    out.commit()
    out.close()


def start(command: list[str], env: dict[str, str], url: str) -> subprocess.Popen:
    process = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return process
        except OSError:
            time.sleep(0.5)
    stop(process)
    sys.exit(f"{command[0]} did not answer {url} within a minute")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def fetch(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        status = response.status
    return (time.perf_counter() - started) * 1000, status


def cases(n: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """(case, [(ExoResist path, Datasette path)] * n): the same question to both."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.id, d.name, count(*) FROM evidence_drug d JOIN evidence_evidence_drugs l ON l.drug_id = d.id "
            "JOIN evidence_evidence e ON e.id = l.evidence_id AND e.status = 'accepted' "
            "GROUP BY d.id HAVING count(*) BETWEEN 20 AND 300 ORDER BY d.id"
        )
        rare = cursor.fetchall()
        cursor.execute("SELECT id FROM evidence_evidence WHERE status = 'accepted' AND id % 97 = 0 ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    out = []

    def through(drug_id: int) -> str:
        return json.dumps({"table": "evidence_drug", "column": "drug_id", "value": str(drug_id)})

    out.append(
        (
            "rare drug, JSON list of 50",
            [
                (
                    "/api/v1/evidence/?" + urlencode({"drug": name, "page_size": 50}),
                    "/exoresist/evidence.json?" + urlencode({"_through": through(pk), "_size": 50, "_sort_desc": "id"}),
                )
                for pk, name, _ in (rare[i % len(rare)] for i in range(n))
            ],
        )
    )
    out.append(
        (
            "unfiltered, JSON list of 50",
            [("/api/v1/evidence/?page_size=50", "/exoresist/evidence.json?_size=50&_sort_desc=id")] * n,
        )
    )
    out.append(
        (
            "detail, JSON",
            [
                (f"/api/v1/evidence/EXR{pk:06d}/", f"/exoresist/evidence/{pk}.json")
                for pk in (ids[i * 7 % len(ids)] for i in range(n))
            ],
        )
    )
    out.append(
        (
            "level=D, faceted HTML page",
            [("/evidence/?level=D", "/exoresist/evidence?level=D&_facet=effect&_facet=therapy_class_id")] * n,
        )
    )
    out.append(
        (
            "level=C&effect=biomarker, faceted HTML page",
            [
                (
                    "/evidence/?level=C&effect=biomarker",
                    "/exoresist/evidence?level=C&effect=biomarker&_facet=therapy_class_id&_facet=subtype",
                )
            ]
            * n,
        )
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="Timed requests per case and server.")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"))
    args = parser.parse_args()
    if connection.vendor != "postgresql" or "DATABASE_URL" not in os.environ:
        sys.exit("Set DATABASE_URL to the PostgreSQL database to compare (e.g. exoresist_bench).")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sqlite_path = out / "exoresist.db"
    started = time.monotonic()
    export_sqlite(sqlite_path)
    print(f"SQLite copy written in {time.monotonic() - started:.1f} s", file=sys.stderr)

    env = {**os.environ, "EXORESIST_PAGE_CACHE": "0", "EXORESIST_ANON_RATE": "100000000/s"}
    bin_dir = Path(sys.executable).parent
    exo = start(
        [str(bin_dir / "gunicorn"), "exoresist.wsgi", "-w", "2", "-b", "127.0.0.1:8711", "--log-level", "warning"],
        env,
        "http://127.0.0.1:8711/api/v1/evidence/?page_size=1",
    )
    datasette = start(
        [
            str(bin_dir / "datasette"),
            "serve",
            str(sqlite_path),
            "-p",
            "8712",
            "--setting",
            "default_page_size",
            "50",
            "--setting",
            "num_sql_threads",
            "2",
            "--setting",
            "facet_time_limit_ms",
            "1000",
        ],  # fmt: skip
        env,
        "http://127.0.0.1:8712/exoresist/evidence.json?_size=1",
    )
    try:
        results = []
        for case, pairs in cases(args.requests + args.warmup):
            times: dict[str, list[float]] = {"exoresist": [], "datasette": []}
            statuses: set[int] = set()
            for i, (exo_path, ds_path) in enumerate(pairs):
                for name, url in (("exoresist", f"http://127.0.0.1:8711{exo_path}"),
                                  ("datasette", f"http://127.0.0.1:8712{ds_path}")):  # fmt: skip
                    elapsed, status = fetch(url)
                    statuses.add(status)
                    if i >= args.warmup:
                        times[name].append(elapsed)
            row = {"case": case, "statuses": sorted(statuses)}
            for name, values in times.items():
                row[f"{name}_p50_ms"] = round(statistics.median(values), 1)
                row[f"{name}_p95_ms"] = round(percentile(values, 0.95), 1)
            row["exoresist_over_datasette_p50"] = round(row["exoresist_p50_ms"] / row["datasette_p50_ms"], 2)
            results.append(row)
            print(f"  {case}: done", file=sys.stderr)
    finally:
        stop(exo)
        stop(datasette)

    header = f"{'case':<44} {'ExoResist p50/p95':>18} {'Datasette p50/p95':>18} {'ratio p50':>9}"
    print(f"\nExoResist (gunicorn, 2 workers) against Datasette 0.65 (2 SQL threads), {args.requests} requests each")
    print(header)
    print("-" * len(header))
    for row in results:
        exo_t = f"{row['exoresist_p50_ms']:.1f} / {row['exoresist_p95_ms']:.1f}"
        ds_t = f"{row['datasette_p50_ms']:.1f} / {row['datasette_p95_ms']:.1f}"
        print(f"{row['case']:<44} {exo_t:>18} {ds_t:>18} {row['exoresist_over_datasette_p50']:>8.2f}x")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    (out / f"datasette-{stamp}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
