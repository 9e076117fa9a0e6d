"""Data behind the pictures: the cargo-drug network and the therapy class (or drug) by mechanism
(or cargo kind) matrix, of evidence the evidence list's filters select (a fixed handful of GROUP BY
queries), or without filters from the stored counts (``models/counts.py``)."""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.db import connections
from django.db.models import Count, F, QuerySet, Sum
from django.http import QueryDict
from django.urls import reverse

from evidence.choices import DEFAULT_DRUG_ROLES, CargoKind, DrugRole, Effect
from evidence.filtersets import EvidenceFilterSet, query_key
from evidence.models import Cargo, Drug, Evidence, EvidenceCount, EvidenceDrug, Mechanism, TherapyClass
from evidence.models.base import pk_sql
from exoresist.data_version import cached


def _in_roles(roles: tuple[str, ...]) -> str:
    """SQL: the drug link ``d`` has one of ``roles`` (codes of ``DrugRole``, validated)."""
    return "d.role IN ({})".format(", ".join(f"'{role}'" for role in roles if role in DrugRole.values))


#: Edges drawn at most: a hairball of thousands of lines answers no question.
NETWORK_MAX_EDGES = 150
#: The most links ``limit=`` may ask for.
NETWORK_LIMIT = 500
MATRIX_MAX_DRUGS = 30
#: The cargo-drug links of the items ``ids``, as ``(cargo, drug, effect, n, the cargo's items)`` per
#: effect, of the ``%s`` links with most items (ties: cargo, then drug), best first: ranked in SQL, as
#: a common drug has thousands of cargos. An item counts once for each public cargo (``{public}``:
#: ``EvidenceCount.objects.entities``) whose filter lists it (``CargoReach``); its links are read
#: first, or the planner walks every cargo's reach.
_TOP_LINKS = f"""WITH links AS MATERIALIZED (
    SELECT evidence_id, cargo_id FROM {Evidence.cargos.through._meta.db_table} WHERE evidence_id IN ({{ids}})
), reached_links AS MATERIALIZED (
    SELECT DISTINCT r.cargo_id, l.evidence_id
      FROM links l JOIN evidence_cargo_reach r ON r.reached_id = l.cargo_id
     WHERE r.cargo_id IN ({{public}})
), per_cargo AS (SELECT cargo_id, count(*) AS items FROM reached_links GROUP BY 1)
SELECT cargo_id, drug_id, effect, n, items FROM (
  SELECT *, dense_rank() OVER (ORDER BY total DESC, cargo_id, drug_id) AS place FROM (
    SELECT c.cargo_id, d.drug_id, e.effect, count(*) AS n,
           sum(count(*)) OVER (PARTITION BY c.cargo_id, d.drug_id) AS total
      FROM reached_links c
      JOIN {Evidence._meta.db_table} e ON e.id = c.evidence_id
      JOIN {Evidence.drugs.through._meta.db_table} d ON d.evidence_id = c.evidence_id AND {{roles}}
     GROUP BY 1, 2, 3) grouped) ranked
 JOIN per_cargo USING (cargo_id)
 WHERE place <= %s
 ORDER BY place"""


