"""Facet counts and removable filter chips for the HTML evidence list.

The filters themselves live in ``EvidenceFilterSet`` (shared with the API); this
module only counts. Facets are disjunctive, as on any catalogue search: the counts
beside "level" are computed with every active filter except the level filter, so
that ticking level C does not make level D look empty. Each facet is one GROUP BY
query, whatever the number of values.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import chain
from urllib.parse import urlencode

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import BigIntegerField, Count, F, QuerySet
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from evidence import stored_counts
from evidence.filtersets import NON_NARROWING, EvidenceFilterSet, ResolvedListFilter, param_values
from evidence.identifiers import lookup_keys
from evidence.models import CancerType, Cargo, Drug, Evidence, EvidenceCount, Mechanism, TherapyClass
from evidence.models.base import id_array

#: Facets are counted exactly over at most this many matching items. Counting a
#: larger set (the unfiltered list is ~100,000 items) costs hundreds of milliseconds
#: on every uncached request; above the limit a facet lists its values uncounted and
#: the page says that narrowing the list brings the counts back.
COUNT_LIMIT = 5000


def capped_count(queryset: QuerySet, limit: int = COUNT_LIMIT) -> int:
    """``min(queryset.count(), limit + 1)``, reading at most ``limit + 1`` rows (a LIMITed subquery)."""
    return queryset.order_by().values("pk")[: limit + 1].count()


@dataclass
class FacetValue:
    value: str
    label: str
    #: ``None`` when the facet was not counted (too many matching items).
    count: int | None
    selected: bool
    url: str
    #: Of ``count``, the items whose study measured no drug response (effect facet only).
    without_read_out: int | None = None


@dataclass
class Facet:
    param: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    counted: bool = True

    @property
    def active(self) -> bool:
        return any(v.selected for v in self.values)


@dataclass
class Chip:
    param: str
    label: str
    value: str
    remove_url: str


@dataclass(frozen=True)
class FacetSpec:
    param: str
    label: str
    #: ``local`` columns of the evidence table, or a many-to-many ``through`` relation.
    source: str
    value_field: str
    label_field: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    relation: str = ""
    top: int | None = None
    #: compare values by name key (drug and cargo filters accept any alias).
    by_name: bool = False


def _declared_facets() -> tuple[FacetSpec, ...]:
    """The facets the FilterSet declares on its filters (``Facet``), in its order: the
    filter says what a value means (its vocabulary, whether any alias of a name matches),
    the facet how to read and label it."""
    specs = []
    for param, declared in EvidenceFilterSet.base_filters.items():
        facet = getattr(declared, "facet", None)
        if facet is None:
            continue
        specs.append(
            FacetSpec(
                param,
                facet.label,
                "through" if facet.relation else "local",
                facet.value_field,
                facet.label_field,
                tuple(declared.extra.get("choices", ())),
                facet.relation,
                facet.top,
                # Drug and cargo values are names: any alias of a selected one is the same value.
                by_name=isinstance(declared, ResolvedListFilter) and not declared.extra.get("canonical"),
            )
        )
    return tuple(specs)


FACETS = _declared_facets()

CHIP_LABELS = {
    "q": "Text",
    "source_cell": "Source cell",
    "recipient_cell": "Recipient cell",
    "cell": "Cell",
    "year_min": "Year from",
    "year_max": "Year up to",
    "doi": "DOI",
    "pmid": "PMID",
    "citation": "Citation",
    "retracted": "Retracted",
    "status": "Status",
    **{spec.param: spec.label for spec in FACETS},
}


def url_with(query: QueryDict, param: str, values: list[str] | None) -> str:
    """``?query`` with ``param`` set to ``values`` (removed when empty) and the page reset."""
    data = query.copy()
    data.pop("page", None)
    data.pop(f"{param}[]", None)
    if values:
        data.setlist(param, values)
    else:
        data.pop(param, None)
    encoded = data.urlencode()
    return f"?{encoded}" if encoded else "?"


def _same(spec: FacetSpec, a: str, b: str) -> bool:
    if spec.by_name:
        return lookup_keys(a)[0] == lookup_keys(b)[0]
    return a == b


def _counts(spec: FacetSpec, queryset: QuerySet) -> list[tuple[str, str, int]]:
    """(value, label, count) of one facet over ``queryset``: one GROUP BY query."""
    label_field = spec.label_field or spec.value_field
    fields = [spec.value_field] if label_field == spec.value_field else [spec.value_field, label_field]
    if spec.source == "local":
        rows = queryset.order_by().values(*fields).annotate(n=Count("pk"))
    else:
        through = getattr(Evidence, spec.relation).through.objects
        items = queryset.order_by().values("pk")
        # Distinct evidence: two cargos of one kind in one item count the item once.
        rows = through.filter(evidence_id__in=items).values(*fields).annotate(n=Count("evidence_id", distinct=True))
    rows = rows.order_by("-n", spec.value_field)
    if spec.top:
        rows = rows[: spec.top]
    labels = dict(spec.choices)
    out = []
    for row in rows:
        value = row[spec.value_field]
        if value is None:
            continue
        out.append((str(value), labels.get(value) or str(row[label_field]), row["n"]))
    return out


LOCAL_COLUMNS = {"therapy_class": "therapy_class_id", "effect": "effect", "level": "level", "subtype": "subtype",
                 "evidence_type": "evidence_type", "vesicle_involvement": "vesicle_involvement"}  # fmt: skip

#: Facets over a many-to-many relation, by parameter.
THROUGH = {spec.param: spec for spec in FACETS if spec.source == "through"}


def _link_ids(relation: str) -> RawSQL:
    """The ids an evidence row links to over ``relation``, read with the row (an ``ARRAY`` subquery).

    Reading them with the rows the column facets read anyway replaced one GROUP BY
    per many-to-many facet, each joining the same items to the link table again.
    """
    field = Evidence._meta.get_field(relation)
    through = field.remote_field.through._meta
    quote = connection.ops.quote_name
    target, source = quote(field.m2m_reverse_name()), quote(field.m2m_column_name())
    row = f"{quote(Evidence._meta.db_table)}.{quote(Evidence._meta.pk.column)}"
    sql = f"ARRAY(SELECT l.{target} FROM {quote(through.db_table)} l WHERE l.{source} = {row})"
    return RawSQL(sql, (), output_field=ArrayField(BigIntegerField()))


#: How a many-to-many facet names a linked entity: relation -> (model, value field, label field).
_THROUGH_NAMES = {
    "cargo_type": ("cargos", Cargo, "kind", "kind"),
    "cargo": ("cargos", Cargo, "symbol", "symbol"),
    "drug": ("drugs", Drug, "name", "name"),
    "mechanism": ("mechanisms", Mechanism, "slug", "name"),
}


class _LinkedCounts:
    """Many-to-many facets counted from the link ids read with the items (``_link_ids``).

    Up to ``COUNT_LIMIT`` items a request: the counting runs in C (``map``, ``set``,
    ``Counter``) rather than a Python loop per link.
    """

    def __init__(self, params: list[str]) -> None:
        self.params = params
        self.relations = sorted({_THROUGH_NAMES[param][0] for param in params})
        self.links: dict[str, list] = {relation: [] for relation in self.relations}

    def read(self, queryset: QuerySet) -> list[tuple]:
        """At most ``COUNT_LIMIT`` + 1 rows of ``queryset``: the column facets' columns
        (``LOCAL_COLUMNS``), then the link ids of each relation."""
        links = {f"linked_{relation}": _link_ids(relation) for relation in self.relations}
        rows = queryset.order_by().annotate(**links).values_list(*LOCAL_COLUMNS.values(), *links)
        return list(rows[: COUNT_LIMIT + 1])

    def take(self, columns: list[tuple]) -> None:
        """Count the items whose rows (as ``read`` gives them) are ``columns``, transposed."""
        for relation, links in zip(self.relations, columns[len(LOCAL_COLUMNS) :], strict=True):
            self.links[relation].extend(links)

    def counts(self) -> dict[str, list[tuple[str, str, int]]]:
        """Each facet's (value, label, count), ordered and cut as ``_counts`` orders and cuts them."""
        out: dict[str, list[tuple[str, str, int]]] = {}
        for relation, links in self.links.items():
            params = [param for param in self.params if _THROUGH_NAMES[param][0] == relation]
            model = _THROUGH_NAMES[params[0]][1]
            fields = sorted({name for param in params for name in _THROUGH_NAMES[param][2:]})
            pks = sorted(set().union(*links))
            named = {
                pk: dict(zip(fields, rest, strict=True))
                for pk, *rest in model.objects.filter(pk__in=id_array(pks)).values_list("pk", *fields)
            }
            for param in params:
                spec, (_, _, value_field, label_field) = THROUGH[param], _THROUGH_NAMES[param]
                value_of = {pk: row[value_field] for pk, row in named.items()}
                labels = {row[value_field]: row[label_field] for row in named.values()}
                # A set per item: two cargos of one kind count the item once. None: an entity
                # deleted since the rows were read.
                get = value_of.get
                counter = Counter(chain.from_iterable([set(map(get, ids)) for ids in links]))
                counter.pop(None, None)
                ranked = sorted(counter.items(), key=lambda pair: (-pair[1], pair[0]))[: spec.top]
                choice_labels = dict(spec.choices)
                out[param] = [(str(value), choice_labels.get(value) or str(labels[value]), n) for value, n in ranked]
        return out


