"""Fill a database with synthetic evidence of realistic shape, for benchmarks: proportions as in
the curated data, popularity skewed (Zipf-like) as in the literature, the same data for the same
seed. Rows go in with explicit ids by COPY, without history: synthetic data has no curation."""

from __future__ import annotations

import itertools
import json
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

from evidence.choices import CargoKind, CellKind, Effect, EvidenceLevel, EvidenceType, Status, Subtype
from evidence.curation.bulk import M2M, analyze_for_documents, copy_rows, reset_sequences
from evidence.identifiers import lookup_keys
from evidence.models import (
    Cargo,
    CargoAlias,
    Cell,
    CellAlias,
    Citation,
    Drug,
    DrugAlias,
    Evidence,
    Mechanism,
    TherapyClass,
)
from evidence.models.counts import refresh_counts
from evidence.models.vocabulary import default_cancer_type

THERAPY_CLASSES = [
    ("chemotherapy", "Chemotherapy"),
    ("endocrine-therapy", "Endocrine therapy"),
    ("her2-targeted-therapy", "HER2-targeted therapy"),
    ("targeted-therapy", "Targeted therapy"),
    ("immunotherapy", "Immunotherapy"),
    ("radiotherapy", "Radiotherapy"),
]
MECHANISMS = {
    "drug-efflux": ["abc-transporter-upregulation", "drug-sequestration"],
    "apoptosis-evasion": ["bcl2-upregulation", "caspase-inhibition"],
    "emt": ["zeb1-activation", "snail-activation"],
    "autophagy": [],
    "cancer-stemness": [],
    "target-alteration": ["er-loss", "her2-shedding"],
    "immune-evasion": ["pd-l1-transfer"],
    "dna-repair": [],
    "metabolic-reprogramming": ["glycolysis-shift"],
}
REAL_DRUGS = [
    ("doxorubicin", "chemotherapy", "anthracycline", ["ADM", "adriamycin", "DOX"]),
    ("tamoxifen", "endocrine-therapy", "SERM", ["TAM", "Nolvadex"]),
    ("paclitaxel", "chemotherapy", "taxane", ["PTX", "Taxol"]),
    ("trastuzumab", "her2-targeted-therapy", "anti-HER2 antibody", ["Herceptin"]),
    ("cisplatin", "chemotherapy", "platinum", ["CDDP", "DDP"]),
    ("docetaxel", "chemotherapy", "taxane", ["DTX", "Taxotere"]),
    ("lapatinib", "her2-targeted-therapy", "tyrosine kinase inhibitor", ["Tykerb"]),
    ("fluorouracil", "chemotherapy", "antimetabolite", ["5-FU"]),
    ("carboplatin", "chemotherapy", "platinum", ["CBP"]),
    ("letrozole", "endocrine-therapy", "aromatase inhibitor", ["Femara"]),
]
WORDS = (
    "exosomal transfer resistant sensitive cells vesicles uptake co-culture xenograft serum patients "
    "expression silencing targets pathway signalling survival apoptosis proliferation migration invasion "
    "chemoresistance delivery packaging secretion stromal fibroblasts macrophages tumour microenvironment"
).split()
JOURNALS = ["J Extracell Vesicles", "Mol Cancer", "Cell Death Dis", "Oncogene", "Breast Cancer Res", "Theranostics"]
#: Every synthetic item is a breast cancer finding, and every synthetic line a breast cancer line.
BREAST_SUBTYPES = [subtype for subtype in Subtype.values if subtype != Subtype.NOT_APPLICABLE]
#: The tables this command writes rows into, with explicit ids.
WRITTEN = [
    *(getattr(Evidence, name).through for name in M2M),
    *[Evidence, Citation, DrugAlias, Drug, CargoAlias, Cargo, CellAlias, Cell],
]
SURNAMES = ["Chen", "Wang", "Li", "Zhang", "Liu", "Smith", "Garcia", "Müller", "Rossi", "Kim", "Tanaka", "Ning"]


