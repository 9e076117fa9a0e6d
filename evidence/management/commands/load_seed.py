from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.curation.seed import SEED_DIR, SeedError, SeedLoader
from evidence.management.commands._common import progress_bar


class Command(BaseCommand):
    help = "Load the curated seed (fixtures/seed/*.yaml). Idempotent and atomic: run it as often as you like."

    def add_arguments(self, parser):
        parser.add_argument("--seed-dir", type=Path, default=SEED_DIR, help="Folder of the seed YAML files.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, seed_dir: Path, **options):
        try:
            report = SeedLoader(seed_dir, progress=progress_bar(options)).load()
        except SeedError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from None
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Seed loaded." if report.changed else "Seed already up to date."))
