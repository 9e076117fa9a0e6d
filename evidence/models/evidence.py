from __future__ import annotations

import functools
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connections, models, transaction
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from evidence.choices import (
    DEFAULT_DRUG_ROLES,
    DrugRole,
    Effect,
    EvidenceLevel,
    EvidenceType,
    EvType,
    Status,
    Subtype,
    VesicleInvolvement,
)
from evidence.models.base import user_field
from evidence.models.vocabulary import CancerType, breast_cancer_type_ids, breast_cancer_types, default_cancer_type

PUBLIC_ID_RE = re.compile(r"^EXR(\d{6,})$", re.IGNORECASE)


class StaleEdit(Exception):
    """A save was based on a version of an evidence item that someone else has changed since
    (``current``: the version in the database, ``None`` when deleted)."""

    def __init__(self, evidence_pk: int, expected: int, current: int | None, *, reviewing: bool = False):
        item = format_public_id(evidence_pk)
        if current is None:
            message = f"{item} was deleted while you were editing it; your changes were not saved."
        elif reviewing:
            message = (
                f"{item} changed after you reviewed it (you reviewed version {expected}, it is now version "
                f"{current}). Nothing was decided: open it again and review what changed."
            )
        else:
            message = (
                f"{item} was changed by someone else while you were editing it (you edited version {expected}, "
                f"it is now version {current}). Your changes were not saved: reload it, look at what changed and "
                "make your edit again."
            )
        super().__init__(message)


def format_public_id(pk: int) -> str:
    """123 -> ``EXR000123``, the identifier pages, exports and the API show."""
    return f"EXR{pk:06d}"


def evidence_url(pk: int) -> str:
    """An item's page, from its key alone (an ``Evidence`` would query its default cancer type)."""
    return reverse("evidence_detail", args=[format_public_id(pk)])


def public_id_to_pk(value: str) -> int | None:
    """``EXR000123`` or 123 -> 123; anything else, or a number past a ``bigint``, -> None."""
    value = str(value).strip()
    match = PUBLIC_ID_RE.match(value)
    digits = match.group(1) if match else value if value.isdecimal() else ""
    try:
        pk = int(digits)
    except ValueError:  # no digits, or more than Python reads (4,300)
        return None
    return pk if pk < 2**63 else None


def fit_subtype(subtype: str, cancer_type: str, breast_cancer: bool) -> str:
    """The subtype a finding in ``cancer_type`` stores when given ``subtype``: its own in breast
    cancer, "not applicable" in another cancer (so every subtype count is of breast cancer). A
    breast cancer subtype in another cancer is a ``ValidationError``: only the curator knows
    whether the subtype or the cancer type is wrong."""
    if breast_cancer:
        return Subtype.UNSPECIFIED if subtype == Subtype.NOT_APPLICABLE else subtype
    if subtype in (Subtype.UNSPECIFIED, Subtype.NOT_APPLICABLE):
        return Subtype.NOT_APPLICABLE
    label = dict(Subtype.choices).get(subtype, subtype)
    raise ValidationError(
        f"{label} is a breast cancer subtype, but the finding is in {cancer_type}: correct the cancer type, "
        f'or set the subtype to "{Subtype.NOT_APPLICABLE.label}".'
    )


#: The history's reason for a subtype the system changed.
SUBTYPE_FITTED = "Subtype fitted to the cancer type: breast cancer subtypes apply to breast cancer only"


