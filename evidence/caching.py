"""Caching of the public pages' aggregates (counts, facets, network, matrix).

Counting over 100,000 evidence items costs hundreds of milliseconds; the answer only
changes when curated data does. Every cached value is keyed by a data version that
any save or delete of curated data bumps (signals below), and expires after
``TTL`` seconds anyway, so that another process's change (another gunicorn worker,
a bulk import that bypasses signals) is visible within minutes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")
TTL = 300
VERSION_KEY = "exoresist:data-version"


def data_version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = 1
        cache.add(VERSION_KEY, version, None)
    return version


def bump(*args: Any, **kwargs: Any) -> None:
    sender = kwargs.get("sender")
    if sender is not None and sender._meta.app_label != "evidence":
        return
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, None)


def cached(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """``compute()``, remembered under ``name`` + ``parts`` for the current data version."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"exoresist:{name}:{data_version()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value


post_save.connect(bump, dispatch_uid="exoresist-cache-save")
post_delete.connect(bump, dispatch_uid="exoresist-cache-delete")
m2m_changed.connect(bump, dispatch_uid="exoresist-cache-m2m")
