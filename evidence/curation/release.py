"""Dated, frozen data releases: everything accepted, as JSON, TSV and BibTeX, with a manifest.

``import_release`` loads one into an empty database with the same ids (public ids stay valid),
and exporting that database again gives byte-identical files: rows are sorted, JSON keys too,
and the release date is an input, not the clock's.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from evidence.choices import DrugRole, Status
from evidence.curation.bibtex import citations_to_bibtex
from evidence.curation.bulk import history_reason, insert_evidence, reset_sequences
from evidence.curation.seed import SeedError, SeedLoader, check_role, plain_fields
from evidence.curation.workflow import CONTENT_FIELDS
from evidence.models import (
    CancerType,
    Cargo,
    Cell,
    Citation,
    Drug,
    DrugClass,
    Evidence,
    EvidenceDrug,
    Mechanism,
    TherapyClass,
)
from evidence.models.evidence import refit_subtypes, with_role
from exoresist.csvsafe import spreadsheet_safe

#: Bumped whenever the data's shape changes (4 added "drug_roles": drug slug -> modifier or payload).
FORMAT = 4
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
MANIFEST = "manifest.json"
CITATION_FIELDS = (
    "id bibtex_key doi pmid pmcid entry_type title authors authors_truncated journal year volume issue pages "
    "publisher url abstract publication_type retracted retraction_note notice notice_note"
).split()
#: The content fields of a finding that are not relations, written as they are.
EVIDENCE_TEXT = [name for name in CONTENT_FIELDS if not Evidence._meta.get_field(name).is_relation]


class ReleaseError(Exception):
    pass


def releases_dir() -> Path:
    return Path(getattr(settings, "EXORESIST_RELEASES_DIR", Path(settings.BASE_DIR) / "releases"))


def _fields(obj, *names: str) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in names}


def _entity(obj) -> dict[str, Any]:
    """An entity's slug and ``plain_fields``, its parent by slug and its aliases, where it has them."""
    row = _fields(obj, "slug", *plain_fields(type(obj)))
    if hasattr(obj, "parent"):
        row["parent"] = obj.parent.slug if obj.parent else None
    if hasattr(obj, "aliases"):
        row["aliases"] = sorted(alias.name for alias in obj.aliases.all())
    return row


def _terms(model) -> list[dict[str, Any]]:
    """A vocabulary in a tree (mechanisms, cancer types, drug classes)."""
    return [_entity(term) for term in model.objects.select_related("parent").order_by("slug")]


def release_data() -> dict[str, list[dict[str, Any]]]:
    evidence = list(
        Evidence.objects.public()
        .select_related("citation", "secondary_source", "therapy_class", "source_cell", "recipient_cell", "cancer_type")
        .prefetch_related("cargos", "drugs", "mechanisms")
        .order_by("pk")
    )
    roles: dict[int, dict[str, str]] = {}
    other_roles = EvidenceDrug.objects.filter(evidence__in=[e.pk for e in evidence]).exclude(role=DrugRole.TREATMENT)
    for evidence_id, slug, role in other_roles.values_list("evidence_id", "drug__slug", "role"):
        roles.setdefault(evidence_id, {})[slug] = role
    cited = {e.citation_id for e in evidence} | {e.secondary_source_id for e in evidence if e.secondary_source_id}
    citations = Citation.objects.filter(pk__in=cited).order_by("pk")
    return {
        "therapy_classes": [_entity(t) for t in TherapyClass.objects.order_by("slug")],
        "cancer_types": _terms(CancerType),
        "drug_classes": _terms(DrugClass),
        "mechanisms": _terms(Mechanism),
        "drugs": [
            {**_entity(d), "classes": sorted(c.slug for c in d.classes.all()), "therapy_class": d.therapy_class.slug}
            for d in Drug.objects.public()
            .select_related("therapy_class")
            .prefetch_related("aliases", "classes")
            .order_by("slug")
        ],
        "cargos": [_entity(c) for c in Cargo.objects.public().prefetch_related("aliases").order_by("slug")],
        # Public cells include every parental line, so each parent named is in the release.
        "cells": [
            _entity(c)
            for c in Cell.objects.public().select_related("parent").prefetch_related("aliases").order_by("slug")
        ],
        "citations": [_fields(c, *CITATION_FIELDS) for c in citations],
        "evidence": [
            {
                "id": e.pk,
                "public_id": e.public_id,
                "key": e.import_key,
                **_fields(e, *EVIDENCE_TEXT),
                "cancer_type": e.cancer_type.slug,
                "cargos": sorted(c.slug for c in e.cargos.all()),
                "drugs": sorted(d.slug for d in e.drugs.all()),
                "drug_roles": dict(sorted(roles.get(e.pk, {}).items())),
                "mechanisms": sorted(m.slug for m in e.mechanisms.all()),
                "source_cell": e.source_cell.slug if e.source_cell else None,
                "recipient_cell": e.recipient_cell.slug if e.recipient_cell else None,
                "therapy_class": e.therapy_class.slug,
                "citation": e.citation_id,
                "secondary_source": e.secondary_source_id,
                "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None,
            }
            for e in evidence
        ],
    }


