"""Import benchmark: 10,000 BibTeX entries and 100,000 TSV evidence rows into an empty database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/exoresist_bench \
        .venv/bin/python bench/import_bench.py [--bibtex 10000] [--tsv 100000]

The database is migrated and must hold no evidence or citations. The vocabulary
(drugs with aliases, cargos, cells, mechanisms) is generated first and not timed;
the two imports are timed as the commands run them (parsing, checking, saving with
history), without the progress bar. A re-import of both files is timed too.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import setup_django  # noqa: E402

setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from evidence.curation.tsv import COLUMN_NAMES  # noqa: E402
from evidence.models import (  # noqa: E402
    Cargo,
    Cell,
    Citation,
    Drug,
    DrugAlias,
    Evidence,
    Mechanism,
    TherapyClass,
)


def vocabulary(rng: random.Random) -> dict[str, list[str]]:
    chemo, _ = TherapyClass.objects.get_or_create(slug="chemotherapy", defaults={"name": "Chemotherapy"})
    drugs = [Drug(name=f"benchdrug {i}", slug=f"benchdrug-{i}", therapy_class=chemo) for i in range(200)]
    for drug in drugs:
        drug.save()
    DrugAlias.objects.bulk_create(
        [DrugAlias(entity=d, name=f"BD{i}", key=f"bd{i}", base=f"bd{i}") for i, d in enumerate(drugs)]
    )
    for i in range(500):
        Cargo(symbol=f"hsa-miR-{1000 + i}-5p", slug=f"bench-mir-{i}", kind="mirna").save()
    for i in range(100):
        Cell(name=f"BENCH-{i}", slug=f"bench-{i}", kind="cell_line").save()
    for i in range(20):
        Mechanism(name=f"Bench mechanism {i}", slug=f"bench-mechanism-{i}").save()
    return {
        "drugs": [f"BD{i}" if i % 2 else f"benchdrug {i}" for i in range(200)],
        "cargos": [f"miR-{1000 + i}-5p" for i in range(500)],
        "cells": [f"BENCH-{i}" for i in range(100)],
        "mechanisms": [f"bench-mechanism-{i}" for i in range(20)],
    }


def bibtex(n: int) -> str:
    return "".join(
        f"@article{{bench{i},\n"
        f"  author = {{M{{\\\"u}}ller, J{{\\\"o}}rg and Smith, Jane and Garc{{\\'\\i}}a, Jos{{\\'e}} and others}},\n"
        f"  title = {{Exosomal {{miR-{i}}} confers resistance to doxorubicin in {{MCF-7}} cells}},\n"
        f"  journal = {{J. Extracell. Vesicles}},\n  year = {{{2000 + i % 25}}},\n  month = mar,\n"
        f"  volume = {{{i % 40}}},\n  pages = {{{i}--{i + 9}}},\n"
        f"  doi = {{https://doi.org/10.5555/bench.{i}}},\n  pmid = {{{30000000 + i}}},\n}}\n\n"
        for i in range(n)
    )


def tsv(n: int, citations: int, names: dict[str, list[str]], rng: random.Random) -> str:
    lines = ["\t".join(COLUMN_NAMES)]
    # Each row is a new finding: no two rows of a paper share a cargo and a drug, which the
    # import refuses as a possible duplicate.
    pairs: dict[int, set[tuple[str, int]]] = {}
    for i in range(n):
        taken = pairs.setdefault(i % citations, set())
        while True:
            cargos, drug = rng.sample(names["cargos"], 2), rng.randrange(len(names["drugs"]))
            if not taken & {(cargo, drug) for cargo in cargos}:
                break
        taken.update((cargo, drug) for cargo in cargos)
        row = {
            "key": f"bench-{i}",
            "statement": f"Exosomal cargo set {i} from resistant cells confers resistance in recipient cells.",
            "cargos": "; ".join(cargos),
            "source_cell": rng.choice(names["cells"]),
            "recipient_cell": rng.choice(names["cells"]),
            "drugs": names["drugs"][drug],
            "therapy_class": "chemotherapy",
            "mechanisms": rng.choice(names["mechanisms"]),
            "effect": "confers_resistance",
            "evidence_type": "functional",
            "level": rng.choice("ABCDE"),
            "experimental_systems": "in vitro co-culture",
            "subtype": rng.choice(["luminal", "her2", "tnbc", ""]),
            "ev_isolation": "ultracentrifugation",
            "ev_markers": "CD63; TSG101",
            "citation": f"10.5555/bench.{i % citations}" if i % 3 else str(30000000 + i % citations),
        }
        lines.append("\t".join(row.get(name, "") for name in COLUMN_NAMES))
    return "\n".join(lines) + "\n"


def timed(label: str, *args) -> float:
    start = time.perf_counter()
    call_command(*args, "--no-progress", verbosity=0)
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.1f} s", flush=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bibtex", type=int, default=10_000)
    parser.add_argument("--tsv", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if Evidence.objects.exists() or Citation.objects.exists():
        sys.exit("The benchmark needs a database without evidence or citations.")
    print(f"database: {connection.vendor}", flush=True)
    rng = random.Random(5)
    names = vocabulary(rng)
    with tempfile.TemporaryDirectory() as tmp:
        bib = Path(tmp) / "bench.bib"
        bib.write_text(bibtex(args.bibtex), encoding="utf-8")
        rows = Path(tmp) / "bench.tsv"
        rows.write_text(tsv(args.tsv, args.bibtex, names, rng), encoding="utf-8")
        timed(f"import_bibtex, {args.bibtex} entries", "import_bibtex", str(bib))
        timed(f"import_bibtex again (all already there), {args.bibtex} entries", "import_bibtex", str(bib))
        timed(f"import_evidence, {args.tsv} rows", "import_evidence", str(rows))
        timed(f"import_evidence again (all unchanged), {args.tsv} rows", "import_evidence", str(rows))
    print(f"evidence: {Evidence.objects.count()}, citations: {Citation.objects.count()}")


if __name__ == "__main__":
    main()
