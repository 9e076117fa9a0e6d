import time

from django.core.management.base import BaseCommand

from evidence.models.counts import refresh_counts
from exoresist import datacache


class Command(BaseCommand):
    help = (
        "Recount the stored accepted-evidence counts (evidence/models/counts.py) from scratch. Run after "
        "writing evidence or its links with raw SQL or other bulk operations that send no signals."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        refresh_counts()
        version = datacache.bump_version()
        self.stdout.write(f"counts stored in {time.monotonic() - started:.1f} s; data version is now {version}")
