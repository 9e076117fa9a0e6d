"""The anonymous read limit, counted atomically.

DRF's ``AnonRateThrottle`` reads a client's request history from the cache, appends
and writes it back, so requests that arrive together all read the same history and
get through together. This one counts with the cache's atomic increment (Redis
``INCR``) in fixed windows of the rate's period, so no window serves more than the
rate (a burst across a window's edge can see up to twice the rate in one period).
"""

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
