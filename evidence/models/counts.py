"""Accepted-evidence counts per entity and per pair of entities, kept in a table.

The public pages show how many accepted evidence items cite each drug, cargo, cell,
mechanism, therapy class and citation, and the networks, matrices and "by cargo" /
"by mechanism" tables count items per pair (cargo x drug, drug x mechanism, ...).
Counting those over 100,000 items on every request costs up to a second; curated
data only changes when a curator's edit lands, so the counts are stored here and
recounted for exactly the entities an edit touches.

One row per (``kind``, ``a``, ``b``, ``effect``): ``n`` accepted items. ``effect`` is
one of ``Effect`` or ``""`` for all effects together (an item has one effect, so the
``""`` row is the sum of the others and the number of distinct items). ``b`` is 0
for single-entity kinds. A "scope" is a mechanism with its direct children, as the
``mechanism`` filter reads it: an item that names a child term counts for the child
and for its parent, once. A "cargo kind" (``b`` of ``class_cargo_kind``) is
``cargo_kind_code()`` of the kind's value: the evidence list filtered by therapy class
and cargo kind (a few 10,000 items each) is counted and faceted from these rows. A
"level" (``b`` of ``drug_level``) is ``level_code()`` of the evidence level: a drug's
list at one level is sized, and its level facet counted, from these rows.

Keeping it current
------------------
As ``search_text`` (``models/search_text.py``): signals recount the touched entities
whenever accepted evidence is saved, deleted or (un)linked, evidence is accepted or
leaves the accepted state, or a mechanism moves in the tree. Drafts cost nothing.
Anything that bypasses signals (``bulk.py``, ``generate_synthetic``, raw SQL) calls
``refresh_counts(touched)`` (``touched`` from ``entities_of(ids)``, taken before and
after the write) or ``refresh_counts()`` for everything. A recount is one
``INSERT ... SELECT ... GROUP BY GROUPING SETS`` per kind (tests check it against
direct ``COUNT`` queries).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, models, transaction
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from evidence.choices import CargoKind, EvidenceLevel, Status

#: The entity types a count can be keyed by ("dimensions").
DIMENSIONS = ("drug", "cargo", "mechanism", "scope", "therapy_class", "citation", "cell", "cargo_kind", "level")


def cargo_kind_code(kind: str) -> int:
    """A cargo kind as a count row keys it: the CRC-32 of its value. A position in
    ``CargoKind`` would change meaning when a kind is added in the middle."""
    return zlib.crc32(kind.encode())


#: Each kind's value by its code.
CARGO_KINDS_BY_CODE = {cargo_kind_code(value): value for value in CargoKind.values}


def level_code(level: str) -> int | None:
    """An evidence level as a count row keys it: its letter's code point (A: 65); None for no level."""
    return ord(level) if isinstance(level, str) and len(level) == 1 else None


#: Each level by its code.
LEVELS_BY_CODE = {level_code(value): value for value in EvidenceLevel.values}


@dataclass(frozen=True)
class Kind:
    name: str
    a: str  # the dimension of column ``a``
    b: str | None = None  # of column ``b``; None for single-entity kinds


KINDS = {
    kind.name: kind
    for kind in (
        Kind("drug", "drug"),
        Kind("cargo", "cargo"),
        Kind("mechanism", "mechanism"),
        Kind("scope", "scope"),
        Kind("therapy_class", "therapy_class"),
        Kind("citation", "citation"),
        Kind("source_cell", "cell"),
        Kind("recipient_cell", "cell"),
        Kind("cargo_drug", "cargo", "drug"),
        Kind("drug_mechanism", "drug", "mechanism"),
        Kind("drug_scope", "drug", "scope"),
        Kind("cargo_mechanism", "cargo", "mechanism"),
        Kind("class_mechanism", "therapy_class", "mechanism"),
        Kind("class_scope", "therapy_class", "scope"),
        Kind("class_cargo_kind", "therapy_class", "cargo_kind"),
        Kind("drug_level", "drug", "level"),
    )
}


class EvidenceCountQuerySet(models.QuerySet):
    def of(self, kind: str) -> EvidenceCountQuerySet:
        """The all-effects rows of one kind."""
        return self.filter(kind=kind, effect="")

    def annotation(self, kind: str, outer: str = "pk") -> Coalesce:
        """The count of the annotated entity (``outer``) for a single-entity ``kind``, as a subquery."""
        rows = self.of(kind).filter(a=OuterRef(outer), b=0).values("n")[:1]
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    def total(self, kind: str, a: int, b: int = 0) -> int:
        return self.of(kind).filter(a=a, b=b).values_list("n", flat=True).first() or 0

    def total_accepted(self) -> int:
        """The number of accepted items (each has exactly one therapy class): a few rows, not a count."""
        return self.of("therapy_class").aggregate(n=Sum("n"))["n"] or 0


