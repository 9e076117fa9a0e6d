"""The review workflow, in one place for the admin, the API and the commands.

Status: draft (or rejected) -> submitted -> accepted | rejected; a submission may be withdrawn to draft.
Curators (who may change evidence) edit and submit; editors (``can_review_evidence``) accept, reject,
apply suggested revisions, resolve flags and restore versions, never on their own work (four eyes).
Callers map ``WorkflowPermissionError`` to HTTP 403, ``StaleEdit`` to 409 and ``WorkflowError`` to 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import pre_create_historical_record

from evidence.choices import DrugRole, Status
from evidence.curation.bulk import M2M, content_links, history_reason
from evidence.models import Evidence, EvidenceDrug, EvidenceFlag, EvidenceRevision, StaleEdit
from evidence.models.curation import FlagStatus, RevisionStatus

#: What a finding says; the workflow fields (status, reviewers, dates) are never edited directly.
CONTENT_FIELDS = (
    "statement cargos source_cell recipient_cell drugs therapy_class mechanisms effect evidence_type level "
    "experimental_systems cancer_type subtype drug_response_measured vesicle_involvement ev_type ev_isolation "
    "ev_markers citation secondary_source cited_as source_quote curation_note"
).split()
CONTENT_ATTNAMES = {name: Evidence._meta.get_field(name).attname for name in CONTENT_FIELDS}


def content_values(obj, links: Mapping[str, Mapping[int, Any]], owner_id: int) -> dict[str, Any]:
    """The content of an item or history record, its relations from ``content_links``."""
    return {
        name: links[name].get(owner_id, {} if name == "drugs" else []) if name in M2M else getattr(obj, attname)
        for name, attname in CONTENT_ATTNAMES.items()
    }


class WorkflowError(Exception):
    """A transition that the workflow does not allow in the item's current state (HTTP 400)."""


class WorkflowPermissionError(WorkflowError):
    """The user's role does not allow the transition, or it is their own work (HTTP 403)."""


def can_curate(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("evidence.change_evidence"))


def can_review(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("evidence.can_review_evidence"))


