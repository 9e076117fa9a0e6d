import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.curation.release import ReleaseError, export_release


class Command(BaseCommand):
    help = (
        "Write a dated, frozen release of all accepted data (JSON, TSV, BibTeX, manifest with SHA-256 checksums) "
        "to EXORESIST_RELEASES_DIR/VERSION. Refuses to overwrite an existing release."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", help="Release version, e.g. 2026.1")
        parser.add_argument("--date", type=dt.date.fromisoformat, help="Release date (YYYY-MM-DD; default today, UTC).")
        parser.add_argument("--dir", type=Path, help="Releases directory (default: EXORESIST_RELEASES_DIR).")

    def handle(self, *args, version, date, dir, **options):
        try:
            path = export_release(version, date=date, directory=dir)
        except ReleaseError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Release {version} written to {path}")