class EvidenceCount(models.Model):
    kind = models.CharField(max_length=20, choices=[(k, k) for k in KINDS])
    a = models.BigIntegerField()
    b = models.BigIntegerField(default=0)
    effect = models.CharField(max_length=24, blank=True)
    n = models.PositiveIntegerField()

    objects = EvidenceCountQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "a", "b", "effect"], name="evidencecount_key")]
        indexes = [
            # "By cargo" on a drug page reads a pair kind by its second entity.
            models.Index(fields=["kind", "b", "a"], name="evidencecount_kind_b"),
            # The network's strongest edges: the largest all-effects counts of a kind.
            models.Index(fields=["kind", "effect", "-n"], name="evidencecount_kind_n"),
            # The all-effects rows by second entity, counts included: a drug page counts its
            # cargo pairs (15,000 at 1,000,000 items) and a level's drugs are summed from the
            # index alone. Through evidencecount_kind_b, every effect's row was read from the
            # table to find the all-effects ones (140 ms at 1,000,000 items, 2 ms here).
            models.Index(
                fields=["kind", "b", "a", "n"], condition=models.Q(effect=""), name="evidencecount_all_effects_b"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}({self.a}, {self.b}) {self.effect or 'all'}: {self.n}"


# --- counting ----------------------------------------------------------------------

Touched = dict[str, set[int]]


def _table() -> str:
    return EvidenceCount._meta.db_table


#: Link rows of each dimension as (evidence_id, entity id) for PostgreSQL.
_SCOPE_LINKS = """(
    SELECT l.evidence_id, l.mechanism_id AS entity_id FROM evidence_evidence_mechanisms l
    UNION
    SELECT l.evidence_id, m.parent_id FROM evidence_evidence_mechanisms l
      JOIN evidence_mechanism m ON m.id = l.mechanism_id WHERE m.parent_id IS NOT NULL
)"""
_CARGO_KIND_CODE = " ".join(f"WHEN '{value}' THEN {cargo_kind_code(value)}" for value in CargoKind.values)
_LINKS = {
    "drug": "(SELECT evidence_id, drug_id AS entity_id FROM evidence_evidence_drugs)",
    "cargo": "(SELECT evidence_id, cargo_id AS entity_id FROM evidence_evidence_cargos)",
    "mechanism": "(SELECT evidence_id, mechanism_id AS entity_id FROM evidence_evidence_mechanisms)",
    "scope": _SCOPE_LINKS,
    # DISTINCT: an item carrying two miRNAs counts once for miRNA.
    "cargo_kind": f"""(
    SELECT DISTINCT l.evidence_id, CASE c.kind {_CARGO_KIND_CODE} ELSE 0 END AS entity_id
      FROM evidence_evidence_cargos l JOIN evidence_cargo c ON c.id = l.cargo_id
)""",
}
#: Single-valued dimensions: a column of the evidence row, per kind.
_COLUMNS = {
    "therapy_class": "therapy_class_id",
    "citation": "citation_id",
    "source_cell": "source_cell_id",
    "recipient_cell": "recipient_cell_id",
    "class_mechanism": "therapy_class_id",
    "class_scope": "therapy_class_id",
    "class_cargo_kind": "therapy_class_id",
}
#: Dimensions of column ``b`` read from the evidence row itself.
_ITEM_COLUMNS = {"level": "ascii(e.level)"}


def _postgres_select(kind: Kind) -> tuple[str, list[str]]:
    """``SELECT kind, a, b, effect, n`` counting accepted items, and the expressions of a and b."""
    joins = []
    if kind.a in _LINKS:
        joins.append(f"JOIN {_LINKS[kind.a]} la ON la.evidence_id = e.id")
        a = "la.entity_id"
    else:
        a = f"e.{_COLUMNS[kind.name]}"
    if kind.b is None:
        b, group = "0", [a]
    elif kind.b in _ITEM_COLUMNS:
        b = _ITEM_COLUMNS[kind.b]
        group = [a, b]
    else:
        joins.append(f"JOIN {_LINKS[kind.b]} lb ON lb.evidence_id = e.id")
        b, group = "lb.entity_id", [a, "lb.entity_id"]
    keys = ", ".join(group)
    sql = (
        f"SELECT '{kind.name}', {a}, {b}, COALESCE(e.effect, ''), COUNT(*) FROM evidence_evidence e "
        + " ".join(joins)
        + f" WHERE e.status = '{Status.ACCEPTED}' AND {a} IS NOT NULL {{where}}"
        + f" GROUP BY GROUPING SETS (({keys}, e.effect), ({keys}))"
    )
    return sql, [a, b]


def _restriction(kind: Kind, touched: Touched | None, a: str, b: str, items: bool) -> tuple[str, list]:
    """The rows of ``kind`` to recount, as SQL on columns ``a`` and ``b``; "" for none (everything: no ``touched``).

    An entity's rows are those with it in either column (``a IN ... OR b IN ...``). With
    ``items``, ``touched`` holds every entity of some items (before and after a change),
    and only rows of two of them can change (``a IN ... AND b IN ...``): an accepted item
    of a drug with 10,000 items recounts its own few pairs, not all of the drug's.
    """
    if touched is None:
        return "", []
    parts, params = [], []
    for column, dimension in ((a, kind.a), (b, kind.b)):
        ids = sorted(touched.get(dimension, ())) if dimension else []
        if ids:
            parts.append(f"{column} = ANY(%s)")
            params.append(ids)
        elif dimension and items:
            return "", []
    return "(" + (" AND " if items else " OR ").join(parts) + ")" if parts else "", params


def _refresh_postgres(connection, touched: Touched | None, items: bool) -> None:
    with connection.cursor() as cursor:
        # Two transactions recounting the same keys would each insert what their snapshot
        # saw; one at a time, the second counts what the first committed.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [_table()])
        for kind in KINDS.values():
            select, (a, b) = _postgres_select(kind)
            where, params = _restriction(kind, touched, a, b, items)
            if touched is not None and not where:
                continue
            delete, delete_params = _restriction(kind, touched, "a", "b", items)
            cursor.execute(
                f"DELETE FROM {_table()} WHERE kind = %s" + (f" AND {delete}" if delete else ""),
                [kind.name, *delete_params],
            )
            select = select.format(where=f"AND {where}" if where else "")
            cursor.execute(f"INSERT INTO {_table()} (kind, a, b, effect, n) {select}", params)


def _relations():
    from evidence.models import Evidence

    return (("drug", Evidence.drugs), ("cargo", Evidence.cargos), ("mechanism", Evidence.mechanisms))


def _expand(using: str, touched: Touched) -> Touched:
    """Touched mechanisms touch their parents' scopes too; a mechanism is its own scope.
    Touched cargos touch their kinds."""
    from evidence.models import Cargo, Mechanism

    out = {dimension: set(pks) for dimension, pks in touched.items() if pks}
    cargos = out.get("cargo")
    if cargos:
        kinds = Cargo.objects.using(using).order_by().values_list("kind", flat=True).distinct()
        if len(cargos) <= 500:  # a bulk import touches thousands: every kind, in one query
            kinds = kinds.filter(pk__in=cargos)
        out.setdefault("cargo_kind", set()).update(cargo_kind_code(kind) for kind in kinds)
    mechanisms = out.get("mechanism", set()) | out.get("scope", set())
    if mechanisms:
        parents = Mechanism.objects.using(using).filter(pk__in=mechanisms, parent__isnull=False)
        out["scope"] = mechanisms | set(parents.values_list("parent_id", flat=True))
        out["mechanism"] = set(mechanisms)
    return out


def refresh_counts(touched: Touched | None = None, using: str = "default", *, items: bool = False) -> None:
    """Recount every row keyed by a touched entity (``{"drug": {1, 2}, ...}``); everything when None.

    ``items``: ``touched`` is ``entities_of()`` some items, before and after they changed
    (merged); only rows keyed by two of those entities are recounted.
    """
    connection = connections[using]
    if touched is not None:
        touched = _expand(using, touched)
        if not touched:
            return
    with transaction.atomic(using=using):
        _refresh_postgres(connection, touched, items)
        if touched is None:
            # A full recount replaces the table: without fresh statistics the planner
            # took a popular drug's 15,000 pairs for one row and read 1.2 million
            # (240 ms on the drug page at 1,000,000 items, 0.3 ms after ANALYZE).
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(EvidenceCount._meta.db_table)}")


