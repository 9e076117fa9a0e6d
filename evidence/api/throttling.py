"""The anonymous read limit, counted by the cache's atomic increment in fixed windows: DRF's
``AnonRateThrottle`` reads, appends to and writes back a history, so a burst all reads the same one
and gets through together."""

from __future__ import annotations

import time

from rest_framework.throttling import AnonRateThrottle

from exoresist.counters import increment


class AnonWindowThrottle(AnonRateThrottle):
    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        window = int(time.time() // self.duration)
        self.window_end = (window + 1) * self.duration
        return increment(f"{key}:{window}", self.duration + 1, self.cache) <= self.num_requests

    def wait(self):
        return max(1.0, self.window_end - time.time())
