"""Bulk writes of evidence with the history rows the admin would write (the TSV and release
imports), in plain SQL (COPY, ``INSERT ... SELECT``): model instances are far slower to build."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from evidence.choices import DrugRole
from evidence.models import (
    CancerType,
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
from evidence.models.base import id_array
from exoresist.data_version import data_changed

M2M = {"cargos": "cargo", "drugs": "drug", "mechanisms": "mechanism"}
#: The columns of each link table after its evidence: the target, and a drug's role.
LINK_COLUMNS = {name: [f"{target}_id"] for name, target in M2M.items()} | {"drugs": ["drug_id", "role"]}
#: simple-history's column for why a version was saved.
REASON_LENGTH = Evidence.history.model._meta.get_field("history_change_reason").max_length
#: From this many new items an import is a bulk load (see ``analyze_for_documents``).
BULK_LOAD = 1000


def history_reason(*parts: str) -> str:
    """``parts`` joined by "; ", cut to fit the history's column: a long reason must not fail the save."""
    text = "; ".join(part for part in parts if part)
    return text if len(text) <= REASON_LENGTH else text[: REASON_LENGTH - 1] + "…"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _historical_m2m(name: str):
    return getattr(Evidence.history.model, name).model  # simple-history's table of the relation's versions


def content_links(ids: list[int], *, history: bool = False) -> dict[str, dict[int, Any]]:
    """Relation -> item (with ``history``, history record) id -> its targets as a revision holds
    them (ids in order; drugs ``{"<drug id>": role}``), in one query per relation."""
    owner = "history_id" if history else "evidence_id"
    found: dict[str, dict[int, Any]] = {}
    for name in M2M:
        links = _historical_m2m(name) if history else getattr(Evidence, name).through
        columns = LINK_COLUMNS[name]
        rows = links.objects.filter(**{f"{owner}__in": id_array(ids)}).order_by(*columns).values_list(owner, *columns)
        by_owner = found[name] = {}
        for owner_id, pk, *role in rows:
            if role:
                by_owner.setdefault(owner_id, {})[str(pk)] = role[0]
            else:
                by_owner.setdefault(owner_id, []).append(pk)
    return found


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    # Called once per cell of 100,000s of rows: the common types first.
    kind = type(value)
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    text = value if kind is str else value.isoformat() if isinstance(value, dt.datetime) else str(value)
    return text.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(text) else text


def _next_ids(table: str, column: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, column, count]
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(table: str, columns: list[str], rows: list[tuple], returning: list[str] | None = None) -> list:
    """Insert many rows by COPY; with ``returning``, those columns of the rows, in order (an
    ``id`` asked for is drawn from the table's sequence first)."""
    if not rows:
        return []
    if returning and "id" in returning and "id" not in columns:
        ids = _next_ids(table, "id", len(rows))
        columns = ["id", *columns]
        rows = [(new, *row) for new, row in zip(ids, rows, strict=True)]
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(v) for v in row))
        buffer.write("\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {_q(table)} ({', '.join(map(_q, columns))}) FROM STDIN WITH (FORMAT text)", buffer
        )
    positions = [columns.index(name) for name in returning or []]
    return [tuple(row[i] for i in positions) for row in rows] if returning else []


def _write_history(items: Sequence[Evidence], inserted, *, kind: str, user, reason: str, date) -> None:
    """One history row of type ``kind`` per item, copied from the stored row by ``INSERT ... SELECT``,
    with its links' history rows (``inserted``: ``_write_relations``' result)."""
    history = Evidence.history.model
    columns = [
        Evidence._meta.get_field(f.name).column
        for f in history._meta.concrete_fields
        if not f.name.startswith("history_")
    ]
    stamp = [date, history_reason(reason), kind, getattr(user, "pk", None)]
    listed = ", ".join(map(_q, columns))
    head = (
        f"INSERT INTO {_q(history._meta.db_table)} ({listed}, history_date, history_change_reason, "
        f"history_type, history_user_id) SELECT {listed}, %s, %s, %s, %s FROM {_q(Evidence._meta.db_table)} "
    )
    pks = [item.pk for item in items]
    with connection.cursor() as cursor:
        cursor.execute(head + "WHERE id = ANY(%s) RETURNING id, history_id", [*stamp, pks])
        history_ids = dict(cursor.fetchall())
    for name in M2M:
        rows = [
            (through_id, pk, *values, history_ids[pk])
            for pk, relations in inserted
            for through_id, *values in relations.get(name, [])
        ]
        copy_rows(_historical_m2m(name)._meta.db_table, ["id", "evidence_id", *LINK_COLUMNS[name], "history_id"], rows)


