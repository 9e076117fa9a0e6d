"""Mixins shared by every curated model."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import models
from django.db.models import Exists, Q, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse
from simple_history.models import HistoricalRecords

from evidence.identifiers import lookup_keys
from evidence.models.counts import EvidenceCount


def id_array(ids: list[int]) -> RawSQL:
    """``ids`` for an ``__in`` lookup as one array parameter: Django would prepare an IN list of
    thousands of ids one by one."""
    return RawSQL("SELECT unnest(%s::bigint[])", (ids,))


def pk_sql(queryset: models.QuerySet) -> tuple[str, tuple] | None:
    """The SQL and parameters selecting the primary keys of ``queryset``, for a statement written
    around it; None when Django knows it selects nothing (``q=-``) and writes no SQL."""
    try:
        return queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None


def user_field(**options) -> models.ForeignKey:
    """A user a record names; the record stays, naming nobody, when the account is deleted."""
    return models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, **options)


class ChangeLoggedModel(models.Model):
    """Timestamps, and a history row per change with the user and the reason."""

    #: Fields a curator may set on a new record but only an editor may change once it exists
    #: (names, identifiers, trust): everything public links to these (workflow.check_reference_edit).
    editor_fields: tuple[str, ...] = ()

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def locked_modified(self):
        """The stored ``modified`` time, the row locked until the transaction ends (optimistic
        locking: a save based on an older copy is refused); None when the row is gone."""
        rows = type(self)._default_manager.select_for_update().filter(pk=self.pk)
        return rows.values_list("modified", flat=True).first()


class ListingQuerySet(models.QuerySet):
    """The rows an index lists, for the API's list and the HTML index page."""

    #: Foreign keys and many-to-many relations an index shows.
    listing_related: tuple[str, ...] = ()
    listing_prefetch: tuple[str, ...] = ()
    #: The stored count (models/counts.py) ``evidence_count`` reads, if not the model's name.
    counted_as: str | None = None
    #: How accepted evidence reaches a row (``Q(drugs=OuterRef("pk"))``); None: always public.
    public_through: Q | None = None

    def with_counts(self) -> ListingQuerySet:
        """Annotate ``evidence_count``: the accepted evidence items that cite each row."""
        kind = self.counted_as or self.model._meta.model_name
        return self.annotate(evidence_count=EvidenceCount.objects.annotation(kind))

    def public(self) -> ListingQuerySet:
        """Rows accepted evidence uses: a drug, cargo, cell or citation entered for a draft stays
        out of public lists, pages and releases until the draft is accepted."""
        from evidence.models.evidence import Evidence

        if self.public_through is None:
            return self
        return self.filter(Exists(Evidence.objects.public().filter(self.public_through)))

    def public_pks(self) -> list:
        """The primary keys of these rows that are public, asked row by row (an index probe
        each): for the few rows a lookup matched, cheaper than ``public()`` as a filter."""
        if self.public_through is None:  # a vocabulary, or a model with its own public()
            return list(self.public().values_list("pk", flat=True))
        from evidence.models.evidence import Evidence

        # A scalar subquery, not EXISTS, which the planner may hash over every accepted link.
        used = Evidence.objects.public().filter(self.public_through).values("pk")[:1]
        rows = self.annotate(used_by=Subquery(used))
        return [pk for pk, used_by in rows.values_list("pk", "used_by") if used_by is not None]

    def visible_to(self, user) -> ListingQuerySet:
        from evidence.models.evidence import sees_unpublished

        return self if sees_unpublished(user) else self.public()

    def for_listing(self) -> ListingQuerySet:
        """Counts, related rows and aliases each listed row shows, in a total order (so pages
        never repeat or skip a row)."""
        queryset = self.with_counts().order_by(*self.model._meta.ordering, "pk")
        if self.listing_related:
            queryset = queryset.select_related(*self.listing_related)
        if issubclass(self.model, NamedEntity):
            queryset = queryset.prefetch_related("aliases")
        return queryset.prefetch_related(*self.listing_prefetch)


class AmbiguousName(ValueError):
    """A name that several entities answer to equally well."""

    SHOWN = 5  # entities the message lists

    def __init__(self, name: str, model, entities: list) -> None:
        listed = "; ".join(str(entity) for entity in entities[: self.SHOWN])
        more = " and more" if len(entities) > self.SHOWN else ""
        super().__init__(
            f"{name!r} names several {model._meta.verbose_name_plural}: {listed}{more}; give one of these names."
        )


def slugs_of(names) -> set[str]:
    """The slugs ``names`` may be, as given or in lower case (slugs are written lower-case)."""
    stripped = {name.strip() for name in names if name and name.strip()}
    return stripped | {name.lower() for name in stripped}