class Picker:
    """Draws ids with Zipf-like popularity; ``names`` are the ids' names, when given as a dict."""

    def __init__(self, rng: random.Random, ids: list[int] | dict[int, str], s: float = 0.8) -> None:
        self.rng, self.ids, self.names = rng, list(ids), ids
        self.cum = list(itertools.accumulate(1.0 / (i + 1) ** s for i in range(len(ids))))

    def one(self) -> int:
        return self.rng.choices(self.ids, cum_weights=self.cum)[0]

    def some(self, k: int) -> list[int]:
        chosen: dict[int, None] = {}
        for _ in range(k * 3):
            chosen[self.one()] = None
            if len(chosen) == k:
                break
        return list(chosen)


def next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


class Command(BaseCommand):
    help = "Fill the database with synthetic evidence of realistic shape (for benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--evidence", type=int, default=100_000, help="Evidence items to create.")
        parser.add_argument("--seed", type=int, default=42, help="Random seed: the same seed, the same data.")
        parser.add_argument(
            "--flush", action="store_true", help="Delete all evidence, citations, drugs, cargos and cells first."
        )
        parser.add_argument("--chunk", type=int, default=50_000, help="Evidence items per COPY.")

    def handle(self, *args, evidence: int, seed: int, flush: bool, chunk: int, **options):
        if evidence < 1:
            raise CommandError("--evidence must be at least 1.")
        started = time.monotonic()
        rng = random.Random(seed)
        self.now = timezone.now()
        with transaction.atomic():
            if flush:
                self.flush()
            therapy = self.vocabulary()
            pick = {
                "mechanisms": Picker(rng, list(Mechanism.objects.order_by("pk").values_list("pk", flat=True)), 0.5),
                "drugs": Picker(rng, self.drugs(rng, therapy, max(10, evidence // 200))),
                "cargos": Picker(rng, self.cargos(rng, max(10, evidence // 50)), 0.9),
                "cells": Picker(rng, self.cells(rng, max(10, evidence // 300))),
                "citations": Picker(rng, self.citations(rng, max(5, evidence // 5)), 0.3),
            }
            self.stdout.write(f"entities written in {time.monotonic() - started:.1f} s")
            analyze_for_documents()
            self.evidence(rng, evidence, chunk, therapy=list(therapy.values()), cancer=default_cancer_type(), **pick)
            reset_sequences(*WRITTEN)
            # The triggers marked the counts stale: refresh them now, not in the background.
            refresh_counts()
            self.stdout.write(f"counts stored in {time.monotonic() - started:.1f} s")
        # VACUUM, not only ANALYZE: it sets the visibility map, without which the
        # index-only scans behind filtered lists and their counts visit the heap.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"{evidence} evidence items in {time.monotonic() - started:.1f} s"))

    def _value(self, field, row: dict):
        if field.attname in row:
            value = row[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return self.now
        else:  # like Model.__init__: the declared default, or "" for a non-null text field
            value = field.get_default()
        return json.dumps(value) if isinstance(field, models.JSONField) and value is not None else value

    def write(self, model, rows: list[dict]) -> None:
        """Insert dict rows with explicit ids, by COPY."""
        fields = model._meta.concrete_fields
        values = [tuple(self._value(field, row) for field in fields) for row in rows]
        copy_rows(model._meta.db_table, [field.column for field in fields], values)

    def write_named(self, model, rows: list[dict], name_field: str) -> dict[int, str]:
        """Drugs, cargos or cells with the lookup keys of their names, then the aliases each
        row lists under "aliases"; returns each row's name by id."""
        alias_model = model.aliases.rel.related_model
        alias_id = next_id(alias_model)
        aliases = []
        for row in rows:
            row["key"], row["base"] = lookup_keys(row[name_field])
            for name in row.pop("aliases"):
                key, base = lookup_keys(name)
                aliases.append({"id": alias_id, "entity_id": row["id"], "name": name, "key": key, "base": base})
                alias_id += 1
        self.write(model, rows)
        self.write(alias_model, aliases)
        return {row["id"]: row[name_field] for row in rows}

    def flush(self) -> None:
        tables = [m._meta.db_table for m in [*WRITTEN, Evidence.history.model]]
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")

    def vocabulary(self) -> dict[str, int]:
        def term(model, slug: str, name: str, **extra):
            """The term of ``slug``, else of ``name`` (curated data may have it), else a new one."""
            found = model.objects.filter(slug=slug).first() or model.objects.filter(name=name).first()
            return found or model.objects.create(slug=slug, name=name, **extra)

        for parent_slug, children in MECHANISMS.items():
            parent = term(Mechanism, parent_slug, parent_slug.replace("-", " ").capitalize())
            for child in children:
                term(Mechanism, child, child.replace("-", " ").capitalize(), parent=parent)
        return {slug: term(TherapyClass, slug, name, position=i).pk for i, (slug, name) in enumerate(THERAPY_CLASSES)}

    def drugs(self, rng, therapy: dict[str, int], n: int):
        first = next_id(Drug)
        rows = []
        existing = set(Drug.objects.values_list("name", flat=True))
        slugs = list(therapy)
        for i in range(n):
            pk = first + i
            if i < len(REAL_DRUGS) and REAL_DRUGS[i][0] not in existing:
                name, tc, drug_class, alias_names = REAL_DRUGS[i]
            else:
                # Numbered by id, so that a second run beside the first names new drugs.
                number = pk - 1
                name = f"synthamab-{number}"
                tc, drug_class = rng.choice(slugs), rng.choice(["anthracycline", "taxane", "kinase inhibitor", "SERM"])
                alias_names = [f"SYN{number}"] + ([f"Synth{number}ol"] if rng.random() < 0.5 else [])
            rows.append(
                {
                    "id": pk,
                    "name": name,
                    "slug": f"{name}-{pk}" if name.startswith("synth") else name,
                    "drug_class": drug_class,
                    "therapy_class_id": therapy.get(tc, therapy["chemotherapy"]),
                    "aliases": alias_names,
                }
            )
        return self.write_named(Drug, rows, "name")

    def cargos(self, rng, n: int):
        first = next_id(Cargo)
        rows = []
        # Curated cargos (the seed) keep their symbols: a synthetic miRNA that would repeat one is renamed.
        existing = set(Cargo.objects.values_list("symbol", flat=True))
        for i in range(n):
            pk = first + i
            roll = rng.random()
            number = 1 + i // 2
            if roll < 0.55:
                kind, symbol = CargoKind.MIRNA, f"hsa-miR-{number}-{'5p' if i % 2 == 0 else '3p'}"
                alias_names = [f"microRNA-{number}{'' if i % 2 == 0 else '*'}"]
                if symbol in existing:
                    symbol, alias_names = f"hsa-miR-S{pk}-5p", [f"microRNA-S{pk}"]
            elif roll < 0.7:
                kind, symbol, alias_names = CargoKind.LNCRNA, f"LINC{pk:05d}", [f"lnc-{pk}"]
            elif roll < 0.8:
                kind, symbol, alias_names = CargoKind.CIRCRNA, f"circ_{pk:07d}", [f"hsa_circ_{pk:07d}"]
            else:
                kind, symbol, alias_names = CargoKind.PROTEIN, f"PROT{pk}", [f"P{pk}P"]
            rows.append({"id": pk, "symbol": symbol, "slug": f"cargo-{pk}", "kind": kind, "aliases": alias_names})
        return self.write_named(Cargo, rows, "symbol")

    def cells(self, rng, n: int):
        first = next_id(Cell)
        kinds = [CellKind.CELL_LINE, CellKind.FIBROBLAST, CellKind.MACROPHAGE, CellKind.MSC, CellKind.BIOFLUID]
        rows = [
            {
                "id": pk,
                "name": f"SYN-{pk}",
                "slug": f"syn-{pk}",
                "kind": rng.choice(kinds),
                "subtype": rng.choice(BREAST_SUBTYPES),
                "aliases": [f"Synthetic line {pk}"],
            }
            for pk in range(first, first + n)
        ]
        return self.write_named(Cell, rows, "name")

    def citations(self, rng, n: int) -> list[int]:
        first = next_id(Citation)
        rows = []
        for i in range(n):
            pk = first + i
            authors = [f"{rng.choice(SURNAMES)}, {chr(65 + rng.randrange(26))}." for _ in range(rng.randint(1, 8))]
            retracted = rng.random() < 0.01
            rows.append(
                {
                    "id": pk,
                    "doi": f"10.5555/exr.synthetic.{pk}",
                    "pmid": str(30_000_000 + pk),
                    "bibtex_key": f"syn{pk}",
                    "title": " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize(),
                    "authors": authors,
                    "author_string": "; ".join(authors),
                    "journal": rng.choice(JOURNALS),
                    "year": rng.randint(2005, 2025),
                    "retracted": retracted,
                    "retraction_note": "Retracted by the journal (synthetic)." if retracted else "",
                }
            )
        self.write(Citation, rows)
        return [row["id"] for row in rows]

    def evidence(self, rng, n: int, chunk: int, **pick) -> None:
        first = next_id(Evidence)
        relations = ("drugs", "cargos", "mechanisms")
        through_ids = {name: next_id(getattr(Evidence, name).through) for name in relations}
        statuses = [Status.ACCEPTED, Status.DRAFT, Status.SUBMITTED, Status.REJECTED]
        effects, types = Effect.values, EvidenceType.values
        cells = pick["cells"].names
        for start in range(0, n, chunk):
            rows, links = [], {name: [] for name in relations}
            for i in range(start, min(n, start + chunk)):
                pk = first + i
                drug_pks = pick["drugs"].some(1 if rng.random() < 0.6 else 2)
                cargo_pks = pick["cargos"].some(rng.choice((1, 1, 1, 2, 3)))
                mech_pks = pick["mechanisms"].some(rng.choice((0, 1, 1, 2)))
                source = pick["cells"].one() if rng.random() < 0.9 else None
                recipient = pick["cells"].one() if rng.random() < 0.8 else None
                statement = (
                    f"Exosomal {pick['cargos'].names[cargo_pks[0]]} from {cells.get(source, 'unspecified')} cells "
                    f"{'confers' if rng.random() < 0.7 else 'reverses'} resistance to "
                    f"{pick['drugs'].names[drug_pks[0]]} in {cells.get(recipient, 'recipient')} cells; "
                    + " ".join(rng.choice(WORDS) for _ in range(6))
                    + "."
                )
                status = rng.choices(statuses, weights=[90, 4, 3, 3])[0]
                citation = pick["citations"].one()
                rows.append(
                    {
                        "id": pk,
                        "statement": statement,
                        "source_cell_id": source,
                        "recipient_cell_id": recipient,
                        "therapy_class_id": rng.choice(pick["therapy"]),
                        "cancer_type_id": pick["cancer"],
                        "effect": rng.choice(effects),
                        "evidence_type": rng.choice(types),
                        "level": rng.choices(EvidenceLevel.values, weights=[2, 8, 25, 55, 10])[0],
                        "subtype": rng.choice(BREAST_SUBTYPES),
                        "citation_id": citation,
                        "status": status,
                    }
                )
                for name, pks in zip(relations, (drug_pks, cargo_pks, mech_pks), strict=True):
                    for target_pk in pks:
                        links[name].append({"id": through_ids[name], "evidence_id": pk, f"{M2M[name]}_id": target_pk})
                        through_ids[name] += 1
            # Links before their items (the foreign keys are checked at commit): the search-document
            # triggers then build each document once, when its item arrives, not once per link table.
            for name in relations:
                self.write(getattr(Evidence, name).through, links[name])
            analyze_for_documents()
            self.write(Evidence, rows)
            self.stdout.write(f"  {min(n, start + chunk)} / {n} evidence items")
