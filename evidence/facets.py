"""Facet counts and removable filter chips for the HTML evidence list.

Facets are disjunctive: each is counted with every active filter but its own, so that
ticking level C does not make level D look empty. Each set counted costs at most two
queries (one GROUP BY over the items' columns, one over their ``EvidenceFacetKeys``), or
none when the stored counts (``stored_counts.py``) can size it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from urllib.parse import urlencode

from django.db import connection, connections
from django.db.models import Count, F, QuerySet
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from evidence import stored_counts
from evidence.choices import DEFAULT_DRUG_ROLES
from evidence.filtersets import NON_NARROWING, EvidenceFilterSet, ListFilter, ResolvedListFilter, param_values
from evidence.filtersets import Facet as DeclaredFacet
from evidence.identifiers import lookup_keys
from evidence.models import Cargo, CargoReach, Evidence, EvidenceCount, EvidenceDrug, EvidenceFacetKeys
from evidence.models.base import pk_sql
from evidence.models.counts import COLUMN_KEYS, CUBE
from exoresist.data_version import cached, remembered

#: Lists are counted exactly up to this many items (page, facets and API); past it a facet the
#: stored counts cannot answer lists its values uncounted, and a count says "at least".
COUNT_LIMIT = 100_000


def capped_count(queryset: QuerySet, limit: int | None = None) -> int:
    """``min(queryset.count(), limit + 1)``, reading at most ``limit + 1`` rows."""
    limit = COUNT_LIMIT if limit is None else limit
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
class FacetSpec(DeclaredFacet):
    """A declared ``Facet`` with its filter's parameter, choices, and whether a value is a name
    (drug and cargo filters accept any alias of a selected one)."""

    param: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    by_name: bool = False

    @property
    def source(self) -> str:
        return "through" if self.relation else "local"

    @property
    def attrs(self) -> tuple[str, str]:
        """The related row's fields giving a value and its label (``symbol``, ``name``)."""
        return self.value_field.partition("__")[2], (self.label_field or self.value_field).partition("__")[2]

    @property
    def model(self):
        """The model a value names; None for a plain column."""
        return Evidence._meta.get_field(self.relation or self.value_field.partition("__")[0]).related_model


FACETS = tuple(
    FacetSpec(
        **asdict(declared.facet),
        param=param,
        choices=tuple(declared.extra.get("choices", ())),
        by_name=isinstance(declared, ResolvedListFilter) and not declared.extra.get("canonical"),
    )
    for param, declared in EvidenceFilterSet.base_filters.items()
    if getattr(declared, "facet", None)
)
#: The many-to-many facets, whose values are the items' facet keys.
THROUGH = {spec.param for spec in FACETS if spec.source == "through"}

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


def url_with(query: QueryDict, param: str, values: list[str]) -> str:
    """``?query`` with ``param`` set to ``values`` (removed when empty) and the page reset. Built
    as pairs: a page builds one link per facet value, and copying a QueryDict deep-copies it."""
    pairs, placed = [], False
    for key, listed in query.lists():
        if key == param:
            listed, placed = values, True
        elif key in ("page", f"{param}[]"):
            continue
        pairs += [(key, value) for value in listed]
    if not placed:
        pairs += [(param, value) for value in values]
    return f"?{urlencode(pairs)}"


def _same(spec: FacetSpec, a: str, b: str) -> bool:
    return lookup_keys(a)[0] == lookup_keys(b)[0] if spec.by_name else a == b


def _stored_rows(
    cursor, active: stored_counts.Active, columns: list[str], through: list[str]
) -> tuple[list[tuple], list[str], list[str]]:
    """``_item_rows``' rows of ``active``'s set for the ``columns`` and ``through`` facets that
    ``CUBE`` and ``COLUMN_KEYS`` sum, and the columns and facets they don't."""
    rows = []
    if columns and (cube := stored_counts.cube_filter(active)) is not None:
        names = ", ".join(connection.ops.quote_name(column) for column in columns)
        cursor.execute(f"SELECT NULL, {names}, SUM(n) FROM {CUBE} WHERE {cube[0]} GROUP BY {names}", cube[1])
        rows, columns = cursor.fetchall(), []
    if through and (keys := stored_counts.column_keys_filter(active)) is not None:
        cursor.execute(
            f"SELECT key, SUM(n) FROM {COLUMN_KEYS} WHERE {keys[0]} AND split_part(key, ':', 1) = ANY(%s) GROUP BY key",
            (*keys[1], through),
        )
        rows, through = rows + cursor.fetchall(), []
    return rows, columns, through


