"""Bulk writes of evidence with its history, shared by the TSV import and release import.

``bulk_create`` skips ``save()`` and signals, so the history rows (the item's and its
cargos', drugs' and mechanisms') are written here too: an imported item has the same
history as one entered in the admin. The history and many-to-many rows are written
with plain SQL (``INSERT ... SELECT`` copies each new row into its history table in the
database), because building 100,000s of model instances for them costs minutes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from evidence.models import Evidence

M2M = {"cargos": "cargo", "drugs": "drug", "mechanisms": "mechanism"}
BATCH = 2000
CHUNK = 900  # SQLite's limit on parameters per statement, with room to spare


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _history_model():
    return Evidence.history.model


def _historical_m2m(name: str):
    return _history_model()._meta.get_field(f"historicalevidence_{name}").related_model


def _insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            sql = f"INSERT INTO {_q(table)} ({', '.join(map(_q, columns))}) VALUES %s"
            execute_values(cursor.cursor, sql, rows, page_size=5000)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {_q(table)} ({', '.join(map(_q, columns))}) VALUES ({marks})"
            cursor.executemany(sql, rows)


def _write_history(pks: list[int], relations: Sequence[dict[str, list[int]]], *, kind, user, reason, date) -> None:
    """Copy the rows ``pks`` into the history (type ``kind``) and their current m2m rows with them."""
    history = _history_model()
    copied = [f.column for f in history._meta.concrete_fields if not f.name.startswith("history_")]
    extra = ["history_date", "history_change_reason", "history_type", "history_user_id"]
    user_id = getattr(user, "pk", None)
    with connection.cursor() as cursor:
        for start in range(0, len(pks), CHUNK):
            chunk = pks[start : start + CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {_q(history._meta.db_table)} ({', '.join(map(_q, copied + extra))}) "
                f"SELECT {', '.join(map(_q, copied))}, %s, %s, %s, %s FROM {_q(Evidence._meta.db_table)} "
                f"WHERE {_q('id')} IN ({marks})",
                [date, reason[:100], kind, user_id, *chunk],
            )
            for name, target in M2M.items():
                through = getattr(Evidence, name).through._meta.db_table
                table = _historical_m2m(name)._meta.db_table
                columns = ", ".join(map(_q, ["id", "evidence_id", f"{target}_id", "history_id"]))
                cursor.execute(
                    f"INSERT INTO {_q(table)} ({columns}) "
                    f"SELECT t.{_q('id')}, t.{_q('evidence_id')}, t.{_q(target + '_id')}, h.{_q('history_id')} "
                    f"FROM {_q(through)} t JOIN {_q(history._meta.db_table)} h ON h.{_q('id')} = t.{_q('evidence_id')} "
                    f"WHERE h.{_q('history_date')} = %s AND h.{_q('history_type')} = %s "
                    f"AND t.{_q('evidence_id')} IN ({marks})",
                    [date, kind, *chunk],
                )


def _insert_relations(items: Sequence[Evidence], relations: Sequence[dict[str, list[int]]]) -> None:
    for name, target in M2M.items():
        through = getattr(Evidence, name).through._meta.db_table
        rows = [(item.pk, pk) for item, rel in zip(items, relations, strict=True) for pk in rel.get(name, [])]
        _insert_rows(through, ["evidence_id", f"{target}_id"], rows)


def insert_evidence(
    items: Sequence[Evidence],
    relations: Sequence[dict[str, list[int]]],
    *,
    user=None,
    reason: str = "",
    date: dt.datetime | None = None,
) -> list[Evidence]:
    """Insert new evidence with their many-to-many rows and history, in a few queries per batch.

    ``relations[i]`` holds the cargo, drug and mechanism primary keys of ``items[i]``.
    Run it inside a transaction.
    """
    if not items:
        return []
    now = date or timezone.now()
    for item in items:
        item.created = item.created or now
        item.modified = item.modified or now
    created = Evidence.objects.bulk_create(items, batch_size=BATCH)
    _insert_relations(created, relations)
    _write_history([item.pk for item in created], relations, kind="+", user=user, reason=reason, date=now)
    return created


def update_evidence(
    items: Sequence[Evidence],
    fields: list[str],
    relations: Sequence[dict[str, list[int]]],
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
    Evidence.objects.bulk_update(items, [*fields, "version", "modified"], batch_size=BATCH)
    pks = [item.pk for item in items]
    for name in M2M:
        through = getattr(Evidence, name).through
        for start in range(0, len(pks), CHUNK):
            through.objects.filter(evidence_id__in=pks[start : start + CHUNK]).delete()
    _insert_relations(items, relations)
    _write_history(pks, relations, kind="~", user=user, reason=reason, date=now)