def network(evidence: QuerySet, max_edges: int = NETWORK_MAX_EDGES, filters: QueryDict | None = None) -> dict[str, Any]:
    """Cargo and drug nodes (sized by evidence count) and cargo-drug edges (coloured by effect), each
    linking to its evidence under ``filters``."""
    chosen = _chosen(filters)
    selected = pk_sql(evidence)
    if selected is None:
        return _network([], [], [], truncated=False, filters=filters, chosen=chosen)
    sql, params = selected
    roles = _drug_roles(chosen)
    with connections[evidence.db].cursor() as cursor:  # the queryset's database (an anonymous reader's: a replica)
        public, public_params = EvidenceCount.objects.entities("cargo").values("a").query.sql_with_params()
        statement = _TOP_LINKS.format(ids=sql, public=public, roles=_in_roles(roles))
        cursor.execute(statement, [*params, *public_params, max_edges + 1])
        edges: dict[tuple[int, int], dict[str, int]] = {}
        cargo_counts: dict[int, int] = {}
        for cargo_id, drug_id, effect, n, cargo_n in cursor.fetchall():
            edges.setdefault((cargo_id, drug_id), {})[effect] = n
            cargo_counts[cargo_id] = cargo_n
    ranked = list(edges.items())[:max_edges]
    cargo_counts = {cargo: cargo_counts[cargo] for (cargo, _), _ in ranked}
    drug_ids = {d for (_, d), _ in ranked}
    # The database the items were read from (an anonymous reader's: a replica).
    drug_links = EvidenceDrug.objects.using(evidence.db).filter(
        evidence_id__in=evidence.order_by().values("pk"), role__in=roles, drug_id__in=drug_ids
    )
    drug_counts = dict(drug_links.values_list("drug_id").annotate(n=Count("evidence_id")).order_by())
    cargos = list(Cargo.objects.using(evidence.db).only("pk", "symbol", "slug", "kind").filter(pk__in=cargo_counts))
    drugs = list(Drug.objects.using(evidence.db).only("pk", "name", "slug").filter(pk__in=drug_ids))
    for cargo in cargos:
        cargo.evidence_count = cargo_counts[cargo.pk]
    for drug in drugs:
        drug.evidence_count = drug_counts.get(drug.pk, 0)
    return _network(ranked, cargos, drugs, truncated=len(edges) > max_edges, filters=filters, chosen=chosen)


def network_of_all(max_edges: int = NETWORK_MAX_EDGES, filters: QueryDict | None = None) -> dict[str, Any]:
    """``network()`` of every accepted item, from the stored counts (models/counts.py): a few indexed reads."""
    pairs = list(EvidenceCount.objects.of("cargo_drug").order_by("-n", "a", "b").values_list("a", "b")[: max_edges + 1])
    truncated, pairs = len(pairs) > max_edges, pairs[:max_edges]
    cargo_ids = {c for c, _ in pairs}
    drug_ids = {d for _, d in pairs}
    edges: dict[tuple[int, int], dict[str, int]] = {pair: {} for pair in pairs}
    by_effect = EvidenceCount.objects.filter(kind="cargo_drug", a__in=cargo_ids, b__in=drug_ids).exclude(effect="")
    for cargo_id, drug_id, effect, n in by_effect.values_list("a", "b", "effect", "n"):
        if (cargo_id, drug_id) in edges:
            edges[(cargo_id, drug_id)][effect] = n
    cargos = Cargo.objects.filter(pk__in=cargo_ids).only("pk", "symbol", "slug", "kind")
    drugs = Drug.objects.filter(pk__in=drug_ids).only("pk", "name", "slug")
    cargos = cargos.annotate(evidence_count=EvidenceCount.objects.annotation("cargo"))
    drugs = drugs.annotate(evidence_count=EvidenceCount.objects.annotation("drug"))
    return _network(list(edges.items()), cargos, drugs, truncated=truncated, filters=filters)


def _network(
    ranked: list, cargos, drugs, *, truncated: bool, filters: QueryDict | None, chosen: dict | None = None
) -> dict[str, Any]:
    """The JSON of the network: ``ranked`` edges ((cargo pk, drug pk), {effect: n}) between entities."""
    cargos = {cargo.pk: cargo for cargo in cargos}
    drugs = {drug.pk: drug for drug in drugs}
    nodes = [_node("cargo", cargo.kind, cargo.symbol, cargo) for cargo in cargos.values()]
    nodes += [_node("drug", "", drug.name, drug) for drug in drugs.values()]
    links = []
    within = _within_filters(chosen or {}, {"cargo", "drug"})
    for (cargo_id, drug_id), by_effect in ranked:
        if cargo_id not in cargos or drug_id not in drugs:
            continue
        pinned = {"cargo": (cargo_id, cargos[cargo_id].symbol), "drug": (drug_id, drugs[drug_id].name)}
        links.append(
            {
                "source": f"cargo-{cargo_id}",
                "target": f"drug-{drug_id}",
                "count": sum(by_effect.values()),
                "effect": max(by_effect.items(), key=lambda item: (item[1], item[0]))[0],
                "effects": dict(by_effect),
                "url": _evidence_url(filters, within, pinned),
            }
        )
    nodes.sort(key=lambda n: (-n["count"], n["label"]))
    return {
        "nodes": nodes,
        "links": links,
        "truncated": truncated,
        "effects": [{"value": value, "label": label} for value, label in Effect.choices],
    }


