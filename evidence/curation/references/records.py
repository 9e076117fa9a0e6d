"""What every citation reader shares: the checks of a citation's values, where a problem is,
the report, and one saving path (``import_files``)."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from simple_history.utils import bulk_create_with_history

from evidence import identifiers as ids
from evidence.curation.bulk import history_reason
from evidence.models import Citation
from evidence.models.citation import index_size_problem


@dataclass
class Problem:
    """What is wrong where: "refs.bib, line 12 (entry ning2017)", "export.xml, record 3 (PMID 28039476)"."""

    source: str
    line: int | None
    key: str
    message: str
    record: int | None = None

    def __str__(self) -> str:
        return _where(self.source, self.line, self.record, self.key) + f": {self.message}"


def _where(source: str, line: int | None, record: int | None, key: str) -> str:
    where = source + (f", line {line}" if line else "") + (f", record {record}" if record else "")
    if key:
        where += f" ({key})" if record else f" (entry {key})"
    return where


@dataclass
class ParsedEntry:
    source: str
    line: int | None
    key: str
    values: dict[str, Any]
    record: int | None = None

    @property
    def where(self) -> str:
        return _where(self.source, self.line, self.record, self.key)

    def problem(self, message: str) -> Problem:
        return Problem(self.source, self.line, self.key, message, self.record)


@dataclass
class ImportReport:
    created: list[Citation] = field(default_factory=list)
    existing: list[tuple[ParsedEntry, Citation]] = field(default_factory=list)
    duplicates: list[tuple[ParsedEntry, ParsedEntry]] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.saved:
            head = f"{len(self.created)} citations created"
        elif self.errors:
            head = f"nothing saved ({len(self.created)} citations would have been created)"
        elif self.created:
            head = f"dry run, nothing saved: {len(self.created)} citations would be created"
        else:
            head = "0 citations created"
        return (
            f"{head}, {len(self.existing)} already there, {len(self.duplicates)} duplicates within the input, "
            f"{len(self.errors)} errors."
        )

    def lines(self) -> list[str]:
        out = [f"error: {problem}" for problem in self.errors]
        out += [f"warning: {problem}" for problem in self.warnings]
        out += [
            f"already there: {entry.where} is citation #{citation.pk} ({citation.short_label})"
            for entry, citation in self.existing
        ]
        out += [f"duplicate: {entry.where} is the same paper as {first.where}" for entry, first in self.duplicates]
        return out


class EntryError(Exception):
    """What is wrong with an entry, or with a whole file (at ``line``, when known)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


#: What a reader gives for a file: the entries it read, and a problem for each it could not.
Reading = tuple[list[ParsedEntry], list[Problem]]


#: PostgreSQL text cannot hold NUL (U+0000): every value an import reads is checked for one.
NUL_PROBLEM = "holds a NUL character (\\u0000), which text may not contain; remove it."


def nul_field(values: dict[str, Any]) -> str | None:
    """The name of the first of ``values`` whose text (or a text in its list) holds a NUL."""
    for name, value in values.items():
        if any(isinstance(text, str) and "\x00" in text for text in (value if isinstance(value, list) else [value])):
            return name
    return None


