"""The review workflow in the curator admin: forms with locking, review pages, diffs, restore, citation upload.
Every transition goes through ``evidence.curation.workflow``."""

from __future__ import annotations

import itertools
import re

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from evidence.curation import triage, workflow
from evidence.curation.bulk import history_reason
from evidence.curation.references.intake import import_references
from evidence.models import Citation, Evidence, EvidenceComment, EvidenceDrug, TriageDecision
from evidence.models.evidence import PUBLIC_ID_RE, public_id_to_pk

DEFAULT_REASON = "Edited in the curator interface"


def _citation_named(raw) -> Citation | None:
    raw = str(raw or "").strip()
    return Citation.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None


def change_reason(form) -> str:
    return (form.cleaned_data.get("change_reason") or "").strip() or DEFAULT_REASON


def admin_pk(model, object_id: str):
    """The primary key an admin address names, or a 404 (not a 500) for text that is none."""
    try:
        return model._meta.pk.to_python(unquote(object_id))
    except ValidationError:
        raise Http404(f"No {model._meta.verbose_name} has the id {object_id[:40]!r}.") from None


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin whose revert form only shows a version: posting it would undo an
    editor's decision or restore content outside ``workflow.restore_version``."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_view(self, request, object_id, extra_context=None):
        admin_pk(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        admin_pk(self.model, object_id)
        admin_pk(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class PublicIdSearchMixin:
    """Search also finds rows by an evidence item's public id (EXR000123) in ``public_id_field``."""

    public_id_field = "evidence_id"

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if PUBLIC_ID_RE.match(term):
            found |= queryset.filter(**{self.public_id_field: public_id_to_pk(term)})
        return found, may_have_duplicates


def view_url(model_admin, route: str, view, action: str):
    """A page of ``model_admin``, named as the admin names its own."""
    name = f"{model_admin.opts.app_label}_{model_admin.opts.model_name}_{action}"
    return path(route, model_admin.admin_site.admin_view(view), name=name)


def curation_page(model_admin, request, template: str, title: str, **context) -> TemplateResponse:
    context = {**model_admin.admin_site.each_context(request), "title": title, "opts": model_admin.opts, **context}
    return TemplateResponse(request, f"admin/evidence/curation/{template}", context)


def decision_from_post(request, form, actions: dict, choose: str):
    """Run the posted action (``actions``: name -> function of the reason): ``(action, result)``,
    or None with the error shown as a message."""
    if request.method != "POST" or not form.is_valid():
        return None
    action = request.POST.get("action", "")
    if action not in actions:
        messages.error(request, choose)
        return None
    try:
        return action, actions[action](form.cleaned_data["reason"])
    except (workflow.WorkflowError, workflow.StaleEdit) as exc:
        messages.error(request, str(exc))
        return None


class ChangeReasonFormMixin(forms.Form):
    change_reason = forms.CharField(
        required=False,
        max_length=100,
        help_text="Why you made this change; kept in the history with your name.",
    )


class CuratedForm(ChangeReasonFormMixin, forms.ModelForm):
    """Refuses a save based on a stale copy: the ``modified`` time it was opened on against the
    row, locked until the admin's transaction ends."""

    loaded_modified = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and getattr(self.instance, "modified", None):
            self.fields["loaded_modified"].initial = self.instance.modified.isoformat()

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and hasattr(self.instance, "locked_modified"):
            current = self.instance.locked_modified()
            if current is None or cleaned.get("loaded_modified") != current.isoformat():
                when = timezone.localtime(current).strftime("%Y-%m-%d %H:%M:%S") if current else "unknown"
                raise ValidationError(
                    f"Someone else saved this {self.instance._meta.verbose_name} after you opened it (at {when}), so "
                    "saving your copy would overwrite their change. Nothing was saved: open it again, see its "
                    "changes page for what they did, and redo your edit.",
                    code="stale",
                )
        return cleaned


class EvidenceAdminForm(ChangeReasonFormMixin, forms.ModelForm):
    """Carries the version the curator loaded, and shows duplicates before a new item is saved."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    confirm_duplicate = forms.BooleanField(
        required=False,
        label="Save anyway",
        help_text="Tick when the similar items above are different findings (another cell line, another drug).",
    )

    class Meta:
        model = Evidence
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def posted_drugs(self) -> list[int]:
        """The drugs of the drug inline's rows (its formset is validated after this form)."""
        rows = {key.rsplit("-", 1)[0] for key in self.data if re.fullmatch(r"evidencedrug_set-\d+-drug", key)}
        return [
            int(self.data[f"{row}-drug"])
            for row in rows
            if str(self.data.get(f"{row}-drug", "")).isdigit() and not self.data.get(f"{row}-DELETE")
        ]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            try:
                # Locks the row until the admin's transaction ends, so nobody saves in between.
                workflow.check_version(self.instance.pk, cleaned.get("loaded_version"))
            except (workflow.StaleEdit, workflow.WorkflowError) as exc:
                raise ValidationError(str(exc), code="stale") from None
        elif cleaned.get("citation") and not cleaned.get("confirm_duplicate"):
            matches = workflow.find_duplicates(cleaned["citation"], cleaned.get("cargos"), self.posted_drugs())
            if matches.exists():
                items = format_html_join(
                    ", ",
                    '<a href="{}" target="_blank">{}</a>',
                    ((reverse("admin:evidence_evidence_change", args=[e.pk]), e.public_id) for e in matches[:10]),
                )
                raise ValidationError(
                    format_html(
                        "Possible duplicate: {} already record(s) this citation with the same cargo and drug. "
                        "Check them; if this is a different finding, tick “Save anyway”.",
                        items,
                    ),
                    code="duplicate",
                )
        return cleaned


class ReviewForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Required to reject; the curator sees it.",
    )


class HistoryDiffMixin:
    """A field-by-field diff of every version on the curator side, and restore for editors."""

    def get_urls(self):
        return [
            view_url(self, "<path:object_id>/changes/", self.changes_view, "changes"),
            view_url(self, "<path:object_id>/restore/<int:history_id>/", self.restore_view, "restore"),
            *super().get_urls(),
        ]

    form = CuratedForm

    def why_fields(self, obj) -> list[str]:
        return ["change_reason", "loaded_modified"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        named = {name for _, options in fieldsets for name in options.get("fields", [])}
        missing = [name for name in self.why_fields(obj) if name not in named]
        if missing:
            fieldsets.append(("Why", {"fields": missing}))
        return fieldsets

    def changes_view(self, request, object_id):
        obj = get_object_or_404(self.model, pk=admin_pk(self.model, object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        records = list(obj.history.select_related("history_user").order_by("-history_date", "-history_id"))
        versions = []
        # Each version against the one before it (an item loaded without history has none).
        for record, previous in itertools.pairwise([*records, None]):
            delta = record.diff_against(previous, foreign_keys_are_objs=False) if previous is not None else None
            versions.append({"record": record, "changes": list(delta.changes) if delta else []})
        readable = iter(_readable(self.model, [change for version in versions for change in version["changes"]]))
        for version in versions:
            version["changes"] = [next(readable) for _ in version["changes"]]
        return curation_page(
            self, request, "changes.html", f"Changes to {obj}",
            object=obj, versions=versions, can_restore=workflow.can_review(request.user),
        )  # fmt: skip

    def restore_view(self, request, object_id, history_id):
        obj = get_object_or_404(self.model, pk=admin_pk(self.model, object_id))
        if request.method == "POST":
            try:
                workflow.restore_version(obj, history_id, request.user, request.POST.get("reason", "").strip())
            except (workflow.WorkflowError, workflow.StaleEdit) as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{obj} was restored to version #{history_id}.")
        return HttpResponseRedirect(reverse(admin_urlname(self.opts, "changes"), args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        obj._change_reason = history_reason(change_reason(form))
        super().save_model(request, obj, form, change)


def _readable(model, changes) -> list[dict]:
    """Each ``ModelChange`` as a curator reads it: field names, choice labels, related rows by
    name; one query per related model."""
    wanted: dict[type, set] = {}
    fields = {change.field: model._meta.get_field(change.field) for change in changes}

    def targets(field, value) -> list:
        if field.many_to_many:
            name = field.related_model._meta.model_name
            return [row.get(name) for row in value or []]
        return [value] if field.is_relation and value is not None else []

    for change in changes:
        field = fields[change.field]
        for value in (change.old, change.new):
            wanted.setdefault(field.related_model, set()).update(targets(field, value))
    names = {related: related._default_manager.in_bulk(pks) for related, pks in wanted.items() if related and pks}

    def label(field, value):
        if field.is_relation:
            rows = names.get(field.related_model, {})
            return "; ".join(sorted(str(rows.get(pk, f"#{pk} (deleted)")) for pk in targets(field, value)))
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        return value

    return [
        {
            "field": str(fields[c.field].verbose_name),
            "old": label(fields[c.field], c.old),
            "new": label(fields[c.field], c.new),
        }
        for c in changes
    ]


class EvidenceDrugInline(admin.TabularInline):
    """A finding's drugs with their roles; read-only to curators on accepted evidence, since a
    suggested revision holds only the form's fields."""

    model = EvidenceDrug
    extra = 1
    fields = ["drug", "role"]

    def get_extra(self, request, obj=None, **kwargs):
        draft = EvidenceWorkflowMixin.drafted_from(request) if obj is None else None
        return max(self.extra, len(draft["drugs"])) if draft else self.extra

    autocomplete_fields = ["drug"]
    verbose_name_plural = "drugs (with their role)"

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("evidence.view_evidence") or workflow.can_curate(request.user)

    # The rows are part of the evidence item: whoever may change evidence may change them.
    def has_add_permission(self, request, obj=None):
        if not workflow.can_curate(request.user):
            return False
        return obj is None or obj.status != "accepted" or workflow.can_review(request.user)

    has_change_permission = has_delete_permission = has_add_permission


class EvidenceCommentInline(admin.TabularInline):
    model = EvidenceComment
    extra = 1
    fields = ["text", "author", "created"]
    readonly_fields = ["author", "created"]
    verbose_name_plural = "discussion"

    def has_change_permission(self, request, obj=None):
        return False  # comments are a record: added, not rewritten


class EvidenceWorkflowMixin(HistoryDiffMixin):
    """Review page, actions, suggested revisions for curators' edits of accepted evidence."""

    form = EvidenceAdminForm
    inlines = [EvidenceDrugInline, EvidenceCommentInline]
    change_form_template = "admin/evidence/curation/evidence_change_form.html"

    def save_formset(self, request, form, formset, change):
        if formset.model is not EvidenceComment:
            formset.save()
            return
        for comment in formset.save(commit=False):
            comment.author = comment.author or request.user
            comment.save()

    # No bulk accept: an editor accepts the version they read, on its review page.
    actions = ["submit_selected"]

    @staticmethod
    def drafted_from(request) -> dict | None:
        """What the paper in ``?from_citation`` suggests for a new item (once per request)."""
        if not hasattr(request, "_exoresist_draft"):
            paper = _citation_named(request.GET.get("from_citation"))
            request._exoresist_draft = (
                triage.draft_initial(paper) if paper and workflow.can_curate(request.user) else None
            )
        return request._exoresist_draft

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.pop("from_citation", None)
        draft = self.drafted_from(request)
        if draft:
            initial.update({name: value for name, value in draft.items() if name != "drugs"})
        return initial

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        draft = self.drafted_from(request) if obj is None or obj.pk is None else None
        if draft and isinstance(inline, EvidenceDrugInline) and request.method == "GET":
            kwargs["initial"] = [{"drug": pk, "role": "treatment"} for pk in draft["drugs"]]
        return kwargs

    def get_urls(self):
        return [view_url(self, "<path:object_id>/review/", self.review_view, "review"), *super().get_urls()]

    def why_fields(self, obj) -> list[str]:
        return ["change_reason", "loaded_version", *(["confirm_duplicate"] if obj is None else [])]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "status", "rejection_reason", "submitted_by"]

    def review_view(self, request, object_id):
        evidence = get_object_or_404(Evidence, pk=admin_pk(Evidence, object_id))
        if not self.has_view_or_change_permission(request, evidence):
            raise PermissionDenied
        form = ReviewForm(request.POST or None)
        transitions = {
            "submit": lambda reason: workflow.submit(evidence, request.user),
            "withdraw": lambda reason: workflow.withdraw(evidence, request.user),
            "accept": lambda reason: workflow.accept(
                evidence, request.user, reviewed_version=request.POST.get("reviewed_version")
            ),
            "reject": lambda reason: workflow.reject(evidence, request.user, reason),
        }
        if decided := decision_from_post(request, form, transitions, "Choose submit, withdraw, accept or reject."):
            done = decided[1]
            messages.success(request, f"{done.public_id} is now {done.get_status_display()}.")
            return HttpResponseRedirect(reverse("admin:evidence_evidence_change", args=[evidence.pk]))
        return curation_page(
            self,
            request,
            "review.html",
            f"Review {evidence.public_id}",
            evidence=evidence,
            form=form,
            can_review=workflow.can_review(request.user),
            can_curate=workflow.can_curate(request.user),
            revisions=evidence.revisions.filter(status="pending"),
            flags=evidence.flags.filter(status="open"),
        )

    @admin.action(description="Submit selected evidence for review")
    def submit_selected(self, request, queryset):
        done = 0
        for evidence in queryset:
            try:
                workflow.submit(evidence, request.user)
                done += 1
            except (workflow.WorkflowError, workflow.StaleEdit) as exc:
                messages.error(request, str(exc))
        if done:
            messages.success(request, f"{done} evidence item(s) submitted.")

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        request._exoresist_revision = None
        if change and obj.status == "accepted" and not workflow.can_review(request.user):
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in workflow.CONTENT_FIELDS}
            if changes:
                try:
                    with transaction.atomic():
                        request._exoresist_revision = workflow.propose_revision(
                            Evidence.objects.get(pk=obj.pk),
                            request.user,
                            changes,
                            summary=form.cleaned_data.get("change_reason", ""),
                        )
                except workflow.WorkflowError as exc:
                    messages.error(request, str(exc))
            return
        if change and any(name in workflow.CONTENT_FIELDS for name in form.changed_data):
            form.cleaned_data["change_reason"] = self._back_to_draft(request, obj, change_reason(form))
        super().save_model(request, obj, form, change)

    @staticmethod
    def _back_to_draft(request, obj, reason: str) -> str:
        """``workflow.back_to_draft``, telling the curator."""
        noted = workflow.back_to_draft(obj, reason)
        if noted is None:
            return reason
        messages.warning(
            request,
            f"{obj.public_id} was awaiting review; your edit sent it back to draft. Submit it again when it is ready.",
        )
        return noted

    def save_related(self, request, form, formsets, change):
        if change and form.instance.status == "accepted" and not workflow.can_review(request.user):
            # The edit became a suggested revision: leave cargos, drugs and mechanisms alone,
            # but keep the comments that came with it.
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)
            return
        super().save_related(request, form, formsets, change)
        if any(f.model is EvidenceDrug and f.has_changed() for f in formsets):
            # The drug rows are saved after the item, so its history record missed them: record
            # it again (a change of drugs is a change of content like any other).
            obj = form.instance
            reason = self._back_to_draft(request, obj, change_reason(form))
            workflow.save_with_history(obj, request.user, history_reason("Drugs", reason))

    def response_change(self, request, obj):
        revision = getattr(request, "_exoresist_revision", None)
        if revision is not None:
            messages.info(
                request,
                f"{obj.public_id} is accepted, so your edit was filed as suggested revision #{revision.pk}; "
                "an editor will review it. The public record is unchanged until then.",
            )
            return HttpResponseRedirect(reverse("admin:evidence_evidence_change", args=[obj.pk]))
        return super().response_change(request, obj)


class CitationUploadForm(forms.Form):
    file = forms.FileField(
        help_text="A reference file in UTF-8: PubMed XML, MEDLINE (.nbib), RIS, CSL-JSON or BibTeX, "
        "as Zotero, Mendeley, EndNote, JabRef, Google Scholar or PubMed export it. The format is told from the content."
    )
    skip_invalid = forms.BooleanField(
        required=False, help_text="Save the good entries even when some are bad (default: all or nothing)."
    )


class CitationImportMixin(HistoryDiffMixin):
    """The citation list's reference upload and triage queue."""

    change_list_template = "admin/evidence/curation/citation_change_list.html"

    def get_urls(self):
        return [
            view_url(self, "import-bibtex/", self.import_bibtex_view, "import"),
            view_url(self, "triage/", self.triage_view, "triage"),
            *super().get_urls(),
        ]

    def triage_view(self, request):
        if not workflow.can_curate(request.user):
            raise PermissionDenied
        if request.method == "POST":
            citation = _citation_named(request.POST.get("citation"))
            if citation is None:
                messages.error(request, "No such citation.")
            else:
                try:
                    found = triage.decide(citation, request.user, request.POST.get("decision", ""),
                                          request.POST.get("reason", ""))  # fmt: skip
                    messages.success(request, f"{citation.short_label}: {found.get_decision_display()}.")
                except workflow.WorkflowError as exc:
                    messages.error(request, f"{citation.short_label}: {exc}")
            return HttpResponseRedirect(request.get_full_path())
        candidates = triage.queue()
        page = Paginator(candidates, 25).get_page(request.GET.get("page"))
        return curation_page(
            self, request, "triage.html", "Papers to triage",
            page=page, total=len(candidates), decisions=TriageDecision.choices, limit=triage.MAX_CANDIDATES,
        )  # fmt: skip

    def import_bibtex_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CitationUploadForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            report = import_references(
                [(upload.name, upload.read())],
                skip_invalid=form.cleaned_data["skip_invalid"],
                user=request.user,
                reason=f"Imported from a reference file ({upload.name})"[:100],
                max_entries=settings.EXORESIST_WEB_BIBTEX_MAX_ENTRIES,
            )
            (messages.success if report.ok else messages.error)(request, report.summary())
        return curation_page(self, request, "import_bibtex.html", "Import citations", form=form, report=report)
