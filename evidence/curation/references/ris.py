"""RIS (EndNote, Zotero, Mendeley, Web of Science, Scopus exports) into citation values.

Read with rispy, which knows RIS's tags and which of them repeat. Two things it does
not do are added here: exports that write three-letter tags ("DOI - ...") or one space
before the dash, and a record cut short (rispy drops a record without its ``ER`` line
silently; here the file is refused).
"""

from __future__ import annotations

import re
from pathlib import Path

import rispy
from rispy.config import TAG_KEY_MAPPING

from evidence.curation.references.records import (
    EntryError,
    ParsedEntry,
    Problem,
    checked_doi,
    checked_pmcid,
    checked_pmid,
    checked_year,
    citation_values,
    too_many,
)

NAME = "RIS"
COMMAND = "import_references"
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,2}) {1,2}-(?: (.*)|\s*)$")
_START = re.compile(r"^TY {1,2}- ", re.MULTILINE)
_PMID_IN_TEXT = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)
_PMCID_IN_TEXT = re.compile(r"\b(PMC\d{1,9})\b")
_DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_ENTRY_TYPES = {
    **dict.fromkeys(("JOUR", "JFULL", "EJOUR", "MGZN", "INPR", "NEWS"), "article"),
    **dict.fromkeys(("BOOK", "EBOOK", "EDBOOK", "WHOLE"), "book"),
    **dict.fromkeys(("CHAP", "ECHAP"), "inbook"),
    **dict.fromkeys(("CONF", "CPAPER"), "inproceedings"),
    "THES": "phdthesis",
    **dict.fromkeys(("UNPB", "MANSCPT"), "unpublished"),
}


class _Parser(rispy.RisParser):
    """rispy's parser, with the tag variants above and the line each record starts on."""

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
    first = text.lstrip().split("\n", 1)[0]
    return _START.match(first) is not None


def count(text: str) -> int:
    return len(_START.findall(text))


def read(
    text: str, source: str, *, progress=None, max_entries: int | None = None
) -> tuple[list[ParsedEntry], list[Problem]]:
    progress = progress or (lambda items, **kwargs: items)
    if max_entries is not None and (n := count(text)) > max_entries:
        return [], [too_many(source, n, max_entries, COMMAND)]
    parser = _Parser()
    found = parser.parse(text)
    if len(parser.starts) > len(found):
        number = len(found) + 1
        return [], [
            Problem(
                source,
                parser.starts[len(found)],
                "",
                "this record has no 'ER  -' line ending it: the file may be cut short. Export it again.",
                number,
            )
        ]
    if count(text) > len(found):
        return [], [
            Problem(
                source,
                None,
                "",
                f"{count(text)} records start with 'TY  -' but {len(found)} end with 'ER  -': "
                "a record lacks its end line. Export the file again.",
            )
        ]
    entries: list[ParsedEntry] = []
    problems: list[Problem] = []
    pairs = list(zip(parser.starts, found, strict=True))
    for number, (line, record) in enumerate(progress(pairs, desc=f"reading {Path(source).name}", unit="record"), 1):
        key = f"ID {record['id']}" if record.get("id") else ""
        try:
            entries.append(ParsedEntry(source, line, key, record_values(record), number))
        except EntryError as exc:
            problems.append(Problem(source, line, key, str(exc), number))
    if not entries and not problems:
        problems.append(Problem(source, None, "", "the file holds no RIS records."))
    return entries, problems


def _one(record: dict, *names: str) -> str:
    for name in names:
        value = record.get(name)
        if isinstance(value, list):
            value = next((v for v in value if v), "")
        if value:
            return str(value).strip()
    return ""


def record_values(record: dict) -> dict:
    entry_type = _ENTRY_TYPES.get(_one(record, "type_of_reference").upper(), "misc")
    authors = [name.strip().rstrip(",") for name in [*record.get("first_authors", []), *record.get("authors", [])]]
    urls = [url for url in record.get("urls", []) if url.lower().startswith(("http://", "https://"))]
    notes = " ".join(str(note) for note in record.get("notes", []))
    accession = _one(record, "accession_number")
    from_pubmed = re.search(r"pubmed|nlm", _one(record, "name_of_database", "database_provider"), re.IGNORECASE)
    raw_pmid = accession if from_pubmed or accession.upper().startswith("PMID") else ""
    if not raw_pmid and (found := _PMID_IN_TEXT.search(notes)):
        raw_pmid = found.group(1)
    raw_pmcid = _one(record, "custom2")
    if not raw_pmcid.upper().startswith("PMC"):
        found = _PMCID_IN_TEXT.search(notes)
        raw_pmcid = found.group(1) if found else ""
    start, end = _one(record, "start_page"), _one(record, "end_page")
    title = _one(record, "title", "primary_title")
    book = _one(record, "secondary_title") if entry_type in ("inbook", "inproceedings") else ""
    return citation_values(
        entry_type=entry_type,
        title=title,
        authors=[name for name in authors if name],
        journal=book
        or _one(record, "journal_name", "secondary_title", "alternate_title3", "alternate_title1", "alternate_title2"),
        year=checked_year(_one(record, "year", "publication_year", "date")),
        volume=_one(record, "volume"),
        issue=_one(record, "number"),
        pages=f"{start}-{end}" if start and end and start != end else start,
        publisher=_one(record, "publisher"),
        doi=checked_doi(_one(record, "doi") or next((u for u in urls if _DOI_URL.match(u)), "")),
        pmid=checked_pmid(raw_pmid),
        pmcid=checked_pmcid(raw_pmcid),
        url=next((u for u in urls if not _DOI_URL.match(u)), ""),
        abstract=_one(record, "abstract", "notes_abstract"),
    )
