from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from evidence.recognition import recognise


class Command(BaseCommand):
    help = (
        "Read text on stdin and print the drugs, cargos, cells, mechanisms and therapy classes it mentions, "
        "by any of their names or aliases, with where each mention starts and ends in the text. A drug-resistant "
        "line described rather than named ('adriamycin-resistant breast cancer cells') is listed as inferred."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            choices=["json", "text"],
            default="json",
            help="json (default): a list of mentions; text: one mention a line (start, end, kind, slug, text, "
            "and for an inferred mention how it was inferred).",
        )
        parser.add_argument(
            "--unpublished",
            action="store_true",
            help="Also recognise drugs, cargos and cells only drafts use (default: what public pages show).",
        )

    def handle(self, *args, format: str, unpublished: bool, **options):
        text = read_stdin()
        mentions = recognise(text, public=not unpublished)
        if format == "json":
            self.stdout.write(json.dumps(mentions, ensure_ascii=False, indent=1))
            return
        for mention in mentions:
            # One mention a line: a description may run over a line break.
            written = " ".join(mention["text"].split())
            columns = [mention["start"], mention["end"], mention["kind"], mention["slug"], written]
            if "inferred" in mention:
                columns.append(f"inferred: {mention['inferred']}")
            self.stdout.write("\t".join(map(str, columns)))


def read_stdin() -> str:
    """The whole of stdin as text, decoded as UTF-8 (a byte order mark is dropped)."""
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # already text (a test's StringIO)
        return sys.stdin.read()
    data = raw.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"Nothing was recognised: stdin is not UTF-8 text (byte {exc.start}).") from None
