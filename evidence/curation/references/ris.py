"""RIS (EndNote, Zotero, Mendeley, Web of Science, Scopus) into citation values, read with rispy,
plus three-letter tags ("DOI - ..."), one space before the dash, and a record cut short refused
(rispy drops one without its ``ER`` line silently)."""

from __future__ import annotations

import re

import rispy
from rispy.config import TAG_KEY_MAPPING

from evidence.curation.references.records import (
    DOI_URL,
    PMCID_IN_TEXT,
    PMID_IN_TEXT,
    EntryError,
    Problem,
    Reading,
    citation_values,
    first_text,
    or_in_text,
    read_records,
)

NAME = "RIS"
COMMAND = "import_references"
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,2}) {1,2}-(?: (.*)|\s*)$")
_START = re.compile(r"^TY {1,2}- ", re.MULTILINE)
_ENTRY_TYPES = {
    **dict.fromkeys(("JOUR", "JFULL", "EJOUR", "MGZN", "INPR", "NEWS"), "article"),
    **dict.fromkeys(("BOOK", "EBOOK", "EDBOOK", "WHOLE"), "book"),
    **dict.fromkeys(("CHAP", "ECHAP"), "inbook"),
    **dict.fromkeys(("CONF", "CPAPER"), "inproceedings"),
    "THES": "phdthesis",
    **dict.fromkeys(("UNPB", "MANSCPT"), "unpublished"),
}


class _Parser(rispy.RisParser):
    """rispy's parser, with the tag variants and the line each record starts on."""

    DEFAULT_MAPPING = {**TAG_KEY_MAPPING, "DOI": "doi"}

    def parse(self, text: str) -> list[dict]:
        self.starts: list[int] = []
        self.line = 0

        def lines():
            for number, line in enumerate(text.splitlines(), start=1):
                self.line = number
                yield line

        return self.parse_lines(lines())

    def _iter_till_start(self, lines) -> dict:
        record = super()._iter_till_start(lines)
        self.starts.append(self.line)
        return record

    def parse_line(self, line: str):
        match = _TAG.match(line)
        if match:
            return match.group(1), (match.group(2) or "").strip()
        return None, line.strip()


def looks_like(text: str) -> bool:
    return _START.match(text.lstrip()) is not None


def count(text: str) -> int:
    return len(_START.findall(text))


def read(text: str, source: str, progress=None) -> Reading:
    parser = _Parser()
    found = parser.parse(text)
    if len(parser.starts) > len(found):
        message = "this record has no 'ER  -' line ending it: the file may be cut short. Export it again."
        return [], [Problem(source, parser.starts[len(found)], "", message, len(found) + 1)]
    if (started := count(text)) > len(found):
        raise EntryError(
            f"{started} records start with 'TY  -' but {len(found)} end with 'ER  -': "
            "a record lacks its end line. Export the file again.",
        )
    keyed = [(line, record.get("id"), record) for line, record in zip(parser.starts, found, strict=True)]
    return read_records(source, keyed, record_values, what="RIS records", id_name="ID", progress=progress)


def record_values(record: dict) -> dict:
    entry_type = _ENTRY_TYPES.get(first_text(record, "type_of_reference").upper(), "misc")
    authors = [name.strip().rstrip(",") for name in [*record.get("first_authors", []), *record.get("authors", [])]]
    urls = [url for url in record.get("urls", []) if url.lower().startswith(("http://", "https://"))]
    notes = " ".join(str(note) for note in record.get("notes", []))
    accession = first_text(record, "accession_number")
    from_pubmed = re.search(r"pubmed|nlm", first_text(record, "name_of_database", "database_provider"), re.IGNORECASE)
    raw_pmid = accession if from_pubmed or accession.upper().startswith("PMID") else ""
    raw_pmcid = first_text(record, "custom2")
    start, end = first_text(record, "start_page"), first_text(record, "end_page")
    title = first_text(record, "title", "primary_title")
    book = first_text(record, "secondary_title") if entry_type in ("inbook", "inproceedings") else ""
    periodical = ("journal_name", "secondary_title", "alternate_title3", "alternate_title1", "alternate_title2")
    return citation_values(
        entry_type=entry_type,
        title=title,
        authors=[name for name in authors if name],
        journal=book or first_text(record, *periodical),
        year=first_text(record, "year", "publication_year", "date"),
        volume=first_text(record, "volume"),
        issue=first_text(record, "number"),
        pages=f"{start}-{end}" if start and end and start != end else start or end,
        publisher=first_text(record, "publisher"),
        doi=first_text(record, "doi") or next((u for u in urls if DOI_URL.match(u)), ""),
        pmid=or_in_text(raw_pmid, PMID_IN_TEXT, notes),
        pmcid=or_in_text(raw_pmcid if raw_pmcid.upper().startswith("PMC") else "", PMCID_IN_TEXT, notes),
        url=next((u for u in urls if not DOI_URL.match(u)), ""),
        abstract=first_text(record, "abstract", "notes_abstract"),
    )