def _tsv(header: list[str], rows: list[dict[str, Any]]) -> str:
    """The ``header`` columns of ``rows`` as a tab-separated table."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        # A release file opened in a spreadsheet must not run a statement as a formula.
        return spreadsheet_safe(re.sub(r"[\t\r\n]+", " ", str(value)))

    out = io.StringIO()
    writer = csv.writer(out, dialect="excel-tab", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(row[name]) for name in header])
    return out.getvalue()


def _about(version: str, date: dt.date) -> dict[str, Any]:
    return {"name": "ExoResist", "version": version, "date": date.isoformat(), "format": FORMAT}


def render_release(version: str, date: dt.date, data: dict) -> dict[str, str]:
    """File name -> content of every data file of a release (the manifest is added by the writer)."""
    citations = {c["id"]: c for c in data["citations"]}
    cargo_symbols = {c["slug"]: c["symbol"] for c in data["cargos"]}
    drug_names = {d["slug"]: d["name"] for d in data["drugs"]}
    cell_names = {c["slug"]: c["name"] for c in data["cells"]}
    cancer_names = {c["slug"]: c["name"] for c in data["cancer_types"]}

    def cite(pk: int | None) -> str:
        c = citations[pk] if pk is not None else {}
        return c.get("doi") or c.get("pmid") or c.get("bibtex_key") or ""

    payload = {**_about(version, date), **data}
    # The content fields, the citation followed by its retraction and notice.
    cited = CONTENT_FIELDS.index("citation") + 1
    evidence_header = ["public_id", "key", *CONTENT_FIELDS[:cited], "retracted", "citation_notice"]
    evidence_header += [*CONTENT_FIELDS[cited:], "reviewed_at"]
    evidence_rows = [
        {
            **e,
            "key": e["key"] or e["public_id"].lower(),
            "cargos": [cargo_symbols[s] for s in e["cargos"]],
            "source_cell": cell_names.get(e["source_cell"]),
            "recipient_cell": cell_names.get(e["recipient_cell"]),
            "drugs": [
                with_role({"name": drug_names[s], "role": e["drug_roles"].get(s, "treatment")}) for s in e["drugs"]
            ],
            "cancer_type": cancer_names[e["cancer_type"]],
            "citation": cite(e["citation"]),
            "retracted": citations[e["citation"]]["retracted"],
            "citation_notice": citations[e["citation"]]["notice"],
            "secondary_source": cite(e["secondary_source"]),
        }
        for e in data["evidence"]
    ]
    citation_header = [n for n in CITATION_FIELDS if n != "abstract"]
    drug_header = "slug name aliases drug_class therapy_class chebi drugbank pubchem_cid".split()
    cargo_header = "slug symbol kind species name aliases hgnc mirbase ensembl uniprot ncbi_gene".split()
    citation_objects = [Citation(**c) for c in data["citations"]]
    return {
        f"exoresist-{version}.json": json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
        "evidence.tsv": _tsv(evidence_header, evidence_rows),
        "citations.tsv": _tsv(citation_header, data["citations"]),
        "drugs.tsv": _tsv(drug_header, data["drugs"]),
        "cargos.tsv": _tsv(cargo_header, data["cargos"]),
        "citations.bib": citations_to_bibtex(citation_objects),
    }


def export_release(version: str, *, date: dt.date | None = None, directory: Path | None = None) -> Path:
    """Write release ``version`` under ``directory`` (default: the releases directory); never overwrite."""
    if not VERSION_RE.match(version or ""):
        raise ReleaseError(
            f"{version!r} is not a release version: use letters, digits, '.', '-' and '_', e.g. 2026.1 or v1.0."
        )
    date = date or dt.datetime.now(dt.UTC).date()
    parent = Path(directory or releases_dir())
    target = parent / version
    if target.exists():
        raise ReleaseError(f"Release {version} already exists at {target}; releases are frozen. Choose a new version.")
    data = release_data()
    files = render_release(version, date, data)
    manifest = {
        **_about(version, date),
        "counts": {name: len(rows) for name, rows in data.items()},
        "files": {
            name: {"sha256": hashlib.sha256(text.encode()).hexdigest(), "bytes": len(text.encode())}
            for name, text in sorted(files.items())
        },
    }
    files[MANIFEST] = json.dumps(manifest, indent=1, sort_keys=True) + "\n"
    parent.mkdir(parents=True, exist_ok=True)
    # Written next to the target and renamed, so a half-written release is never listed.
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=parent))
    try:
        for name, text in files.items():
            (staging / name).write_bytes(text.encode())
            os.chmod(staging / name, 0o444)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReleaseError(f"{path} has no {MANIFEST}: it is not an ExoResist release.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReleaseError(f"{path / MANIFEST} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or "files" not in manifest or "version" not in manifest:
        raise ReleaseError(f"{path / MANIFEST} is not an ExoResist manifest.")
    return manifest


def import_release(path: Path, *, user=None) -> dict[str, int]:
    """Load a release into an empty database, after checking every file against its checksum in
    the manifest; returns the counts loaded."""
    path = Path(path)
    manifest = read_manifest(path)
    for name, meta in manifest["files"].items():
        if not (path / name).is_file():
            raise ReleaseError(f"{name} is listed in the manifest but missing from {path}.")
        if hashlib.sha256((path / name).read_bytes()).hexdigest() != meta.get("sha256"):
            raise ReleaseError(f"{name} does not match its checksum in the manifest: the release was altered.")
    data_name = f"exoresist-{manifest['version']}.json"
    payload = json.loads((path / data_name).read_text(encoding="utf-8"))
    if payload.get("format") != FORMAT:
        raise ReleaseError(f"{data_name} is format {payload.get('format')}; this ExoResist reads format {FORMAT}.")
    curated = [Evidence, Citation, Drug, Cargo, Cell, Mechanism, TherapyClass]
    if busy := [str(m._meta.verbose_name_plural) for m in curated if m.objects.exists()]:
        raise ReleaseError(f"A release is imported into an empty database; this one already holds {', '.join(busy)}.")
    reason = f"Imported from release {manifest['version']}"
    try:
        with transaction.atomic():
            _load(payload, user=user, reason=reason)
            reset_sequences(Citation, Evidence)
    except (SeedError, ValidationError) as exc:
        raise ReleaseError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
    return {name: len(payload.get(name, [])) for name in manifest.get("counts", {})}


def _load(payload: dict, *, user, reason: str) -> None:
    def entries(section: str) -> list[tuple[str, dict]]:
        return [(f"{section} {row['slug']}", row) for row in payload[section]]

    loader = SeedLoader(user=user, reason=reason)
    therapy, mechanisms, drugs, cargos, cells = loader.load_entities(entries)
    # With the author string save() would set: bulk_create does not call save().
    citations = [Citation(**c, author_string="; ".join(c["authors"])) for c in payload["citations"]]
    reason = history_reason(reason)
    bulk_create_with_history(citations, Citation, batch_size=1000, default_user=user, default_change_reason=reason)

    items, relations = [], []
    for e in payload["evidence"]:
        items.append(
            Evidence(
                pk=e["id"],
                import_key=e["key"],
                status=Status.ACCEPTED,
                **{name: e[name] for name in EVIDENCE_TEXT},
                cancer_type=loader.cancer_types[e["cancer_type"]],
                source_cell=cells.get(e["source_cell"]),
                recipient_cell=cells.get(e["recipient_cell"]),
                therapy_class=therapy[e["therapy_class"]],
                citation_id=e["citation"],
                secondary_source_id=e["secondary_source"],
                reviewed_at=dt.datetime.fromisoformat(e["reviewed_at"]) if e["reviewed_at"] else None,
            )
        )
        roles = {s: check_role(role, e["public_id"]) for s, role in e["drug_roles"].items()}
        relations.append(
            {
                "cargos": [cargos[s].pk for s in e["cargos"]],
                "drugs": {drugs[s].pk: roles.get(s, DrugRole.TREATMENT) for s in e["drugs"]},
                "mechanisms": [mechanisms[s].pk for s in e["mechanisms"]],
            }
        )
    insert_evidence(items, relations, user=user, reason=reason)
    # A release may call a finding outside breast cancer "unspecified": stored as the checks store it.
    refit_subtypes()
