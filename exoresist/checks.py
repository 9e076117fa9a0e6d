"""With DEBUG off and no static files manifest every HTML page would be a 500: ``check
--deploy`` reports it, and the WSGI application refuses to start with the same message."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core import checks
from django.core.files.storage import storages


def static_manifest_problem() -> str | None:
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    manifest = Path(settings.STATIC_ROOT or "") / storage.manifest_name
    if manifest.is_file():
        return None
    return (
        f"Static files have not been collected: {manifest} is missing, so every HTML page would fail. "
        "Run `python manage.py collectstatic --noinput` (the Docker image does it at build time)."
    )


@checks.register(checks.Tags.staticfiles, deploy=True)
def check_static_manifest(app_configs=None, **kwargs):
    problem = static_manifest_problem()
    return [checks.Error(problem, id="exoresist.E001")] if problem else []
