"""Drugs, cargo molecules and cells: the things a researcher looks evidence up by."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Exists, OuterRef, Q, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from evidence import identifiers as ids
from evidence.choices import CargoKind, CellKind, Subtype
from evidence.models.base import Alias, NamedEntity, NamedQuerySet, derives_from
from evidence.models.counts import EvidenceCount


class DrugQuerySet(NamedQuerySet):
    public_through = Q(drugs=OuterRef("pk"))
    listing_related = ("therapy_class",)
    listing_prefetch = ("classes",)


class Drug(NamedEntity):
    editor_fields = ("name", "slug", "aliases", "chebi", "drugbank", "pubchem_cid", "therapy_class", "classes")
    #: Its ids in other databases, as pages link them (site/links.py).
    identifier_fields = ("chebi", "drugbank", "pubchem_cid")
    name = models.CharField(max_length=200, unique=True, help_text="The INN, in lower case.")
    drug_class = models.CharField(
        max_length=100,
        blank=True,
        db_index=True,
        help_text="Pharmacological class, e.g. anthracycline, taxane, SERM, anti-HER2 antibody.",
    )
    therapy_class = models.ForeignKey("evidence.TherapyClass", on_delete=models.PROTECT, related_name="drugs")
    classes = models.ManyToManyField(
        "evidence.DrugClass", related_name="drugs", blank=True, help_text="The drug classes it belongs to."
    )
    chebi = models.CharField("ChEBI", max_length=20, blank=True, validators=[ids.validate_chebi])
    drugbank = models.CharField("DrugBank", max_length=10, blank=True, validators=[ids.validate_drugbank])
    pubchem_cid = models.PositiveIntegerField("PubChem CID", null=True, blank=True)
    description = models.TextField(blank=True)

    objects = DrugQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]


class DrugAlias(Alias):
    entity = models.ForeignKey(Drug, on_delete=models.CASCADE, related_name="aliases")

    class Meta(Alias.Meta):
        verbose_name_plural = "drug aliases"


class CargoQuerySet(NamedQuerySet):
    public_through = Q(cargos=OuterRef("pk"))
    listing_related = ("family",)
    listing_prefetch = ("targets",)


class Cargo(NamedEntity):
    """A molecule carried by exosomes: a miRNA, lncRNA, circRNA, mRNA, protein, ..."""

    editor_fields = (
        "symbol", "name", "slug", "kind", "aliases", "hgnc", "mirbase", "ensembl", "uniprot", "ncbi_gene", "family",
        "targets",
    )  # fmt: skip
    identifier_fields = ("hgnc", "mirbase", "ensembl", "uniprot", "ncbi_gene")

    symbol = models.CharField(
        max_length=200,
        help_text="miRBase name for miRNAs (hsa-miR-155-5p), HGNC symbol for genes and proteins.",
    )
    kind = models.CharField(max_length=20, choices=CargoKind.choices, db_index=True)
    species = models.CharField(max_length=100, default="Homo sapiens")
    name = models.CharField("full name", max_length=255, blank=True, help_text="e.g. P-glycoprotein for ABCB1.")
    hgnc = models.CharField("HGNC", max_length=20, blank=True, validators=[ids.validate_hgnc])
    mirbase = models.CharField("miRBase", max_length=20, blank=True, validators=[ids.validate_mirbase])
    ensembl = models.CharField("Ensembl", max_length=30, blank=True, validators=[ids.validate_ensembl])
    uniprot = models.CharField("UniProt", max_length=20, blank=True, validators=[ids.validate_uniprot])
    ncbi_gene = models.PositiveIntegerField("NCBI Gene", null=True, blank=True)
    description = models.TextField(blank=True)
    family = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="The gene family or complex this molecule belongs to (TGFB1 in TGF-β); a filter on one reaches "
        "the other.",
    )
    targets = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="targeted_by",
        help_text="What an siRNA, antagomir or antisense cargo silences; a filter on the target reaches it.",
    )

    objects = CargoQuerySet.as_manager()
    name_field = "symbol"
    one_record_per_name_key = False

    class Meta:
        ordering = [Lower("symbol")]
        # The cargo index pages in this order; without it every cargo is tested as public before the sort.
        indexes = [models.Index(Lower("symbol"), name="cargo_symbol_as_read")]
        verbose_name = "cargo molecule"
        constraints = [models.UniqueConstraint(fields=["symbol", "kind", "species"], name="cargo_unique_symbol")]

    def clean(self):
        super().clean()
        if self.pk is not None and self.family_id == self.pk:
            raise ValidationError({"family": "A cargo molecule cannot be its own family."})
        if self.pk is not None and derives_from(self.family, self, "family"):
            raise ValidationError(
                {"family": f"{self} cannot be in the family of {self.family}: {self.family} is in {self}'s."}
            )


class CargoReachQuerySet(models.QuerySet):
    def reasons(self, cargo_ids: Iterable[int]) -> dict[int, str]:
        """Primary key of every cargo a filter on ``cargo_ids`` takes -> why, in the evidence list's
        words (the first of ``CargoReach.WORDS``, via the first cargo by symbol). The ids go as
        values, which the view's indexes answer; a subquery would compute every cargo's reach."""
        first = Case(*(When(why=why, then=rank) for rank, why in enumerate(CargoReach.WORDS)))
        rows = (
            self.filter(cargo_id__in=list(cargo_ids))
            .order_by("reached_id", first, Lower("via__symbol"), "via_id")
            .distinct("reached_id")
            .values_list("reached_id", "why", "via__symbol")
        )
        return {pk: CargoReach.WORDS[why].format(symbol) for pk, why, symbol in rows}


class CargoReach(models.Model):
    """A cargo, one that a filter on it takes, and why: a row of the view ``evidence_cargo_reach``
    (migration 0044); a pair related in several ways has a row for each."""

    #: Each reason, preferred first, in the evidence list's words ({}: the via's symbol).
    WORDS = {"self": "", "family": "family of {}", "member": "in the {} family", "agent": "targets {}"}

    pk = models.CompositePrimaryKey("cargo_id", "reached_id", "why", "via_id")
    cargo = models.ForeignKey(Cargo, on_delete=models.DO_NOTHING, related_name="+")
    reached = models.ForeignKey(Cargo, on_delete=models.DO_NOTHING, related_name="+")
    why = models.CharField(max_length=6, choices=[(why, why) for why in WORDS])
    via = models.ForeignKey(
        Cargo,
        on_delete=models.DO_NOTHING,
        related_name="+",
        help_text="The cargo the relation goes through: the cargo (of its family), the family (of a member), "
        "the target (of an agent).",
    )

    objects = CargoReachQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = "evidence_cargo_reach"

    def __str__(self) -> str:
        return f"{self.cargo_id} reaches {self.reached_id} ({self.why} via {self.via_id})"


class CargoAlias(Alias):
    entity = models.ForeignKey(Cargo, on_delete=models.CASCADE, related_name="aliases")

    class Meta(Alias.Meta):
        verbose_name_plural = "cargo aliases"


class CellQuerySet(NamedQuerySet):
    listing_related = ("parent",)

    def public(self) -> CellQuerySet:
        """The cells accepted evidence names, and every line they derive from (MCF-7 of MCF-7/ADR),
        which pages and releases link to. Two EXISTS on the indexed cell columns, then a walk
        up the (small) cell table: faster than one EXISTS over both columns."""
        from evidence.models.evidence import Evidence

        accepted = Evidence.objects.public()
        named = self.model.objects.filter(
            Exists(accepted.filter(source_cell=OuterRef("pk"))) | Exists(accepted.filter(recipient_cell=OuterRef("pk")))
        )
        sql, params = named.values("pk").order_by().query.get_compiler(using=self.db).as_sql()
        lineage = (
            f"WITH RECURSIVE lineage(id) AS ({sql} UNION SELECT c.parent_id FROM evidence_cell c"
            " JOIN lineage ON c.id = lineage.id WHERE c.parent_id IS NOT NULL) SELECT id FROM lineage"
        )
        return self.filter(pk__in=RawSQL(lineage, params))

    def with_counts(self):
        counts = EvidenceCount.objects
        return self.annotate(
            source_count=counts.annotation("source_cell"), recipient_count=counts.annotation("recipient_cell")
        )


class Cell(NamedEntity):
    """A source or recipient of exosomes: a cell line, a resistant derivative, a stromal cell, a biofluid."""

    editor_fields = ("name", "slug", "kind", "parent", "aliases", "cellosaurus")
    identifier_fields = ("cellosaurus",)

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=CellKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="derivatives",
        verbose_name="parental line",
        help_text="For a drug-resistant derivative: the line it came from.",
    )
    species = models.CharField(max_length=100, default="Homo sapiens")
    subtype = models.CharField(
        "breast cancer subtype", max_length=20, choices=Subtype.choices, default=Subtype.UNSPECIFIED
    )
    cellosaurus = models.CharField("Cellosaurus", max_length=20, blank=True, validators=[ids.validate_cellosaurus])
    description = models.TextField(blank=True)

    objects = CellQuerySet.as_manager()

    class Meta:
        ordering = [Lower("name")]

    def clean(self):
        if self.kind == CellKind.RESISTANT_LINE and not self.parent_id:
            raise ValidationError({"parent": "A drug-resistant derivative needs its parental line."})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": "A cell cannot be its own parent."})
        if self.pk is not None and derives_from(self.parent, self, "parent"):
            raise ValidationError(
                {"parent": f"{self} cannot derive from {self.parent}: {self.parent} derives from {self}."}
            )
        super().clean()


class CellAlias(Alias):
    entity = models.ForeignKey(Cell, on_delete=models.CASCADE, related_name="aliases")

    class Meta(Alias.Meta):
        verbose_name_plural = "cell aliases"
