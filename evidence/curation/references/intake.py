"""Any reference file in: its format told from its content, then one saving path.

The admin upload takes every format; ``import_pubmed`` and ``import_references`` each
take their own and name the other command for a file that belongs there.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from types import SimpleNamespace

from evidence.curation import bibtex
from evidence.curation.references import csljson, medline, pubmed, ris
from evidence.curation.references.records import (
    EntryError,
    ImportReport,
    ParsedEntry,
    Problem,
    decode_text,
    save_entries,
)

#: Tried in this order: PubMed XML before the other XML, MEDLINE and RIS by their first line.
READERS = {
    "pubmed": pubmed,
    "medline": medline,
    "ris": ris,
    "csljson": csljson,
    "bibtex": SimpleNamespace(
        NAME="BibTeX",
        COMMAND="import_bibtex",
        looks_like=lambda text: bibtex.count_entries(text) > 0,
        read=bibtex.read_bibtex,
    ),
}
ALL_FORMATS = tuple(READERS)
REASON = "Imported from a reference file"
_KNOWN = (
    "ExoResist reads PubMed XML (efetch with retmode=xml), MEDLINE/.nbib (starts with 'PMID- '), "
    "RIS (starts with 'TY  - '), CSL-JSON (a JSON list of items) and BibTeX (@article{...})."
)


def detect_format(text: str) -> str:
    """The key in ``READERS`` of the file's format; ``EntryError`` when it is none of them."""
    for name, reader in READERS.items():
        if reader.looks_like(text):
            return name
    if text.lstrip().startswith("<"):
        raise EntryError(f"this is XML, but not a PubMed export (no <PubmedArticleSet>). {_KNOWN}")
    raise EntryError(f"the format of this file is not one ExoResist reads. {_KNOWN}")


def import_references(
    sources: Iterable[tuple[str, bytes]],
    *,
    formats: Collection[str] = ALL_FORMATS,
    skip_invalid: bool = False,
    user=None,
    reason: str = REASON,
    progress: Callable[..., Iterable] | None = None,
    dry_run: bool = False,
    max_entries: int | None = None,
) -> ImportReport:
    """Import citations from reference files given as ``(name, bytes)`` pairs.

    Each file's format is told from its content and must be one of ``formats``. Saving
    is ``save_entries``: idempotent, atomic unless ``skip_invalid``. A file with more
    than ``max_entries`` records (web uploads) is refused whole.
    """
    report = ImportReport()
    parsed: list[ParsedEntry] = []
    for source, data in sources:
        try:
            text = decode_text(data, source)
            name = detect_format(text)
            if name not in formats:
                reader = READERS[name]
                raise EntryError(
                    f"this is a {reader.NAME} file; import it with `python manage.py {reader.COMMAND} FILE`."
                )
        except EntryError as exc:
            report.errors.append(Problem(source, None, "", str(exc)))
            continue
        entries, problems = READERS[name].read(text, source, progress=progress, max_entries=max_entries)
        parsed.extend(entries)
        report.errors.extend(problems)
    return save_entries(
        parsed, report, skip_invalid=skip_invalid, user=user, reason=reason, progress=progress, dry_run=dry_run
    )
