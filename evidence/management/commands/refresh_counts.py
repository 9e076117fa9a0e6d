import time

from django.core.management.base import BaseCommand

from evidence.models.counts import refresh_counts
from exoresist import data_version


class Command(BaseCommand):
    help = (
        "Refresh the accepted-evidence counts (a materialized view, evidence/models/counts.py) if a write "
        "since the last refresh may have changed them, or always with --force; then retire cached pages. "
        "Writes made through Django refresh them by themselves; run this after writing with other tools."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="refresh even when no write was recorded")

    def handle(self, *args, force=False, **options):
        started = time.monotonic()
        refreshed = refresh_counts(force=force)
        version = data_version.bump_version()
        what = "counts refreshed" if refreshed else "counts already current"
        self.stdout.write(f"{what} in {time.monotonic() - started:.1f} s; data version is now {version}")