#: The share of its column filters' set the planner must expect a set to hold before the set is
#: counted by what it misses: the planner over-estimates prefix matches by up to half again.
NEARLY_ALL = 0.85


def _estimated_size(cursor, sql: str, params) -> int:
    """How many rows the planner expects ``sql`` to return: to choose a plan, never as a count."""
    cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
    return cursor.fetchone()[0][0]["Plan"]["Plan Rows"]


def _item_rows(
    cursor, queryset: QuerySet, whole: QuerySet | None, whole_size: int, columns: list[str], through: list[str]
) -> tuple[bool, list[tuple]]:
    """The items of ``queryset`` grouped by ``columns`` (rows ``(None, *values, n)``) and by
    their ``through`` facet keys (rows ``(key, *nulls, n)``).

    When ``queryset`` holds more than half of ``whole`` (its column filters' set, of
    ``whole_size`` items), the rows count the items of ``whole`` it misses instead, and the
    first value returned is True: a common word misses few items, with few keys to read.
    """
    selected = pk_sql(queryset)
    if selected is None:
        return False, []
    part, params = selected
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    blanks = ", NULL" * len(columns)
    # A key's kind is only read when some ``THROUGH`` facets are not counted. Unnested in the
    # select list, as the cheaper plan.
    kind_filter = "" if set(through) >= THROUGH else " WHERE split_part(k, ':', 1) = ANY(%s)"
    keys = (
        f"SELECT k{blanks}, COUNT(*) FROM (SELECT unnest(keys) AS k"
        f" FROM {quote(EvidenceFacetKeys._meta.db_table)} WHERE evidence_id IN (SELECT pk FROM items)) AS keys"
        f"{kind_filter} GROUP BY k"
    )
    key_params = [through] if through and kind_filter else []

    def groupings(columns_from: str) -> list[str]:
        """The statements grouping the items of a CTE ``items``, their columns read ``FROM columns_from``."""
        column_rows = f"SELECT NULL, {names}, COUNT(*) FROM {columns_from} GROUP BY {names}"
        return [*([column_rows] if columns else []), *([keys] if through else [])]

    if whole is None or _estimated_size(cursor, part, params) <= NEARLY_ALL * whole_size:
        # A query per grouping, each planned for the set's own estimated size: one statement
        # would evaluate the filters once, but runs without parallel workers and is slower.
        inner, values = queryset.order_by().values("pk", *columns).query.sql_with_params()
        rows = []
        for select in groupings("items"):
            cursor.execute(f"WITH items AS ({inner}) {select}", (*values, *(key_params if select is keys else ())))
            rows += cursor.fetchall()
        return False, rows
    # The planner expects most of ``whole``: one statement counts the items missed, found by
    # an anti-join that runs in parallel (a materialized set of the items matched would not),
    # unless they turn out to be at least half of ``whole``: then it counts the set itself.
    every, every_params = pk_sql(whole)  # no narrower than the set, which has SQL
    evidence = f"{quote(Evidence._meta.db_table)} WHERE id IN (SELECT pk FROM items)"
    cursor.execute(
        f"WITH missed AS MATERIALIZED (SELECT pk FROM ({every}) w WHERE NOT EXISTS"
        f" (SELECT FROM ({part}) p WHERE p.pk = w.pk)),"
        " flip AS (SELECT (SELECT count(*) FROM missed) * 2 < %s AS yes),"
        # Only the branch that flip selects is read.
        " items AS (SELECT pk FROM missed WHERE (SELECT yes FROM flip)"
        f" UNION ALL SELECT pk FROM ({part}) p WHERE NOT (SELECT yes FROM flip)) "
        # A key names its facet ("drug:..."): "flip" is none.
        + " UNION ALL ".join([f"SELECT 'flip'{blanks}, (SELECT yes FROM flip)::int", *groupings(evidence)]),
        (*every_params, *params, whole_size, *params, *key_params),
    )
    rows = cursor.fetchall()
    return any(key == "flip" and n for key, *_, n in rows), [row for row in rows if row[0] != "flip"]