def service_account(username: str, role: str):
    """The inactive account history names for what a loader or an import writes."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"first_name": "ExoResist", "last_name": role, "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def require_curator(user) -> None:
    if not can_curate(user):
        raise WorkflowPermissionError("Only curators may edit or submit evidence.")


def _require_editor(user, what: str) -> None:
    if not can_review(user):
        raise WorkflowPermissionError(f"Only editors may {what}.")


def _required(text: str | None, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(message)
    return text


def save_with_history(obj: models.Model, user, reason: str, **kwargs):
    obj._history_user = user
    obj._change_reason = history_reason(reason)
    obj.save(**kwargs)
    return obj


def _record(obj, user, reason: str, *, by: str | None = "reviewed", **changes):
    """Save ``changes`` (a new status, a note) and, unless ``by`` is None, who made them and when
    (``<by>_by``, ``<by>_at``)."""
    if by:
        changes |= {f"{by}_by": user, f"{by}_at": timezone.now()}
    for name, value in changes.items():
        setattr(obj, name, value)
    return save_with_history(obj, user, reason)


_block_reason: ContextVar[str | None] = ContextVar("exoresist_history_reason", default=None)


@contextmanager
def history_recorded_as(reason: str) -> Iterator[None]:
    """Every version saved in the block without a reason of its own records ``reason``: for a
    write of several saves no caller sees (a serializer's record, then its links and aliases)."""
    token = _block_reason.set(history_reason(reason))
    try:
        yield
    finally:
        _block_reason.reset(token)


@receiver(pre_create_historical_record)
def _give_block_reason(sender, history_instance, **kwargs) -> None:
    reason = _block_reason.get()
    if reason is not None and history_instance.history_change_reason is None:
        history_instance.history_change_reason = reason


def check_version(evidence: Evidence | int, expected_version: int | str | None, *, reviewing=False) -> Evidence:
    """Lock the evidence row (inside ``transaction.atomic()``) and return it; ``StaleEdit`` unless
    it is still at the version the edit or decision was based on."""
    pk = _pk(evidence)
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        raise WorkflowError("The edit must say which version of the item it is based on.") from None
    current = Evidence.objects.select_for_update().filter(pk=pk).first()
    if current is None or current.version != expected:
        raise StaleEdit(pk, expected, current and current.version, reviewing=reviewing)
    return current


@transaction.atomic
def submit(evidence: Evidence, user) -> Evidence:
    require_curator(user)
    evidence = check_version(evidence, evidence.version)
    if evidence.status not in (Status.DRAFT, Status.REJECTED):
        raise WorkflowError(f"{evidence.public_id} is {evidence.get_status_display()}; only drafts can be submitted.")
    return _record(evidence, user, "Submitted for review", by="submitted", status=Status.SUBMITTED)


@transaction.atomic
def withdraw(evidence: Evidence, user) -> Evidence:
    evidence = check_version(evidence, evidence.version)
    if evidence.status != Status.SUBMITTED:
        raise WorkflowError(f"{evidence.public_id} is not awaiting review.")
    if evidence.submitted_by_id != getattr(user, "pk", None) and not can_review(user):
        raise WorkflowPermissionError("Only the submitter or an editor may withdraw a submission.")
    return _record(evidence, user, "Submission withdrawn", by=None, status=Status.DRAFT)


APPLIED_REVISION = "Applied suggested revision #{pk} by {who}"
_APPLIED_REVISION_RE = re.compile(r"^Applied suggested revision #(\d+) ")


def content_authors(evidence: Evidence) -> dict[int | None, set[str]]:
    """User id -> the content fields whose current value they set, from the history: an applied
    revision belongs to the curator who proposed it, not to the editor who reviewed it."""
    records = list(evidence.history.order_by("history_date", "history_id"))
    links = content_links([record.history_id for record in records], history=True)
    applied = {
        r.history_id: int(m[1]) for r in records if (m := _APPLIED_REVISION_RE.match(r.history_change_reason or ""))
    }
    proposers = dict(EvidenceRevision.objects.filter(pk__in=applied.values()).values_list("pk", "proposed_by_id"))
    # An item without history (or entered by a loader that records no user) is its creator's.
    last_writer: dict[str, int | None] = dict.fromkeys(CONTENT_FIELDS, evidence.created_by_id)
    previous: dict[str, Any] | None = None
    for record in records:
        values = content_values(record, links, record.history_id)
        author = record.history_user_id
        if previous is None and author is None:
            author = evidence.created_by_id
        if record.history_id in applied:
            author = proposers.get(applied[record.history_id], author)
        for name, value in values.items():
            if previous is None or previous[name] != value:
                last_writer[name] = author
        previous = values
    authors: dict[int | None, set[str]] = {}
    for name, user_id in last_writer.items():
        authors.setdefault(user_id, set()).add(name)
    return authors


def _require_other_reviewer(evidence: Evidence, editor, verb: str) -> None:
    _require_editor(editor, f"{verb} evidence")
    if editor.pk == evidence.submitted_by_id:
        why = "you submitted it"
    elif wrote := content_authors(evidence).get(editor.pk):
        why = f"you wrote part of its current content ({', '.join(sorted(wrote))})"
    else:
        return
    raise WorkflowPermissionError(
        f"You cannot {verb} {evidence.public_id}: {why}, and every item is reviewed by someone other than its "
        "authors (four eyes)."
    )


def _require_submitted(evidence: Evidence, done: str) -> None:
    if evidence.status != Status.SUBMITTED:
        status = evidence.get_status_display()
        raise WorkflowError(f"{evidence.public_id} is {status}; only submitted items are {done}.")


@transaction.atomic
def accept(evidence: Evidence, editor, *, reviewed_version: int | str | None) -> Evidence:
    """Submitted -> accepted (public), only if still at the version the editor reviewed."""
    try:
        reviewed = int(reviewed_version)
    except (TypeError, ValueError):
        raise WorkflowError(
            "Say which version you reviewed (the item's 'version'); it is accepted only if it has not changed since."
        ) from None
    _require_editor(editor, "accept evidence")
    evidence = check_version(evidence, reviewed, reviewing=True)
    _require_other_reviewer(evidence, editor, "accept")
    _require_submitted(evidence, "accepted")
    return _record(evidence, editor, "Accepted", status=Status.ACCEPTED, rejection_reason="")


@transaction.atomic
def reject(evidence: Evidence, editor, reason: str) -> Evidence:
    evidence = check_version(evidence, evidence.version)
    _require_other_reviewer(evidence, editor, "reject")
    reason = _required(reason, "Say why the evidence is rejected: the curator needs the reason to fix it.")
    _require_submitted(evidence, "rejected")
    return _record(evidence, editor, f"Rejected: {reason}", status=Status.REJECTED, rejection_reason=reason)


def back_to_draft(evidence: Evidence, reason: str = "") -> str | None:
    """A submitted item whose content is about to change goes back to draft, so that no editor
    accepts text they did not review; returns ``reason`` noting it, or None if it was no submission."""
    if evidence.status != Status.SUBMITTED:
        return None
    evidence.status = Status.DRAFT
    return history_reason(reason, "edited while awaiting review, so back to draft: submit it again")


def _pk(item: Any) -> int:
    return item.pk if isinstance(item, models.Model) else int(item)


def _drug_roles(value: Any, evidence: Evidence) -> dict[str, str]:
    """``{"<drug id>": role}`` from that mapping, or drugs, ids or ``(drug, role)`` pairs. A drug
    without a role keeps its role on the item (a new one is a treatment)."""
    if isinstance(value, Mapping):
        pairs = list(value.items())
    else:
        pairs = [item if isinstance(item, tuple | list) else (item, None) for item in value or []]
    links = EvidenceDrug.objects.filter(evidence_id=evidence.pk) if evidence.pk else EvidenceDrug.objects.none()
    current = {str(pk): role for pk, role in links.values_list("drug_id", "role")}
    roles = {}
    for drug, role in pairs:
        key = str(_pk(drug))
        role = role or current.get(key, DrugRole.TREATMENT)
        if role not in DrugRole.values:
            raise WorkflowError(f"drugs: {role!r} is not a drug role ({', '.join(DrugRole.values)}).")
        try:
            add_drug_role(roles, key, str(role), drug)
        except WorkflowError as error:
            raise WorkflowError(f"drugs: {error}") from None
    return dict(sorted(roles.items(), key=lambda item: int(item[0])))


def add_drug_role(roles: dict, key: Any, role: str, drug: Any) -> None:
    """``roles[key] = role``, refusing a drug named twice (by name and alias) with two roles."""
    if roles.get(key, role) != role:
        raise WorkflowError(f"{drug} is named twice, as a {roles[key]} and as a {role}; name it once, with its role.")
    roles[key] = role


def _normalise_change(evidence: Evidence, name: str, value: Any) -> Any:
    """Model instances and querysets become primary keys, so a revision is plain JSON."""
    if name not in CONTENT_FIELDS:
        raise WorkflowError(f"{name!r} is not a field a curator edits.")
    if name == "drugs":
        return _drug_roles(value, evidence)
    if name in M2M:
        return sorted({_pk(item) for item in value or []})
    if isinstance(value, models.Model):
        return value.pk
    return value


def set_content(evidence: Evidence, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Set plain fields on ``evidence``; return the relations, written after the item is saved."""
    m2m = {}
    for name, value in changes.items():
        if name == "drugs":
            # Normalised already ({id: role}), unless a revision filed before roles holds a list.
            m2m[name] = value if isinstance(value, Mapping) else _drug_roles(value, evidence)
        elif name in M2M:
            m2m[name] = value
        else:
            setattr(evidence, CONTENT_ATTNAMES[name], value)
    return m2m


def _set_valid(evidence: Evidence, changes: Mapping[str, Any]) -> dict[str, Any]:
    """``set_content``, refused unless the item passes its checks and every related id exists."""
    m2m = set_content(evidence, changes)
    try:
        evidence.full_clean(exclude=["import_key"], validate_unique=False)
    except ValidationError as exc:
        raise WorkflowError(describe(exc)) from None
    for name, value in m2m.items():
        pks = [int(pk) for pk in value]
        target = Evidence._meta.get_field(name).related_model
        missing = set(pks) - set(target.objects.filter(pk__in=pks).values_list("pk", flat=True))
        if missing:
            raise WorkflowError(f"{name}: no {target._meta.verbose_name} with id {sorted(missing)}.")
    return m2m


def _save_content(evidence: Evidence, user, reason: str, changes: Mapping[str, Any]) -> None:
    """Save ``changes`` to the item and its relations; roles of drugs it keeps change first, so
    that the save's history snapshot records them."""
    m2m = _set_valid(evidence, changes)
    roles = m2m.get("drugs")
    if roles is not None:
        for link in EvidenceDrug.objects.filter(evidence=evidence, drug_id__in=[int(pk) for pk in roles]):
            if link.role != roles[str(link.drug_id)]:
                link.role = roles[str(link.drug_id)]
                link.save(update_fields=["role"])
    save_with_history(evidence, user, reason)
    for name, value in m2m.items():
        if name == "drugs":
            _link_drugs(evidence, value)
        else:
            getattr(evidence, name).set(value)


def _link_drugs(evidence: Evidence, roles: Mapping[str, str]) -> None:
    kept = set(EvidenceDrug.objects.filter(evidence=evidence).values_list("drug_id", flat=True))
    evidence.drugs.remove(*(kept - {int(pk) for pk in roles}))
    for role in DrugRole.values:
        new = [int(pk) for pk, r in roles.items() if r == role and int(pk) not in kept]
        if new:
            evidence.drugs.add(*new, through_defaults={"role": role})


def link_drugs(evidence: Evidence, drugs: Iterable) -> None:
    """Give a new item its drugs: drugs (new ones are treatments) or ``(drug, role)`` pairs."""
    _link_drugs(evidence, _drug_roles(drugs, evidence))


@transaction.atomic
def edit_evidence(
    evidence: Evidence, user, changes: Mapping[str, Any], *, expected_version: int | str | None, reason: str = ""
) -> EvidenceRevision | None:
    """Save an edit (content field -> value), or file a curator's edit of accepted evidence as a
    suggested revision, returned. An edit that changes no value saves nothing: no new version,
    and a submitted item stays submitted."""
    require_curator(user)
    current = check_version(evidence, expected_version)
    changes, now = _changed(current, changes)
    if not changes:
        return None
    if current.status == Status.ACCEPTED and not can_review(user):
        return _file_revision(current, user, changes, now, summary=reason)
    reason = reason or "Edited"
    _save_content(current, user, back_to_draft(current, reason) or reason, changes)
    return None


@transaction.atomic
def propose_revision(evidence: Evidence, user, changes: Mapping[str, Any], *, summary: str = "") -> EvidenceRevision:
    require_curator(user)
    changes, now = _changed(evidence, changes)
    if not changes:
        raise WorkflowError("The suggested revision changes nothing.")
    return _file_revision(evidence, user, changes, now, summary=summary)


def _changed(evidence: Evidence, changes: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``changes`` normalised, less those the item holds already; and the item's content now."""
    changes = {name: _normalise_change(evidence, name, value) for name, value in changes.items()}
    now = content_values(evidence, content_links([evidence.pk]), evidence.pk)
    return {name: value for name, value in changes.items() if now[name] != value}, now


def _file_revision(
    evidence: Evidence, user, changes: dict[str, Any], now: dict[str, Any], *, summary: str
) -> EvidenceRevision:
    _set_valid(Evidence.objects.get(pk=evidence.pk), changes)
    revision = EvidenceRevision(
        evidence=evidence,
        proposed=changes,
        original={name: now[name] for name in changes},
        base_version=evidence.version,
        summary=summary,
        proposed_by=user,
    )
    save_with_history(revision, user, "Suggested revision")
    return revision


def _pending(revision: EvidenceRevision, editor, verb: str) -> EvidenceRevision:
    """The revision, locked, if it awaits a decision ``editor`` may take."""
    revision = EvidenceRevision.objects.select_for_update().get(pk=revision.pk)
    if revision.status != RevisionStatus.PENDING:
        raise WorkflowError(f"Revision #{revision.pk} was already {revision.get_status_display()}.")
    if revision.proposed_by_id == editor.pk:
        raise WorkflowPermissionError(f"You cannot {verb} your own suggested revision (four eyes).")
    return revision


@transaction.atomic
def apply_revision(revision: EvidenceRevision, editor) -> Evidence:
    """Apply a suggested revision; refused when a changed field was edited since it was proposed."""
    _require_editor(editor, "apply suggested revisions")
    revision = _pending(revision, editor, "apply")
    evidence = Evidence.objects.select_for_update().get(pk=revision.evidence_id)
    now = content_values(evidence, content_links([evidence.pk]), evidence.pk)
    conflicts = [name for name, was in revision.original.items() if now[name] not in (was, revision.proposed[name])]
    if conflicts:
        raise WorkflowError(
            f"{evidence.public_id} changed since revision #{revision.pk} was proposed "
            f"({', '.join(sorted(conflicts))}); reject it and ask for a new one based on the current version."
        )
    who = revision.proposed_by.get_username() if revision.proposed_by else "a former curator"
    _save_content(evidence, editor, APPLIED_REVISION.format(pk=revision.pk, who=who), revision.proposed)
    _record(revision, editor, "Applied", status=RevisionStatus.APPLIED)
    return evidence


@transaction.atomic
def reject_revision(revision: EvidenceRevision, editor, reason: str) -> EvidenceRevision:
    _require_editor(editor, "reject suggested revisions")
    reason = _required(reason, "Say why the suggested revision is rejected.")
    revision = _pending(revision, editor, "review")
    return _record(revision, editor, f"Rejected: {reason}", status=RevisionStatus.REJECTED, review_note=reason)


def check_reference_edit(instance: models.Model, user, changed: Iterable[str]) -> None:
    """Curators add reference records; changing the ``editor_fields`` of an existing one needs an
    editor, since public evidence links to it."""
    if instance.pk is None or can_review(user):
        return
    guarded = [name for name in instance.editor_fields if name in set(changed)]
    if guarded:
        raise WorkflowPermissionError(
            f"Only editors may change {', '.join(guarded)} of an existing {instance._meta.verbose_name}: public "
            "evidence links to it. Ask an editor, or flag the evidence that shows the error."
        )


def reference_changes(instance: models.Model, values: Mapping[str, Any]) -> list[str]:
    """The names in ``values`` (field -> cleaned value) that differ from ``instance``."""
    changed = []
    for name, value in values.items():
        if name == "aliases":
            before = sorted(instance.aliases.values_list("name", flat=True)) if instance.pk else []
            after = sorted(str(v).strip() for v in value or [])
        elif instance._meta.get_field(name).many_to_many:
            before = sorted(getattr(instance, name).values_list("pk", flat=True)) if instance.pk else []
            after = sorted(_pk(v) for v in value or [])
        else:
            before, after = getattr(instance, name), value
        if before != after:
            changed.append(name)
    return changed


def find_duplicates(
    citation, cargos: Iterable, drugs: Iterable, *, exclude: Evidence | int | None = None
) -> models.QuerySet:
    """Evidence from the same citation sharing a cargo and a drug with a new item (a warning:
    one paper may report two findings about the same pair)."""
    drug_pks = [d[0] if isinstance(d, tuple | list) else d for d in drugs or []]
    (found,) = duplicates_of([(citation, cargos or [], drug_pks)])
    if exclude is not None:
        found = [pk for pk in found if pk != _pk(exclude)]
    return Evidence.objects.filter(pk__in=found).select_related("citation").order_by("pk")


def _findings(findings: list[tuple[Any, Iterable, Iterable]]) -> list[tuple[int | None, set, set]]:
    """``(citation, cargos, drugs)`` as primary keys: the form the duplicate rule compares."""
    return [(_pk(citation) if citation else None, {_pk(c) for c in cargos}, {_pk(d) for d in drugs})
            for citation, cargos, drugs in findings]  # fmt: skip


def _same_finding(cargos: set, drugs: set, has_cargos: set, has_drugs: set) -> bool:
    return (not cargos or bool(cargos & has_cargos)) and (not drugs or bool(drugs & has_drugs))


def duplicates_of(findings: list[tuple[Any, Iterable, Iterable]]) -> list[list[int]]:
    """For each ``(citation, cargos, drugs)``, the ids of the evidence from that citation with one
    of the cargos and one of the drugs (any, when none is given), in one query for all."""
    findings = _findings(findings)
    linked: dict[int, dict[int, tuple[set, set]]] = {}
    rows = Evidence.objects.filter(citation_id__in={citation for citation, _, _ in findings if citation})
    for pk, citation, cargo, drug in rows.values_list("pk", "citation_id", "cargos", "drugs").order_by():
        has_cargos, has_drugs = linked.setdefault(citation, {}).setdefault(pk, (set(), set()))
        has_cargos.add(cargo)
        has_drugs.add(drug)
    return [
        sorted(pk for pk, has in linked.get(citation, {}).items() if _same_finding(cargos, drugs, *has))
        for citation, cargos, drugs in findings
    ]


def repeated_findings(findings: list[tuple[Any, Iterable, Iterable]]) -> list[int | None]:
    """For each ``(citation, cargos, drugs)``, the index of the first earlier one of ``findings``
    it repeats by ``duplicates_of``'s rule, or None."""
    earlier: dict[int | None, list[tuple[int, set, set]]] = {}
    repeated = []
    for index, (citation, cargos, drugs) in enumerate(_findings(findings)):
        before = earlier.setdefault(citation, [])
        repeated.append(next((at for at, *has in before if _same_finding(cargos, drugs, *has)), None))
        before.append((index, cargos, drugs))
    return repeated


def raise_flag(evidence: Evidence, description: str, *, reason: str = "wrong_data", user=None, email: str = ""):
    """Anyone (a reader without an account too) may flag a possible error."""
    description = _required(description, "Say what looks wrong, so that an editor can check it.")
    flag = EvidenceFlag(
        evidence=evidence,
        reason=reason,
        description=description,
        raised_by=user if user is not None and user.is_authenticated else None,
        reporter_email=email,
    )
    try:
        flag.full_clean()
    except ValidationError as exc:
        raise WorkflowError(describe(exc)) from None
    save_with_history(flag, flag.raised_by, "Flag raised")
    return flag


@transaction.atomic
def resolve_flag(flag: EvidenceFlag, editor, note: str) -> EvidenceFlag:
    _require_editor(editor, "resolve flags")
    note = _required(note, "Say how the flag was resolved (corrected, not an error, ...).")
    flag = EvidenceFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.OPEN:
        raise WorkflowError(f"Flag #{flag.pk} is already resolved.")
    return _record(flag, editor, f"Resolved: {note}", by="resolved", status=FlagStatus.RESOLVED, resolution_note=note)


@transaction.atomic
def restore_version(obj: models.Model, history_id: int, editor, reason: str = "") -> models.Model:
    """Restore a record to an earlier version as a new save; for evidence only its content."""
    _require_editor(editor, "restore earlier versions")
    record = obj.history.filter(history_id=history_id).first()
    if record is None:
        raise WorkflowError(f"{obj} has no version #{history_id}.")
    when = timezone.localtime(record.history_date).strftime("%Y-%m-%d %H:%M")
    message = reason or f"Restored the version of {when} (history #{history_id})"
    if isinstance(obj, Evidence):
        current = Evidence.objects.select_for_update().get(pk=obj.pk)
        links = content_links([record.history_id], history=True)
        _save_content(current, editor, message, content_values(record, links, record.history_id))
        return current
    restored = record.instance
    restored._state.adding = False
    try:
        # A unique value of that version (a DOI, a PMID, a slug) may be another record's now.
        restored.validate_unique()
        restored.validate_constraints()
    except ValidationError as exc:
        raise WorkflowError(
            f"{obj} was not restored to version #{history_id}: {_held_by_others(restored, exc)}. Nothing was changed."
        ) from None
    save_with_history(restored, editor, message)
    return restored


def _held_by_others(obj: models.Model, exc: ValidationError) -> str:
    """What ``validate_unique`` refused of ``obj``, naming the record that holds each value now."""

    model, found = type(obj), []
    for name, messages in exc.message_dict.items():
        other = None
        if name != NON_FIELD_ERRORS:
            field = model._meta.get_field(name)
            other = model._default_manager.filter(**{name: getattr(obj, field.attname)}).exclude(pk=obj.pk).first()
        if other is None:
            found.append(" ".join(messages))
        else:
            found.append(f"its {field.verbose_name} now belongs to {model._meta.verbose_name} #{other.pk} ({other})")
    return "; ".join(found)


def describe(exc: ValidationError) -> str:
    """A ValidationError in one line: 'field: messages; ...'."""
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)