def refit_subtypes() -> int:
    """Store on every item the subtype ``fit_subtype`` gives it under the cancer types as they are
    now, each changed item with a new version and a history row with ``SUBTYPE_FITTED`` and no
    user; returns how many changed. A breast cancer subtype outside breast cancer is a
    ``ValidationError`` naming the items, and nothing changes."""
    from evidence.curation.bulk import content_links, update_evidence

    breast = breast_cancer_type_ids()
    names = dict(CancerType.objects.values_list("pk", "name"))
    items = Evidence._base_manager.order_by()
    fitted = {}
    for cancer_type, subtype in items.values_list("cancer_type_id", "subtype").distinct():
        try:
            fitted[cancer_type, subtype] = fit_subtype(subtype, names[cancer_type], cancer_type in breast)
        except ValidationError as error:
            these = items.filter(cancer_type_id=cancer_type, subtype=subtype).values_list("pk", flat=True)
            ids = ", ".join(format_public_id(pk) for pk in these[:20])
            raise ValidationError(f"{ids}: {error.message}") from None
    changing = models.Q()
    for (cancer_type, old), new in fitted.items():
        if new != old:
            changing |= models.Q(cancer_type_id=cancer_type, subtype=old)
    if not changing:
        return 0
    with transaction.atomic():
        fields = ("cancer_type_id", "subtype", "version", "modified")
        changed = list(items.filter(changing).select_for_update().only(*fields).order_by("pk"))
        links = content_links([item.pk for item in changed])
        for item in changed:
            item.subtype = fitted[item.cancer_type_id, item.subtype]
        relations = [{name: by_item.get(item.pk, []) for name, by_item in links.items()} for item in changed]
        update_evidence(changed, ["subtype"], relations, reason=SUBTYPE_FITTED)
    return len(changed)


STATEMENT_MAX_LENGTH = 2000  # one sentence

#: What the HTML tables and the flat exports show of an item (``as_rows()``).
ROW_COLUMNS: tuple[str, ...] = (
    "id", "statement", "effect", "level", "evidence_type", "subtype", "cancer_type__name",
    "drug_response_measured", "vesicle_involvement", "ev_type", "therapy_class__name",
    "source_cell__name", "recipient_cell__name", "citation_id", "citation__doi", "citation__pmid",
    "citation__year", "citation__retracted", "citation__notice", "citation__authors", "citation__authors_truncated",
)  # fmt: skip

#: The many-to-many names a row embeds: relation -> (columns, order, columns of the link),
#: sorted case-folded then by id, as every list of names (and the API document) sorts them.
ROW_RELATIONS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "cargos": (("symbol", "kind", "slug"), "symbol", ()),
    "drugs": (("name", "slug"), "name", ("role",)),
    "mechanisms": (("name", "slug"), "name", ()),
}


def with_role(drug: dict) -> str:
    """A drug as tables and flat exports name it: its role follows unless it is the treatment."""
    return drug["name"] if drug["role"] == "treatment" else f"{drug['name']} ({drug['role']})"


def complete_rows(rows: list[dict]) -> list[dict]:
    """Unpack the ``names`` of each ``as_rows()`` row into its ``ROW_RELATIONS``, in place."""
    for row in rows:
        names = row.pop("names", None)
        if names is not None:
            row.update(names)
    return rows


@functools.cache
def _embedded_names_sql() -> str:
    """SQL of an evidence row's ``ROW_RELATIONS`` as one JSON object (``{"cargos": [{"symbol": ...},
    ...], ...}``): written out, as ``ArraySubquery`` would compile on every request."""
    quote = connections["default"].ops.quote_name
    evidence = Evidence._meta
    parts = []
    for relation, (columns, order, link_columns) in ROW_RELATIONS.items():
        field = evidence.get_field(relation)
        through, target = field.remote_field.through._meta, field.related_model._meta
        pairs = ", ".join(
            [f"'{column}', t.{quote(column)}" for column in columns]
            + [f"'{column}', l.{quote(column)}" for column in link_columns]
        )
        target_pk = quote(target.pk.column)
        parts.append(
            f"'{relation}', coalesce((SELECT jsonb_agg(jsonb_build_object({pairs}) "
            f"ORDER BY lower(t.{quote(order)}), t.{target_pk}) FROM {quote(through.db_table)} l "
            f"JOIN {quote(target.db_table)} t ON t.{target_pk} = l.{quote(field.m2m_reverse_name())} "
            f"WHERE l.{quote(field.m2m_column_name())} = {quote(evidence.db_table)}.{quote(evidence.pk.column)}), "
            "'[]'::jsonb)"
        )
    return f"jsonb_build_object({', '.join(parts)})"


