"""One atomic counter in the cache, for every per-client limit (API reads, exports, flags)."""

from __future__ import annotations

from django.core.cache import cache as default_cache


def increment(key: str, timeout: float, cache=default_cache) -> int:
    """Add one to ``key`` (which lives ``timeout`` seconds from its first use) and return the
    new count. ``incr`` is atomic in Redis: concurrent requests each see their own count."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
