from __future__ import annotations

from django.db import models
from django.urls import reverse

from evidence.models.base import ChangeLoggedModel, ListingQuerySet, count_of


class TherapyClassQuerySet(ListingQuerySet):
    def with_counts(self):
        """Annotate ``evidence_count`` (accepted evidence) and ``drug_count``."""
        from evidence.models import Drug, EvidenceCount

        return self.annotate(
            evidence_count=EvidenceCount.objects.annotation("therapy_class"),
            drug_count=count_of(Drug.objects.all(), "therapy_class"),
        )


class MechanismQuerySet(ListingQuerySet):
    listing_related = ("parent",)

    def with_counts(self):
        """Annotate ``evidence_count``: accepted evidence items that name the mechanism itself."""
        from evidence.models import EvidenceCount

        return self.annotate(evidence_count=EvidenceCount.objects.annotation("mechanism"))


class TherapyClass(ChangeLoggedModel):
    """Chemotherapy, endocrine, HER2-targeted, immunotherapy, ...; the slug is part of the API."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists and menus.")

    objects = TherapyClassQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "therapy classes"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("therapyclass_detail", args=[self.slug])


class Mechanism(ChangeLoggedModel):
    """A term of the controlled vocabulary of resistance mechanisms; a tree through ``parent``."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(blank=True)

    objects = MechanismQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("mechanism_detail", args=[self.slug])

    def clean(self):
        from django.core.exceptions import ValidationError

        node, seen = self.parent, {self.pk}
        while node is not None:
            if node.pk in seen:
                raise ValidationError({"parent": "A mechanism cannot be its own ancestor."})
            seen.add(node.pk)
            node = node.parent
