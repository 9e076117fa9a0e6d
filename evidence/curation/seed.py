"""Load the curated seed (``fixtures/seed/*.yaml``) idempotently: every record is matched on its
natural key and saved only when a field really changed, so a second run writes nothing, not even
a history row."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from evidence.choices import DrugRole, Status
from evidence.curation.workflow import describe, save_with_history, service_account
from evidence.identifiers import lookup_keys, normalize_doi
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
from evidence.models.evidence import fit_subtype
from evidence.models.vocabulary import BREAST_CANCER

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "seed"
SEED_USERNAME = "exoresist-seed"
SEED_REASON = "Loaded from the curated seed (load_seed)"
#: When the seed's evidence was accepted; fixed so that reloading changes nothing.
SEED_ACCEPTED_AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
#: The fields of each entity that seed and release entries hold as they are, beside its slug.
ENTITY_FIELDS = {
    TherapyClass: ("name", "description", "position"),
    Drug: ("name", "drug_class", "chebi", "drugbank", "pubchem_cid", "description"),
    Cargo: ("symbol", "kind", "species", "name", "hgnc", "mirbase", "ensembl", "uniprot", "ncbi_gene", "description"),
    Cell: ("name", "kind", "species", "subtype", "cellosaurus", "description"),
}


def plain_fields(model) -> tuple[str, ...]:
    """``ENTITY_FIELDS``, and for a tree vocabulary (mechanisms, cancer types, drug classes) its
    names, description and identifiers (``code_fields``)."""
    return ENTITY_FIELDS.get(model) or ("name", "synonyms", "description", *getattr(model, "code_fields", ()))


class SeedError(Exception):
    """A seed file is missing, malformed or refers to something that does not exist."""


class LoadReport(Counter):
    """Rows by (label, outcome): created, updated, unchanged, or kept (the seed would change
    them, but someone else has edited them since: left as they are)."""

    def lines(self) -> list[str]:
        lines = []
        for label in sorted({label for label, _ in self}):
            created, updated, unchanged, kept = (self[label, n] for n in ("created", "updated", "unchanged", "kept"))
            line = f"{label}: {created} created, {updated} updated, {unchanged} unchanged"
            lines.append(line + (f", {kept} kept as edited since the seed loaded them" if kept else ""))
        return lines

    @property
    def changed(self) -> bool:
        return any(n for (_, outcome), n in self.items() if outcome in ("created", "updated"))


class SeedLoader:
    """Loads the seed; a release import loads its vocabularies and entities with it too
    (``load_entities``), as ``user`` with ``reason``."""

    #: ``load()`` (every deploy runs it) leaves a row alone that someone other than the seed
    #: account edited since: an editor's retraction or accepted revision is not undone.
    keep_edited = False

    def __init__(self, seed_dir: Path = SEED_DIR, progress: Callable | None = None, *, user=None, reason=SEED_REASON):
        self.seed_dir = Path(seed_dir)
        self.progress = progress or (lambda items, **kwargs: items)
        self.report = LoadReport()
        self.user, self.reason = user, reason
        self.last_outcome = "unchanged"

    def upsert(self, model, lookup: dict, values: dict, where: str):
        """Create or update one row; save only when something differs. Returns the row."""
        obj = model.objects.filter(**lookup).first()
        outcome = "unchanged"
        if obj is None:
            obj, outcome = model(**lookup, **values), "created"
        elif changed := {name: value for name, value in values.items() if getattr(obj, name) != value}:
            outcome = "kept" if self.keep_edited and self.edited_since(obj) else "updated"
            if outcome == "updated":
                for name, value in changed.items():
                    setattr(obj, name, value)
        if outcome in ("created", "updated"):
            try:
                obj.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise SeedError(f"{where}: {describe(exc)}") from None
            save_with_history(obj, self.user, self.reason)
        self.report[model._meta.verbose_name_plural, outcome] += 1
        self.last_outcome = outcome
        return obj

    def edited_since(self, obj) -> bool:
        """Whether someone (a person: migrations and raw loads record none) other than the seed
        account saved the row's latest version."""
        latest = obj.history.order_by("-history_date", "-history_id").values_list("history_user_id", flat=True)[:1]
        return bool(latest) and latest[0] not in (None, self.user.pk)

    def load_entity(self, model, where: str, row: dict, **values):
        """One vocabulary term or entity by slug, with its ``plain_fields``, ``values`` and the seed's
        aliases (aliases curators added since are kept)."""
        values = {**_given(model, row, *plain_fields(model)), **values}
        entity = self.upsert(model, {"slug": row["slug"]}, values, where)
        if hasattr(model, "aliases") and (names := row.get("aliases")):
            existing = {alias.key for alias in entity.aliases.all()}
            for name in names:
                alias = entity.aliases.model(entity=entity, name=str(name).strip())
                key, _ = lookup_keys(alias.name)
                if key not in existing and key != entity.key:
                    save_with_history(alias, self.user, self.reason)
                    existing.add(key)
                    self.report[alias._meta.verbose_name_plural, "created"] += 1
        return entity

    def set_drug_roles(self, evidence, roles: dict, where: str) -> bool:
        """Give each drug its role (``drug_roles``: slug -> role; the rest are treatments);
        True when a role had to change."""
        changed = False
        for link in EvidenceDrug.objects.filter(evidence=evidence).select_related("drug"):
            role = check_role(roles.get(link.drug.slug, DrugRole.TREATMENT), where)
            if link.role != role:
                link.role = role
                link.save(update_fields=["role"])
                changed = True
        if unknown := set(roles) - set(evidence.drugs.values_list("slug", flat=True)):
            raise SeedError(f"{where}: drug_roles names {sorted(unknown)}, which are not among its drugs.")
        return changed

    def load(self) -> LoadReport:
        self.keep_edited = True
        with transaction.atomic():
            self.user = service_account(SEED_USERNAME, "seed curation")
            therapy, mechanisms, drugs, cargos, cells = self.load_entities(self.entries)
            self.load_evidence(therapy, mechanisms, drugs, cargos, cells, self.load_citations())
        return self.report

    def load_entities(self, entries: Callable[[str], list[tuple[str, dict]]]) -> tuple[dict, ...]:
        """The vocabularies, drugs, cargos and cells, each by slug; ``entries(section)`` gives
        a section's ``(where, row)`` pairs."""
        therapy = {}
        for number, (where, row) in enumerate(entries("therapy_classes")):
            # A release states each class's position; in the seed it is the file's order.
            therapy[row["slug"]] = self.load_entity(TherapyClass, where, row, position=row.get("position", number))
        self.cancer_types = self.load_tree(CancerType, entries("cancer_types"), "broader cancer type")
        self.drug_classes = self.load_tree(DrugClass, entries("drug_classes"), "broader drug class")
        mechanisms = self.load_tree(Mechanism, entries("mechanisms"), "parent mechanism")
        drugs = {}
        for where, row in entries("drugs"):
            therapy_class = _pick(therapy, row.get("therapy_class"), "therapy class", where)
            drug = drugs[row["slug"]] = self.load_entity(Drug, where, row, therapy_class=therapy_class)
            classes = _pick_all(self.drug_classes, row.get("classes"), "drug class", where)
            if self.last_outcome != "kept" and _set_m2m(drug, "classes", classes):
                self.report["drug classes of drugs", "updated"] += 1
        cargos = self.load_cargos(entries("cargos"))
        # A resistant derivative is valid only with its parental line.
        return therapy, mechanisms, drugs, cargos, self.load_tree(Cell, entries("cells"), "parental cell")

    def entries(self, section: str) -> list[tuple[str, dict]]:
        filename = f"{section}.yaml"
        path = self.seed_dir / filename
        try:
            # libyaml's loader (in PyYAML's wheels), several times faster than the pure-Python one.
            rows = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        except FileNotFoundError:
            raise SeedError(f"{path} is missing.") from None
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise SeedError(f"{path} is not valid YAML: {exc}") from None
        if not isinstance(rows, list):
            raise SeedError(f"{path} must hold a list of entries.")
        out = []
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise SeedError(f"{filename} entry {number} is not a mapping.")
            out.append((f"{filename} entry {number} ({row.get('slug') or row.get('key') or '?'})", row))
        return out

    def load_tree(self, model, entries: list[tuple[str, dict]], what: str) -> dict:
        """Terms or cells by slug, each saved after its parent."""
        index: dict = {}
        for where, row in parents_first(entries, index, what):
            values = {"parent": index.get(row.get("parent"))}
            if "synonyms" in plain_fields(model):
                values["synonyms"] = [str(name) for name in row.get("synonyms") or []]
            index[row["slug"]] = self.load_entity(model, where, row, **values)
        return index

    def load_cargos(self, entries: list[tuple[str, dict]]) -> dict[str, Cargo]:
        index = {row["slug"]: self.load_entity(Cargo, where, row) for where, row in entries}
        # Families and targets name other cargos of the file: tied once all exist.
        for where, row in entries:
            cargo = index[row["slug"]]
            family = _pick(index, row.get("family"), "cargo family", where)
            if cargo.family_id != (family.pk if family else None):
                cargo.family = family
                save_with_history(cargo, self.user, self.reason, update_fields=["family"])
            _set_m2m(cargo, "targets", _pick_all(index, row.get("targets"), "target cargo", where))
        return index

    def load_citations(self) -> dict[str, Citation]:
        index = {}
        seen_dois: dict[str, str] = {}
        for where, row in self.entries("citations"):
            key = row["key"]
            if key in index:
                raise SeedError(f"{where}: the key {key!r} is used twice.")
            if doi := normalize_doi(row.get("doi")):
                if doi in seen_dois:
                    raise SeedError(f"{where}: DOI {doi} is already the citation {seen_dois[doi]!r}.")
                seen_dois[doi] = key
            note = row.get("note") or ""
            if cited_as := row.get("cited_as"):
                note = (note + "\n" if note else "") + "Cited in the review as: " + "; ".join(cited_as) + "."
            values = {
                "doi": doi,
                "pmid": str(row["pmid"]) if row.get("pmid") else None,
                "authors": list(row.get("authors") or []),
                "authors_truncated": bool(row.get("authors_truncated")),
                "retracted": bool(row.get("retracted")),
                "note": note,
                **{name: str(row.get(name) or "") for name in ("volume", "issue", "pages")},
                **_given(Citation, row, "title", "year", "pmcid", "entry_type", "journal", "publication_type"),
                **_given(Citation, row, "retraction_note", "notice", "notice_note"),
            }
            # A citation may already exist without the key (imported or entered by a curator):
            # found as the importers find it, by DOI, then PMID.
            lookup = {"bibtex_key": key}
            if not Citation.objects.filter(bibtex_key=key).exists():
                held = [name for name in ("doi", "pmid") if values[name]]
                if found := next((n for n in held if Citation.objects.filter(**{n: values[n]}).exists()), None):
                    lookup = {found: values[found]}
                    values["bibtex_key"] = key
            index[key] = self.upsert(Citation, lookup, values, where)
        return index

    def load_evidence(self, therapy, mechanisms, drugs, cargos, cells, citations) -> None:
        for where, row in self.progress(self.entries("evidence"), desc="evidence", unit="item"):
            cited_as = row.get("cited_as") or ""
            if row.get("review_section"):
                cited_as = f"{cited_as} (section {row['review_section']})".strip()
            # The controlled term ("cancer (several types or unspecified)") may say less than the review.
            note = row.get("curation_note") or ""
            if reported := row.get("cancer_type_as_reported"):
                note = f"{note} Cancer type as reported: {reported}.".strip()
            cancer_type = _pick(self.cancer_types, row.get("cancer_type") or BREAST_CANCER, "cancer type", where)
            values = {
                "citation": _pick(citations, row.get("citation"), "citation", where),
                "secondary_source": _pick(citations, row.get("secondary_source"), "citation", where),
                "cited_as": cited_as,
                "source_quote": row.get("review_quote") or "",
                "source_cell": _pick(cells, row.get("source_cell"), "cell", where),
                "recipient_cell": _pick(cells, row.get("recipient_cell"), "cell", where),
                "therapy_class": _pick(therapy, row.get("therapy_class"), "therapy class", where),
                "cancer_type": cancer_type,
                "drug_response_measured": row.get("drug_response_measured", True),
                "curation_note": note,
                **_given(Evidence, row, "statement", "effect", "evidence_type", "level", "experimental_systems"),
                **_given(Evidence, row, "subtype", "vesicle_involvement", "ev_type", "ev_isolation", "ev_markers"),
            }
            # As the item's check stores it, so that a row without a subtype is no change the next time.
            try:
                values["subtype"] = fit_subtype(values["subtype"], cancer_type.name, cancer_type.is_breast_cancer)
            except ValidationError as error:
                raise SeedError(f"{where}: subtype: {error.message}") from None
            if values["citation"] is None:
                raise SeedError(f"{where}: every evidence item needs a primary citation.")
            if not Evidence.objects.filter(import_key=row["key"]).exists():
                values.update(
                    status=Status.ACCEPTED,
                    created_by=self.user,
                    reviewed_by=self.user,
                    submitted_at=SEED_ACCEPTED_AT,
                    reviewed_at=SEED_ACCEPTED_AT,
                )
            evidence = self.upsert(Evidence, {"import_key": row["key"]}, values, where)
            outcome = self.last_outcome
            if outcome == "kept" or (outcome == "unchanged" and self.edited_since(evidence)):
                continue  # someone's version since the seed: its links are theirs too
            links = {
                "cargos": _pick_all(cargos, row.get("cargos"), "cargo", where),
                "drugs": _pick_all(drugs, row.get("drugs"), "drug", where),
                "mechanisms": _pick_all(mechanisms, row.get("mechanisms"), "mechanism", where),
            }
            relinked = [_set_m2m(evidence, name, targets) for name, targets in links.items()]
            relinked.append(self.set_drug_roles(evidence, row.get("drug_roles") or {}, where))
            if outcome == "unchanged" and any(relinked):
                # Only the links changed: the item was updated, not left unchanged.
                self.report["evidence", "unchanged"] -= 1
                self.report["evidence", "updated"] += 1


