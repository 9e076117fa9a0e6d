from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.curation.tsv import TSV_REASON, TsvError, import_evidence_tsv
from evidence.management.commands._common import add_import_arguments, history_user, progress_bar, read_file

MAX_SHOWN = 200


class Command(BaseCommand):
    help = (
        "Import evidence items from a TSV file (fixtures/evidence-template.tsv; see fixtures/README-import.md). "
        "Every row is checked first; nothing is saved when any row is bad. Idempotent by the key column."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, metavar="FILE.tsv")
        parser.add_argument("--submit", action="store_true", help="Submit new items for review (default: drafts).")
        parser.add_argument(
            "--allow-duplicates",
            action="store_true",
            help="Import new rows that an existing item already records (same citation, cargo and drug): "
            "each is refused otherwise, as the curator interface warns of it.",
        )
        add_import_arguments(
            parser,
            user_help="Username recorded as author and in the history (default: exoresist-import).",
            reason_default=TSV_REASON,
        )

    def handle(self, *args, file: Path, submit, allow_duplicates, dry_run, user, reason, **options):
        data = read_file(file)
        try:
            report = import_evidence_tsv(
                data,
                file.name,
                user=history_user(user),
                reason=reason,
                submit=submit,
                dry_run=dry_run,
                allow_duplicates=allow_duplicates,
                progress=progress_bar(options),
            )
        except TsvError as exc:
            raise CommandError(f"Nothing was imported. {exc}") from None
        for problem in report.errors[:MAX_SHOWN]:
            self.stderr.write(f"{file.name}, {problem}")
        if len(report.errors) > MAX_SHOWN:
            self.stderr.write(f"... and {len(report.errors) - MAX_SHOWN} more problems.")
        if report.errors:
            raise CommandError(report.summary())
        self.stdout.write(report.summary())
