"""Reads go to the read replicas in DATABASE_REPLICA_URLS, writes to the primary.

A request is *pinned* to the primary (reads its own writes) after its first write, when it is
a signed-in user's, and when its client wrote within ``EXORESIST_REPLICA_PIN_SECONDS`` (a
cookie says so). Otherwise it reads from one replica, chosen at its first read: replicas lag
by different amounts, and a page whose count and rows came from two of them could disagree.
"""

from __future__ import annotations

import contextvars
import random

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("exoresist_pinned_to_primary", default=False)
_wrote: contextvars.ContextVar[bool] = contextvars.ContextVar("exoresist_wrote", default=False)
_replica: contextvars.ContextVar[str | None] = contextvars.ContextVar("exoresist_replica", default=None)


def wrote_in_request() -> bool:
    return _wrote.get()


def start_request(pinned: bool) -> tuple[contextvars.Token, ...]:
    return _pinned.set(pinned), _wrote.set(False), _replica.set(None)


def end_request(tokens: tuple[contextvars.Token, ...]) -> None:
    for variable, token in zip((_pinned, _wrote, _replica), tokens, strict=True):
        variable.reset(token)


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        replicas = settings.EXORESIST_REPLICAS
        if not replicas or _pinned.get():  # a write pins too: the request reads its own writes
            return DEFAULT_DB_ALIAS
        replica = _replica.get()
        if replica not in replicas:
            replica = random.choice(replicas)
            _replica.set(replica)
        return replica

    def db_for_write(self, model, **hints) -> str:
        # Outside a request (a management command) the pin lasts for the process: it reads its own writes.
        _wrote.set(True)
        _pinned.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        # Replicas hold the same rows as the primary.
        return True