def _node(kind: str, subkind: str, label: str, entity) -> dict[str, Any]:
    return {
        "id": f"{kind}-{entity.pk}",
        "kind": kind,
        "subkind": subkind,
        "label": label,
        "count": entity.evidence_count,
        "url": entity.get_absolute_url(),
    }


def matrix(
    evidence: QuerySet, rows: str = "therapy_class", columns: str = "mechanism", filters: QueryDict | None = None
) -> dict[str, Any]:
    """Evidence counts of therapy class (or drug) by mechanism (or cargo kind), each linking to its
    items under ``filters``; a top-level mechanism counts its children's items."""
    chosen = _chosen(filters)
    if columns == "cargo_kind":
        return _matrix_by_cargo_kind(evidence, rows, filters, chosen)
    selected = pk_sql(evidence)
    if selected is None:
        return _matrix(rows, [], "mechanism", {}, filters, chosen)
    ids, params = selected
    row = "d.drug_id" if rows == "drug" else "e.therapy_class_id"
    roles = _in_roles(_drug_roles(chosen))
    top = "coalesce(t.parent_id, m.mechanism_id)"
    # Direct counts for every term, and counts rolled up to top-level terms (as the ``mechanism``
    # filter includes a parent's children): two grouping sets of one scan, each item once per cell.
    with connections[evidence.db].cursor() as cursor:
        cursor.execute(
            f"SELECT {row}, m.mechanism_id, {top}, COUNT(DISTINCT m.evidence_id)"
            f" FROM {Evidence.mechanisms.through._meta.db_table} m"
            f" JOIN {Evidence._meta.db_table} e ON e.id = m.evidence_id"
            f" JOIN {Mechanism._meta.db_table} t ON t.id = m.mechanism_id"
            + (
                f" JOIN {Evidence.drugs.through._meta.db_table} d ON d.evidence_id = m.evidence_id AND {roles}"
                if rows == "drug"
                else ""
            )
            + f" WHERE m.evidence_id IN ({ids}) GROUP BY GROUPING SETS (({row}, m.mechanism_id), ({row}, {top}))",
            params,
        )
        counted = cursor.fetchall()
    # A top-level term's rolled-up count (the second grouping set: no mechanism_id) replaces its own.
    values = {(row_pk, mechanism_pk): n for row_pk, mechanism_pk, _, n in counted if mechanism_pk is not None}
    values.update({(row_pk, top_pk): n for row_pk, mechanism_pk, top_pk, n in counted if mechanism_pk is None})
    mechanisms = list(Mechanism.objects.filter(pk__in={pk for _, pk in values}).select_related("parent"))
    return _matrix(rows, _mechanism_columns(mechanisms), "mechanism", values, filters, chosen)


def _matrix_by_cargo_kind(evidence: QuerySet, rows: str, filters: QueryDict | None, chosen: dict) -> dict[str, Any]:
    ids = evidence.order_by().values("pk")
    if rows == "drug":
        links = EvidenceDrug.objects.using(evidence.db).filter(evidence_id__in=ids, role__in=_drug_roles(chosen))
        cells = links.values(row=F("drug_id"), kind=F("evidence__cargos__kind"))
    else:
        links = Evidence.cargos.through.objects.using(evidence.db).filter(evidence_id__in=ids)
        cells = links.values(row=F("evidence__therapy_class_id"), kind=F("cargo__kind"))
    cells = list(cells.exclude(row=None).exclude(kind=None).annotate(n=Count("evidence_id", distinct=True)).order_by())
    used = {c["kind"] for c in cells}
    cargo_list = reverse("cargo_list")
    columns = [
        {"id": value, "label": label, "slug": value, "url": f"{cargo_list}?{urlencode({'kind': value})}", "parent": ""}
        for value, label in CargoKind.choices
        if value in used
    ]
    values = {(c["row"], c["kind"]): c["n"] for c in cells}
    return _matrix(rows, columns, "cargo_type", values, filters, chosen)


