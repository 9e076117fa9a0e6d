"""Caching of the public pages' aggregates (counts, facets, network, matrix).

Counting over 100,000 evidence items costs hundreds of milliseconds; the answer only
changes when public data does. Every cached value is keyed by the global data version
of ``exoresist.data_version``, which any committed change to curated data bumps, in the
shared cache (Redis in production), so every worker sees a change at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache

from exoresist.data_version import get_version

T = TypeVar("T")
#: A safety net only: the data version already retires stale entries.
TTL = 3600


def cached(name: str, parts: Any, compute: Callable[[], T]) -> T:
    """``compute()``, remembered under ``name`` + ``parts`` for the current data version."""
    version = get_version()
    if version is None:
        # The cache cannot be reached: serve uncached rather than fail.
        return compute()
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"exoresist:{name}:{version}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TTL)
    return value
