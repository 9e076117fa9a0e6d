"""Keep what the server loaded at start-up out of Python's full garbage collections.

A page that counts facets allocates many short-lived objects; every so often they trigger
a full (generation 2) collection, which walks every tracked object in the process, the
loaded Django project with it. ``gc.freeze()`` moves what exists at start-up to a
permanent generation that collections skip (the Python documentation recommends it before
forking workers; the frozen pages also stay shared between them).
"""

from __future__ import annotations

import gc


def freeze_after_startup() -> None:
    gc.collect()  # what start-up left as garbage is collected, not frozen
    gc.freeze()
