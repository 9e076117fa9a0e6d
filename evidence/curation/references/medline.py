"""MEDLINE text (PubMed's ``.nbib`` export): "TAG - value" lines, continued after six spaces;
a blank line ends a record."""

from __future__ import annotations

import re

from evidence.curation.references.pubmed import REVIEW_TYPES, expand_pages, without_full_stop
from evidence.curation.references.records import (
    EntryError,
    Reading,
    citation_values,
    read_records,
    stored_name,
)

NAME = "MEDLINE"
COMMAND = "import_references"
_FIELD = re.compile(r"([A-Z][A-Z0-9]{0,3}) {0,3}- ?(.*)")
_CONTINUATION = "      "
_MARKED_ID = re.compile(r"^(\S+)\s*\[(\w+)\]")


def looks_like(text: str) -> bool:
    return re.match(r"PMID- ?\d", text.lstrip()) is not None


def records(text: str) -> list[tuple[int, list[tuple[str, str]]]]:
    """``(line of the record's first field, [(tag, value), ...])`` for each record."""
    out: list[tuple[int, list[tuple[str, str]]]] = []
    fields: list[tuple[str, str]] = []
    start = 0
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if not line.strip():
            if fields:
                out.append((start, fields))
                fields = []
        elif line.startswith(_CONTINUATION) and fields:
            tag, value = fields[-1]
            fields[-1] = (tag, f"{value} {line.strip()}")
        elif match := _FIELD.fullmatch(line.rstrip()):
            if match.group(1) == "PMID" and fields:
                # PMID starts every record: one without the blank line before it is the next
                # record, not a second PMID of this one (its fields were lost to this record's).
                out.append((start, fields))
                fields = []
            start = start if fields else number
            fields.append((match.group(1), match.group(2).strip()))
        else:
            raise EntryError(
                f"line {number} is neither a field ('TAG - value') nor a continuation (six spaces, then text): "
                f"{line[:40]!r}."
            )
    return out


def count(text: str) -> int:
    return len(re.findall(r"^PMID- ?", text, re.MULTILINE))


def read(text: str, source: str, progress=None) -> Reading:
    keyed = [(line, next((v for tag, v in fields if tag == "PMID"), ""), fields) for line, fields in records(text)]
    return read_records(source, keyed, record_values, what="MEDLINE records", id_name="PMID", progress=progress)


#: What MEDLINE writes after the initials of an AU name ("Smith JA Jr", "Doe J 3rd").
_SUFFIXES = {"Jr", "Sr", "II", "III", "IV", "2nd", "3rd", "4th", "5th"}


def _family_first(short: str) -> str:
    """An AU name ("Doe J", "Smith JA Jr") as the PubMed XML reader stores one ("Smith, Jr, JA")."""
    words = short.split()
    suffix = words.pop() if len(words) > 2 and words[-1] in _SUFFIXES else ""
    if len(words) < 2:
        return short
    return stored_name(" ".join(words[:-1]), suffix, words[-1])


def record_values(fields: list[tuple[str, str]]) -> dict:
    first = dict(reversed(fields))  # each tag's first value
    marked = {}  # "10.1000/x [doi]", "e95240 [pii]"
    for tag, value in fields:
        if tag in ("LID", "AID") and (match := _MARKED_ID.match(value)):
            marked.setdefault(match.group(2).lower(), match.group(1))
    has_full_names = any(tag == "FAU" for tag, _ in fields)
    # Collective authors (CN) keep their place among the people.
    authors = [
        _family_first(value) if tag == "AU" else value
        for tag, value in fields
        if tag == ("FAU" if has_full_names else "AU") or tag == "CN"
    ]
    types = {value.lower() for tag, value in fields if tag == "PT"}
    retracted = "retracted publication" in types
    notice = f"Retraction in {first['RIN']}" if first.get("RIN") else "Marked as a retracted publication in PubMed."
    chapter = first.get("TI") and first.get("BTI")
    return citation_values(
        entry_type=("inbook" if chapter else "book") if first.get("BTI") else "article",
        title=without_full_stop(first.get("TI") or first.get("BTI", "")),
        authors=authors,
        journal=first.get("BTI", "") if chapter else first.get("JT") or first.get("TA", ""),
        year=first.get("DP"),
        volume=first.get("VI"),
        issue=first.get("IP"),
        pages=expand_pages(first.get("PG", "")) or marked.get("pii", ""),
        publisher=first.get("PB"),
        doi=marked.get("doi"),
        pmid=first.get("PMID"),
        pmcid=first.get("PMC"),
        abstract=first.get("AB"),
        publication_type="review" if types & REVIEW_TYPES else "primary",
        retracted=retracted,
        retraction_note=notice if retracted else "",
    )