def decode_text(data: bytes) -> str:
    """The text of an uploaded text file, or ``EntryError`` saying why it is not one."""
    if not data.strip():
        raise EntryError("the file is empty.")
    head = data[:4096]
    if _utf16(head):
        raise EntryError(
            'the file is UTF-16 (Excel\'s "Unicode Text" and some Windows programs write it), not UTF-8. '
            "Save it as UTF-8 and retry."
        )
    if b"\x00" in head or head.startswith((b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x1f\x8b")):
        raise EntryError("this is a binary file (a PDF, Word, zip or similar), not a text file.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise EntryError(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} on line {line}). "
            "Export it again as UTF-8 (Zotero, JabRef, Mendeley and PubMed all offer it) and retry."
        ) from None


def _utf16(head: bytes) -> bool:
    """A byte order mark, or Latin-script UTF-16 without one: every other byte NUL, no other."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    sample = head[: min(len(head), 512) // 2 * 2]
    even, odd = sample[0::2], sample[1::2]
    return len(sample) >= 8 and any(
        one.count(0) >= 0.9 * len(one) and 0 not in other for one, other in ((even, odd), (odd, even))
    )


def import_files(
    sources: Iterable[tuple[str, bytes]],
    read: Callable[..., Reading],
    *,
    skip_invalid: bool = False,
    user=None,
    reason: str,
    progress: Callable[..., Iterable] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Read ``(name, bytes)`` files with ``read(text, name, progress)`` (``EntryError`` refuses
    a file whole) and save the new entries, all or nothing unless ``skip_invalid``. The
    matching rules are in fixtures/README-import.md."""
    report = ImportReport()
    parsed: list[ParsedEntry] = []
    for source, data in sources:
        try:
            entries, problems = read(decode_text(data), source, progress)
        except EntryError as exc:
            report.errors.append(Problem(source, exc.line, "", str(exc)))
            continue
        parsed.extend(entries)
        report.errors.extend(problems)
    progress = progress or (lambda items, **kwargs: items)
    new = _match(parsed, report, progress)
    report.created = new  # unsaved until ``report.saved``
    if (report.errors and not skip_invalid) or dry_run or not new:
        return report
    try:
        with transaction.atomic():
            report.created = bulk_create_with_history(
                new, Citation, batch_size=1000, default_user=user, default_change_reason=history_reason(reason)
            )
    except IntegrityError as exc:
        report.created = []
        report.errors.append(Problem("database", None, "", f"the database refused the import: {exc}"))
        return report
    report.saved = True
    return report


# --- the values of one citation -------------------------------------------------

#: "PMID: 28039476" or "PMC5198504" in a note, and a DOI given as its address: where exports put them.
PMID_IN_TEXT = re.compile(r"\bPMID:?\s*(\d{1,9})\b", re.IGNORECASE)
PMCID_IN_TEXT = re.compile(r"\b(PMC\d{1,9})\b", re.IGNORECASE)
DOI_URL = re.compile(r"https?://(?:dx\.)?doi\.org/", re.IGNORECASE)
_MAX_LENGTHS = {
    name: Citation._meta.get_field(name).max_length
    for name in ("bibtex_key", "journal", "volume", "issue", "pages", "publisher", "url", "doi")
}
_URL_VALIDATOR = URLValidator()
#: What a record says when a parser leaves a field out: the model's default.
_DEFAULTS = {
    name: Citation._meta.get_field(name).get_default()
    for name in "bibtex_key entry_type authors authors_truncated journal year volume issue pages publisher doi pmid "
    "pmcid url abstract publication_type retracted retraction_note".split()
}


def or_in_text(given: str, pattern: re.Pattern, text: str) -> str:
    """``given``, or else what ``pattern`` finds in ``text`` (a note saying "PMID: 28039476")."""
    return given or (found.group(1) if (found := pattern.search(text)) else "")


def stored_name(family: str, suffix: str, given: str) -> str:
    """An author as every reader stores one: "Family, Given", a suffix between ("Smith, Jr, JA")."""
    return ", ".join(part for part in (family, suffix, given) if part)


def _checked(normalize: Callable[[Any], str | None], valid: re.Pattern, what: str) -> Callable:
    """A check of one kind of identifier: ``raw`` normalised, or ``EntryError`` saying it is not ``what``."""

    def check(raw) -> str | None:
        value = normalize(raw) if raw else None
        if value and not valid.fullmatch(value):
            raise EntryError(f"{raw!r} is not a {what}.")
        return value

    return check


def checked_year(raw) -> int | None:
    """The year of ``2019``, ``"2019///"``, ``"2019 Nov-Dec"`` or ``"2018 Winter"``."""
    if raw in (None, ""):
        return None
    match = re.match(r"\s*(\d{4})(?!\d)", str(raw))
    if not match or not 1000 <= int(match.group(1)) <= 2999:
        raise EntryError(f"the year {raw!r} is not a year.")
    return int(match.group(1))


def citation_values(**given) -> dict[str, Any]:
    """Every Citation field an importer sets, checked (the year and identifiers as the file
    gives them); ``EntryError`` names what is wrong."""
    if name := nul_field(given):
        raise EntryError(f"the {name.replace('_', ' ')} field {NUL_PROBLEM}")
    given |= {name: check(given.get(name)) for name, check in _CHECKED}
    # An empty name ("AU  - " in MEDLINE, a PubMed <Author> of spaces) is no author.
    given["authors"] = [author for author in given.get("authors") or [] if str(author).strip()]
    values = {**_DEFAULTS, **{name: value for name, value in given.items() if value not in (None, "")}}
    values["title"] = _WHITESPACE.sub(" ", values.get("title") or "").strip()
    if not values["title"]:
        raise EntryError("the record has no title.")
    _check_index_sizes(values)
    if values["retracted"] and not values["retraction_note"]:
        raise EntryError("the entry is marked retracted but has no retractionnote saying where and when.")
    for name, limit in _MAX_LENGTHS.items():
        value = values[name] or ""
        if len(value) > limit:
            raise EntryError(f"the {name.replace('_', ' ')} is {len(value)} characters long; at most {limit} fit.")
    if values["url"]:
        try:
            _URL_VALIDATOR(values["url"])
        except ValidationError:
            raise EntryError(f"the url {values['url']!r} is not a web address.") from None
    return values


def _check_index_sizes(values: dict[str, Any]) -> None:
    """``EntryError`` for a title or author list too long for the database's indexes (it refused the
    whole import with a server error)."""
    if problem := index_size_problem(values["title"], values["authors"], 'end a BibTeX author field with "and others"'):
        raise EntryError(problem[1])


_WHITESPACE = re.compile(r"\s+")
_CHECKED = (
    ("year", checked_year),
    ("doi", _checked(ids.normalize_doi, ids.DOI_RE, "DOI: a DOI starts with 10., a registrant code and a slash")),
    ("pmid", _checked(ids.normalize_pmid, re.compile(r"[1-9]\d{,8}"), "PMID: a PMID is a number of up to nine digits")),
    ("pmcid", _checked(ids.normalize_pmcid, re.compile(r"PMC\d{1,9}"), "PMCID: a PMCID looks like PMC1234567")),
)


# --- saving -------------------------------------------------------------------


def _match(parsed: list[ParsedEntry], report: ImportReport, progress) -> list[Citation]:
    """Sort entries into already there, duplicates and new (unsaved) citations."""
    stored = {
        name: Citation.objects.in_bulk({e.values[name] for e in parsed if e.values[name]}, field_name=name)
        for name in ("doi", "pmid", "bibtex_key")
    }
    by_doi, by_pmid, by_key = stored.values()
    # An entry without identifiers (Google Scholar writes none) is the stored paper of its
    # title and year whatever identifiers that has; the oldest, when several share them.
    titles = {e.values["title"] for e in parsed if not e.values["doi"] and not e.values["pmid"]}
    by_title: dict[tuple[str, int | None], Citation] = {}
    for citation in Citation.objects.filter(title__in=titles).order_by("pk"):
        by_title.setdefault((citation.title, citation.year), citation)

    #: Each entry met and the citation it became, by ("doi", DOI), ("pmid", PMID) and ("title", (title, year)).
    seen: dict[tuple[str, Any], tuple[ParsedEntry, Citation]] = {}
    seen_key: dict[str, ParsedEntry] = {}
    new: list[Citation] = []
    for entry in progress(parsed, desc="citations", unit="entry"):
        values = entry.values
        doi, pmid, key = values["doi"], values["pmid"], values["bibtex_key"]
        identity = (values["title"], values["year"])
        marks = [(name, values[name]) for name in ("doi", "pmid") if values[name]] or [("title", identity)]

        if any(mark in seen for mark in marks):
            if problem := _repeat_problem(values, marks, seen, stored):
                report.errors.append(entry.problem(problem))
            else:
                report.duplicates.append((entry, next(seen[mark][0] for mark in marks if mark in seen)))
            continue
        if key and key in seen_key:
            report.errors.append(entry.problem(f"the key {key} is also used by {seen_key[key].where}."))
            continue

        citation = (doi and by_doi.get(doi)) or (pmid and by_pmid.get(pmid))
        if citation is None and not doi and not pmid:
            citation = by_title.get(identity)
            keyed = by_key.get(key) if key else None
            if citation is None and keyed is not None and not keyed.doi and not keyed.pmid:
                citation = keyed
        if citation is not None:
            if conflict := _identifier_conflict(values, citation, _belongs(citation)):
                report.errors.append(entry.problem(conflict))
                continue
            report.existing.append((entry, citation))
        else:
            if key and key in by_key:
                report.warnings.append(
                    entry.problem(
                        f"the key {key} already belongs to citation #{by_key[key].pk} "
                        f"({by_key[key].short_label}); this paper is imported without a key."
                    )
                )
                values = {**values, "bibtex_key": None}
            citation = _new_citation(values)
            new.append(citation)
        if key:
            seen_key[key] = entry
        seen.update(dict.fromkeys(marks, (entry, citation)))
        seen.setdefault(("title", identity), (entry, citation))
    return new


_LABELS = {"doi": "DOI", "pmid": "PMID"}


def _belongs(citation: Citation) -> str:
    return f"belongs to citation #{citation.pk} ({citation.short_label})"


def _repeat_problem(values: dict, marks: list, seen: dict, stored: dict[str, dict[str, Citation]]) -> str:
    """Why an entry sharing ``marks`` with entries ``seen`` before is not a repeat of them; ""
    when it is. A new citation takes the identifier a repeat adds; a stored one is left as it is.
    """
    owners = [(name, *seen[name, value]) for name, value in marks if (name, value) in seen]
    (_, first, citation), *others = owners
    for name, other, its in others:
        if its is not citation:
            return (
                f"its {_LABELS[owners[0][0]]} is also that of {first.where} and its {_LABELS[name]} that of "
                f"{other.where}, two different papers. Check which identifier is right."
            )
    owner = f"is also that of {first.where}" + (f", citation #{citation.pk}" if citation.pk else "")
    if conflict := _identifier_conflict(values, citation, owner):
        return conflict
    added = {name: values[name] for name in _LABELS if values[name] and not getattr(citation, name)}
    if citation.pk is not None or not added:
        return ""
    for name, value in added.items():
        if taken := stored[name].get(value):
            return (
                f"its {_LABELS[name]} {_belongs(taken)}, but its other identifier is that of {first.where}, "
                "a paper not in the database. Check which identifier is right."
            )
    for name, value in added.items():
        setattr(citation, name, value)
        seen[name, value] = (first, citation)
    return ""


def _identifier_conflict(values: dict, citation: Citation, owner: str) -> str:
    """What is wrong when ``values`` share an identifier with ``citation`` (``owner`` says whose)
    but disagree on the other."""
    for name, label in _LABELS.items():
        ours, theirs = values[name], getattr(citation, name)
        if ours and theirs and ours != theirs:
            other = "PMID" if name == "doi" else "DOI"
            return f"its {other} {owner}, whose {label} is {theirs}, not {ours}. Check which identifier is right."
    return ""


def _new_citation(values: dict) -> Citation:
    citation = Citation(**values)
    citation.clean()
    citation.author_string = "; ".join(citation.authors)  # save() sets it; bulk_create does not call save()
    return citation


def read_records(
    source: str,
    records: list[tuple[int | None, Any, Any]],
    values: Callable[[Any], dict],
    *,
    what: str,
    id_name: str,
    progress: Callable[..., Iterable] | None = None,
) -> Reading:
    """Each ``(line, identifier, record)`` read by ``values``, or a problem naming the record when it
    raises EntryError."""
    progress = progress or (lambda items, **kwargs: items)
    entries: list[ParsedEntry] = []
    problems: list[Problem] = []
    for number, (line, identifier, record) in enumerate(
        progress(records, desc=f"reading {Path(source).name}", unit="record"), 1
    ):
        key = f"{id_name} {identifier}" if identifier else ""
        try:
            entries.append(ParsedEntry(source, line, key, values(record), number))
        except EntryError as exc:
            problems.append(Problem(source, line, key, str(exc), number))
    if not entries and not problems:
        problems.append(Problem(source, None, "", f"the file holds no {what}."))
    return entries, problems


def first_text(record: dict, *names: str) -> str:
    """The first of ``names`` that ``record`` holds as text (of a list, its first), on one line;
    ``EntryError`` for one that holds an object or a list of them (a JSON file's "DOI": {...})."""
    for name in names:
        value = record.get(name)
        if isinstance(value, list):
            value = next((v for v in value if v), "")
        if isinstance(value, dict | list):
            raise EntryError(f"its {name} is {json.dumps(value, default=str)[:40]}, not text.")
        if value not in (None, ""):
            return re.sub(r"\s+", " ", str(value)).strip()
    return ""