def _given(model, row: dict, *names: str) -> dict[str, Any]:
    """Each named field's value in the row. A field without a default that must be filled must be
    given; the others take their default where the row leaves them out or empty."""
    fields = [model._meta.get_field(name) for name in names]
    return {f.name: row.get(f.name) or f.get_default() if f.blank or f.has_default() else row[f.name] for f in fields}


def _pick(index: dict, key: str | None, what: str, where: str):
    if key not in (None, "") and key not in index:
        raise SeedError(f"{where}: unknown {what} {key!r}.")
    return index.get(key)


def _pick_all(index: dict, keys: list | None, what: str, where: str) -> list:
    return [_pick(index, key, what, where) for key in keys or []]


def _set_m2m(obj, name: str, targets: list) -> bool:
    """Make the relation hold exactly ``targets``; True when it had to change."""
    manager = getattr(obj, name)
    if {t.pk for t in manager.all()} == {t.pk for t in targets}:
        return False
    manager.set(targets)
    return True


def check_role(role: str, where: str) -> str:
    if role not in DrugRole.values:
        raise SeedError(f"{where}: drug role {role!r} is not one of {', '.join(DrugRole.values)}.")
    return role


def parents_first(rows: list[tuple[str, dict]], index: dict, what: str):
    """Yield ``(where, row)`` pairs so that each row comes after its ``parent``, whatever the
    file's order. ``index`` is filled by the caller as rows are saved; a parent that never
    appears (or a cycle) is a ``SeedError`` naming the entry."""
    pending = list(rows)
    while pending:
        ready = [(where, row) for where, row in pending if not row.get("parent") or row["parent"] in index]
        if not ready:
            where, row = pending[0]
            raise SeedError(f"{where}: unknown or circular {what} {row.get('parent')!r}.")
        yield from ready
        pending = [item for item in pending if item not in ready]
