from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse

from evidence.choices import Subtype, vocabulary_key
from evidence.models.base import ChangeLoggedModel, ListingQuerySet, derives_from


class TherapyClassQuerySet(ListingQuerySet):
    counted_as = "therapy_class"

    def with_counts(self):
        """Also ``drug_count``: the public drugs, those the class page lists."""
        from evidence.models import Drug

        drugs = Drug.objects.public().filter(therapy_class=OuterRef("pk")).order_by().values("therapy_class")
        count = Coalesce(Subquery(drugs.annotate(n=models.Count("pk")).values("n")), 0)
        return super().with_counts().annotate(drug_count=count)


class MechanismQuerySet(ListingQuerySet):
    listing_related = ("parent",)
    counted_as = "scope"  # what ``mechanism=`` lists: the term and its narrower terms

    def scope(self, slugs) -> list[int]:
        """The primary keys of the terms ``slugs`` and of their narrower terms: what ``mechanism=``
        takes (the vocabulary has two levels, as the stored "scope" counts assume)."""
        return list(self.filter(Q(slug__in=slugs) | Q(parent__slug__in=slugs)).values_list("pk", flat=True))


class TherapyClass(ChangeLoggedModel):
    """Chemotherapy, endocrine, HER2-targeted, immunotherapy, ...; the slug is part of the API."""

    editor_fields = ("name", "slug")

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists and menus.")

    objects = TherapyClassQuerySet.as_manager()

    class Meta:
        ordering = ["position", Lower("name")]
        verbose_name_plural = "therapy classes"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("therapyclass_detail", args=[self.slug])


#: The cancer type an item is filed under when a curator names none.
BREAST_CANCER = "breast-cancer"


def breast_cancer_types() -> RawSQL:
    """Breast cancer and every type below it, for a ``cancer_type__in=`` lookup."""
    return CancerType.objects.filter(slug=BREAST_CANCER).with_narrower()


def breast_cancer_type_ids() -> set[int]:
    """``breast_cancer_types()``, read: for many items checked in Python (an import, a refit)."""
    return set(CancerType.objects.filter(pk__in=breast_cancer_types()).values_list("pk", flat=True))


class TreeVocabularyQuerySet(models.QuerySet):
    def named(self, value: str):
        """The term ``value`` names: its slug, name, a synonym or an identifier (``code_fields``),
        in any case and spelling of dashes and spaces, a plural too."""
        key = vocabulary_key(value)
        wanted = {key, key.removesuffix("s"), key.removesuffix("es")}
        for term in self.all():
            names = (term.slug, term.name, *term.synonyms, *(getattr(term, f) for f in term.code_fields))
            if wanted & {vocabulary_key(name) for name in names if name}:
                return term
        return None

    def with_narrower(self) -> RawSQL:
        """These terms and every term below them, as a subquery for ``__in`` lookups (a recursive
        walk that PostgreSQL runs once per statement; UNION: a cycle cannot loop)."""
        sql, params = self.order_by().values("pk").query.get_compiler(using=self.db).as_sql()
        table = self.model._meta.db_table
        return RawSQL(
            f"WITH RECURSIVE below(id) AS ({sql} UNION SELECT t.id FROM {table} t"
            " JOIN below ON t.parent_id = below.id) SELECT id FROM below",
            params,
        )


class TreeTerm(ChangeLoggedModel):
    """A term of a small controlled vocabulary arranged in a tree through ``parent``."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")

    objects = TreeVocabularyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = [Lower("name")]

    def __str__(self) -> str:
        return self.name


class Mechanism(TreeTerm):
    editor_fields = ("name", "slug", "parent", "synonyms")

    synonyms = ArrayField(
        models.CharField(max_length=120), default=list, blank=True, help_text="Other names, e.g. EMT, P-gp efflux."
    )
    description = models.TextField(blank=True)

    objects = MechanismQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.parent.name} › {self.name}" if self.parent_id else self.name

    def get_absolute_url(self) -> str:
        return reverse("mechanism_detail", args=[self.slug])

    def clean(self):
        if self.parent is not None and derives_from(self.parent, self, "parent"):
            raise ValidationError({"parent": "A mechanism cannot be its own ancestor."})


class CancerType(TreeTerm):
    """The disease a finding was made in, with its Disease Ontology and NCI Thesaurus ids."""

    editor_fields = ("name", "slug", "parent", "synonyms", "doid", "ncit")

    doid = models.CharField("Disease Ontology id", max_length=20, blank=True, help_text="e.g. DOID:1612")
    ncit = models.CharField("NCI Thesaurus code", max_length=20, blank=True, help_text="e.g. C4872")
    synonyms = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    description = models.TextField(blank=True)

    code_fields = ("doid", "ncit")

    def clean(self):
        """A type moved out of breast cancer may not take findings with a breast cancer subtype along."""
        from evidence.models.evidence import Evidence, fit_subtype

        was = CancerType.objects.filter(pk=self.pk).first() if self.pk else None
        breast = self.slug == BREAST_CANCER or (self.parent is not None and self.parent.is_breast_cancer)
        if was is None or breast or not was.is_breast_cancer:
            return
        below = Evidence._base_manager.filter(cancer_type__in=CancerType.objects.filter(pk=self.pk).with_narrower())
        item = below.exclude(subtype__in=(Subtype.UNSPECIFIED, Subtype.NOT_APPLICABLE)).order_by("pk").first()
        if item is not None:
            try:
                fit_subtype(item.subtype, self.name, breast_cancer=False)
            except ValidationError as error:
                raise ValidationError({"parent": f"{item.public_id}: {error.message}"}) from None

    def save(self, *args, **kwargs):
        """Moved into or out of breast cancer, its findings' subtypes follow (``refit_subtypes``)."""
        from evidence.models.evidence import refit_subtypes

        same = CancerType.objects.filter(pk=self.pk, slug=self.slug, parent_id=self.parent_id)
        moved = not self._state.adding and not same.exists()
        super().save(*args, **kwargs)
        if moved:
            refit_subtypes()

    @property
    def is_breast_cancer(self) -> bool:
        """Breast cancer or a type below it (a query only for a narrower type)."""
        if self.slug == BREAST_CANCER or self.parent_id is None:
            return self.slug == BREAST_CANCER
        return CancerType.objects.filter(pk=self.pk, pk__in=breast_cancer_types()).exists()


def default_cancer_type() -> int:
    """Breast cancer, the database's subject: the cancer type of an item nobody said otherwise."""
    found, _ = CancerType.objects.get_or_create(
        slug=BREAST_CANCER, defaults={"name": "breast cancer", "doid": "DOID:1612", "ncit": "C4872"}
    )
    return found.pk


class DrugClass(TreeTerm):
    """A class of drugs (anthracyclines, taxanes, ...), with its WHO ATC code if it has one."""

    editor_fields = ("name", "slug", "parent", "synonyms", "atc")

    atc = models.CharField("ATC code", max_length=10, blank=True, help_text="WHO ATC group, e.g. L01CD (taxanes).")
    synonyms = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    description = models.TextField(blank=True)

    code_fields = ("atc",)

    class Meta(TreeTerm.Meta):
        verbose_name_plural = "drug classes"
