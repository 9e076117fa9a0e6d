"""Synthetic evidence for load tests: N items over realistic vocabularies, in bulk.

Never run against a real database: every row it creates carries the ``load-`` prefix
in its slug, import key or DOI, and ``--delete`` removes exactly those rows.
"""

import random

from django.core.management.base import BaseCommand
from django.db import transaction

from evidence import choices
from evidence.identifiers import lookup_keys
from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass
from exoresist import datacache

PREFIX = "load-"
BATCH = 2000


class Command(BaseCommand):
    help = "Create (or --delete) synthetic evidence items for load testing."

    def add_arguments(self, parser):
        parser.add_argument("--evidence", type=int, default=10_000)
        parser.add_argument("--drafts", type=float, default=0.05, help="fraction left as drafts")
        parser.add_argument("--seed", type=int, default=6)
        parser.add_argument("--delete", action="store_true")

    def handle(self, *args, evidence: int, drafts: float, seed: int, delete: bool, **options):
        rng = random.Random(seed)
        with transaction.atomic():
            if delete:
                self.delete()
            else:
                self.create(rng, evidence, drafts)
        # bulk_create sends no signals: invalidate cached pages explicitly.
        datacache.bump_version()

    def delete(self):
        items = Evidence.objects.filter(import_key__startswith=PREFIX)
        for through in (Evidence.cargos.through, Evidence.drugs.through, Evidence.mechanisms.through):
            through.objects.filter(evidence__import_key__startswith=PREFIX).delete()
        count = items._raw_delete(items.db)
        Citation.objects.filter(doi__startswith=f"10.5555/{PREFIX}").delete()
        for model in (Drug, Cargo, Cell, Mechanism, TherapyClass):
            model.objects.filter(slug__startswith=PREFIX).delete()
        self.stdout.write(f"deleted {count} synthetic evidence items")

    def named(self, model, n, make):
        rows = []
        for i in range(n):
            obj = make(i)
            if hasattr(obj, "key"):
                obj.key, obj.base = lookup_keys(obj.display_name)
            rows.append(obj)
        model.objects.bulk_create(rows, ignore_conflicts=True)
        return list(model.objects.filter(slug__startswith=PREFIX))

    def create(self, rng: random.Random, n: int, drafts: float):
        therapies = self.named(
            TherapyClass, 6, lambda i: TherapyClass(slug=f"{PREFIX}therapy-{i}", name=f"Load therapy {i}")
        )
        mechanisms = self.named(
            Mechanism, 40, lambda i: Mechanism(slug=f"{PREFIX}mech-{i}", name=f"Load mechanism {i}")
        )
        drugs = self.named(
            Drug,
            120,
            lambda i: Drug(slug=f"{PREFIX}drug-{i}", name=f"loadamab {i}", therapy_class=rng.choice(therapies)),
        )
        kinds = [choices.CargoKind.MIRNA, choices.CargoKind.LNCRNA, choices.CargoKind.PROTEIN]
        cargos = self.named(
            Cargo, 800, lambda i: Cargo(slug=f"{PREFIX}cargo-{i}", symbol=f"LOAD{i}", kind=rng.choice(kinds))
        )
        cells = self.named(
            Cell, 150, lambda i: Cell(slug=f"{PREFIX}cell-{i}", name=f"LOAD-CELL-{i}", kind=choices.CellKind.CELL_LINE)
        )
        citations = []
        for i in range(max(1, n // 4)):
            citations.append(
                Citation(
                    doi=f"10.5555/{PREFIX}{i}",
                    title=f"Exosomal transfer of resistance, synthetic study {i}",
                    authors=[f"Loader, Ada{i % 50}", "Tester, Bo"],
                    author_string=f"Loader, Ada{i % 50}; Tester, Bo",
                    journal="J. Synthetic Vesicles",
                    year=2000 + i % 25,
                )
            )
        Citation.objects.bulk_create(citations, batch_size=BATCH, ignore_conflicts=True)
        citation_ids = list(Citation.objects.filter(doi__startswith=f"10.5555/{PREFIX}").values_list("id", flat=True))

        start = Evidence.objects.filter(import_key__startswith=PREFIX).count()
        levels, effects = list(choices.EvidenceLevel.values), list(choices.Effect.values)
        subtypes = list(choices.Subtype.values)
        for offset in range(start, n, BATCH):
            batch = []
            for i in range(offset, min(n, offset + BATCH)):
                cargo = rng.choice(cargos)
                batch.append(
                    Evidence(
                        statement=f"Exosomal {cargo.symbol} from resistant cells alters response (synthetic {i}).",
                        citation_id=rng.choice(citation_ids),
                        therapy_class=rng.choice(therapies),
                        source_cell=rng.choice(cells),
                        recipient_cell=rng.choice(cells),
                        effect=rng.choice(effects),
                        evidence_type=choices.EvidenceType.PREDICTIVE,
                        level=rng.choice(levels),
                        subtype=rng.choice(subtypes),
                        status=choices.Status.DRAFT if rng.random() < drafts else choices.Status.ACCEPTED,
                        import_key=f"{PREFIX}{i}",
                    )
                )
            created = Evidence.objects.bulk_create(batch)
            Evidence.cargos.through.objects.bulk_create(
                [Evidence.cargos.through(evidence_id=e.pk, cargo_id=rng.choice(cargos).pk) for e in created]
            )
            Evidence.drugs.through.objects.bulk_create(
                [Evidence.drugs.through(evidence_id=e.pk, drug_id=rng.choice(drugs).pk) for e in created]
            )
            Evidence.mechanisms.through.objects.bulk_create(
                [Evidence.mechanisms.through(evidence_id=e.pk, mechanism_id=rng.choice(mechanisms).pk) for e in created]
            )
            self.stdout.write(f"{offset + len(batch)} / {n} evidence items")