def entities_of(ids: Iterable[int], using: str = "default", *, accepted_only: bool = True) -> Touched:
    """The entities the items ``ids`` count for (only their accepted ones with ``accepted_only``)."""
    from evidence.models import Evidence

    ids = sorted(set(ids))
    touched: Touched = {dimension: set() for dimension in DIMENSIONS}
    # In chunks: a bulk import passes 100,000s of ids.
    for start in range(0, len(ids), 900):
        items = Evidence.objects.using(using).filter(pk__in=ids[start : start + 900])
        if accepted_only:
            items = items.filter(status=Status.ACCEPTED)
        for therapy_class, citation, source, recipient, level in items.values_list(
            "therapy_class_id", "citation_id", "source_cell_id", "recipient_cell_id", "level"
        ):
            touched["level"].add(level_code(level))
            touched["therapy_class"].add(therapy_class)
            touched["citation"].add(citation)
            touched["cell"].update(pk for pk in (source, recipient) if pk)
        selected = items.values("pk")
        for dimension, relation in _relations():
            column = relation.field.m2m_reverse_name()
            found = relation.through.objects.using(using).filter(evidence_id__in=selected)
            touched[dimension].update(found.values_list(column, flat=True).distinct())
    return touched


def merge(*parts: Touched) -> Touched:
    out: Touched = {}
    for part in parts:
        for dimension, pks in part.items():
            out.setdefault(dimension, set()).update(pks)
    return out