def _row_list(rows: str, columns: list[dict], values: dict) -> list[dict]:
    """Therapy classes, or the MATRIX_MAX_DRUGS drugs with most items in top-level columns, in their order."""
    tops = {col["id"] for col in columns if not col["parent"]}
    totals: dict[int, int] = defaultdict(int)
    for (row_pk, column), n in values.items():
        if column in tops:
            totals[row_pk] += n
    if rows == "drug":
        top = sorted(totals, key=lambda pk: (-totals[pk], pk))[:MATRIX_MAX_DRUGS]
        # In the drug list's order (Drug's Meta.ordering: names case-folded).
        row_objects = Drug.objects.filter(pk__in=top).only("pk", "name", "slug")
        return [{"id": d.pk, "label": d.name, "url": d.get_absolute_url(), "param": d.name} for d in row_objects]
    return [
        {"id": t.pk, "label": t.name, "url": t.get_absolute_url(), "param": t.slug}
        for t in TherapyClass.objects.filter(pk__in=list(totals))
    ]


def matrix_of_all(rows: str = "therapy_class") -> dict[str, Any]:
    """``matrix()`` of every accepted item, from the stored counts: a top-level term's column is its
    scope count (its items and its children's), a narrower term's its own count."""
    mechanisms = list(Mechanism.objects.select_related("parent"))
    tops = {m.pk for m in mechanisms if m.parent_id is None}
    counts = EvidenceCount.objects
    if rows == "drug":
        ranked = counts.of("drug_scope").filter(b__in=tops).values("a").annotate(t=Sum("n")).order_by("-t", "a")
        drugs = [row["a"] for row in ranked[:MATRIX_MAX_DRUGS]]
        direct = counts.of("drug_mechanism").filter(a__in=drugs)
        scoped = counts.of("drug_scope").filter(a__in=drugs, b__in=tops)
    else:
        direct = counts.of("class_mechanism")
        scoped = counts.of("class_scope").filter(b__in=tops)
    values = {(a, b): n for a, b, n in direct.values_list("a", "b", "n")}
    values.update({(a, b): n for a, b, n in scoped.values_list("a", "b", "n")})
    columns = _mechanism_columns([m for m in mechanisms if m.pk in {b for _, b in values}])
    return _matrix(rows, columns, "mechanism", values, filters=None)


def _mechanism_columns(mechanisms: list) -> list[dict]:
    """Columns of mechanisms, each top-level term followed by its narrower terms (``parent`` names their term)."""
    # Names sorted as the lists sort them, case-folded.
    mechanisms.sort(
        key=lambda m: ((m.parent.name if m.parent_id else m.name).lower(), m.parent_id is not None, m.name.lower())
    )
    return [
        {
            "id": m.pk,
            "label": m.name,
            "slug": m.slug,
            "url": m.get_absolute_url(),
            "parent": m.parent.name if m.parent_id else "",
        }
        for m in mechanisms
    ]


def _matrix(
    rows: str,
    columns: list[dict],
    column_param: str,
    values: dict,
    filters: QueryDict | None,
    chosen: dict | None = None,
) -> dict[str, Any]:
    """The JSON of the matrix: ``values[(row id, column id)]`` counts, each cell linking to its
    evidence (``None`` when no list's parameters can say which items it counts)."""
    within = _within_filters(chosen or {}, {rows, column_param})
    row_list = _row_list(rows, columns, values)

    def cell(row: dict, col: dict) -> dict[str, Any]:
        pinned = {rows: (row["id"], row["param"]), column_param: (col["id"], col["slug"])}
        return {"count": values.get((row["id"], col["id"]), 0), "url": _evidence_url(filters, within, pinned)}

    grid = [[cell(row, col) for col in columns] for row in row_list]
    return {
        "rows_by": rows,
        "columns_by": "cargo_kind" if column_param == "cargo_type" else "mechanism",
        "rows": row_list,
        "columns": columns,
        "cells": grid,
        "max": max((cell["count"] for row in grid for cell in row), default=0),
    }


# --- From request parameters: what network.json, matrix.json and the templatetags' tables share -------


class BadParameters(ValueError):
    """Parameters that select no picture; ``errors`` is shaped as the evidence list's filter errors."""

    def __init__(self, errors: dict[str, list[dict[str, str]]]) -> None:
        super().__init__(errors)
        self.errors = errors


