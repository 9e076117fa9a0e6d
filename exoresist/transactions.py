"""Request transactions for writes only: ``ATOMIC_REQUESTS`` costs a read two round trips
(BEGIN, COMMIT) that protect nothing. Views marked here opt out of it and wrap only unsafe
methods again, with the same all-or-nothing meaning."""

from __future__ import annotations

import contextlib
import functools

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _needs_transaction(request) -> bool:
    if not settings.DATABASES[DEFAULT_DB_ALIAS].get("ATOMIC_REQUESTS"):
        return False
    # A read inside an enclosing transaction (a test's) still gets a savepoint:
    # DRF's error handling marks the innermost atomic block for rollback.
    return request.method not in SAFE_METHODS or transaction.get_connection().in_atomic_block


def atomic_writes(view):
    """For a function view: a transaction for writes only."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        with transaction.atomic() if _needs_transaction(request) else contextlib.nullcontext():
            return view(request, *args, **kwargs)

    return transaction.non_atomic_requests(wrapper)


class AtomicWritesMixin:
    """The same for class-based views; put it first among the bases (``as_view`` is what
    Django's ``ATOMIC_REQUESTS`` handling looks at)."""

    @classmethod
    def as_view(cls, *args, **kwargs):
        return atomic_writes(super().as_view(*args, **kwargs))