# --- keeping it current -----------------------------------------------------------

_state = threading.local()


def _request(touched: Touched, *, items: bool = False) -> None:
    if not any(touched.values()):
        return
    pending = getattr(_state, "pending", None)
    if pending is not None:
        for dimension, pks in touched.items():
            pending[items].setdefault(dimension, set()).update(pks)
        return
    refresh_counts(touched, items=items)


@contextmanager
def deferred_count_refresh() -> Iterator[None]:
    """Collect the recounts that signals ask for and run them once, on exit."""
    if getattr(_state, "pending", None) is not None:
        yield  # nested: the outermost block recounts
        return
    _state.pending = {False: {}, True: {}}  # by ``items``
    try:
        yield
        pending = _state.pending
    finally:
        _state.pending = None
    _request(pending[False])
    _request(pending[True], items=True)


_FIELDS = ("status", "effect", "therapy_class_id", "citation_id", "source_cell_id", "recipient_cell_id", "level")


def _single(values: dict) -> Touched:
    return {
        "therapy_class": {values["therapy_class_id"]} - {None},
        "citation": {values["citation_id"]} - {None},
        "cell": {values["source_cell_id"], values["recipient_cell_id"]} - {None},
        "level": {level_code(values["level"])} - {None},
    }


def _evidence_saving(sender, instance, raw=False, **kwargs) -> None:
    instance._counts_before = None
    if raw or instance.pk is None or instance._state.adding:
        return
    # A draft saved as a draft (its status as loaded, kept by exoresist.datacache): nothing to read.
    loaded = getattr(instance, "_exoresist_loaded_status", None)
    if loaded not in (None, Status.ACCEPTED) and instance.__dict__.get("status") not in (None, Status.ACCEPTED):
        return
    instance._counts_before = sender._base_manager.filter(pk=instance.pk).values(*_FIELDS).first()


def _evidence_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw or (update_fields is not None and set(update_fields) <= {"search_text", "modified", "version"}):
        return
    before = getattr(instance, "_counts_before", None)
    now = {field: getattr(instance, field) for field in _FIELDS}
    if now["status"] != Status.ACCEPTED and (before is None or before["status"] != Status.ACCEPTED):
        return  # a draft before and after: on no public count
    touched = merge(entities_of([instance.pk], accepted_only=False), _single(now), _single(before or now))
    _request(touched, items=True)


def _evidence_deleting(sender, instance, **kwargs) -> None:
    # The links go with the item, without m2m signals: remember what it counted for.
    instance._counts_linked = entities_of([instance.pk]) if instance.status == Status.ACCEPTED else None


def _evidence_deleted(sender, instance, **kwargs) -> None:
    touched = getattr(instance, "_counts_linked", None)
    if touched:
        _request(touched, items=True)


_ENTITY_DIMENSION = {"Drug": "drug", "Cargo": "cargo", "Mechanism": "mechanism"}