def _transposed(rows: list[tuple], linked: _LinkedCounts) -> list[tuple]:
    """Rows read by ``linked.read`` as columns (each of them empty when there are no rows)."""
    return list(zip(*rows, strict=True)) or [()] * (len(LOCAL_COLUMNS) + len(linked.relations))


def _unselected_through(query: QueryDict) -> list[str]:
    return [param for param in THROUGH if not param_values(query, param)]


def _column_facets(counts: dict[str, Counter], classes: dict[int, tuple[str, str]]) -> dict:
    out = {}
    class_names = dict(classes.values())
    for spec in FACETS:
        if spec.param in counts:
            labels = dict(spec.choices) if spec.choices else class_names
            ranked = sorted(counts[spec.param].items(), key=lambda item: (-item[1], item[0]))
            out[spec.param] = [(value, labels.get(value, value), n) for value, n in ranked if value is not None]
    return out


def _local_counts(query: QueryDict, base: QuerySet) -> tuple[dict[str, list[tuple[str, str, int]]], int] | None:
    """Every column facet, the unselected many-to-many facets and the size of the filtered set,
    from ONE query; ``None`` when too many match.

    The rows matching every filter but the column facets' own (at most
    ``COUNT_LIMIT``, a few narrow columns each, with their link ids) are read once and
    counted here: a column facet counts the rows that pass every other selected column
    filter, which is exactly the disjunctive count of its own GROUP BY, and an unselected
    many-to-many facet counts the rows that pass them all.
    """
    others = query.copy()
    for param in LOCAL_COLUMNS:
        others.pop(param, None)
        others.pop(f"{param}[]", None)
    if stored_counts.known_over(others, COUNT_LIMIT):
        return None
    linked = _LinkedCounts(_unselected_through(query))
    rows = linked.read(EvidenceFilterSet(others, queryset=base).qs)
    if len(rows) > COUNT_LIMIT:
        return None
    classes = stored_counts.therapy_classes()
    params = list(LOCAL_COLUMNS)
    width = len(params)
    selected = {i: set(param_values(query, param)) for i, param in enumerate(params) if param_values(query, param)}
    counts: dict[str, Counter] = {param: Counter() for param in params}
    passing = []
    for raw in rows:
        row = (classes[raw[0]][0], *raw[1:width])
        failed = [i for i, values in selected.items() if row[i] not in values]
        if not failed:
            passing.append(raw)
            for i, param in enumerate(params):
                counts[param][row[i]] += 1
        elif len(failed) == 1:
            # Passes every filter but this facet's own: counts towards that facet only.
            counts[params[failed[0]]][row[failed[0]]] += 1
    linked.take(_transposed(passing, linked))
    return _column_facets(counts, classes) | linked.counts(), len(passing)


