"""What the stored counts (models/counts.py) tell about a filtered public evidence list without
reading it: its size and some facets. They answer a list narrowed only by therapy class, effect
and one cargo kind, by one drug, cargo or mechanism (with effects, a drug with levels too), or
only by columns (``CUBE``); for any other (a text search, two cargo kinds) the caller counts.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connections, router
from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict

from evidence.choices import CargoKind, Effect, EvidenceLevel
from evidence.filtersets import NON_NARROWING, EvidenceFilterSet, param_values
from evidence.models import Drug, Evidence, EvidenceCount, TherapyClass
from evidence.models.counts import CARGO_KINDS_BY_CODE, CUBE, LEVELS_BY_CODE, cargo_kind_code, level_code

Active = Mapping[str, list[str]]

#: Filters whose counts add up in the therapy class and class x cargo kind rows.
CLASS_KIND_PARAMS = frozenset({"therapy_class", "effect", "cargo_type"})
#: Filters whose set is one entity kind's stored counts, by kind (a mechanism's: with its narrower terms).
ENTITY_PARAMS = {"drug": "drug", "cargo": "cargo", "mechanism": "scope"}


def named(param: str, values: list[str]) -> QuerySet:
    """The entities ``param=`` takes for ``values``, resolved by its filter (a drug class: its members)."""
    declared = EvidenceFilterSet.base_filters[param]
    keys = {key for value in values for key in declared.extra["resolve"](value) or ()}
    model = Evidence._meta.get_field(declared.facet.relation).related_model
    return model.objects.filter(**{"slug__in" if declared.extra.get("canonical") else "pk__in": keys})


def narrowing(query: QueryDict) -> dict[str, list[str]]:
    """The filters that narrow ``query``'s list, each with its values."""
    active: dict[str, list[str]] = {}
    for key in query:
        param = key.removesuffix("[]")
        if param not in NON_NARROWING and param not in active and (values := param_values(query, param)):
            active[param] = values
    return active


def class_kind_rows(active: Active, by: str | None = None) -> QuerySet | None:
    """The stored rows whose ``n`` add up to the size of ``active``'s set, or None when they can't;
    ``by``: the facet the rows will be grouped for (``therapy_class``, ``effect`` or ``cargo_type``)."""
    kinds = active.get("cargo_type", [])
    # Every item has one therapy class and one effect; two cargo kinds overlap.
    if set(active) - CLASS_KIND_PARAMS or len(kinds) > 1 or (kinds and kinds[0] not in CargoKind.values):
        return None
    rows = EvidenceCount.objects.filter(kind="class_cargo_kind" if kinds or by == "cargo_type" else "therapy_class")
    if kinds:
        rows = rows.filter(b=cargo_kind_code(kinds[0]))
    if "therapy_class" in active:
        rows = rows.filter(a__in=TherapyClass.objects.filter(slug__in=active["therapy_class"]).values("pk"))
    if "effect" in active:
        rows = rows.filter(effect__in=active["effect"])
    elif by == "effect":
        rows = rows.exclude(effect="")
    else:
        rows = rows.filter(effect="")
    return rows


def level_codes(values: list[str]) -> list[int] | None:
    """The ``drug_level`` codes of level filter values; None when one is not a level."""
    codes = [level_code(value) for value in values]
    return None if any(code not in LEVELS_BY_CODE for code in codes) else codes


def _entity_rows(active: Active) -> QuerySet | None:
    """One entity filter's stored rows (per effect or per level when selected), or None."""
    entity_params = set(active) - {"effect", "level"}
    if len(entity_params) != 1 or (param := entity_params.pop()) not in ENTITY_PARAMS:
        return None
    entities = named(param, active[param])
    rows = EvidenceCount.objects.filter(a__in=entities.values("pk"))
    if "level" in active:
        codes = level_codes(active["level"])
        if param != "drug" or codes is None:
            return None
        # An item has one level: the rows of several levels add up.
        rows = rows.filter(kind="drug_level", b__in=codes)
    else:
        rows = rows.filter(kind=ENTITY_PARAMS[param], b=0)
    return rows.filter(effect__in=active["effect"]) if "effect" in active else rows.filter(effect="")


#: Column facets: parameter -> column of the evidence table.
COLUMNS = {"therapy_class": "therapy_class_id", "effect": "effect", "level": "level", "subtype": "subtype",
           "evidence_type": "evidence_type", "vesicle_involvement": "vesicle_involvement",
           "cancer_type": "cancer_type_id"}  # fmt: skip
#: The filters ``CUBE`` and ``COLUMN_KEYS`` sum for; not a cancer type, which takes its narrower types too.
COLUMN_PARAMS = {param: column for param, column in COLUMNS.items() if param != "cancer_type"}
_CLASS_IDS = "SELECT id FROM evidence_therapyclass WHERE slug = ANY(%s)"


def cube_filter(active: Active) -> tuple[str, list] | None:
    """The SQL condition and parameters selecting ``active``'s set from ``CUBE``; None when they can't."""
    if set(active) - set(COLUMN_PARAMS):
        return None
    conditions = [
        f"therapy_class_id IN ({_CLASS_IDS})" if param == "therapy_class" else f"{COLUMN_PARAMS[param]} = ANY(%s)"
        for param in active
    ]
    return " AND ".join(conditions) or "TRUE", list(active.values())


