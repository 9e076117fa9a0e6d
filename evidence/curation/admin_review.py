"""Admin for the review side: suggested revisions, flags and comments."""

from __future__ import annotations

import json
from functools import partial

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from evidence.curation import workflow
from evidence.curation.admin_workflow import (
    HistoryAdmin,
    PublicIdSearchMixin,
    ReviewForm,
    admin_pk,
    curation_page,
    decision_from_post,
    view_url,
)
from evidence.models import EvidenceComment, EvidenceFlag, EvidenceRevision


class DecisionAdmin(HistoryAdmin):
    """A page with the item and a reason box; ``decide(obj, action, user, reason)`` carries out
    each of ``decisions``."""

    decisions: dict[str, str] = {}

    def get_urls(self):
        return [view_url(self, "<path:object_id>/decide/", self.decide_view, "decide"), *super().get_urls()]

    def decide_view(self, request, object_id):
        obj = get_object_or_404(self.model, pk=admin_pk(self.model, object_id))
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        form = ReviewForm(request.POST or None)
        actions = {action: partial(self.decide, obj, action, request.user) for action in self.decisions}
        if decided := decision_from_post(request, form, actions, f"Choose one of: {', '.join(self.decisions)}."):
            messages.success(request, f"{obj._meta.verbose_name.capitalize()} #{obj.pk}: {decided[0]} done.")
            return HttpResponseRedirect(reverse(admin_urlname(self.opts, "changelist")))
        return curation_page(
            self, request, "decide.html", f"Decide on {obj}",
            object=obj, form=form, decisions=self.decisions, can_decide=workflow.can_review(request.user),
        )  # fmt: skip

    @admin.display(description="decide")
    def decide_link(self, obj):
        url = reverse(admin_urlname(self.opts, "decide"), args=[obj.pk])
        return format_html('<a href="{}">review…</a>', url)


@admin.register(EvidenceRevision)
class EvidenceRevisionAdmin(PublicIdSearchMixin, DecisionAdmin):
    list_display = ["__str__", "evidence", "changed", "proposed_by", "created", "status", "reviewed_by", "decide_link"]
    list_filter = ["status", "created", "reviewed_at"]
    search_fields = ["evidence__statement", "summary", "proposed_by__username", "evidence__import_key"]
    list_select_related = ["evidence", "proposed_by", "reviewed_by"]
    readonly_fields = [
        "evidence",
        "diff",
        "base_version",
        "status",
        "proposed_by",
        "reviewed_by",
        "review_note",
        "created",
        "reviewed_at",
    ]
    fields = ["evidence", "summary", "diff", *readonly_fields[2:]]
    decisions = {"apply": "Apply the revision", "reject": "Reject it (say why)"}

    def has_add_permission(self, request):
        return False  # curators propose by editing accepted evidence

    @admin.display(description="fields")
    def changed(self, obj):
        return ", ".join(obj.changed_fields)

    @admin.display(description="proposed change")
    def diff(self, obj):
        rows = (
            (name, json.dumps(obj.original.get(name), ensure_ascii=False), json.dumps(value, ensure_ascii=False))
            for name, value in sorted(obj.proposed.items())
        )
        return format_html(
            "<table><tr><th>field</th><th>now</th><th>proposed</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows),
        )

    def decide(self, obj, action, user, reason):
        if action == "apply":
            workflow.apply_revision(obj, user)
        else:
            workflow.reject_revision(obj, user, reason)


@admin.register(EvidenceFlag)
class EvidenceFlagAdmin(PublicIdSearchMixin, DecisionAdmin):
    list_display = ["__str__", "evidence", "reason", "raised_by", "created", "status", "resolved_by", "decide_link"]
    list_filter = ["status", "reason", "created"]
    search_fields = ["description", "resolution_note", "evidence__statement", "reporter_email"]
    list_select_related = ["evidence", "raised_by", "resolved_by"]
    autocomplete_fields = ["evidence"]
    readonly_fields = ["status", "raised_by", "resolved_by", "resolution_note", "created", "resolved_at"]
    decisions = {"resolve": "Resolve the flag (say how)"}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.raised_by = request.user
        super().save_model(request, obj, form, change)

    def decide(self, obj, action, user, reason):
        workflow.resolve_flag(obj, user, reason)


@admin.register(EvidenceComment)
class EvidenceCommentAdmin(PublicIdSearchMixin, admin.ModelAdmin):
    list_display = ["__str__", "evidence", "author", "created"]
    list_filter = ["created"]
    search_fields = ["text", "evidence__statement", "author__username"]
    list_select_related = ["evidence", "author"]
    autocomplete_fields = ["evidence"]
    readonly_fields = ["author", "created"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)