#: Entity facets whose counts over every accepted item are stored (models/counts.py): kind, model, value and
#: label fields. The therapy class, effect and cargo kind facets come from ``stored_counts.class_kind_facet``.
STORED = {
    "drug": ("drug", Drug, "name", "name"),
    "cargo": ("cargo", Cargo, "symbol", "symbol"),
    "mechanism": ("mechanism", Mechanism, "slug", "name"),
}


def _stored_counts(spec: FacetSpec, others: stored_counts.Active) -> list[tuple[str, str, int]] | None:
    """A facet over the set the filters ``others`` select, from the stored counts, ordered as
    ``_counts`` orders; None when they can't tell."""
    found = stored_counts.class_kind_facet(spec.param, others)
    if found is None:
        found = stored_counts.drug_level_facet(spec.param, others, spec.top)
    if found is not None:
        return found
    if others or spec.param not in STORED:
        return None
    kind, model, value_field, label_field = STORED[spec.param]
    counts = EvidenceCount.objects.of(kind).filter(b=0).annotate(total=F("n"))
    return stored_counts.ranked_entities(counts, model, value_field, label_field, spec.top)


def _narrowed_counts(query: QueryDict, filtered: QuerySet, size: int | None = None) -> tuple[dict, int, set[str]]:
    """The facets that are not selected, counted over the filtered set, when ``_local_counts``
    found the set without the column filters too large (a popular drug) but they narrow it enough.

    Reads the filtered rows once (at most ``COUNT_LIMIT`` + 1, with their link ids): an
    unselected facet's disjunctive count is its count over them. Returns those counts, the
    (capped) size and the facets known to be too large to count: with one column filter,
    its own set is the one ``_local_counts`` found too large, whatever the size of the
    filtered set. ``size``: the filtered set's size, when the caller knows it.
    """
    selected = [param for param in LOCAL_COLUMNS if param_values(query, param)]
    too_many = set(selected) if len(selected) == 1 else set()
    if size is not None and size > COUNT_LIMIT:
        return {}, size, too_many
    # Not counted first: a capped count cost about as much as reading the rows it counts.
    linked = _LinkedCounts(_unselected_through(query))
    rows = linked.read(filtered)
    if len(rows) > COUNT_LIMIT:
        return {}, len(rows), too_many
    classes = stored_counts.therapy_classes()
    columns = _transposed(rows, linked)
    counts: dict[str, Counter] = {}
    for i, param in enumerate(LOCAL_COLUMNS):
        if param not in selected:
            counts[param] = Counter(columns[i])
    if "therapy_class" in counts:
        counts["therapy_class"] = Counter({classes[pk][0]: n for pk, n in counts["therapy_class"].items()})
    linked.take(columns)
    return _column_facets(counts, classes) | linked.counts(), len(rows), too_many


