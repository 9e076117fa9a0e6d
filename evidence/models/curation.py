"""The review side of curation: suggested revisions, comments, flags and triage; the rules
that move them between states live in ``evidence.curation.workflow``."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from evidence.models.base import user_field


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    APPLIED = "applied", "applied"
    REJECTED = "rejected", "rejected"


class FlagStatus(models.TextChoices):
    OPEN = "open", "open"
    RESOLVED = "resolved", "resolved"


class FlagReason(models.TextChoices):
    WRONG_DATA = "wrong_data", "a fact is wrong (cargo, cell, drug, effect, level)"
    WRONG_CITATION = "wrong_citation", "the citation does not support it"
    RETRACTED = "retracted", "the paper was retracted or corrected"
    DUPLICATE = "duplicate", "duplicate of another evidence item"
    OTHER = "other", "other"


class EvidenceRevision(models.Model):
    """A curator's suggested edit of accepted evidence, applied by an editor (``original``: the
    values ``proposed`` replaces, for the diff)."""

    #: No public page shows it, so saving it keeps every cached page.
    shown_on_public_pages = False

    evidence = models.ForeignKey("evidence.Evidence", on_delete=models.CASCADE, related_name="revisions")
    proposed = models.JSONField(help_text="Field name -> proposed value (primary keys for relations).")
    original = models.JSONField(default=dict, help_text="Field name -> value when the revision was proposed.")
    base_version = models.PositiveIntegerField(help_text="The evidence version the revision was based on.")
    summary = models.TextField("why", blank=True, help_text="What the revision corrects, and the source for it.")
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING, db_index=True
    )
    proposed_by = user_field(related_name="evidence_revisions")
    reviewed_by = user_field(blank=True, related_name="evidence_revisions_reviewed")
    review_note = models.TextField(blank=True, help_text="The editor's reason, required when rejecting.")
    created = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name = "suggested revision"

    def __str__(self) -> str:
        return f"Revision #{self.pk} of {self.evidence.public_id} ({self.get_status_display()})"

    @property
    def changed_fields(self) -> list[str]:
        return sorted(self.proposed)


class EvidenceComment(models.Model):
    """Curators' discussion of an evidence item, kept with it."""

    shown_on_public_pages = False

    evidence = models.ForeignKey("evidence.Evidence", on_delete=models.CASCADE, related_name="comments")
    author = user_field()
    text = models.TextField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.evidence.public_id}"


class EvidenceFlag(models.Model):
    """A possible error reported by a reader or curator; open until an editor resolves it."""

    shown_on_public_pages = False

    evidence = models.ForeignKey("evidence.Evidence", on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=20, choices=FlagReason.choices, default=FlagReason.WRONG_DATA)
    description = models.TextField(help_text="What is wrong, and how you know.")
    raised_by = user_field(blank=True, related_name="evidence_flags")
    reporter_email = models.EmailField(blank=True, help_text="For readers without an account, to hear back.")
    status = models.CharField(max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN, db_index=True)
    resolved_by = user_field(blank=True, related_name="evidence_flags_resolved")
    resolution_note = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | ~models.Q(resolution_note=""),
                name="evidenceflag_resolved_has_note",
                violation_error_message="A resolved flag needs a resolution note.",
            ),
        ]

    def __str__(self) -> str:
        return f"Flag #{self.pk} on {self.evidence.public_id} ({self.get_status_display()})"


class TriageDecision(models.TextChoices):
    CURATE = "curate", "curate"
    NOT_RELEVANT = "not_relevant", "not relevant"
    LATER = "later", "later"


class CitationTriage(models.Model):
    """A curator's decision on an imported paper that holds no evidence yet: curate it, set it
    aside as not relevant (saying why), or come back later."""

    shown_on_public_pages = False

    citation = models.OneToOneField("evidence.Citation", on_delete=models.CASCADE, related_name="triage")
    decision = models.CharField(max_length=12, choices=TriageDecision.choices)
    reason = models.TextField(blank=True, help_text="Why the paper is not relevant (required then).")
    decided_by = user_field(related_name="citation_triage")
    decided_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "triage decision"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(decision="not_relevant") | ~models.Q(reason=""),
                name="citationtriage_not_relevant_has_reason",
                violation_error_message="Say why the paper is not relevant.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.citation.short_label}: {self.get_decision_display()}"
