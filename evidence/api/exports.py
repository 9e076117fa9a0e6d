"""Whole-table exports (CSV, TSV, BibTeX): written to a file, then sent with their length.

A stream cut half-way reaches a script as a 200 with a short body, taken for the whole table; a file
sent with its ``Content-Length`` is visibly short. The unfiltered public export is built once per data
version; builds are capped site-wide (``EXORESIST_EXPORT_BUILDS``, a 503) and per client
(``EXORESIST_EXPORTS_PER_CLIENT``, a 429), so that page traffic keeps its workers.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse
from rest_framework.exceptions import APIException, Throttled

from exoresist.counters import increment
from exoresist.data_version import get_version
from exoresist.middleware import client_ip

#: Longer than gunicorn's 30 s worker timeout, so a slot or a build lock outlives its build
#: only when the worker was killed mid-build, and then by at most this long.
SLOT_TIMEOUT = 60


class ExportsBusy(APIException):
    status_code = 503
    default_code = "exports_busy"
    wait = 5  # DRF's handler sends it as Retry-After


def exports_dir() -> Path:
    path = Path(settings.EXORESIST_EXPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_response(request, lines: Iterable[str], *, filename: str, content_type: str, shared: bool):
    """A ``FileResponse`` of ``lines``; a ``shared`` one (the same for every reader) is kept per data version."""
    version = get_version() if shared else None
    stem, suffix = filename.rsplit(".", 1)
    kept = exports_dir() / f"{stem}-{version}.{suffix}" if version else None
    if kept is not None and kept.exists():
        return _send(kept.open("rb"), filename, content_type)
    with _build_slot(request), _only_builder(kept):
        handle = tempfile.NamedTemporaryFile(dir=exports_dir(), prefix=f".{stem}-", suffix=".part", delete=False)
        try:
            with handle:
                handle.writelines(line.encode("utf-8") for line in lines)
            if kept is not None:
                os.replace(handle.name, kept)
                _retire_older(stem, suffix, keep=kept)
            return _send(open(kept or handle.name, "rb"), filename, content_type)  # FileResponse closes it
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(handle.name)  # an open file stays readable after its name is gone


def _send(file, filename: str, content_type: str) -> FileResponse:
    # FileResponse sets Content-Length from the open file, also after its name is unlinked.
    return FileResponse(file, as_attachment=True, filename=filename, content_type=content_type)


def _retire_older(stem: str, suffix: str, keep: Path) -> None:
    for path in keep.parent.glob(f"{stem}-*.{suffix}"):
        if path != keep:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


@contextlib.contextmanager
def _build_slot(request) -> Iterator[None]:
    user = getattr(request, "user", None)
    who = f"user:{user.pk}" if user is not None and user.is_authenticated else f"ip:{client_ip(request)}"
    client = f"exoresist:exports:client:{who}"
    everyone = "exoresist:exports:running"
    taken = []  # every slot counted, refused or not, is given back
    try:
        taken.append(client)
        if increment(client, SLOT_TIMEOUT) > settings.EXORESIST_EXPORTS_PER_CLIENT:
            raise Throttled(
                wait=10,
                detail=f"You already have {settings.EXORESIST_EXPORTS_PER_CLIENT} exports being built; "
                "wait for one to finish. The dated releases (/releases/) hold the whole data set.",
            )
        taken.append(everyone)
        if increment(everyone, SLOT_TIMEOUT) > settings.EXORESIST_EXPORT_BUILDS:
            raise ExportsBusy(
                "The server is building other exports; retry in a few seconds. "
                "The dated releases (/releases/) hold the whole data set."
            )
        yield
    finally:
        for key in taken:
            with contextlib.suppress(ValueError):
                cache.decr(key)


@contextlib.contextmanager
def _only_builder(kept: Path | None) -> Iterator[None]:
    """One worker builds a kept file; the others are told to come back for it."""
    if kept is None:
        yield
        return
    key = f"exoresist:exports:building:{kept.name}"
    if not cache.add(key, 1, timeout=SLOT_TIMEOUT):
        raise ExportsBusy("This export is being prepared; retry in a few seconds.")
    try:
        yield
    finally:
        cache.delete(key)