def _exact_counts(
    queryset: QuerySet,
    narrowed: stored_counts.Active,
    base: QuerySet,
    local: list[str],
    through: list[str],
    read_out: bool,
) -> tuple[dict[str, Counter], int | None, Counter]:
    """Column facets ``local`` and many-to-many facets ``through`` over ``queryset`` (the set
    ``narrowed`` selects from ``base``): each facet's counts by value (by primary key for a
    foreign key), the set's size (None when no column was counted) and, with ``read_out``, the
    items of each effect whose study measured no drug response.

    The columns are grouped together and each facet sums its own: cheaper than a grouping set
    per column. What the stored counts cannot sum is counted item by item (``_item_rows``).
    """
    columns = [stored_counts.COLUMNS[param] for param in local]
    if read_out:
        columns = [*dict.fromkeys([*columns, "effect"]), "drug_response_measured"]
    with connections[queryset.db].cursor() as cursor:  # the list's database (an anonymous reader's: a replica)
        rows, counted_columns, counted_keys = _stored_rows(cursor, narrowed, columns, through)
        if counted_columns or counted_keys:
            whole = {param: values for param, values in narrowed.items() if param in stored_counts.COLUMN_PARAMS}
            whole_set, size = None, 0
            if not counted_keys or stored_counts.column_keys_filter(whole) is not None:
                whole_set = EvidenceFilterSet(MultiValueDict(whole), queryset=base).qs
                size = stored_counts.cube_size(whole)
            flipped, counted = _item_rows(cursor, queryset, whole_set, size, counted_columns, counted_keys)
            if flipped:
                rows += _stored_rows(cursor, whole, counted_columns, counted_keys)[0]
                counted = [(*row[:-1], -row[-1]) for row in counted]
            rows += counted
    counts = {param: Counter() for param in [*local, *through]}
    size, without_read_out = 0 if columns else None, Counter()
    for key, *cells, n in rows:
        if key is not None:
            param, value = key.split(":", 1)
            counts[param][value] += n
            continue
        row = dict(zip(columns, cells, strict=True))
        size += n
        for param in local:
            counts[param][row[stored_counts.COLUMNS[param]]] += n
        if read_out and row["drug_response_measured"] is False:
            without_read_out[row["effect"]] += n
    return counts, size, without_read_out


def _unlisted_cargos() -> frozenset[str]:
    """The cargos an item's facet keys may name (every cargo whose filter lists it: its family,
    say) that the cargo filter does not answer to, having no stored count; per data version."""

    def read() -> frozenset[str]:
        related = CargoReach.objects.exclude(why="self").values("cargo_id")
        public = EvidenceCount.objects.entities("cargo").values("a")
        return frozenset(Cargo.objects.filter(pk__in=related).exclude(pk__in=public).values_list("symbol", flat=True))

    return remembered("unlisted-cargos", lambda: cached("unlisted-cargos", (), read))


def _labelled(spec: FacetSpec, counted: Counter) -> list[tuple[str, str, int]]:
    """A facet's (value, label, count) from its counts by value (by primary key for a foreign
    key), ordered and cut as ``stored_counts.by_count``."""
    choices = dict(spec.choices)
    value_attr, label_attr = spec.attrs
    if spec.param == "cargo" and (unlisted := _unlisted_cargos()):
        counted = Counter({value: n for value, n in counted.items() if value not in unlisted})
    if value_attr and spec.source == "local":
        # A foreign key column (therapy class, cancer type): a handful of rows.
        rows = list(spec.model.objects.values_list("pk", value_attr, label_attr, *["parent_id"] * spec.narrower))
        names = {pk: (value, label) for pk, value, label, *_ in rows}
        if spec.narrower:
            counted = _with_narrower(counted, {pk: parent for pk, _, _, parent in rows})
        ranked = [names[pk] + (n,) for pk, n in counted.items() if pk in names]
    else:
        labels = {}
        if not choices and label_attr != value_attr:
            rows = spec.model.objects.filter(**{f"{value_attr}__in": list(counted)}).values_list(value_attr, label_attr)
            labels = dict(rows)
        ranked = [
            (str(value), choices.get(value) or labels.get(value) or str(value), n) for value, n in counted.items()
        ]
    return stored_counts.by_count(ranked, spec.top)