def _filtered(params: QueryDict, *shape: str) -> tuple[QuerySet | None, QueryDict]:
    """The accepted evidence that ``params`` selects (None for all of it) and the evidence filters
    its links keep (``shape`` names the picture's own parameters)."""
    filterset = EvidenceFilterSet(params, queryset=Evidence.objects.public(), also=shape)
    if not filterset.is_valid():
        raise BadParameters(filterset.errors.get_json_data())
    filters = params.copy()
    for name in (*shape, "page", "page_size"):
        filters.pop(name, None)
    if not any(value for key, values in params.lists() if key not in shape for value in values):
        return None, filters
    return filterset.qs, filters


def _chosen(filters: QueryDict | None) -> dict[str, Any]:
    """``filters`` as the evidence filters read them (names resolved, codes canonical)."""
    if filters is None:
        return {}
    filterset = EvidenceFilterSet(filters, queryset=Evidence.objects.none())
    filterset.is_valid()  # the picture was drawn with these filters: they are valid
    return filterset.form.cleaned_data


def _drug_roles(chosen: dict[str, Any]) -> tuple[str, ...]:
    """The roles a drug of the picture is counted in: those ``drug_role`` chooses, else the therapy's."""
    return tuple(chosen.get("drug_role") or DEFAULT_DRUG_ROLES)


def _within_filters(chosen: dict[str, Any], params: set[str]) -> dict[str, set]:
    """For each of ``params`` the page also filters on (given a value), the row or column ids whose
    items all pass that filter: a cell of another one counts items of the filter that also have its
    value, which a list pinned to that value alone cannot say."""
    within: dict[str, set] = {}
    for param in (param for param in params if chosen.get(param)):
        if param == "therapy_class":
            found = TherapyClass.objects.filter(slug__in=chosen[param].keys).values_list("pk", flat=True)
        elif param == "mechanism":
            found = Mechanism.objects.scope(chosen[param].keys)
        elif param == "cargo_type":
            found = chosen[param]
        else:  # drug, cargo
            found = chosen[param].keys
        within[param] = set(found)
    return within


def _evidence_url(filters: QueryDict | None, within: dict[str, set], pinned: dict[str, tuple]) -> str | None:
    """The evidence list under ``filters`` with ``pinned`` parameters (name: (id, value)) in their place;
    None when an id is not ``within`` the page's own filter."""
    if any(pk not in within.get(name, {pk}) for name, (pk, _) in pinned.items()):
        return None
    params = filters.copy() if filters is not None else QueryDict(mutable=True)
    for name, (_, value) in pinned.items():
        params[name] = value
    return f"{reverse('evidence_list')}?{params.urlencode()}"


def network_for(params: QueryDict) -> dict[str, Any]:
    """``network()`` of the evidence the filters in ``params`` select, with at most ``limit`` edges."""
    evidence, filters = _filtered(params, "limit")
    try:
        limit = int(params.get("limit", NETWORK_MAX_EDGES))
    except ValueError:
        raise BadParameters({"limit": [{"message": "limit must be a whole number.", "code": "invalid"}]}) from None
    if not 1 <= limit <= NETWORK_LIMIT:
        message = f"limit must be between 1 and {NETWORK_LIMIT}, got {limit}."
        raise BadParameters({"limit": [{"message": message, "code": "invalid"}]})
    build = network_of_all if evidence is None else functools.partial(network, evidence)
    return cached("network", query_key(params), lambda: build(max_edges=limit, filters=filters))


MATRIX_ROWS = ("therapy_class", "drug")
MATRIX_COLUMNS = ("mechanism", "cargo_kind")


def matrix_for(params: QueryDict) -> dict[str, Any]:
    """``matrix()`` of the evidence the filters in ``params`` select, in the form ``rows`` and ``columns`` say."""
    rows = params.get("rows") or MATRIX_ROWS[0]
    columns = params.get("columns") or MATRIX_COLUMNS[0]
    errors = {
        name: [{"message": f"{name} must be {' or '.join(allowed)}.", "code": "invalid_choice"}]
        for name, value, allowed in (("rows", rows, MATRIX_ROWS), ("columns", columns, MATRIX_COLUMNS))
        if value not in allowed
    }
    if errors:
        raise BadParameters(errors)
    evidence, filters = _filtered(params, "rows", "columns")
    if evidence is None and columns == "mechanism":
        return cached("matrix", query_key(params), lambda: matrix_of_all(rows=rows))
    if evidence is None:
        evidence = Evidence.objects.public()
    return cached("matrix", query_key(params), lambda: matrix(evidence, rows=rows, columns=columns, filters=filters))