def _write_relations(items: Sequence[Evidence], relations: Sequence[dict], *, replace: bool = False) -> list:
    """Write the link rows; (evidence pk, {name: [(through id, target pk[, role])]}) per item.

    ``replace``: rows still wanted stay, the others go; unchanged rows are not written, since
    every statement on a link table makes PostgreSQL rebuild the items' documents.
    """
    written: dict[int, dict[str, list]] = {item.pk: {} for item in items}
    with connection.cursor() as cursor:
        for name in M2M:
            table = getattr(Evidence, name).through._meta.db_table
            columns = ["evidence_id", *LINK_COLUMNS[name]]
            wanted = []
            for item, rel in zip(items, relations, strict=True):
                targets = rel.get(name, [])
                if not isinstance(targets, Mapping):
                    targets = dict.fromkeys(targets, DrugRole.TREATMENT)
                # A link without a role column takes the target alone.
                wanted += [(item.pk, int(pk), role)[: len(columns)] for pk, role in targets.items()]
            current: dict[tuple, int] = {}
            if replace:
                select = f"SELECT {', '.join(columns)}, id FROM {_q(table)} WHERE evidence_id = ANY(%s)"
                cursor.execute(select, [list(written)])
                current = {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}
                kept = set(wanted)
                if gone := [through_id for row, through_id in current.items() if row not in kept]:
                    cursor.execute(f"DELETE FROM {_q(table)} WHERE id = ANY(%s)", [gone])
            new = [row for row in wanted if row not in current]
            rows = [(current[row], *row) for row in wanted if row in current]
            rows += copy_rows(table, columns, new, returning=["id", *columns])
            for through_id, evidence_id, *values in rows:
                written[evidence_id].setdefault(name, []).append((through_id, *values))
    return list(written.items())


def _copy_items(table: str, items: Sequence[Evidence], fields: list) -> None:
    rows = [tuple(getattr(item, field.attname) for field in fields) for item in items]
    copy_rows(table, [field.column for field in fields], rows)


def insert_evidence(
    items: Sequence[Evidence],
    relations: Sequence[dict],
    *,
    user=None,
    reason: str = "",
    date: dt.datetime | None = None,
) -> list[Evidence]:
    """Insert new evidence with its links (``relations[i]`` for ``items[i]``, drugs as a list of
    treatments or ``{pk: role}``) and history, in a few queries. Run it inside a transaction."""
    if not items:
        return []
    now = date or timezone.now()
    for item in items:
        item.created = item.created or now
        item.modified = item.modified or now
    if items[0].pk is None:
        for item, pk in zip(items, _next_ids(Evidence._meta.db_table, "id", len(items)), strict=True):
            item.pk = pk
    # The links before their items (the foreign keys are checked at commit): the triggers that
    # build each item's search and API documents then build them once, when the item arrives,
    # not again for each link table.
    links = _write_relations(items, relations)
    if len(items) >= BULK_LOAD:
        analyze_for_documents()
    _copy_items(Evidence._meta.db_table, items, Evidence._meta.concrete_fields)
    for item in items:
        item._state.adding = False
    _write_history(items, links, kind="+", user=user, reason=reason, date=now)
    data_changed()
    return list(items)


def analyze_for_documents() -> None:
    """Analyse the tables the document triggers join: freshly loaded, not yet autovacuumed, they
    would be planned as empty and read whole for every new item."""
    entities = [Cargo, CargoAlias, Drug, DrugAlias, Cell, CellAlias, Mechanism, TherapyClass, CancerType, Citation]
    models = [*entities, *(getattr(Evidence, name).through for name in M2M)]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(_q(model._meta.db_table) for model in models)}")


def reset_sequences(*models) -> None:
    """Move the id sequences of ``models`` past the ids that were written explicitly."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _update_items(items: Sequence[Evidence], fields: list[str]) -> None:
    """UPDATE the items' ``fields`` from a temporary table filled by COPY (bulk_update's CASE per
    column grows with the batch for every row)."""
    model_fields = [Evidence._meta.get_field(name) for name in ("id", *fields)]
    columns = [field.column for field in model_fields]
    table, listed = _q(Evidence._meta.db_table), ", ".join(map(_q, columns))
    # In a savepoint at least: an error rolls the temporary table back with the rest.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE evidence_changes AS SELECT {listed} FROM {table} WITH NO DATA")
        _copy_items("evidence_changes", items, model_fields)
        assigned = ", ".join(f"{_q(column)} = changes.{_q(column)}" for column in columns[1:])
        cursor.execute(f"UPDATE {table} SET {assigned} FROM evidence_changes changes WHERE {table}.id = changes.id")
        cursor.execute("DROP TABLE evidence_changes")


def update_evidence(
    items: Sequence[Evidence],
    fields: list[str],
    relations: Sequence[dict],
    *,
    user=None,
    reason: str = "",
) -> None:
    """Rewrite changed evidence in bulk: fields, version (bumped), many-to-many rows and history."""
    if not items:
        return
    now = timezone.now()
    for item in items:
        item.version += 1
        item.modified = now
    _update_items(items, [*fields, "version", "modified"])
    links = _write_relations(items, relations, replace=True)
    _write_history(items, links, kind="~", user=user, reason=reason, date=now)
    data_changed()
