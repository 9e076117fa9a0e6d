"""Bulk import of evidence from a TSV file, one row per item (``fixtures/README-import.md``).

A row's ``key`` (``Evidence.import_key``) makes a re-import idempotent; ``Evidence.imported_content``
(what the last import wrote) tells an edit made since from a change in the file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from evidence import identifiers as ids
from evidence.choices import DrugRole, Status, accepted_values, controlled_names, named_by, nearest_values
from evidence.curation.bulk import M2M, content_links, history_reason, insert_evidence, update_evidence
from evidence.curation.references.records import NUL_PROBLEM, EntryError, decode_text, nul_field
from evidence.curation.workflow import (
    CONTENT_FIELDS,
    WorkflowError,
    add_drug_role,
    back_to_draft,
    content_values,
    duplicates_of,
    repeated_findings,
    set_content,
)
from evidence.models import (
    AmbiguousName,
    CancerType,
    Cargo,
    Cell,
    Citation,
    Drug,
    Evidence,
    EvidenceRevision,
    Mechanism,
    TherapyClass,
)
from evidence.models.base import id_array
from evidence.models.evidence import STATEMENT_MAX_LENGTH, fit_subtype, format_public_id
from evidence.models.vocabulary import breast_cancer_type_ids

TSV_REASON = "Imported from TSV"
LIST_SEPARATOR = ";"

#: The template's header: a row's key, then the content fields of a finding, each holding
#: what a revision holds for it (relations as primary keys, drugs as {"<drug pk>": role}).
COLUMN_NAMES = ["key", *CONTENT_FIELDS]
REQUIRED = {"key", "statement", "therapy_class", "effect", "evidence_type", "level", "citation"}
_KEY_RE = re.compile(r"^[-A-Za-z0-9_]+$")
_TEXT = ("statement", "experimental_systems", "ev_isolation", "ev_markers", "cited_as", "source_quote", "curation_note")
#: The longest text each column may hold (``key`` is ``Evidence.import_key``).
_LENGTHS = {name: Evidence._meta.get_field(name).max_length for name in ("ev_isolation", "ev_markers", "cited_as")} | {
    "key": Evidence._meta.get_field("import_key").max_length,
    "statement": STATEMENT_MAX_LENGTH,
}
#: The choice columns; an empty cell means the field's default ("" for a required one).
_CHOICES = {
    name: Evidence._meta.get_field(name)
    for name in ("effect", "evidence_type", "level", "subtype", "vesicle_involvement", "ev_type")
}
_YES_NO = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
#: Each choice column's values by every name the filters take for them.
_CHOICE_NAMES = {name: controlled_names(choice.flatchoices) for name, choice in _CHOICES.items()}
_ROLE_NAMES = controlled_names(DrugRole.choices)
#: "doxorubicin (modifier)": a drug's role after its name, as the exports write it. Words in
#: brackets that name no role are part of the drug's name.
_DRUG_ROLE = re.compile(r"^(?P<name>.+?)\s*\((?P<role>[^()]+)\)$")


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}" + (f", column {self.column}" if self.column else "") + f": {self.message}"


@dataclass
class TsvImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Of ``unchanged``: rows as the last import left them, whose item was edited since.
    kept_edits: int = 0
    revisions: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        kept = f" ({self.kept_edits} edited since the last import, kept)" if self.kept_edits else ""
        counts = (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged{kept}, "
            f"{self.revisions} suggested revisions of accepted evidence"
        )
        if self.errors:
            return f"Nothing was imported: {len(self.errors)} problems in {self.rows} rows ({counts} if fixed)."
        if not self.saved:
            return f"Dry run, nothing saved: {self.rows} rows would give {counts}."
        return f"{self.rows} rows: {counts}."


class TsvError(Exception):
    """The file as a whole cannot be read."""


class _Lookups:
    """Name -> primary key, each distinct name looked up once per import."""

    def __init__(self) -> None:
        self.cache: dict[tuple[type, str], int | AmbiguousName | None] = {}
        self.vocab: dict[type, dict[str, int]] = {}

    def entity(self, model: type[models.Model], name: str) -> int | AmbiguousName | None:
        """The primary key ``by_name`` finds (``named`` for a cancer type), or its ``AmbiguousName``."""
        if (model, name) not in self.cache:
            try:
                found = model.objects.named(name) if model is CancerType else model.objects.by_name(name)
                self.cache[model, name] = found.pk if found else None
            except AmbiguousName as error:
                self.cache[model, name] = error
        return self.cache[model, name]

    @cached_property
    def breast_cancer(self) -> set[int]:
        return breast_cancer_type_ids()

    def term(self, model: type[models.Model], name: str) -> int | None:
        """A small vocabulary (mechanisms, therapy classes), matched on slug or name."""
        if model not in self.vocab:
            index = {}
            for pk, slug, label in model.objects.values_list("pk", "slug", "name"):
                index[slug.lower()] = pk
                index[ids.name_key(label)] = pk
            self.vocab[model] = index
        index = self.vocab[model]
        return index.get(name.strip().lower()) or index.get(ids.name_key(name))


def read_rows(data: bytes, source: str) -> list[tuple[int, dict[str, str]]]:
    """The ``(line number, row)`` pairs; ``TsvError`` when the file is unusable."""
    try:
        text = decode_text(data)
    except EntryError as exc:
        raise TsvError(f"{source}: {exc}") from None
    # Strict: text after a cell's closing quote, or a quote never closed, is an error, not a cell
    # silently stripped of its quotes or a quote swallowing every row after it.
    reader = csv.reader(io.StringIO(text, newline=""), dialect="excel-tab", strict=True)
    header: list[str] | None = None
    rows = []
    for cells in _cells(reader, source):
        if not cells or all(not cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [cell.strip().lower() for cell in cells]
            while not header[-1]:  # empty cells after the last name (a spreadsheet's formatted columns)
                header.pop()
            # Each unknown name once, and a few: a pasted data row can make a header of thousands.
            unknown = list(
                dict.fromkeys(
                    name[:40] or f"(a column without a name, column {number})"
                    for number, name in enumerate(header, 1)
                    if name not in COLUMN_NAMES
                )
            )
            if len(unknown) > 10:
                unknown = [*unknown[:10], f"and {len(unknown) - 10} more"]
            missing = sorted(REQUIRED - set(header))
            problems = [
                f"unknown columns {', '.join(unknown)}" if unknown else "",
                f"missing required columns {', '.join(missing)}" if missing else "",
                "a column is named twice" if len(set(header)) != len(header) else "",
            ]
            if any(problems):
                raise TsvError(
                    f"{source}, line {reader.line_num}: the header has {'; '.join(filter(None, problems))}. "
                    f"The columns are: {', '.join(COLUMN_NAMES)} (see fixtures/evidence-template.tsv)."
                )
            continue
        if len(cells) > len(header):
            if any(cell.strip() for cell in cells[len(header) :]):
                rows.append((reader.line_num, {"__extra__": str(len(cells) - len(header))}))
                continue
            cells = cells[: len(header)]  # empty cells after the last column hold nothing
        row = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}
        if swallowed := next((name for name, cell in row.items() if "\t" in cell and "\n" in cell), None):
            rows.append((reader.line_num, {"__quoted__": swallowed}))
            continue
        # Not looked up or saved: the database refuses a NUL.
        rows.append((reader.line_num, {"__nul__": column} if (column := nul_field(row)) else row))
    if header is None:
        raise TsvError(f"{source}: the file has no header row.")
    if not rows:
        raise TsvError(f"{source}: the file has a header but no rows.")
    return rows


def _cells(reader, source: str) -> Iterable[list[str]]:
    """The reader's rows; ``TsvError`` naming the line of the row the reader cannot end."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _quote_error(exc, f"{source}, line {start}") from None
        yield cells