def _through_dimensions() -> dict[type, tuple[str, str]]:
    from evidence.models import Evidence

    return {
        getattr(Evidence, name).through: (dimension, getattr(Evidence, name).field.m2m_reverse_name())
        for name, dimension in (("drugs", "drug"), ("cargos", "cargo"), ("mechanisms", "mechanism"))
    }


def _links_changed(sender, instance, action, reverse, model, pk_set, using=None, **kwargs) -> None:
    dimension, column = _through_dimensions()[sender]
    if reverse:
        # drug.evidence.add(...): the entity is ``instance``, the items ``pk_set``.
        entity = {_ENTITY_DIMENSION[type(instance).__name__]: {instance.pk}}
        if action in ("post_add", "post_remove"):
            _request(merge(entity, entities_of(pk_set or ())), items=True)
        elif action == "post_clear":
            _request(entity)
        return
    loaded = getattr(instance, "_exoresist_loaded_status", None)
    status = instance.__dict__.get("status")
    if status is not None and status != Status.ACCEPTED and loaded is not None and loaded != Status.ACCEPTED:
        return  # the links of a draft are on no public count
    if action == "pre_clear":
        instance._counts_cleared = set(sender.objects.filter(evidence_id=instance.pk).values_list(column, flat=True))
    elif action in ("post_clear", "post_add", "post_remove"):
        changed = getattr(instance, "_counts_cleared", set()) if action == "post_clear" else set(pk_set or ())
        # The item's other entities: its pairs with the (un)linked ones change.
        _request(merge({dimension: changed}, entities_of([instance.pk], accepted_only=False)), items=True)


def _entity_deleted(sender, instance, **kwargs) -> None:
    # Its link rows went with it, without m2m signals.
    touched = {_ENTITY_DIMENSION[sender.__name__]: {instance.pk}}
    if sender.__name__ == "Cargo":
        touched["cargo_kind"] = {cargo_kind_code(instance.kind)}  # gone from the table: _expand can't read it
    _request(touched)


def _cargo_saving(sender, instance, raw=False, **kwargs) -> None:
    instance._counts_kind = None
    if not raw and instance.pk is not None:
        instance._counts_kind = sender.objects.filter(pk=instance.pk).values_list("kind", flat=True).first()


def _cargo_saved(sender, instance, created, raw=False, **kwargs) -> None:
    before = getattr(instance, "_counts_kind", None)
    if raw or created or before is None or before == instance.kind:
        return
    # Its items move from one kind's counts to the other's.
    _request({"cargo_kind": {cargo_kind_code(before), cargo_kind_code(instance.kind)}})


def _mechanism_saving(sender, instance, raw=False, **kwargs) -> None:
    instance._counts_parent = None
    if not raw and instance.pk is not None:
        instance._counts_parent = sender.objects.filter(pk=instance.pk).values_list("parent_id", flat=True).first()


def _mechanism_saved(sender, instance, created, raw=False, **kwargs) -> None:
    before = getattr(instance, "_counts_parent", None)
    if raw or created or before == instance.parent_id:
        return
    # Moved in the tree: the old and the new parent's scopes change.
    _request({"mechanism": {instance.pk}, "scope": {pk for pk in (before, instance.parent_id) if pk}})


def connect() -> None:
    from evidence.models import Cargo, Drug, Evidence, Mechanism

    pre_save.connect(_evidence_saving, sender=Evidence, dispatch_uid="counts-evidence-pre")
    post_save.connect(_evidence_saved, sender=Evidence, dispatch_uid="counts-evidence-post")
    pre_delete.connect(_evidence_deleting, sender=Evidence, dispatch_uid="counts-evidence-predel")
    post_delete.connect(_evidence_deleted, sender=Evidence, dispatch_uid="counts-evidence-del")
    for relation in (Evidence.drugs, Evidence.cargos, Evidence.mechanisms):
        m2m_changed.connect(_links_changed, sender=relation.through, dispatch_uid=f"counts-{relation.field.name}")
    for model in (Drug, Cargo, Mechanism):
        post_delete.connect(_entity_deleted, sender=model, dispatch_uid=f"counts-del-{model.__name__}")
    pre_save.connect(_cargo_saving, sender=Cargo, dispatch_uid="counts-cargo-pre")
    post_save.connect(_cargo_saved, sender=Cargo, dispatch_uid="counts-cargo-post")
    pre_save.connect(_mechanism_saving, sender=Mechanism, dispatch_uid="counts-mechanism-pre")
    post_save.connect(_mechanism_saved, sender=Mechanism, dispatch_uid="counts-mechanism-post")
