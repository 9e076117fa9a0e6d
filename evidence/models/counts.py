"""Accepted-evidence counts per entity and pair of entities, kept by PostgreSQL in the
materialized view ``evidence_evidencecount`` (migration 0012): counting on every request is too slow.

One row per (``kind``, ``a``, ``b``, ``effect``): ``n`` accepted items; ``effect`` ``""`` is all
effects, ``b`` 0 for single-entity kinds. A "scope" is a mechanism with its direct children; a
cargo's rows count what ``cargo=`` lists (``CargoReach``), for public cargos only.

Triggers mark the view stale in the writer's transaction; ``refresh_counts()`` refreshes it in
a background thread after every public commit, by ``manage.py refresh_counts``, or, in the test
suite, before a statement reads stale counts (``EXORESIST_COUNTS_REFRESH=on_read``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from evidence.choices import CargoKind, EvidenceLevel
from exoresist.data_version import bump_version

logger = logging.getLogger("exoresist.counts")

VIEW = "evidence_evidencecount"
STATE = "evidence_countsstate"
#: The counts of lists narrowed by columns (migration 0027); named after the view, so that
#: ``refresh_before_reading`` sees reads of them too.
CUBE, COLUMN_KEYS = f"{VIEW}_cube", f"{VIEW}_keys"

KINDS = (
    "drug", "cargo", "mechanism", "scope", "therapy_class", "citation", "source_cell", "recipient_cell",
    "cargo_drug", "drug_mechanism", "drug_scope", "cargo_scope", "class_mechanism", "class_scope",
    "class_cargo_kind", "drug_level",
)  # fmt: skip


def cargo_kind_code(kind: str) -> int:
    """A cargo kind as a count row keys it: the first 32 bits of its md5, as the view computes it."""
    return int(hashlib.md5(kind.encode()).hexdigest()[:8], 16)


CARGO_KINDS_BY_CODE = {cargo_kind_code(value): value for value in CargoKind.values}


def level_code(level: str) -> int | None:
    """An evidence level as a count row keys it: its letter's code point (A: 65)."""
    return ord(level) if isinstance(level, str) and len(level) == 1 else None


LEVELS_BY_CODE = {level_code(value): value for value in EvidenceLevel.values}


class EvidenceCountQuerySet(models.QuerySet):
    def of(self, kind: str) -> EvidenceCountQuerySet:
        """The all-effects rows of one kind."""
        return self.filter(kind=kind, effect="")

    def entities(self, kind: str) -> EvidenceCountQuerySet:
        """The all-effects rows of a single-entity ``kind``: one per entity with accepted items,
        so the public ones (a cargo's count what ``cargo=`` lists)."""
        return self.of(kind).filter(b=0)

    def annotation(self, kind: str) -> Coalesce:
        """The count of the annotated entity for a single-entity ``kind``, as a subquery."""
        rows = self.entities(kind).filter(a=OuterRef("pk")).values("n")[:1]
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    def total(self, kind: str, a: int) -> int:
        """The count of entity ``a`` for a single-entity ``kind``."""
        return self.entities(kind).filter(a=a).values_list("n", flat=True).first() or 0


class EvidenceCount(models.Model):
    pk = models.CompositePrimaryKey("kind", "a", "b", "effect")
    kind = models.CharField(max_length=20, choices=[(k, k) for k in KINDS])
    a = models.BigIntegerField()
    b = models.BigIntegerField(default=0)
    effect = models.CharField(max_length=24, blank=True)
    n = models.PositiveIntegerField()

    objects = EvidenceCountQuerySet.as_manager()

    class Meta:
        managed = False
        db_table = VIEW

    def __str__(self) -> str:
        return f"{self.kind}({self.a}, {self.b}) {self.effect or 'all'}: {self.n}"


