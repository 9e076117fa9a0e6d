"""Facet counts and removable filter chips for the HTML evidence list.

The filters themselves live in ``EvidenceFilterSet`` (shared with the API); this
module only counts. Facets are disjunctive, as on any catalogue search: the counts
beside "level" are computed with every active filter except the level filter, so
that ticking level C does not make level D look empty. Each facet is one GROUP BY
query, whatever the number of values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, QuerySet
from django.http import QueryDict

from evidence import choices
from evidence.filtersets import EvidenceFilterSet
from evidence.identifiers import lookup_keys
from evidence.models import Evidence

#: Parameters that do not narrow the result set: they never become chips.
NON_FILTER_PARAMS = {"page", "page_size", "ordering", "format"}
#: Drugs and cargos can run into thousands: show the most frequent ones.
TOP_VALUES = 12


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    url: str


@dataclass
class Facet:
    param: str
    label: str
    values: list[FacetValue] = field(default_factory=list)

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


FACETS: tuple[FacetSpec, ...] = (
    FacetSpec("therapy_class", "Therapy class", "local", "therapy_class__slug", "therapy_class__name"),
    FacetSpec("effect", "Effect", "local", "effect", choices=tuple(choices.Effect.choices)),
    FacetSpec("level", "Evidence level", "local", "level", choices=tuple(choices.EvidenceLevel.choices)),
    FacetSpec("cargo_type", "Cargo kind", "through", "cargo__kind", choices=tuple(choices.CargoKind.choices),
              relation="cargos"),
    FacetSpec("drug", "Drug", "through", "drug__name", relation="drugs", top=TOP_VALUES, by_name=True),
    FacetSpec("cargo", "Cargo molecule", "through", "cargo__symbol", relation="cargos", top=TOP_VALUES,
              by_name=True),
    FacetSpec("mechanism", "Mechanism", "through", "mechanism__slug", "mechanism__name", relation="mechanisms"),
    FacetSpec("subtype", "Breast cancer subtype", "local", "subtype", choices=tuple(choices.Subtype.choices)),
    FacetSpec("evidence_type", "Evidence type", "local", "evidence_type",
              choices=tuple(choices.EvidenceType.choices)),
)  # fmt: skip

CHIP_LABELS = {
    "q": "Text",
    "source_cell": "Source cell",
    "recipient_cell": "Recipient cell",
    "cell": "Cell",
    "cancer_type": "Cancer type",
    "year_min": "Year from",
    "year_max": "Year up to",
    "doi": "DOI",
    "pmid": "PMID",
    "citation": "Citation",
    "retracted": "Retracted",
    "status": "Status",
    **{spec.param: spec.label for spec in FACETS},
}


def param_values(query: QueryDict, param: str) -> list[str]:
    """The values of a list parameter, read as ``ListWidget`` reads them (repeats and commas)."""
    values: list[str] = []
    for raw in query.getlist(param) + query.getlist(f"{param}[]"):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in values:
                values.append(part)
    return values


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
        # Distinct evidence: two cargos of one kind in one item count the item once.
        rows = (
            through.filter(evidence_id__in=queryset.order_by().values("pk"))
            .values(*fields)
            .annotate(n=Count("evidence_id", distinct=True))
        )
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


def build_facets(filterset: EvidenceFilterSet, base: QuerySet) -> list[Facet]:
    """The facets beside the evidence list, each counted without its own filter."""
    query: QueryDict = filterset.data
    filtered = filterset.qs
    facets = []
    for spec in FACETS:
        selected = param_values(query, spec.param)
        if selected:
            others = query.copy()
            others.pop(spec.param, None)
            others.pop(f"{spec.param}[]", None)
            queryset = EvidenceFilterSet(others, queryset=base).qs
        else:
            queryset = filtered
        facet = Facet(spec.param, spec.label)
        seen: set[str] = set()
        for value, label, count in _counts(spec, queryset):
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
                facet.values.append(FacetValue(missing, missing, 0, True, url_with(query, spec.param, remaining)))
        facets.append(facet)
    return facets


def build_chips(filterset: EvidenceFilterSet, facets: list[Facet]) -> list[Chip]:
    """One removable chip per active filter value, labelled as the facets label it."""
    query: QueryDict = filterset.data
    labels = {(f.param, v.value): v.label for f in facets for v in f.values}
    chips = []
    for name in filterset.filters:
        if name in NON_FILTER_PARAMS:
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
