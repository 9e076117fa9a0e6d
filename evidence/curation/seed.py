"""Load the curated seed (``fixtures/seed/*.yaml``) idempotently.

Every record is matched on its natural key and saved only when a field really
changed, so a second run writes nothing, not even a history row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction

from evidence.choices import DrugRole, Status
from evidence.curation.workflow import describe, save_with_history, service_account
from evidence.identifiers import lookup_keys, normalize_doi
from evidence.models import (
    CancerType,
    Cargo,
    CargoAlias,
    Cell,
    CellAlias,
    Citation,
    Drug,
    DrugAlias,
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


class SeedError(Exception):
    """A seed file is missing, malformed or refers to something that does not exist."""


@dataclass
class LoadReport:
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    #: Rows the seed would change that someone else has edited since: left as they are.
    kept: Counter = field(default_factory=Counter)

    def count(self, label: str, outcome: str) -> None:
        getattr(self, outcome)[label] += 1

    def lines(self) -> list[str]:
        labels = sorted(set(self.created) | set(self.updated) | set(self.unchanged) | set(self.kept))
        return [
            f"{label}: {self.created[label]} created, {self.updated[label]} updated, {self.unchanged[label]} unchanged"
            + (f", {self.kept[label]} kept as edited since the seed loaded them" if self.kept[label] else "")
            for label in labels
        ]

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


def read_yaml(path: Path) -> list[dict[str, Any]]:
    try:
        # libyaml's loader (in PyYAML's wheels), several times faster than the pure-Python one.
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except FileNotFoundError:
        raise SeedError(f"{path} is missing.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SeedError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, list):
        raise SeedError(f"{path} must hold a list of entries.")
    return data


class SeedLoader:
    """Loads the seed; a release import loads its vocabularies and entities with it too
    (``load_entities``), as ``user`` with ``reason``."""

    #: ``load()`` (every deploy runs it) leaves a row alone that someone other than the seed
    #: account edited since: an editor's retraction or accepted revision is not undone.
    keep_edited = False

    def __init__(
        self,
        seed_dir: Path = SEED_DIR,
        progress: Callable[[Iterable], Iterable] | None = None,
        *,
        user=None,
        reason: str = SEED_REASON,
    ):
        self.seed_dir = Path(seed_dir)
        self.progress = progress or (lambda items, **kwargs: items)
        self.report = LoadReport()
        self.user, self.reason = user, reason
        self.last_outcome = "unchanged"

    # --- the generic upsert ---------------------------------------------------

    def upsert(self, model: type[models.Model], lookup: dict, values: dict, where: str):
        """Create or update one row; save only when something differs. Returns the row."""
        label = model._meta.verbose_name_plural
        obj = model.objects.filter(**lookup).first()
        outcome = "unchanged"
        if obj is None:
            obj = model(**lookup, **values)
            outcome = "created"
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
        self.report.count(label, outcome)
        self.last_outcome = outcome
        return obj

    def edited_since(self, obj) -> bool:
        """Whether someone (a person: migrations and raw loads record none) other than the seed
        account saved the row's latest version."""
        latest = obj.history.order_by("-history_date", "-history_id").values_list("history_user_id", flat=True)[:1]
        return bool(latest) and latest[0] not in (None, self.user.pk)

    def add_aliases(self, alias_model, entity, names: Iterable[str]) -> None:
        """Add the seed's aliases; aliases curators added since are kept."""
        existing = {alias.key for alias in alias_model.objects.filter(entity=entity)}
        for name in names or []:
            alias = alias_model(entity=entity, name=str(name).strip())
            key, _ = lookup_keys(alias.name)
            if key in existing or key == entity.key:
                continue
            save_with_history(alias, self.user, self.reason)
            existing.add(key)
            self.report.count(alias_model._meta.verbose_name_plural, "created")

    def set_m2m(self, obj, name: str, targets: list) -> bool:
        """Make the relation hold exactly ``targets``; True when it had to change."""
        manager = getattr(obj, name)
        if {t.pk for t in manager.all()} == {t.pk for t in targets}:
            return False
        manager.set(targets)
        return True

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
        unknown = set(roles) - set(evidence.drugs.values_list("slug", flat=True))
        if unknown:
            raise SeedError(f"{where}: drug_roles names {sorted(unknown)}, which are not among its drugs.")
        return changed

    # --- lookups by natural key, with errors that name the entry --------------

    @staticmethod
    def pick(index: dict, key: str | None, what: str, where: str):
        if key not in (None, "") and key not in index:
            raise SeedError(f"{where}: unknown {what} {key!r}.")
        return index.get(key)

    # --- loading --------------------------------------------------------------

    def load(self) -> LoadReport:
        self.keep_edited = True
        with transaction.atomic():
            self.user = service_account(SEED_USERNAME, "seed curation")
            therapy, mechanisms, drugs, cargos, cells = self.load_entities(self.entries)
            citations = self.load_citations()
            self.load_evidence(therapy, mechanisms, drugs, cargos, cells, citations)
        return self.report

    def load_entities(self, entries: Callable[[str], list[tuple[str, dict]]]) -> tuple[dict, ...]:
        """The vocabularies, drugs, cargos and cells, each by slug; ``entries(section)`` gives
        a section's ``(where, row)`` pairs."""
        therapy = self.load_therapy_classes(entries("therapy_classes"))
        self.cancer_types = self.load_tree(CancerType, entries("cancer_types"), "broader cancer type")
        self.drug_classes = self.load_tree(DrugClass, entries("drug_classes"), "broader drug class")
        mechanisms = self.load_tree(Mechanism, entries("mechanisms"), "parent mechanism")
        drugs = self.load_drugs(entries("drugs"), therapy)
        return therapy, mechanisms, drugs, self.load_cargos(entries("cargos")), self.load_cells(entries("cells"))

    def entries(self, section: str) -> list[tuple[str, dict]]:
        filename = f"{section}.yaml"
        rows = read_yaml(self.seed_dir / filename)
        out = []
        for number, row in enumerate(rows, start=1):
            if not isinstance(row, dict):
                raise SeedError(f"{filename} entry {number} is not a mapping.")
            out.append((f"{filename} entry {number} ({row.get('slug') or row.get('key') or '?'})", row))
        return out

    def load_therapy_classes(self, entries: list[tuple[str, dict]]) -> dict[str, TherapyClass]:
        index = {}
        for number, (where, row) in enumerate(entries):
            # A release states each class's position; in the seed it is the file's order.
            position = row.get("position", number)
            values = {"name": row["name"], "description": row.get("description", ""), "position": position}
            index[row["slug"]] = self.upsert(TherapyClass, {"slug": row["slug"]}, values, where)
        return index

    def load_tree(self, model, entries: list[tuple[str, dict]], what: str) -> dict:
        """A tree vocabulary (mechanisms, cancer types, drug classes): slug, name, parent,
        synonyms, description and the model's identifier fields (``code_fields``), if any."""
        index: dict = {}
        for where, row in parents_first(entries, index, what):
            values = {
                "name": row["name"],
                "parent": index.get(row.get("parent")),
                "synonyms": [str(name) for name in row.get("synonyms") or []],
                **_given(model, row, "description", *getattr(model, "code_fields", ())),
            }
            index[row["slug"]] = self.upsert(model, {"slug": row["slug"]}, values, where)
        return index

    def load_drugs(self, entries: list[tuple[str, dict]], therapy: dict) -> dict[str, Drug]:
        index = {}
        for where, row in entries:
            drug = self.upsert(
                Drug,
                {"slug": row["slug"]},
                {
                    "name": row["name"],
                    "therapy_class": self.pick(therapy, row.get("therapy_class"), "therapy class", where),
                    **_given(Drug, row, "drug_class", "chebi", "drugbank", "pubchem_cid", "description"),
                },
                where,
            )
            self.add_aliases(DrugAlias, drug, row.get("aliases"))
            classes = [self.pick(self.drug_classes, slug, "drug class", where) for slug in row.get("classes") or []]
            if self.last_outcome != "kept" and self.set_m2m(drug, "classes", classes):
                self.report.count("drug classes of drugs", "updated")
            index[row["slug"]] = drug
        return index

    def load_cargos(self, entries: list[tuple[str, dict]]) -> dict[str, Cargo]:
        index = {}
        for where, row in entries:
            cargo = self.upsert(
                Cargo,
                {"slug": row["slug"]},
                {
                    "symbol": row["symbol"],
                    "kind": row["kind"],
                    **_given(Cargo, row, "species", "name", "hgnc", "mirbase", "ensembl", "uniprot", "ncbi_gene"),
                    **_given(Cargo, row, "description"),
                },
                where,
            )
            self.add_aliases(CargoAlias, cargo, row.get("aliases"))
            index[row["slug"]] = cargo
        # Families and targets name other cargos of the file: tied once all exist.
        for where, row in entries:
            cargo = index[row["slug"]]
            family = self.pick(index, row.get("family"), "cargo family", where)
            if cargo.family_id != (family.pk if family else None):
                cargo.family = family
                save_with_history(cargo, self.user, self.reason, update_fields=["family"])
            targets = [self.pick(index, slug, "target cargo", where) for slug in row.get("targets") or []]
            self.set_m2m(cargo, "targets", targets)
        return index

    def load_cells(self, entries: list[tuple[str, dict]]) -> dict[str, Cell]:
        index: dict[str, Cell] = {}
        # A resistant derivative is valid only with its parental line.
        for where, row in parents_first(entries, index, "parental cell"):
            index[row["slug"]] = self.upsert(
                Cell,
                {"slug": row["slug"]},
                {
                    "name": row["name"],
                    "kind": row["kind"],
                    "parent": index.get(row.get("parent")),
                    **_given(Cell, row, "species", "subtype", "cellosaurus", "description"),
                },
                where,
            )
            self.add_aliases(CellAlias, index[row["slug"]], row.get("aliases"))
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
                "title": row["title"],
                "authors": list(row.get("authors") or []),
                "authors_truncated": bool(row.get("authors_truncated")),
                "year": row.get("year"),
                "volume": str(row.get("volume") or ""),
                "issue": str(row.get("issue") or ""),
                "pages": str(row.get("pages") or ""),
                "retracted": bool(row.get("retracted")),
                "note": note,
                **_given(Citation, row, "pmcid", "entry_type", "journal", "publication_type", "retraction_note"),
                **_given(Citation, row, "notice", "notice_note"),
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
        rows = self.entries("evidence")
        for where, row in self.progress(rows, desc="evidence", unit="item"):
            cited_as = row.get("cited_as") or ""
            if row.get("review_section"):
                cited_as = f"{cited_as} (section {row['review_section']})".strip()
            # The controlled term ("cancer (several types or unspecified)") may say less than the review.
            note = row.get("curation_note") or ""
            if reported := row.get("cancer_type_as_reported"):
                note = f"{note} Cancer type as reported: {reported}.".strip()
            cancer_type = self.pick(self.cancer_types, row.get("cancer_type") or BREAST_CANCER, "cancer type", where)
            values = {
                "statement": row["statement"],
                "citation": self.pick(citations, row.get("citation"), "citation", where),
                "secondary_source": self.pick(citations, row.get("secondary_source"), "citation", where),
                "cited_as": cited_as,
                "source_quote": row.get("review_quote") or "",
                "source_cell": self.pick(cells, row.get("source_cell"), "cell", where),
                "recipient_cell": self.pick(cells, row.get("recipient_cell"), "cell", where),
                "therapy_class": self.pick(therapy, row.get("therapy_class"), "therapy class", where),
                "effect": row["effect"],
                "evidence_type": row["evidence_type"],
                "level": row["level"],
                "cancer_type": cancer_type,
                "drug_response_measured": row.get("drug_response_measured", True),
                **_given(Evidence, row, "experimental_systems", "subtype", "vesicle_involvement", "ev_type"),
                **_given(Evidence, row, "ev_isolation", "ev_markers"),
                "curation_note": note,
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
                "cargos": [self.pick(cargos, s, "cargo", where) for s in row.get("cargos") or []],
                "drugs": [self.pick(drugs, s, "drug", where) for s in row.get("drugs") or []],
                "mechanisms": [self.pick(mechanisms, s, "mechanism", where) for s in row.get("mechanisms") or []],
            }
            relinked = [self.set_m2m(evidence, name, targets) for name, targets in links.items()]
            relinked.append(self.set_drug_roles(evidence, row.get("drug_roles") or {}, where))
            if outcome == "unchanged" and any(relinked):
                # Only the links changed: the item was updated, not left unchanged.
                self.report.unchanged["evidence"] -= 1
                self.report.count("evidence", "updated")


def _given(model, row: dict, *names: str) -> dict[str, Any]:
    """Each named field's value in the seed row, or the field's default where the row leaves it
    out or empty."""
    return {name: row.get(name) or model._meta.get_field(name).get_default() for name in names}


def check_role(role: str, where: str) -> str:
    if role not in DrugRole.values:
        raise SeedError(f"{where}: drug role {role!r} is not one of {', '.join(DrugRole.values)}.")
    return role


def parents_first(rows: list[tuple[str, dict]], index: dict, what: str):
    """Yield ``(where, row)`` pairs so that each row comes after its ``parent``, whatever the
    file's order.

    ``index`` is filled by the caller as rows are saved; a parent that never appears
    (or a cycle) is a ``SeedError`` naming the entry.
    """
    pending = list(rows)
    while pending:
        ready = [(where, row) for where, row in pending if not row.get("parent") or row["parent"] in index]
        if not ready:
            where, row = pending[0]
            raise SeedError(f"{where}: unknown or circular {what} {row.get('parent')!r}.")
        yield from ready
        pending = [item for item in pending if item not in ready]