def _size(query: QueryDict, queryset: QuerySet) -> int:
    """The size of ``queryset`` (``query``'s set): exact from the stored counts when they know it, else capped."""
    size = stored_counts.stored_size(query)
    return size if size is not None else capped_count(queryset)


def _uncounted(spec: FacetSpec) -> list[tuple[str, str, None]]:
    """The values a facet offers when its set is too large to count: every value of a
    short vocabulary; none for drugs and cargos (thousands; the selected ones are added)."""
    if spec.choices:
        return [(value, label, None) for value, label in spec.choices]
    if spec.param == "therapy_class":
        return [(t.slug, t.name, None) for t in TherapyClass.objects.order_by("position", "name")]
    if spec.param == "mechanism":
        return [(m.slug, m.name, None) for m in Mechanism.objects.filter(parent__isnull=True).order_by("name")]
    if spec.param == "cancer_type":
        return [(c.slug, c.name, None) for c in CancerType.objects.order_by("name")]
    return []


def _count_one(
    spec: FacetSpec,
    query: QueryDict,
    filtered: QuerySet,
    base: QuerySet,
    size: int,
    too_many: set[str] = frozenset(),
) -> tuple[bool, list[tuple[str, str, int | None]]]:
    """One facet's values, counted (one GROUP BY) when its set holds at most ``COUNT_LIMIT`` items.

    ``too_many``: facets whose own set is already known to be over the limit.
    """
    others = query.copy()
    others.pop(spec.param, None)
    others.pop(f"{spec.param}[]", None)
    stored = _stored_counts(spec, stored_counts.narrowing(others))
    if stored is not None:
        return True, stored
    if spec.param in too_many:
        return False, _uncounted(spec)
    if param_values(query, spec.param):
        queryset = EvidenceFilterSet(others, queryset=base).qs
        counted = _size(others, queryset) <= COUNT_LIMIT
    else:
        queryset, counted = filtered, size <= COUNT_LIMIT
    return counted, (_counts(spec, queryset) if counted else _uncounted(spec))


def _own_facet_stored(param: str, query: QueryDict) -> bool:
    """Whether the stored counts give column facet ``param``'s disjunctive count (over the
    set every other filter selects), judged from the parameters alone."""
    others = stored_counts.narrowing(query)
    others.pop(param, None)
    return stored_counts.facet_is_stored(param, others)


