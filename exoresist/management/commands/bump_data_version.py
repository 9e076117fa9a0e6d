from django.core.management.base import BaseCommand

from exoresist import data_version


class Command(BaseCommand):
    help = (
        "Invalidate every cached page and ETag. Run after a deploy (new templates) or after "
        "loading data with bulk operations that send no signals."
    )

    def handle(self, *args, **options):
        version = data_version.bump_version()
        self.stdout.write(f"data version is now {version}")