def _quote_error(exc: csv.Error, where: str) -> TsvError:
    if "field larger" in str(exc):
        return TsvError(
            f"{where}: a cell holds more than {csv.field_size_limit():,} characters, far more than any "
            'column takes. Check for a double quote (") that opens a cell and is not closed.'
        )
    if "end of data" in str(exc):
        return TsvError(
            f'{where}: a double quote (") opens a cell that no quote closes, so every line after it '
            "would be read into that cell. Close the quote, or remove it."
        )
    return TsvError(
        f'{where}: a cell has text after its closing double quote ("). A cell that starts with a quote '
        'must end with one; write a quote inside a quoted cell twice ("").'
    )


def _parse_row(line: int, row: dict[str, str], lookups: _Lookups, citations: dict[str, int], problems: list):
    """One row's content values (relations as pks), or None after appending its problems."""
    start = len(problems)

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(line, column, message))

    def found(column: str, raw: str, find: Callable[[str], Any], missing: str) -> int | None:
        pk = find(raw)
        if isinstance(pk, AmbiguousName):
            problem(column, str(pk))
        elif pk is None:
            problem(column, missing.format(raw))
        return pk if isinstance(pk, int) else None

    if "__extra__" in row:
        problem("", f"the row has {row['__extra__']} more cells than the header (a tab inside a cell?).")
        return None
    if "__quoted__" in row:
        problem(
            row["__quoted__"],
            'a double quote (") opens this cell and closes only lines later: the rows between, tabs and all, '
            "would be read into this one cell. Close the quote where the cell ends, or remove it.",
        )
        return None
    if "__nul__" in row:
        problem(row["__nul__"], NUL_PROBLEM)
        return None
    for name in REQUIRED:
        if not row.get(name):
            problem(name, "is required.")
    values: dict[str, Any] = {name: row.get(name, "") for name in _TEXT}
    key = row.get("key", "")
    if key and not _KEY_RE.match(key):
        problem("key", f"{key!r} may hold only letters, digits, - and _.")

    cancer_type = row.get("cancer_type") or "breast cancer"
    values["cancer_type"] = found(
        "cancer_type", cancer_type, partial(lookups.entity, CancerType), "no cancer type is called {!r}."
    )
    for name, limit in _LENGTHS.items():
        if len(value := row.get(name, "")) > limit:
            problem(name, f"is {len(value)} characters long; at most {limit} fit.")

    for name, choice in _CHOICES.items():
        raw = row.get(name, "")
        if not raw:
            values[name] = choice.get_default()
            continue
        values[name] = named_by(_CHOICE_NAMES[name], raw)
        if values[name] is None:
            nearest = " or ".join(repr(value) for value in nearest_values(_CHOICE_NAMES[name], raw))
            problem(
                name,
                f"{raw!r} is not one of {accepted_values(choice.flatchoices)} (nor another usual name of one)."
                + (f" Did you mean {nearest}?" if nearest else ""),
            )

    if values["cancer_type"] is not None and values["subtype"] is not None:
        breast = values["cancer_type"] in lookups.breast_cancer
        try:
            values["subtype"] = fit_subtype(values["subtype"], cancer_type, breast)
        except ValidationError as error:
            problem("subtype", error.message)

    measured = (row.get("drug_response_measured") or "yes").strip().lower()
    values["drug_response_measured"] = _YES_NO.get(measured)
    if values["drug_response_measured"] is None:
        problem("drug_response_measured", f"{measured!r} is not yes or no.")

    cell = (
        partial(lookups.entity, Cell),
        "no cell called {!r} (by name or alias); add it in the curator interface first.",
    )
    therapy = partial(lookups.term, TherapyClass), "no therapy class called {!r}."
    citation = (
        citations.get,
        "no citation with the DOI, PMID or BibTeX key {!r} (a bare number is a PMID); import it first (import_bibtex).",
    )
    for name, (find, missing) in (
        ("source_cell", cell),
        ("recipient_cell", cell),
        ("therapy_class", therapy),
        ("citation", citation),
        ("secondary_source", citation),
    ):
        raw = row.get(name, "")
        values[name] = found(name, raw, find, missing) if raw else None

    for name, model in (("cargos", Cargo), ("drugs", Drug), ("mechanisms", Mechanism)):
        find = partial(lookups.term if model is Mechanism else lookups.entity, model)
        links: dict[int, str] = {}
        for raw in (part.strip() for part in row.get(name, "").split(LIST_SEPARATOR)):
            if not raw:
                continue
            role = DrugRole.TREATMENT.value
            if model is Drug and (match := _DRUG_ROLE.match(raw)) and (named := named_by(_ROLE_NAMES, match["role"])):
                raw, role = match["name"], named
            pk = found(name, raw, find, f"no {model._meta.verbose_name} called {{!r}} (by name or alias).")
            if pk is None:
                continue
            try:
                add_drug_role(links, pk, role, raw) if model is Drug else links.setdefault(pk, role)
            except WorkflowError as error:
                problem(name, str(error))
        values[name] = {str(pk): links[pk] for pk in sorted(links)} if model is Drug else sorted(links)
    return values if len(problems) == start else None


