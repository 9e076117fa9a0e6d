"""Keep what the server loaded at start-up out of Python's full garbage collections:
``gc.freeze()`` before forking workers, as the Python documentation recommends."""

from __future__ import annotations

import gc


def freeze_after_startup() -> None:
    gc.collect()  # what start-up left as garbage is collected, not frozen
    gc.freeze()
