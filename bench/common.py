"""What every benchmark script needs: Django set up from the environment, and percentiles."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(**extra_env: str) -> None:
    """Set Django up the way the benchmarks run it: production code paths, test-suite keys.

    ``extra_env`` holds environment defaults a script needs on top (an explicit
    environment variable always wins).
    """
    sys.path.insert(0, str(ROOT))
    defaults = {
        "DJANGO_SETTINGS_MODULE": "exoresist.settings",
        "DJANGO_DEBUG": "0",
        "EXORESIST_INSECURE_DEV_KEY": "1",
        "EXORESIST_TESTING": "1",
        # Counts as production keeps them: the suite's check before every read of them is not.
        "EXORESIST_COUNTS_REFRESH": "background",
        **extra_env,
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile, ``fraction`` between 0 and 1."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
