from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.curation.bibtex import BIBTEX_REASON, import_bibtex
from evidence.management.commands._common import history_user, progress_factory


class Command(BaseCommand):
    help = (
        "Import citations from BibTeX files (Zotero, Mendeley, JabRef, Google Scholar exports). "
        "Idempotent; atomic unless --skip-invalid. Exits non-zero when any entry is bad."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Save the good entries and report the bad ones."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check and report; save nothing.")
        parser.add_argument("--user", help="Username recorded in the history (default: exoresist-import).")
        parser.add_argument("--reason", default="", help="Change reason recorded in the history.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, files, skip_invalid, dry_run, user, reason, no_progress, **options):
        sources = []
        for path in files:
            try:
                sources.append((str(path), path.read_bytes()))
            except OSError as exc:
                raise CommandError(f"Nothing was imported: cannot read {path}: {exc.strerror}.") from None
        report = import_bibtex(
            sources,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            user=history_user(user),
            reason=reason or f"{BIBTEX_REASON} ({', '.join(path.name for path in files)})",
            progress=progress_factory(not no_progress and options["verbosity"] > 0),
        )
        verbose = options["verbosity"] > 1
        for line in report.lines():
            if line.startswith(("error", "warning")) or verbose:
                (self.stderr if line.startswith("error") else self.stdout).write(line)
        if report.errors:
            if skip_invalid and report.saved:
                raise CommandError(f"{report.summary()} The entries with errors were skipped.")
            raise CommandError(
                f"Nothing was imported. {report.summary()} Fix the entries above, or use --skip-invalid."
            )
        self.stdout.write(report.summary())