def build_facets(filterset: EvidenceFilterSet, base: QuerySet, size: int | None = None) -> tuple[list[Facet], int]:
    """The facets beside the evidence list, each counted without its own filter.

    ``size`` is the capped size of ``filterset.qs`` when the caller already knows it.
    A facet whose set holds more than ``COUNT_LIMIT`` items is listed uncounted.
    Returns the facets and the (capped unless given) size of the filtered set.
    """
    query: QueryDict = filterset.data
    filtered = filterset.qs
    selected_local = [param for param in LOCAL_COLUMNS if param_values(query, param)]
    any_local = bool(selected_local)
    if size is not None and size > COUNT_LIMIT and not any_local:
        local = None
    elif size is not None and any_local and all(_own_facet_stored(param, query) for param in selected_local):
        # The selected column facets come from the stored counts (a drug's levels): only the
        # filtered set needs reading, not every item of the drug at every level.
        local = None
    else:
        local = _local_counts(query, base)
    too_many: set[str] = set()
    if local is not None:
        local_counts, size = local
    else:
        local_counts = {}
        if any_local:
            local_counts, size, too_many = _narrowed_counts(query, filtered, size)
        elif size is None:
            size = capped_count(filtered)
    facets = []
    for spec in FACETS:
        if spec.param in local_counts:
            counted, found = True, local_counts[spec.param]
        else:
            counted, found = _count_one(spec, query, filtered, base, size, too_many)
        selected = param_values(query, spec.param)
        facet = Facet(spec.param, spec.label, counted=counted)
        seen: set[str] = set()
        for value, label, count in found:
            is_selected = any(_same(spec, value, s) for s in selected)
            if is_selected:
                chosen = [s for s in selected if not _same(spec, value, s)]
                seen.update(s for s in selected if _same(spec, value, s))
            else:
                chosen = [*selected, value]
            facet.values.append(FacetValue(value, label, count, is_selected, url_with(query, spec.param, chosen)))
        # A selected value with no hits (e.g. a typo'd drug) stays visible so it can be removed.
        for missing in (s for s in selected if s not in seen):
            if not any(v.selected and _same(spec, v.value, missing) for v in facet.values):
                remaining = [s for s in selected if s != missing]
                # Not among the facet's top values is not the same as none.
                count = 0 if counted and not (spec.top and len(found) >= spec.top) else None
                facet.values.append(FacetValue(missing, missing, count, True, url_with(query, spec.param, remaining)))
        facets.append(facet)
    if local is not None:
        _mark_without_read_out(next(f for f in facets if f.param == "effect"), query, base)
    return facets, size


def _mark_without_read_out(facet: Facet, query: QueryDict, base: QuerySet) -> None:
    """Say how many items of each effect rest on no drug read-out (EMT or stemness only, say):
    one GROUP BY over the effect facet's own set, read only when that set was small enough
    to count in full."""
    others = query.copy()
    others.pop("effect", None)
    others.pop("effect[]", None)
    rows = (
        EvidenceFilterSet(others, queryset=base)
        .qs.filter(drug_response_measured=False)
        .order_by()
        .values_list("effect")
        .annotate(n=Count("pk"))
    )
    without = dict(rows)
    for value in facet.values:
        if value.count:
            value.without_read_out = without.get(value.value, 0)


def build_chips(filterset: EvidenceFilterSet, facets: list[Facet]) -> list[Chip]:
    """One removable chip per active filter value, labelled as the facets label it."""
    query: QueryDict = filterset.data
    labels = {(f.param, v.value): v.label for f in facets for v in f.values}
    chips = []
    for name in filterset.filters:
        if name in NON_NARROWING:
            continue
        values = param_values(query, name)
        if not values:
            continue
        if name in {"q", "year_min", "year_max", "citation", "retracted"}:
            value = query.get(name, "").strip()
            if value:
                chips.append(Chip(name, CHIP_LABELS.get(name, name), value, url_with(query, name, None)))
            continue
        for value in values:
            remaining = [v for v in values if v != value]
            label = labels.get((name, value), value)
            chips.append(Chip(name, CHIP_LABELS.get(name, name), label, url_with(query, name, remaining)))
    return chips


def api_query(query: QueryDict, **extra: str) -> str:
    """The query string for the API twin of an HTML list (HTML-only parameters dropped)."""
    data = query.copy()
    for key, value in extra.items():
        data[key] = value
    return data.urlencode() if data else urlencode(extra)
