#!/usr/bin/env python
"""Mention recognition (issue 14): recall and precision on labelled text made from the seed,
and the time to read 10,000 abstracts.

    DJANGO_DEBUG=1 EXORESIST_INSECURE_DEV_KEY=1 .venv/bin/python manage.py migrate
    DJANGO_DEBUG=1 EXORESIST_INSECURE_DEV_KEY=1 .venv/bin/python manage.py load_seed
    .venv/bin/python bench/assistant_bench.py [--abstracts 10000] [--errors]

Accuracy. Each curated evidence item of fixtures/seed/evidence.yaml is one labelled
document; its gold mentions are the drugs, cargos and cells (source and recipient) the
curator recorded. Two texts are read: the item's ``review_quote`` alone (the words of the
review the item was curated from) and the quote followed by the curator's ``statement``
(which names what the curator took from the cited paper). Mentions are compared as sets
of (kind, slug) per document, micro-averaged over documents, for each kind and overall;
mentions inferred from a description (a drug-resistant line) count like named ones, and
are also counted apart. The dictionary is the database's public names
(``recognition.dictionary()``), as the anonymous API uses it, so the seed must be loaded.

Draft. The same quote + statement, as the title and abstract of an unsaved paper, through
``triage.draft_initial`` ("start evidence"): are the source and recipient cells it fills in
the curator's?

Speed. 10,000 abstracts of about 250 words, each drawn at random (fixed seed) from the
seed's own sentences (statements, review quotes, experimental systems, curation notes,
citation titles, entity descriptions), are read one by one, single process, with the
seed dictionary and again with a stress dictionary: the seed plus the names
``generate_synthetic`` gives 11,000 synthetic drugs, cargos and cells (miRNAs with all
their spellings; half the cells drug-resistant derivatives named after a drug), tens of
thousands of keys. Building each automaton is timed apart.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, setup_django  # noqa: E402

setup_django()

from evidence.curation.triage import draft_initial  # noqa: E402
from evidence.models import Cell, Citation  # noqa: E402
from evidence.recognition import Entity, Folded, Recogniser, dictionary, mirna_names, name_key, squeeze  # noqa: E402

SEED = ROOT / "fixtures" / "seed"
KINDS = ("drug", "cargo", "cell")


def gold(item: dict) -> set[tuple[str, str]]:
    found = {("drug", slug) for slug in item.get("drugs") or []}
    found |= {("cargo", slug) for slug in item.get("cargos") or []}
    found |= {("cell", item[side]) for side in ("source_cell", "recipient_cell") if item.get(side)}
    return found


def written_in(text: str, names: list[str]) -> bool:
    """Whether any of ``names`` occurs in ``text`` at all, folded and run together, anywhere
    (inside a longer name or word too): the loosest test of "the text names it"."""
    stream = squeeze(Folded(text).text)[0]
    return any(key and key in stream for key in (name_key(name)[0] for name in names))


def score(recogniser, documents, names: dict, show_errors: bool, label: str) -> None:
    """Recall and precision per kind, micro-averaged over documents; and the misses split
    into those the text writes a name of (somewhere, loosely) and those it does not name."""
    counts = {kind: Counter() for kind in KINDS}
    errors = []
    for key, text, truth in documents:
        mentions = [m for m in recogniser.mentions(text) if m["kind"] in KINDS]
        found = {(m["kind"], m["slug"]) for m in mentions}
        named = {(m["kind"], m["slug"]) for m in mentions if "inferred" not in m}
        for kind in KINDS:
            mine = {x for x in found if x[0] == kind}
            true = {x for x in truth if x[0] == kind}
            counts[kind]["tp"] += len(mine & true)
            counts[kind]["fp"] += len(mine - true)
            missed = true - mine
            counts[kind]["fn"] += len(missed)
            counts[kind]["fn_written"] += sum(written_in(text, names.get(x, [])) for x in missed)
            inferred = mine - named  # found only by inference
            counts[kind]["inferred_tp"] += len(inferred & true)
            counts[kind]["inferred_fp"] += len(inferred - true)
        if found != truth:
            errors.append((key, sorted(found - truth), sorted(truth - found), text, found - named))
    total = sum(counts.values(), Counter())
    print(f"\n{label}: {len(documents)} documents")
    print(
        f"{'kind':<8}{'gold':>6}{'found':>7}{'TP':>5}{'FP':>5}{'FN':>5}{'recall':>9}{'precision':>11}"
        f"{'FN written':>12}{'recall of written':>19}"
    )
    for kind, c in [*counts.items(), ("all", total)]:
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else float("nan")
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else float("nan")
        written = c["tp"] / (c["tp"] + c["fn_written"]) if c["tp"] + c["fn_written"] else float("nan")
        print(
            f"{kind:<8}{c['tp'] + c['fn']:>6}{c['tp'] + c['fp']:>7}{c['tp']:>5}{c['fp']:>5}{c['fn']:>5}"
            f"{recall:>9.3f}{precision:>11.3f}{c['fn_written']:>12}{written:>19.3f}"
        )
    print(f"found only by inferring a described line: {total['inferred_tp']} right, {total['inferred_fp']} extra")
    if show_errors:
        for key, extra, missed, text, inferred in errors:
            written = [x for x in missed if written_in(text, names.get(x, []))]
            notes = f" (written: {written})" if written else ""
            notes += f" (inferred: {sorted(inferred)})" if inferred else ""
            print(f"  {key}: +{extra} -{missed}{notes}")


def score_draft(items: list[dict], show_errors: bool) -> None:
    """The source and recipient cells "start evidence" fills in from the quote + statement,
    against the curator's."""
    slugs = dict(Cell.objects.values_list("pk", "slug"))
    counts = {role: Counter() for role in ("source_cell", "recipient_cell")}
    errors = []
    for item in items:
        initial = draft_initial(Citation(title=item["review_quote"], abstract=item["statement"]))
        for role, c in counts.items():
            true, drafted = item.get(role), slugs.get(initial.get(role))
            c["gold"] += bool(true)
            c["drafted"] += bool(drafted)
            c["right"] += bool(true) and drafted == true
            if drafted != true:
                errors.append((item["key"], role, drafted, true))
    print("\ndraft (start evidence) from review_quote + statement")
    print(f"{'role':<16}{'gold':>6}{'drafted':>9}{'right':>7}{'recall':>9}{'precision':>11}")
    for role, c in counts.items():
        recall = c["right"] / c["gold"] if c["gold"] else float("nan")
        precision = c["right"] / c["drafted"] if c["drafted"] else float("nan")
        print(f"{role:<16}{c['gold']:>6}{c['drafted']:>9}{c['right']:>7}{recall:>9.3f}{precision:>11.3f}")
    if show_errors:
        for key, role, drafted, true in errors:
            print(f"  {key}: {role} drafted {drafted}, curated {true}")


