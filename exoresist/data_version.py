"""The global data version that keys every cached page and ETag. A change to a model of
``EXORESIST_CACHE_WATCHED_APPS`` bumps it once the transaction commits: bumping before would
let a concurrent reader cache the not-yet-committed old data under the new version."""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_init, post_save

VERSION_KEY = "exoresist:data-version"
T = TypeVar("T")


def get_version() -> str | None:
    """The current data version, or None when the cache cannot be reached (then nothing is cached)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # add() only sets a missing key, so two workers starting together agree on one version.
        cache.add(VERSION_KEY, str(time.time_ns()), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def cached(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the shared cache under ``name`` + ``parts`` for the current data version."""
    version = get_version()
    if version is None:  # the cache cannot be reached: serve uncached rather than fail
        return compute()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"exoresist:{name}:{version}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, 3600)  # a safety net only: the data version retires stale entries
    return value


_remembered: dict = {}


def remembered(key, build):
    """``build()``, kept in this process until the data version changes. Dict get and set are
    atomic: no lock, at worst two threads build the same value once."""
    version = get_version()
    found = _remembered.get(key)
    if version is not None and found is not None and found[0] == version:
        return found[1]
    value = build()
    if version is not None:  # the cache cannot be reached: nothing can tell when to rebuild
        _remembered[key] = (version, value)
    return value


def bump_version() -> str:
    # Nanoseconds since the epoch: unique enough across workers, and it doubles as Last-Modified.
    version = str(time.time_ns())
    cache.set(VERSION_KEY, version, timeout=None)
    return version


def version_timestamp(version: str) -> float:
    try:
        return int(version) / 1e9
    except (TypeError, ValueError):
        return time.time()


def _public_data_committed() -> None:
    """What follows a committed public change: cached pages retire and the evidence counts refresh."""
    from evidence.models.counts import request_refresh

    bump_version()
    request_refresh()


def data_changed(using: str = DEFAULT_DB_ALIAS) -> None:
    """``_public_data_committed``, now or when the surrounding transaction commits."""
    connection = connections[using]
    if not connection.in_atomic_block:
        _public_data_committed()
    # One bump per transaction, however many rows it writes (a bulk import saves thousands).
    # Not in the test suite: its outer transaction never commits, so a callback left pending
    # by a fixture would hide every later change from a test's captured callbacks.
    elif not settings.EXORESIST_DEDUPLICATE_BUMPS or all(
        callback is not _public_data_committed for _, callback, _ in connection.run_on_commit
    ):
        transaction.on_commit(_public_data_committed, using=using)


def _watched(model) -> bool:
    # History rows (simple-history) come with a change of the model they record, which decides.
    # Curation-only models: every flag an anonymous reader raises must not empty the cache.
    return (
        getattr(model, "instance_type", None) is None
        and getattr(model, "shown_on_public_pages", True) is not False
        and model._meta.app_label in settings.EXORESIST_CACHE_WATCHED_APPS
    )


@functools.cache
def _has_visibility(model) -> bool:
    """Models whose manager has public() (Evidence, and any later one) are public only when accepted."""
    return callable(getattr(model._default_manager, "public", None)) and any(
        field.name == "status" for field in model._meta.concrete_fields
    )


def _private_change(instance) -> bool:
    """A draft, submitted or rejected item that was not public before the change either:
    curators save drafts all day, and none of it may throw away every cached page."""
    if instance is None or not _has_visibility(type(instance)):
        return False
    before = getattr(instance, "_exoresist_loaded_status", None)
    now = instance.__dict__.get("status")
    # Unknown (deferred field) counts as public: when in doubt, invalidate.
    return before is not None and now is not None and before != "accepted" and now != "accepted"


def _remember_status(sender, instance, **kwargs) -> None:
    # post_init runs for new and for loaded instances alike: the status they start with.
    if _has_visibility(sender):
        instance._exoresist_loaded_status = instance.__dict__.get("status")


def _on_save_or_delete(sender, instance=None, using=None, **kwargs) -> None:
    if not _watched(sender):
        return
    private = _private_change(instance)
    if instance is not None:
        _remember_status(sender, instance)
    if not private:
        data_changed(using or router.db_for_write(sender))


def _on_m2m_changed(sender, instance=None, action="", reverse=False, using=None, **kwargs) -> None:
    if not action.startswith("post_") or not (_watched(sender) or _watched(type(instance))):
        return
    if not reverse and _private_change(instance):
        return
    data_changed(using or DEFAULT_DB_ALIAS)


def connect_signals() -> None:
    # No sender: models added later by other apps' migrations are covered without changes here.
    post_init.connect(_remember_status, dispatch_uid="exoresist-data-version-init")
    post_save.connect(_on_save_or_delete, dispatch_uid="exoresist-data-version-save")
    post_delete.connect(_on_save_or_delete, dispatch_uid="exoresist-data-version-delete")
    m2m_changed.connect(_on_m2m_changed, dispatch_uid="exoresist-data-version-m2m")