def _duplicate_rows(lines: list[int], rows: list[dict[str, Any]]) -> list[RowProblem]:
    """New rows recording what a stored item or an earlier new row records."""
    findings = [(values["citation"], values["cargos"], values["drugs"]) for values in rows]
    allow = "If the row is a different finding, import with --allow-duplicates."
    problems = []
    for line, found, repeated in zip(lines, duplicates_of(findings), repeated_findings(findings), strict=True):
        if found:
            ids = ", ".join(format_public_id(pk) for pk in found[:10])
            message = f"possible duplicate: {ids} already record(s) this citation with the same cargo and drug."
            problems.append(RowProblem(line, "", f"{message} {allow}"))
        elif repeated is not None:
            message = f"possible duplicate of row {lines[repeated]} of this file: the same citation, cargo and drug."
            problems.append(RowProblem(line, "", f"{message} {allow}"))
    return problems


def content_digest(values: dict[str, Any]) -> str:
    content = {name: values[name] for name in CONTENT_FIELDS}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def import_evidence_tsv(
    data: bytes,
    source: str = "<input>",
    *,
    user=None,
    reason: str = TSV_REASON,
    submit: bool = False,
    dry_run: bool = False,
    allow_duplicates: bool = False,
    progress: Callable[..., Iterable] | None = None,
) -> TsvImportReport:
    """Check every row, then, when all are valid, save them in bulk in one transaction.

    New rows become drafts (submitted with ``submit``); a new row recording what an item already
    records is a problem unless ``allow_duplicates``. ``TsvError`` for an unusable file.
    """
    progress = progress or (lambda items, **kwargs: items)
    rows = read_rows(data, source)
    report = TsvImportReport(rows=len(rows))

    seen: dict[str, int] = {}
    for line, row in rows:
        key = row.get("key", "")
        if key and key in seen:
            report.errors.append(RowProblem(line, "key", f"{key!r} is also the key of row {seen[key]}."))
        seen.setdefault(key, line)

    lookups = _Lookups()
    citations = Citation.objects.pks_by_identifier(
        {row[name] for _, row in rows for name in ("citation", "secondary_source") if row.get(name)}
    )
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    for line, row in progress(rows, desc="checking rows", unit="row"):
        values = _parse_row(line, row, lookups, citations, report.errors)
        if values is not None:
            parsed.append((line, row["key"], values))
    if report.errors:
        return report

    existing = Evidence.objects.in_bulk([key for _, key, _ in parsed], field_name="import_key")
    m2m = content_links([evidence.pk for evidence in existing.values()])
    pending: dict[int, list[dict]] = {}
    accepted = [e.pk for e in existing.values() if e.status == Status.ACCEPTED]
    waiting = EvidenceRevision.objects.filter(evidence_id__in=id_array(accepted), status="pending")
    for evidence_id, proposed in waiting.values_list("evidence_id", "proposed"):
        pending.setdefault(evidence_id, []).append(proposed)

    now, why = timezone.now(), f"{reason} ({source})"
    new, new_relations, new_lines, changed, changed_relations, revisions = [], [], [], [], [], []
    proposed_digests: dict[int, str] = {}
    for line, key, values in parsed:
        evidence = existing.get(key)
        if evidence is None:
            new_lines.append(line)
            # The cancer type given, so that the field's default (a query) is not run for each row.
            item = Evidence(import_key=key, created_by=user, status=Status.DRAFT, cancer_type_id=values["cancer_type"])
            if submit:
                item.status, item.submitted_by, item.submitted_at = Status.SUBMITTED, user, now
            set_content(item, values)
            item.imported_content = content_digest(values)
            new.append(item)
            new_relations.append(values)
            continue
        current = content_values(evidence, m2m, evidence.pk)
        diff = {name: values[name] for name in CONTENT_FIELDS if current[name] != values[name]}
        row_digest, imported = content_digest(values), evidence.imported_content
        if not diff:
            report.unchanged += 1
        elif imported and imported == row_digest:
            # The row is as the last import wrote it; someone edited the item since: keep the edit.
            report.unchanged += 1
            report.kept_edits += 1
        elif imported and imported != content_digest(current):
            message = (
                f"{format_public_id(evidence.pk)} was edited since this key was last imported, and the row "
                f"changed too ({', '.join(sorted(diff))} differ): take the edit into the file, or make the "
                "change in the curator interface."
            )
            report.errors.append(RowProblem(line, "", message))
        elif evidence.status == Status.ACCEPTED:
            if diff in pending.get(evidence.pk, []):
                report.unchanged += 1  # proposed by an earlier import, still awaiting review
                continue
            proposed_digests[evidence.pk] = row_digest
            revisions.append(
                EvidenceRevision(
                    evidence=evidence,
                    proposed=diff,
                    original={name: current[name] for name in diff},
                    base_version=evidence.version,
                    summary=why,
                    proposed_by=user,
                )
            )
        else:
            set_content(evidence, values)
            evidence.imported_content = row_digest
            # As in the admin and the API: no editor accepts content they were not submitted.
            back_to_draft(evidence)
            changed.append(evidence)
            changed_relations.append(values)
    report.created, report.updated, report.revisions = len(new), len(changed), len(revisions)
    if not allow_duplicates:
        report.errors += _duplicate_rows(new_lines, new_relations)
    if dry_run or report.errors:
        return report

    with transaction.atomic():
        insert_evidence(new, new_relations, user=user, reason=why, date=now)
        plain = [name for name in CONTENT_FIELDS if name not in M2M] + ["status", "imported_content"]
        update_evidence(changed, plain, changed_relations, user=user, reason=why)
        # A proposed revision is what the file says now: the same row again is no new change.
        digests = [Evidence(pk=pk, imported_content=digest) for pk, digest in proposed_digests.items()]
        Evidence.objects.bulk_update(digests, ["imported_content"])
        # With their creation records, as a revision proposed in the admin or the API has.
        bulk_create_with_history(
            revisions, EvidenceRevision, default_user=user, default_change_reason=history_reason(why)
        )
    report.saved = True
    return report