class EvidenceQuerySet(models.QuerySet):
    def public(self):
        """Only accepted evidence is shown to the public."""
        return self.filter(status=Status.ACCEPTED)

    def visible_to(self, user):
        return self if sees_unpublished(user) else self.public()

    def rows_of(self, ids: list[int], *, public: bool = False) -> list[dict]:
        """The ``as_rows()`` rows of items ``ids`` in that order (accepted ones only, with ``public``),
        from a cached base query: building its joins costs more than running it. A page reads its
        ids first, so that PostgreSQL does not plan the row query's joins around the filters."""
        # A plain IN list: for a page of ids PostgreSQL plans it faster than an array.
        by_id = {row["id"]: row for row in _rows_base(self.db, public).filter(pk__in=ids).order_by()}
        return [by_id[pk] for pk in ids if pk in by_id]

    def with_related(self):
        """Everything an evidence list or detail shows, in a fixed number of queries."""
        names = (
            models.Prefetch(
                relation, Evidence._meta.get_field(relation).related_model.objects.order_by(Lower(order), "pk")
            )
            for relation, (_, order, _) in ROW_RELATIONS.items()
        )
        return self.select_related(
            "citation", "secondary_source", "therapy_class", "source_cell", "recipient_cell", "cancer_type"
        ).prefetch_related(*names)

    def as_rows(self):
        """Dicts of ``ROW_COLUMNS``, each embedding its names as one JSON ``names`` value
        (``complete_rows()`` unpacks it): a page is one query."""
        return self.values(*ROW_COLUMNS).annotate(
            names=RawSQL(_embedded_names_sql(), (), output_field=models.JSONField()),
            breast_cancer=models.ExpressionWrapper(
                models.Q(cancer_type__in=breast_cancer_types()), output_field=models.BooleanField()
            ),
        )

    def search(self, value: str):
        """Items matching ``value`` (``evidence/models/search.py``), most relevant first (``search_rank``)."""
        from evidence.models.search import TextQuery, rank

        query = TextQuery.of(value)
        if query is None:
            return self.none().annotate(search_rank=models.Value(0.0))
        return (
            self.filter(search_document__document__matches=query)
            .annotate(search_rank=rank(query))
            .order_by("-search_rank", "-id")
        )


def sees_unpublished(user) -> bool:
    """Curators see drafts, submissions and rejections; everybody else accepted evidence only."""
    return user is not None and user.is_authenticated and user.has_perm("evidence.view_evidence")


@functools.lru_cache(maxsize=16)
def _rows_base(alias: str, public: bool):
    # Never evaluated: every use filters a clone.
    queryset = Evidence.objects.using(alias)
    return (queryset.public() if public else queryset.all()).as_rows()


class EvidenceDrugQuerySet(models.QuerySet):
    def as_therapy(self) -> EvidenceDrugQuerySet:
        """The links that make a drug the finding's therapy, not a modifier: what ``drug=`` lists."""
        return self.filter(role__in=DEFAULT_DRUG_ROLES)


class EvidenceDrug(models.Model):
    """A drug of a finding, with its role (a database default, so ``drugs.set()`` need not name it)."""

    evidence = models.ForeignKey("evidence.Evidence", on_delete=models.CASCADE)
    drug = models.ForeignKey("evidence.Drug", on_delete=models.CASCADE)
    role = models.CharField(
        max_length=10, choices=DrugRole.choices, default=DrugRole.TREATMENT, db_default=DrugRole.TREATMENT
    )

    objects = EvidenceDrugQuerySet.as_manager()

    class Meta:
        db_table = "evidence_evidence_drugs"
        unique_together = [("evidence", "drug")]
        verbose_name = "drug of a finding"

    def __str__(self) -> str:
        return f"{self.drug} ({self.role})"


