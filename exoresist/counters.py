"""One atomic counter in the cache, for every per-client limit (API reads, exports, flags)."""

from __future__ import annotations

from django.core.cache import cache as default_cache


def increment(key: str, timeout: float, cache=default_cache) -> int:
    """Add one to ``key`` and return the new count; the key starts at 0 and lives ``timeout``
    seconds from its first use. ``incr`` is atomic in Redis, so concurrent requests each see
    their own count (a read-then-write would let them all see the same one)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
