"""What the import commands share: their options, reading a file, who the history records
as the author, and a progress bar."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from evidence.curation.references.intake import import_references
from evidence.curation.workflow import service_account

IMPORT_USERNAME = "exoresist-import"


def history_user(username: str | None):
    """The user recorded in the history: the one named, or a dedicated inactive import account."""
    if not username:
        return service_account(IMPORT_USERNAME, "bulk import")
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no user {username!r}; give --user an existing username.")
    return user


def progress_bar(options: dict):
    """A command's progress bars, on stderr; hidden by --no-progress and by --verbosity 0."""
    show = not options["no_progress"] and options["verbosity"] > 0
    return partial(tqdm, disable=not show, file=sys.stderr, mininterval=0.5)


def add_import_arguments(parser, *, user_help: str, reason_default: str = "") -> None:
    parser.add_argument("--dry-run", action="store_true", help="Check and report; save nothing.")
    parser.add_argument("--user", help=user_help)
    parser.add_argument("--reason", default=reason_default, help="Change reason recorded in the history.")
    parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Nothing was imported: cannot read {path}: {exc.strerror}.") from None


class CitationImportCommand(BaseCommand):
    """A command that reads citation files of ``formats`` and saves them through ``import_files``."""

    default_reason = ""
    formats: set[str] = set()

    def import_files(self, sources, **options):
        return import_references(sources, formats=self.formats, **options)

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="Save the good entries and report the bad ones."
        )
        add_import_arguments(parser, user_help="Username recorded in the history (default: exoresist-import).")

    def handle(self, *args, files, skip_invalid, dry_run, user, reason, **options):
        report = self.import_files(
            [(str(path), read_file(path)) for path in files],
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            user=history_user(user),
            reason=reason or f"{self.default_reason} ({', '.join(path.name for path in files)})",
            progress=progress_bar(options),
        )
        verbose = options["verbosity"] > 1
        for line in report.lines():
            if line.startswith(("error", "warning")) or verbose:
                (self.stderr if line.startswith("error") else self.stdout).write(line)
        if report.errors:
            if skip_invalid and report.saved:
                raise CommandError(f"{report.summary()} The entries with errors were skipped.")
            # --skip-invalid helps only when some entries would be saved: not for a file refused
            # whole (not UTF-8, of another format), nor when every entry is bad or already there.
            if report.created and not skip_invalid:
                advice = "Fix the entries above, or use --skip-invalid to save the others."
            else:
                advice = "Fix the problems above."
            raise CommandError(f"Nothing was imported. {report.summary()} {advice}")
        self.stdout.write(report.summary())