def _with_narrower(counted: Counter, parents: dict[int, int | None]) -> Counter:
    """Each term's count with its narrower terms' added: exact, as an item has one term."""
    total: Counter = Counter()
    for pk, n in counted.items():
        seen = set()
        while pk is not None and pk not in seen:
            total[pk] += n
            seen.add(pk)
            pk = parents.get(pk)
    return total


def _stored_counts(spec: FacetSpec, others: stored_counts.Active) -> list[tuple[str, str, int]] | None:
    """A facet over ``others``' set from the stored counts, ordered as ``_labelled``; None when they can't tell."""
    found = stored_counts.class_kind_facet(spec.param, others)
    if found is None:
        found = stored_counts.drug_level_facet(spec.param, others, spec.top)
    if found is None and not others and spec.param in stored_counts.ENTITY_PARAMS:
        counts = EvidenceCount.objects.entities(stored_counts.ENTITY_PARAMS[spec.param]).annotate(total=F("n"))
        found = stored_counts.ranked_entities(counts, spec.model, *spec.attrs, spec.top)
    return found


def _uncounted(spec: FacetSpec) -> list[tuple[str, str, None]]:
    """The values a facet offers when its set is too large to count: every value of a short
    vocabulary (of mechanisms, the broadest); none of those a ``top`` cuts."""
    if spec.choices:
        return [(value, label, None) for value, label in spec.choices]
    if spec.top:
        return []
    terms = spec.model.objects.filter(parent=None) if spec.param == "mechanism" else spec.model.objects.all()
    return [(value, label, None) for value, label in terms.values_list(*spec.attrs)]


def _drugs_in_roles(queryset: QuerySet, roles: set[str]) -> Counter:
    """The items of ``queryset`` per drug they name in one of ``roles``, by drug name."""
    links = EvidenceDrug.objects.using(queryset.db).filter(evidence_id__in=queryset.order_by().values("pk"))
    counted = links.filter(role__in=sorted(roles)).values_list("drug__name").annotate(n=Count("evidence_id"))
    return Counter(dict(counted.order_by()))


def _count_set(
    specs: list[FacetSpec],
    others: QueryDict,
    base: QuerySet,
    queryset: QuerySet,
    size: int | None,
    *,
    small: bool,
    sized: bool,
) -> tuple[dict[str, tuple[bool, list]], int | None, Counter | None]:
    """Facets ``specs`` over the set ``others`` selects from ``base`` (``queryset``): from the stored
    counts when they tell, else exactly when the set holds at most ``COUNT_LIMIT`` items
    (``small``: every set does), else uncounted. ``size``: the set's size if known; ``sized``: the
    caller needs it. Returns each facet's (counted, ranked values), the set's size (exact up to
    ``COUNT_LIMIT``) and, with the effect facet, the items of each effect without a drug read-out."""
    facets: dict[str, tuple[bool, list]] = {}
    narrowed = stored_counts.narrowing(others)
    pending = []
    for spec in specs:
        found = _stored_counts(spec, narrowed)
        if found is None:
            pending.append(spec)
        else:
            facets[spec.param] = (True, found)
    read_out = any(spec.param == "effect" for spec in specs)
    if not pending and not read_out and (size is not None or not sized):
        return facets, size, None
    if size is None:
        size = stored_counts.stored_size(others)
    if size is None and not small:
        size = capped_count(queryset)
    if size is not None and size > COUNT_LIMIT:
        # Past the cap, only what the stored column and facet key counts sum is counted.
        stored = {
            "local": stored_counts.cube_filter(narrowed) is not None,
            "through": stored_counts.column_keys_filter(narrowed) is not None,
        }
        facets.update({spec.param: (False, _uncounted(spec)) for spec in pending if not stored[spec.source]})
        pending = [spec for spec in pending if stored[spec.source]]
        read_out = read_out and stored["local"]
        if not pending and not read_out:
            return facets, size, None
    roles = set(narrowed.get("drug_role", DEFAULT_DRUG_ROLES))
    if roles != set(DEFAULT_DRUG_ROLES) and (drug := next((s for s in pending if s.param == "drug"), None)):
        # drug= then matches a drug in these roles only (filter_drug): so the drug facet counts,
        # and its values link to what they count. The facet keys hold therapy drugs only.
        pending.remove(drug)
        facets["drug"] = (True, _labelled(drug, _drugs_in_roles(queryset, roles)))
    local = [spec.param for spec in pending if spec.source == "local"]
    through = [spec.param for spec in pending if spec.source == "through"]
    counts, counted_size, without_read_out = _exact_counts(queryset, narrowed, base, local, through, read_out)
    for spec in pending:
        facets[spec.param] = (True, _labelled(spec, counts[spec.param]))
    return facets, size if counted_size is None else counted_size, without_read_out if read_out else None


