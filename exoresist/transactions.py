"""Request transactions for writes only (see ``AtomicWritesMixin``)."""

from __future__ import annotations

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class AtomicWritesMixin:
    """Writes run in one transaction; reads in autocommit.

    ``ATOMIC_REQUESTS`` wraps every request in a transaction, which costs a read two
    extra round trips (BEGIN, COMMIT) that protect nothing: a GET writes no curated
    data. So the views opt out of it and wrap only unsafe methods again, with the
    same all-or-nothing meaning (DRF marks the transaction for rollback when it
    turns an exception into an error response). With read replicas, reads go to a
    replica anyway, where no request transaction exists.

    Put it first among a class-based view's bases; ``as_view`` is what Django's
    ``ATOMIC_REQUESTS`` handling looks at.
    """

    @classmethod
    def as_view(cls, *args, **kwargs):
        return transaction.non_atomic_requests(super().as_view(*args, **kwargs))

    def dispatch(self, request, *args, **kwargs):
        atomic = settings.DATABASES[DEFAULT_DB_ALIAS].get("ATOMIC_REQUESTS")
        # A read inside an enclosing transaction (a test's) still gets a savepoint:
        # DRF's error handling marks the innermost atomic block for rollback.
        if atomic and (request.method not in SAFE_METHODS or transaction.get_connection().in_atomic_block):
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)