def column_keys_filter(active: Active) -> tuple[str, list] | None:
    """The SQL condition and parameters selecting ``active``'s set from ``COLUMN_KEYS``; None unless
    at most one column filter narrows it (an item has one value of a column: its values add up)."""
    if not active:
        # Every item has one effect: the counts of its values add up to every item's.
        return "column_name = %s", ["effect"]
    if len(active) != 1 or (param := next(iter(active))) not in COLUMN_PARAMS:
        return None
    value = f"value IN (SELECT id::text FROM ({_CLASS_IDS}) AS c)" if param == "therapy_class" else "value = ANY(%s)"
    return f"column_name = %s AND {value}", [COLUMN_PARAMS[param], active[param]]


def stored_size(query: QueryDict) -> int | None:
    """The exact number of public items ``query`` selects, from the stored counts; None when they can't tell."""
    active = narrowing(query)
    rows = class_kind_rows(active)
    if rows is not None:
        return rows.aggregate(n=Sum("n"))["n"] or 0
    rows = _entity_rows(active)
    if rows is None:
        return cube_size(active)
    found = rows.aggregate(n=Sum("n"), entities=Count("a", distinct=True))
    # The filter matches the items of any of its entities: two of them may share items.
    return (found["n"] or 0) if found["entities"] <= 1 else None


def by_count(rows, top: int | None = None) -> list[tuple[str, str, int]]:
    """The (value, label, count) rows with a count, ordered by count then value and cut at ``top``."""
    ranked = sorted((row for row in rows if row[2] > 0), key=lambda row: (-row[2], row[0]))
    return ranked[:top] if top else ranked


def class_kind_facet(param: str, others: Active) -> list[tuple[str, str, int]] | None:
    """The therapy class, effect or cargo kind facet over ``others``' set; None when they can't tell."""
    rows = class_kind_rows(others, by=param) if param in CLASS_KIND_PARAMS else None
    if rows is None:
        return None
    column = {"therapy_class": "a", "effect": "effect", "cargo_type": "b"}[param]
    summed = rows.order_by().values_list(column).annotate(n=Sum("n"))
    if param == "therapy_class":
        names = {pk: (slug, name) for pk, slug, name in TherapyClass.objects.values_list("pk", "slug", "name")}
    elif param == "cargo_type":
        names = {code: (kind, CargoKind(kind).label) for code, kind in CARGO_KINDS_BY_CODE.items()}
    else:
        names = {effect: (effect, label) for effect, label in Effect.choices}
    return by_count((*names[key], n) for key, n in summed if key in names)


def ranked_entities(rows: QuerySet, model, value_field: str, label_field: str, top: int | None):
    """(value, label, count) of the entities ``rows`` give (``a``) with their ``total``, in one query,
    ordered by ``by_count`` (every entity tied with the ``top``-th is read). None when two
    entities share a value (a symbol of two species): only a join counts their items once."""
    if top:
        threshold = rows.order_by("-total").values("total")[top - 1 : top]
        rows = rows.filter(total__gte=Coalesce(Subquery(threshold), 0))
    entity = model.objects.filter(pk=OuterRef("a"))
    named = rows.annotate(
        value=Subquery(entity.values(value_field)[:1]), label=Subquery(entity.values(label_field)[:1])
    ).values_list("value", "label", "total")
    out = by_count((str(value), str(label), n) for value, label, n in named if value is not None)
    if len({value for value, _, _ in out}) < len(out):
        return None
    return out[:top] if top else out


def drug_level_facet(param: str, others: Active, top: int | None = None) -> list[tuple[str, str, int]] | None:
    """The level facet of one drug's list, or the drug facet of a list narrowed by level (effects
    allowed besides), from the ``drug_level`` rows; None when they can't tell."""
    rest = set(others) - {"effect"}
    if not ((param == "level" and rest == {"drug"}) or (param == "drug" and rest == {"level"})):
        return None
    rows = EvidenceCount.objects.filter(kind="drug_level")
    rows = rows.filter(effect__in=others["effect"]) if "effect" in others else rows.filter(effect="")
    if param == "level":
        rows = rows.filter(a__in=named("drug", others["drug"]).values("pk"))
        summed = list(rows.order_by().values_list("b").annotate(n=Sum("n"), drugs=Count("a", distinct=True)))
        if any(drugs > 1 for _, _, drugs in summed):
            return None  # two drugs under the name: only a join counts their shared items once
        labels = dict(EvidenceLevel.choices)
        return by_count((LEVELS_BY_CODE[code], labels[LEVELS_BY_CODE[code]], n) for code, n, _ in summed)
    codes = level_codes(others["level"])
    if codes is None:
        return None
    # An item has one level and one effect: a drug's rows add up to its items.
    summed = rows.filter(b__in=codes).order_by().values("a").annotate(total=Sum("n"))
    return ranked_entities(summed, Drug, "name", "name", top)


def cube_size(active: Active) -> int | None:
    if (found := cube_filter(active)) is None:
        return None
    with connections[router.db_for_read(EvidenceCount)].cursor() as cursor:
        cursor.execute(f"SELECT coalesce(sum(n), 0) FROM {CUBE} WHERE {found[0]}", found[1])
        return cursor.fetchone()[0]
