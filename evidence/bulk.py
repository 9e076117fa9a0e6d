"""Bulk writes of evidence with its history, shared by the TSV import and release import.

``bulk_create`` skips ``save()`` and signals, so the history rows (the item's and its
cargos', drugs' and mechanisms') are written here in bulk too: an imported item has
the same history as one entered in the admin, one row instead of four.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from evidence.models import Evidence

M2M = {"cargos": "cargo", "drugs": "drug", "mechanisms": "mechanism"}
BATCH = 2000


def historical_m2m_model(name: str):
    return Evidence.history.model._meta.get_field(f"historicalevidence_{name}").related_model


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
    now = date or timezone.now()
    for item in items:
        item.created = item.created or now
        item.modified = item.modified or now
    created = Evidence.objects.bulk_create(items, batch_size=BATCH)
    history = Evidence.history.bulk_history_create(
        created, batch_size=BATCH, default_user=user, default_change_reason=reason, default_date=now
    )
    history_by_pk = {record.id: record for record in history}
    for name, target in M2M.items():
        through = getattr(Evidence, name).through
        rows = [
            through(evidence_id=item.pk, **{f"{target}_id": pk})
            for item, rel in zip(created, relations, strict=True)
            for pk in rel.get(name, [])
        ]
        rows = through.objects.bulk_create(rows, batch_size=BATCH * 2)
        historical = historical_m2m_model(name)
        historical.objects.bulk_create(
            [
                historical(
                    id=row.pk,
                    evidence_id=row.evidence_id,
                    history=history_by_pk[row.evidence_id],
                    **{f"{target}_id": getattr(row, f"{target}_id")},
                )
                for row in rows
            ],
            batch_size=BATCH * 2,
        )
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
    history = Evidence.history.bulk_history_create(
        items, batch_size=BATCH, default_user=user, default_change_reason=reason, default_date=now, update=True
    )
    history_by_pk = {record.id: record for record in history}
    pks = [item.pk for item in items]
    for name, target in M2M.items():
        through = getattr(Evidence, name).through
        for start in range(0, len(pks), 900):
            through.objects.filter(evidence_id__in=pks[start : start + 900]).delete()
        rows = through.objects.bulk_create(
            [
                through(evidence_id=item.pk, **{f"{target}_id": pk})
                for item, rel in zip(items, relations, strict=True)
                for pk in rel.get(name, [])
            ],
            batch_size=BATCH * 2,
        )
        historical = historical_m2m_model(name)
        historical.objects.bulk_create(
            [
                historical(
                    id=row.pk,
                    evidence_id=row.evidence_id,
                    history=history_by_pk[row.evidence_id],
                    **{f"{target}_id": getattr(row, f"{target}_id")},
                )
                for row in rows
            ],
            batch_size=BATCH * 2,
        )