class Evidence(models.Model):
    """One curated finding: a cargo carried from a source to a recipient cell changes response to a drug."""

    statement = models.TextField(
        help_text="One sentence in the curator's words (at most 2,000 characters).",
        validators=[MaxLengthValidator(STATEMENT_MAX_LENGTH)],
    )
    cargos = models.ManyToManyField(
        "evidence.Cargo",
        related_name="evidence",
        blank=True,
        verbose_name="cargo molecules",
        help_text="The molecules the vesicles carry (miRNA, lncRNA, protein, ...) that the finding is about.",
    )
    source_cell = models.ForeignKey(
        "evidence.Cell",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_as_source",
        help_text="The cell or biofluid the exosomes came from; empty when the study does not say.",
    )
    recipient_cell = models.ForeignKey(
        "evidence.Cell",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence_as_recipient",
        help_text="The cell that took the exosomes up; empty when unknown or not applicable.",
    )
    drugs = models.ManyToManyField(
        "evidence.Drug",
        related_name="evidence",
        blank=True,
        through=EvidenceDrug,
        help_text="The drugs of the finding, each with its role: treatment, modifier or payload.",
    )
    therapy_class = models.ForeignKey(
        "evidence.TherapyClass",
        on_delete=models.PROTECT,
        related_name="evidence",
        help_text="The kind of therapy whose response was studied (chemotherapy, endocrine, HER2-targeted, ...).",
    )
    mechanisms = models.ManyToManyField(
        "evidence.Mechanism",
        related_name="evidence",
        blank=True,
        help_text="How the cargo changes response, from the mechanism vocabulary (drug efflux, EMT, ...).",
    )
    effect = models.CharField(
        max_length=24,
        choices=Effect.choices,
        db_index=True,
        help_text="What the vesicles do to drug response: confer or reverse resistance, mark it, or deliver therapy.",
    )
    evidence_type = models.CharField(
        max_length=16,
        choices=EvidenceType.choices,
        help_text="What the finding is evidence for, as in CIViC: predictive, prognostic, diagnostic, functional "
        "or therapeutic.",
    )
    level = models.CharField(
        "evidence level",
        max_length=1,
        choices=EvidenceLevel.choices,
        db_index=True,
        help_text="How far the cited study took the finding: A clinical trial, B patients, C animals, D cells, "
        "E inferential.",
    )
    experimental_systems = models.TextField(
        blank=True, help_text="e.g. in vitro co-culture; xenograft in nude mice; patient serum."
    )
    cancer_type = models.ForeignKey(
        "evidence.CancerType",
        on_delete=models.PROTECT,
        related_name="evidence",
        default=default_cancer_type,
        help_text="The disease the finding was made in; breast cancer unless said otherwise.",
    )
    subtype = models.CharField(
        "breast cancer subtype",
        max_length=20,
        choices=Subtype.choices,
        default=Subtype.UNSPECIFIED,
        db_index=True,
        help_text="The breast cancer subtype of the cells or patients, when the study says; "
        f'"{Subtype.NOT_APPLICABLE.label}" for a finding in another cancer.',
    )
    drug_response_measured = models.BooleanField(
        default=True,
        help_text="Whether the study measured response to a drug (IC50, viability under drug, tumour response, "
        "outcome on therapy). Without it the effect rests on surrogate read-outs (EMT, stemness, ...).",
    )
    vesicle_involvement = models.CharField(
        max_length=20,
        choices=VesicleInvolvement.choices,
        default=VesicleInvolvement.CARGO_ASSOCIATED,
        db_index=True,
        help_text="Transfer shown: vesicles moved the cargo and changed the recipient. Cargo associated: the "
        "molecule travels in vesicles or vesicle levels track resistance, transfer not shown. Vesicle-independent: "
        "kept for context.",
    )
    ev_type = models.CharField(
        "EV type",
        max_length=15,
        choices=EvType.choices,
        default=EvType.EV,
        help_text="The vesicles as the study calls them.",
    )
    ev_isolation = models.CharField(
        "EV isolation method",
        max_length=255,
        blank=True,
        help_text="As reported (MISEV): ultracentrifugation, SEC, precipitation kit, ...",
    )
    ev_markers = models.CharField(
        "EV markers", max_length=255, blank=True, help_text="As reported, e.g. CD63, TSG101; calnexin negative."
    )
    citation = models.ForeignKey(
        "evidence.Citation",
        on_delete=models.PROTECT,
        related_name="evidence",
        verbose_name="primary citation",
        help_text="The primary study that shows the finding.",
    )
    secondary_source = models.ForeignKey(
        "evidence.Citation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="curated_evidence",
        help_text="The review through which the finding was curated.",
    )
    cited_as = models.CharField(
        max_length=255, blank=True, help_text="The attribution as the secondary source prints it."
    )
    source_quote = models.TextField(blank=True, help_text="The supporting sentence, verbatim.")
    curation_note = models.TextField(
        blank=True, help_text="Why the curator recorded it so: level decisions, doubts, what to check."
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    rejection_reason = models.TextField(blank=True)
    created_by = user_field(blank=True, related_name="evidence_created")
    reviewed_by = user_field(blank=True, related_name="evidence_reviewed")
    submitted_by = user_field(
        blank=True,
        related_name="evidence_submitted",
        help_text="Who submitted it for review; that person may not accept or reject it (four eyes).",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    import_key = models.SlugField(
        max_length=120,
        null=True,
        blank=True,
        unique=True,
        help_text="Stable key of a record loaded from the seed or a bulk import; keeps re-imports idempotent.",
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Incremented on every save; a save based on an older version is refused."
    )
    imported_content = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="Digest of the content the last TSV import of this key wrote or proposed: a re-import "
        "tells an edit made since from a change of the row.",
    )

    # The import's digest is bookkeeping, not content: no history row of its own.
    history = HistoricalRecords(m2m_fields=[cargos, drugs, mechanisms], excluded_fields=["imported_content"])
    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "evidence"
        indexes = [
            models.Index(fields=["status", "level"], name="evidence_status_level"),
            # The public lists and counts: an index-only join with the link tables, not a scan.
            models.Index(fields=["id"], condition=models.Q(status="accepted"), name="evidence_accepted_id"),
        ]
        permissions = [("can_review_evidence", "Can accept or reject evidence and apply suggested revisions")]

    def __str__(self) -> str:
        return f"{self.public_id}: {self.statement[:90]}"

    def save(self, *args, **kwargs):
        """Save, with the subtype its cancer type allows, only when the row is still at
        ``self.version`` (optimistic locking), else raise ``StaleEdit``. ``update`` and
        ``bulk_update`` must bump ``version`` and fit the subtype themselves."""
        self.fit_subtype()
        if self._state.adding or self.pk is None or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        expected = self.version
        using = kwargs.get("using") or "default"
        row = type(self)._base_manager.using(using).filter(pk=self.pk)
        with transaction.atomic(using=using):
            if not row.filter(version=expected).update(version=expected + 1):
                raise StaleEdit(self.pk, expected, row.values_list("version", flat=True).first())
            self.version = expected + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
            try:
                return super().save(*args, **kwargs)
            except BaseException:
                self.version = expected
                raise

    def get_absolute_url(self) -> str:
        return evidence_url(self.pk)

    @property
    def public_id(self) -> str:
        return format_public_id(self.pk) if self.pk else "EXR(new)"

    def clean(self):
        self.fit_subtype()

    def fit_subtype(self) -> None:
        """Give the item the subtype its cancer type allows (``clean``, for a form's message, and ``save``)."""
        if self.cancer_type_id is not None:
            try:
                self.subtype = fit_subtype(self.subtype, self.cancer_type.name, self.cancer_type.is_breast_cancer)
            except ValidationError as error:
                raise ValidationError({"subtype": error.messages}) from None