def sentences() -> list[str]:
    pool: list[str] = []

    def add(text):
        if text:
            pool.extend(s.strip() for s in re.split(r"(?<=[.;])\s+", str(text)) if len(s.split()) >= 4)

    for item in yaml.safe_load((SEED / "evidence.yaml").read_text()):
        for field in ("statement", "review_quote", "experimental_systems", "curation_note"):
            add(item.get(field))
    for name in ("citations", "drugs", "cargos", "cells", "mechanisms"):
        for row in yaml.safe_load((SEED / f"{name}.yaml").read_text()):
            for field in ("title", "description", "note"):
                add(row.get(field))
    return pool


def abstracts(n: int, words: int = 250, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    pool = sentences()
    out = []
    for _ in range(n):
        parts, count = [], 0
        while count < words:
            sentence = rng.choice(pool)
            parts.append(sentence)
            count += len(sentence.split())
        out.append(" ".join(parts))
    return out


def stress_entries(drugs: int = 2000, cargos: int = 8000, cells: int = 1000, seed: int = 42):
    """The names generate_synthetic gives synthetic drugs, cargos and cells."""
    rng = random.Random(seed)
    entries = []
    for i in range(drugs):
        names = [f"synthamab-{i}", f"SYN{i}"] + ([f"Synth{i}ol"] if rng.random() < 0.5 else [])
        entries.append((Entity("drug", f"synthamab-{i}", names[0]), names))
    for i in range(cargos):
        pk, roll, number = 100_000 + i, rng.random(), 1 + i // 2
        if roll < 0.55:
            symbol = f"hsa-miR-{number}-{'5p' if i % 2 == 0 else '3p'}"
            names = [symbol, f"microRNA-{number}{'' if i % 2 == 0 else '*'}", *mirna_names(symbol)]
        elif roll < 0.7:
            symbol = f"LINC{pk:05d}"
            names = [symbol, f"lnc-{pk}"]
        elif roll < 0.8:
            symbol = f"circ_{pk:07d}"
            names = [symbol, f"hsa_circ_{pk:07d}"]
        else:
            symbol = f"PROT{pk}"
            names = [symbol, f"P{pk}P"]
        entries.append((Entity("cargo", f"cargo-{pk}", symbol), names))
    for i in range(cells):
        pk = 200_000 + i
        if i % 2:  # a derivative of the line before, resistant to a synthetic drug its name gives
            name, parent = f"SYN-{pk - 1}/SYN{i % drugs}", f"syn-{pk - 1}"
        else:
            name, parent = f"SYN-{pk}", ""
        entity = Entity("cell", f"syn-{pk}", name, parent, "tnbc")
        entries.append((entity, [name, f"Synthetic line {pk}"]))
    return entries


def timed_build(entries) -> tuple[Recogniser, float]:
    started = time.perf_counter()
    recogniser = Recogniser(entries)
    return recogniser, time.perf_counter() - started


def timed_read(recogniser: Recogniser, texts: list[str], runs: int) -> tuple[float, float, float, int]:
    """Wall-clock seconds (best and median of ``runs``) and the best CPU seconds to read every
    text: the machine is shared, so wall time includes waiting for a core; CPU time does not."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        mentions = sum(len(recogniser.mentions(text)) for text in texts)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), statistics.median(walls), min(cpus), mentions


def report_read(label: str, recogniser: Recogniser, texts: list[str], runs: int) -> None:
    best, median, cpu, mentions = timed_read(recogniser, texts, runs)
    print(
        f"{label:<18} wall best {best:5.2f} s, median {median:5.2f} s of {runs}; CPU best {cpu:5.2f} s; "
        f"{mentions:,} mentions"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--abstracts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3, help="Times each timing is repeated.")
    parser.add_argument("--errors", action="store_true", help="List each document's extra and missed mentions.")
    args = parser.parse_args()

    entries = dictionary(public=True)
    if not any(entity.kind == "drug" for entity, _ in entries):
        sys.exit("No public drugs: load the seed first (manage.py load_seed).")
    seed_recogniser, seed_build = timed_build(entries)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, load {load}")
    print(
        f"seed dictionary: {len(entries)} entities, {sum(len(n) for _, n in entries)} names, "
        f"{seed_recogniser.size} keys, built in {seed_build * 1000:.0f} ms"
    )

    items = [i for i in yaml.safe_load((SEED / "evidence.yaml").read_text()) if i.get("review_quote")]
    quotes = [(i["key"], i["review_quote"], gold(i)) for i in items]
    both = [(i["key"], f"{i['review_quote']}\n{i['statement']}", gold(i)) for i in items]
    names = {(entity.kind, entity.slug): spelled for entity, spelled in entries}
    score(seed_recogniser, quotes, names, args.errors, "review_quote alone")
    score(seed_recogniser, both, names, args.errors, "review_quote + statement")
    score_draft(items, args.errors)
    if not args.abstracts:
        return

    texts = abstracts(args.abstracts)
    words = sum(len(t.split()) for t in texts)
    size = sum(map(len, texts)) / 1e6
    print(f"\n{len(texts)} synthetic abstracts, {words / len(texts):.0f} words and {size:.1f} M chars")
    report_read("seed dictionary:", seed_recogniser, texts, args.runs)
    stress = entries + stress_entries()
    stress_recogniser, stress_build = timed_build(stress)
    print(
        f"stress dictionary: {len(stress):,} entities, {sum(len(n) for _, n in stress):,} names, "
        f"{stress_recogniser.size:,} keys, built in {stress_build:.2f} s"
    )
    report_read("stress dictionary:", stress_recogniser, texts, args.runs)


if __name__ == "__main__":
    main()