class EvidenceFacetKeys(models.Model):
    """One item's many-to-many facet values as ``facet:value``, kept by triggers (migration 0025)."""

    evidence = models.OneToOneField(
        "evidence.Evidence", primary_key=True, on_delete=models.DO_NOTHING, related_name="facet_keys"
    )
    keys = ArrayField(models.TextField())

    class Meta:
        # Created by migration 0025's SQL; managed so that a flush truncates it too.
        db_table = "evidence_facet_keys"

    def __str__(self) -> str:
        return f"facet keys of evidence {self.evidence_id}"


# --- refreshing ----------------------------------------------------------------------


def _state(cursor) -> tuple[int, int]:
    """The writes the triggers recorded, and their number at the last refresh."""
    cursor.execute(f"SELECT value FROM {STATE} WHERE name IN ('changed', 'counted') ORDER BY name")
    changed, counted = (row[0] for row in cursor.fetchall())
    return changed, counted


def counts_are_stale(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a write may have changed the counts since the last refresh."""
    with connections[using].cursor() as cursor:
        changed, counted = _state(cursor)
    return changed != counted


def refresh_counts(using: str = DEFAULT_DB_ALIAS, *, force: bool = False) -> bool:
    """Refresh the view when it is stale (always with ``force``); True when it refreshed."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        return _refresh(cursor, force)


def _refresh(cursor, force: bool = False) -> bool:
    """One refresher at a time (an advisory lock): a second waits, then finds the view fresh.
    A write committed between reading 'changed' and the refresh is refreshed once more."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [VIEW])
    changed, counted = _state(cursor)
    if changed == counted and not force:
        return False
    # JIT costs more than it saves here; the hashed aggregates want more than 4 MB.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    for view in (VIEW, CUBE, COLUMN_KEYS):
        cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
    cursor.execute(f"UPDATE {STATE} SET value = %s, at = now() WHERE name = 'counted'", [changed])
    return True


_lock = threading.Lock()
_requested: set[str] = set()
_worker: threading.Thread | None = None
#: A burst of commits (an editor accepting a queue) is counted once.
DEBOUNCE_SECONDS = 0.5


def request_refresh(using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the counts off the request thread, after a public commit. Not a daemon thread:
    a management command waits for it before it exits."""
    global _worker
    if settings.EXORESIST_COUNTS_REFRESH == "on_read":
        return
    with _lock:
        _requested.add(using)
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_refresh_requested, name="exoresist-counts")
            _worker.start()


def _refresh_requested() -> None:
    global _worker
    time.sleep(DEBOUNCE_SECONDS)
    while True:
        with _lock:
            if not _requested:
                _worker = None
                return
            aliases = sorted(_requested)
            _requested.clear()
        for alias in aliases:
            try:
                if refresh_counts(alias):
                    # Pages cached since the commit read the old counts: retire them too.
                    bump_version()
            except Exception:
                # The next change refreshes again; `manage.py refresh_counts` does it by hand.
                logger.exception("refreshing the evidence counts failed")
            finally:
                connections[alias].close()


def refresh_before_reading(execute, sql, params, many, context):
    """``on_read`` mode's execute wrapper: a statement reading the view refreshes it first if stale,
    through the driver's cursor, out of the query log that tests count queries from."""
    # Reads only: migrations' DDL names the view before its state table exists.
    if VIEW in sql and sql.lstrip()[:6].upper().startswith(("SELECT", "WITH")):
        db = context["connection"]
        with db.connection.cursor() as cursor:
            changed, counted = _state(cursor)
        if changed != counted:
            # Outside a transaction (a live server's request), one for the lock and SET LOCAL to hold.
            block = transaction.atomic(using=db.alias) if db.get_autocommit() else contextlib.nullcontext()
            with block, db.connection.cursor() as cursor:
                _refresh(cursor)
    return execute(sql, params, many, context)


def watch_reads(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver for ``on_read`` mode."""
    if refresh_before_reading not in connection.execute_wrappers:
        connection.execute_wrappers.append(refresh_before_reading)
