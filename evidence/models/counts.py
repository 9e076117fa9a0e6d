"""Accepted-evidence counts per entity and per pair of entities (cargo x drug, drug x
mechanism, ...), kept by PostgreSQL in the materialized view ``evidence_evidencecount``
(migration 0012): counting them on every request is too slow.

One row per (``kind``, ``a``, ``b``, ``effect``): ``n`` accepted items. ``effect`` is one of
``Effect`` or ``""`` for all effects (the number of distinct items); ``b`` is 0 for
single-entity kinds. A "scope" is a mechanism with its direct children, as the ``mechanism``
filter reads it. A cargo's rows (alone and in pairs) count what ``cargo=`` lists: the items
of every cargo its filter reaches (``CargoReach``; migration 0044), for the public
cargos only. ``b`` of ``class_cargo_kind`` is ``cargo_kind_code()``, of ``drug_level``
``level_code()``.

Statement triggers on every table the view reads mark it stale in the writer's own
transaction, whoever writes. ``refresh_counts()`` refreshes a stale view ``CONCURRENTLY``,
one refresher at a time: in a background thread after the commit of every public change
(``exoresist.data_version.data_changed``), by ``manage.py refresh_counts`` after writes
outside Django, and in the test suite, whose transactions never commit, before a statement
that reads stale counts (``EXORESIST_COUNTS_REFRESH``, ``refresh_before_reading``).
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
#: The counts of lists narrowed by columns (migration 0027), refreshed with the view; their
#: names start with its name, so ``refresh_before_reading`` sees reads of them too.
CUBE, COLUMN_KEYS = f"{VIEW}_cube", f"{VIEW}_keys"
COLUMN_VIEWS = (CUBE, COLUMN_KEYS)

KINDS = (
    "drug", "cargo", "mechanism", "scope", "therapy_class", "citation", "source_cell", "recipient_cell",
    "cargo_drug", "drug_mechanism", "drug_scope", "cargo_scope", "class_mechanism", "class_scope",
    "class_cargo_kind", "drug_level",
)  # fmt: skip


def cargo_kind_code(kind: str) -> int:
    """A cargo kind as a count row keys it: the first 32 bits of the md5 of its value, as the
    view computes it. A position in ``CargoKind`` would change meaning when a kind is added."""
    return int(hashlib.md5(kind.encode()).hexdigest()[:8], 16)


#: Each kind's value by its code.
CARGO_KINDS_BY_CODE = {cargo_kind_code(value): value for value in CargoKind.values}


def level_code(level: str) -> int | None:
    """An evidence level as a count row keys it: its letter's code point (A: 65); None for no level."""
    return ord(level) if isinstance(level, str) and len(level) == 1 else None


#: Each level by its code.
LEVELS_BY_CODE = {level_code(value): value for value in EvidenceLevel.values}


class EvidenceCountQuerySet(models.QuerySet):
    def of(self, kind: str) -> EvidenceCountQuerySet:
        """The all-effects rows of one kind."""
        return self.filter(kind=kind, effect="")

    def annotation(self, kind: str) -> Coalesce:
        """The count of the annotated entity for a single-entity ``kind``, as a subquery."""
        rows = self.of(kind).filter(a=OuterRef("pk"), b=0).values("n")[:1]
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    def total(self, kind: str, a: int) -> int:
        """The count of entity ``a`` for a single-entity ``kind``."""
        return self.of(kind).filter(a=a, b=0).values_list("n", flat=True).first() or 0


class EvidenceCount(models.Model):
    """A row of the view (read only)."""

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
    """One item's drug, cargo, cargo kind and mechanism facet values as ``facet:value``, each
    once, kept by PostgreSQL (table and triggers: migration 0025); ``facets.py`` counts
    any list's many-to-many facets from them in one pass."""

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
    """('changed', 'counted'): the writes the triggers recorded, and the value of that when the view was refreshed."""
    cursor.execute(f"SELECT value FROM {STATE} WHERE name IN ('changed', 'counted') ORDER BY name")
    changed, counted = (row[0] for row in cursor.fetchall())
    return changed, counted


def counts_are_stale(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether a committed write (or one of this transaction's) may have changed the counts since the last refresh."""
    with connections[using].cursor() as cursor:
        changed, counted = _state(cursor)
    return changed != counted


def refresh_counts(using: str = DEFAULT_DB_ALIAS, *, force: bool = False) -> bool:
    """Refresh the view when it is stale (always with ``force``); True when it refreshed."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        return _refresh(cursor, force)


def _refresh(cursor, force: bool = False) -> bool:
    """One refresher at a time (an advisory lock): a second waits, then finds the view fresh.

    'changed' is read before the refresh, whose own snapshot is later: a write that
    commits in between is counted and, its bump not being recorded, refreshed once more.
    """
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [VIEW])
    changed, counted = _state(cursor)
    if changed == counted and not force:
        return False
    # JIT compiling costs more than it saves on this plan; the hashed aggregates want
    # more than the default 4 MB.
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL work_mem = '256MB'")
    for view in (VIEW, *COLUMN_VIEWS):
        cursor.execute(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}")
    cursor.execute(f"UPDATE {STATE} SET value = %s, at = now() WHERE name = 'counted'", [changed])
    return True


_lock = threading.Lock()
_requested: set[str] = set()
_worker: threading.Thread | None = None
#: A burst of commits (an editor accepting a queue) is counted once.
DEBOUNCE_SECONDS = 0.5


def request_refresh(using: str = DEFAULT_DB_ALIAS) -> None:
    """Public data changed and was committed: refresh the counts off the request thread. The
    thread is not a daemon: a management command waits for it before it exits."""
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
    """A database execute wrapper for ``on_read`` mode: a statement that reads the view
    refreshes it first if it is stale. The check and refresh go through the driver's own
    cursor, out of Django's query log: they stand in for the refresh that follows a
    commit, so a test counting a page's queries counts the page's own."""
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
    """``connection_created`` receiver: wrap a new connection with ``refresh_before_reading`` (``on_read`` mode)."""
    if refresh_before_reading not in connection.execute_wrappers:
        connection.execute_wrappers.append(refresh_before_reading)