def names_find(*names: str) -> tuple[Q, Q] | None:
    """(A filter on an entity's own name, one on its aliases) finding ``names`` by lookup keys;
    None when no name has a key. A miRNA arm ("miR-155-3p") also finds a record that gave no
    arm by its own name, but not the other arm by an arm-less alias (as ``search._needs_keys``)."""
    pairs = [lookup_keys(name) for name in names if name and name.strip()]
    keys = {key for key, _base in pairs}
    if not keys:
        return None
    bases = {base for _key, base in pairs}
    return Q(key__in=keys | bases) | Q(base__in=keys), Q(key__in=keys) | Q(base__in=keys)


class NamedQuerySet(ListingQuerySet):
    """Lookups by any name of an entity: its canonical name, one of its aliases, or its slug."""

    def matching(self, *names: str) -> NamedQuerySet:
        """Entities any of whose names or slug matches any of ``names``, ignoring case and
        punctuation (a slug need not be a name's key: ``car-t-cell``)."""
        found_by = names_find(*names)
        if found_by is None:
            return self.none()
        own, aliases = found_by
        alias_hits = self.model.aliases.rel.related_model.objects.filter(aliases).values("entity_id")
        return self.filter(own | Q(pk__in=alias_hits) | Q(slug__in=slugs_of(names)))

    def similar(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` (name or alias, trigram similarity) of these entities nearest to ``text``, best first."""
        field = getattr(self.model, "name_field", "name")
        alias_model = self.model.aliases.rel.related_model
        text = text[:100]
        names = self.annotate(similarity=TrigramSimilarity(field, text)).filter(similarity__gt=0.2)
        aliases = alias_model.objects.filter(entity__in=self.values("pk"))
        aliases = aliases.annotate(similarity=TrigramSimilarity("name", text)).filter(similarity__gt=0.2)
        ranked = names.values_list(field, "similarity").union(aliases.values_list("name", "similarity"))
        found: dict[str, tuple[str, float]] = {}
        for name, similarity in ranked.order_by("-similarity", field)[: n * 3]:
            found.setdefault(name.lower(), (name, similarity))
        return list(found.values())[:n]

    def by_name(self, name: str):
        """The one entity called ``name`` or ``None``: by slug, else canonical name, else alias,
        else the only one it matches at all. Several at the best tier ("miR-21") raise
        ``AmbiguousName``: linking a finding to the first would be a silent guess."""
        shown = AmbiguousName.SHOWN + 1
        hits = list(self.matching(name)[:shown])
        if len(hits) <= 1:
            return hits[0] if hits else None
        # Each tier asked on its own: the one exact owner may sort after the first matches.
        key, _ = lookup_keys(name)
        aliases = self.model.aliases.rel.related_model.objects.filter(key=key).values("entity_id")
        for tier in (self.filter(slug__in=slugs_of([name])), self.filter(key=key), self.filter(pk__in=aliases)):
            found = list(tier[:shown])
            if len(found) == 1:
                return found[0]
            if found:
                raise AmbiguousName(name, self.model, found)
        raise AmbiguousName(name, self.model, hits)


class NamedEntity(ChangeLoggedModel):
    """An entity a researcher finds by name, with the lookup keys of its canonical name."""

    slug = models.SlugField(max_length=120, unique=True)
    key = models.CharField(max_length=200, db_index=True, editable=False)
    base = models.CharField(max_length=200, db_index=True, editable=False)

    name_field = "name"  # of the canonical name
    #: Whether no two records' names may differ by case and punctuation alone ("Doxorubicin" is
    #: doxorubicin): not for cargos, where hsa-mir-21 (precursor) and hsa-miR-21 differ.
    one_record_per_name_key = True

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.key, self.base = lookup_keys(self.display_name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.model_name}_detail", args=[self.slug])

    def clean(self):
        super().clean()
        key = lookup_keys(self.display_name or "")[0]
        if self.one_record_per_name_key and key:
            if other := type(self).objects.filter(key=key).exclude(pk=self.pk).first():
                raise ValidationError(
                    {
                        self.name_field: f"{self.display_name!r} is the {self._meta.verbose_name} {other} already "
                        "(names are compared ignoring case and punctuation): add it as an alias of that one, "
                        "or give a name that differs."
                    }
                )

    @property
    def display_name(self) -> str:
        return getattr(self, self.name_field)


class Alias(models.Model):
    """Another name an entity goes by: an abbreviation, a brand, an old symbol."""

    name = models.CharField(max_length=200)
    key = models.CharField(max_length=200, db_index=True, editable=False)
    base = models.CharField(max_length=200, db_index=True, editable=False)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["name"]
        # Each subclass declares ``entity``; one name key per entity.
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="%(class)s_unique_key")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = self.name.strip()
        self.key, self.base = lookup_keys(self.name)
        super().save(*args, **kwargs)


def derives_from(node, record, link: str) -> bool:
    """Whether ``record`` is ``node`` or above it, following ``link`` (a parent, a family) up:
    making ``node`` its parent would close a cycle."""
    seen = set()
    while node is not None and node.pk not in seen:
        if node.pk == record.pk:
            return True
        seen.add(node.pk)
        node = getattr(node, link)
    return False
