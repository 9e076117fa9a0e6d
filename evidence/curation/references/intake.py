"""Any reference file in, its format told from its content."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from evidence.curation import bibtex
from evidence.curation.references import csljson, medline, pubmed, ris
from evidence.curation.references.records import EntryError, ImportReport, import_files

#: Tried in this order: PubMed XML before the other XML, MEDLINE and RIS by their first line.
READERS = {"pubmed": pubmed, "medline": medline, "ris": ris, "csljson": csljson, "bibtex": bibtex}
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
    formats: Collection[str] = READERS.keys(),
    reason: str = REASON,
    max_entries: int | None = None,
    **options,
) -> ImportReport:
    """Import reference files of ``formats``; one of more than ``max_entries`` records (a web
    upload must finish within a request) is refused whole."""

    def read(text: str, source: str, progress=None):
        name = detect_format(text)
        reader = READERS[name]
        if name not in formats:
            raise EntryError(f"this is a {reader.NAME} file; import it with `python manage.py {reader.COMMAND} FILE`.")
        if max_entries is not None and (count := reader.count(text)) > max_entries:
            raise EntryError(
                f"it holds {count:,} entries; an upload takes at most {max_entries:,}. Split the file, or "
                f"run `python manage.py {reader.COMMAND} FILE` on the server (no limit, with a progress bar).",
            )
        return reader.read(text, source, progress)

    return import_files(sources, read, reason=reason, **options)