def build_facets(filterset: EvidenceFilterSet, base: QuerySet, size: int | None = None) -> tuple[list[Facet], int]:
    """The facets beside the evidence list, each counted without its own filter, and the size of
    ``filterset.qs`` (``size`` if known): exact up to ``COUNT_LIMIT`` or when the stored counts know it."""
    query: QueryDict = filterset.data
    # Every set is small enough to count when all public items are.
    small = (stored_counts.stored_size(QueryDict()) or 0) <= COUNT_LIMIT
    unselected = [spec for spec in FACETS if not param_values(query, spec.param)]
    counted, size, read_out = _count_set(unselected, query, base, filterset.qs, size, small=small, sized=True)
    for spec in FACETS:
        if spec.param not in counted:
            others = query.copy()
            others.pop(spec.param, None)
            others.pop(f"{spec.param}[]", None)
            # The list's reader resolves the names, as the list did.
            own_set = EvidenceFilterSet(others, queryset=base, request=filterset.request).qs
            own, _, own_read_out = _count_set([spec], others, base, own_set, None, small=small, sized=False)
            counted[spec.param] = own[spec.param]
            if spec.param == "effect":
                read_out = own_read_out
    facets = []
    for spec in FACETS:
        is_counted, found = counted[spec.param]
        selected = param_values(query, spec.param)
        facet = Facet(spec.param, spec.label, counted=is_counted)
        for value, label, count in found:
            is_selected = any(_same(spec, value, s) for s in selected)
            chosen = [s for s in selected if not _same(spec, value, s)] if is_selected else [*selected, value]
            facet.values.append(FacetValue(value, label, count, is_selected, url_with(query, spec.param, chosen)))
        # A selected value with no hits (e.g. a typo'd drug) stays visible so it can be removed.
        for missing in selected:
            if not any(v.selected and _same(spec, v.value, missing) for v in facet.values):
                remaining = [s for s in selected if s != missing]
                # Not among the facet's top values is not the same as none.
                count = 0 if is_counted and not (spec.top and len(found) >= spec.top) else None
                facet.values.append(FacetValue(missing, missing, count, True, url_with(query, spec.param, remaining)))
        if spec.param == "effect" and read_out is not None:
            for value in facet.values:
                if value.count:
                    value.without_read_out = read_out.get(value.value, 0)
        facets.append(facet)
    return facets, size if size is not None else capped_count(filterset.qs)


def build_chips(filterset: EvidenceFilterSet, facets: list[Facet]) -> list[Chip]:
    """One removable chip per active filter value, labelled as the facets label it."""
    query: QueryDict = filterset.data
    labels = {(f.param, v.value): v.label for f in facets for v in f.values}
    chips = []
    for name, declared in filterset.filters.items():
        values = [] if name in NON_NARROWING else param_values(query, name)
        if values and not isinstance(declared, ListFilter):
            values = [value] if (value := query.get(name, "").strip()) else []
        for value in values:
            remaining = [v for v in values if v != value]
            label = labels.get((name, value), value)
            chips.append(Chip(name, CHIP_LABELS.get(name, name), label, url_with(query, name, remaining)))
    return chips


def api_query(query: QueryDict, **extra: str) -> str:
    """``query``'s string with ``extra`` set, for the API twin of an HTML list."""
    data = query.copy()
    for key, value in extra.items():
        data[key] = value
    return data.urlencode()
