from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.curation.release import ReleaseError, import_release
from evidence.management.commands._common import history_user


class Command(BaseCommand):
    help = (
        "Load a release directory written by export_release into an empty database, after checking every file "
        "against the manifest's checksums. Evidence and citation ids are kept, so public ids stay valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The release directory (holding manifest.json).")
        parser.add_argument("--user", help="Username recorded in the history (default: exoresist-import).")

    def handle(self, *args, path, user, **options):
        try:
            counts = import_release(path, user=history_user(user))
        except ReleaseError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from None
        self.stdout.write("Imported " + ", ".join(f"{n} {name}" for name, n in counts.items()) + ".")
