"""Mixins shared by every curated model."""

from __future__ import annotations

from django.contrib.postgres.search import TrigramSimilarity
from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Exists, Q, Subquery
from django.db.models.expressions import RawSQL
from django.urls import reverse
from simple_history.models import HistoricalRecords

from evidence.identifiers import lookup_keys


def id_array(ids: list[int]) -> RawSQL:
    """``ids`` for an ``__in`` lookup as one array parameter: Django would prepare an IN
    list of thousands of ids one by one (half the time of the query)."""
    return RawSQL("SELECT unnest(%s::bigint[])", (ids,))


def pk_sql(queryset: models.QuerySet) -> tuple[str, tuple] | None:
    """The SQL selecting the primary keys of ``queryset``, with its parameters, for a statement
    written by hand around it; None when Django knows it selects nothing and writes no SQL
    (a search with no word to look for, ``q=-``; a DOI that normalises to none)."""
    try:
        return queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None


class ChangeLoggedModel(models.Model):
    """Timestamps, and a history row per change with the user and the reason
    (django-simple-history): the curator diff views and "last changed" read it."""

    #: Fields a curator may set on a new record but only an editor may change once it
    #: exists: its names, identifiers and anything that says whether it can be trusted.
    #: Everything public links to these, so a change is reviewed (workflow.check_reference_edit).
    editor_fields: tuple[str, ...] = ()

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def locked_modified(self):
        """The stored ``modified`` time, read with the row locked until the transaction ends:
        a save based on an older copy is refused against it (optimistic locking; evidence
        has its own ``version``). None when the row is gone."""
        rows = type(self)._default_manager.select_for_update().filter(pk=self.pk)
        return rows.values_list("modified", flat=True).first()


class ListingQuerySet(models.QuerySet):
    """The rows an index lists, one definition for the API's list and the HTML index page."""

    #: Foreign keys an index shows (``Drug``: its therapy class).
    listing_related: tuple[str, ...] = ()
    #: Many-to-many relations an index shows (``Drug``: its classes).
    listing_prefetch: tuple[str, ...] = ()
    #: The stored count (models/counts.py) ``evidence_count`` reads, if not the model's name.
    counted_as: str | None = None

    def with_counts(self) -> ListingQuerySet:
        """Annotate ``evidence_count``: the accepted evidence items that cite each row."""
        from evidence.models.counts import EvidenceCount

        kind = self.counted_as or self.model._meta.model_name
        return self.annotate(evidence_count=EvidenceCount.objects.annotation(kind))

    #: How accepted evidence reaches a row (``Drug``: ``Q(drugs=OuterRef("pk"))``); a model
    #: that declares it is public only once accepted evidence uses it (see ``public``).
    public_through: Q | None = None

    def _used_by_accepted(self) -> Exists:
        from evidence.models.evidence import Evidence

        return Exists(Evidence.objects.public().filter(self.public_through))

    def public(self) -> ListingQuerySet:
        """Rows accepted evidence uses. A drug, cargo, cell or citation entered for a draft
        stays out of public lists, pages, suggestions and releases until the draft is
        accepted; controlled vocabularies (no ``public_through``) are always public."""
        return self if self.public_through is None else self.filter(self._used_by_accepted())

    def public_pks(self) -> list:
        """The primary keys of these rows that are public. For the few rows a lookup matched:
        as a filter, ``public()`` lets PostgreSQL join every link of accepted evidence before
        it reaches them; asked of each row, it is one index probe."""
        if self.public_through is None:  # a vocabulary, or a model with its own public()
            return list(self.public().values_list("pk", flat=True))
        from evidence.models.evidence import Evidence

        # A scalar subquery, not EXISTS: the planner may hash an EXISTS over every accepted link
        # when it misjudges how many rows a lookup's ORs match (half the table, for one row:
        # 50-70 ms at 100,000 items); a scalar subquery is always the per-row probe.
        used = Evidence.objects.public().filter(self.public_through).values("pk")[:1]
        rows = self.annotate(used_by=Subquery(used))
        return [pk for pk, used_by in rows.values_list("pk", "used_by") if used_by is not None]

    def visible_to(self, user) -> ListingQuerySet:
        from evidence.models.evidence import sees_unpublished

        return self if sees_unpublished(user) else self.public()

    def for_listing(self) -> ListingQuerySet:
        """Evidence counts, the related rows and aliases each listed row shows, and a total
        order (the model's, then id), so pages never repeat or skip a row."""
        queryset = self.with_counts().order_by(*self.model._meta.ordering, "pk")
        if self.listing_related:
            queryset = queryset.select_related(*self.listing_related)
        if issubclass(self.model, NamedEntity):
            queryset = queryset.prefetch_related("aliases")
        return queryset.prefetch_related(*self.listing_prefetch)


class AmbiguousName(ValueError):
    """A name that several entities answer to equally well."""

    #: How many of the entities it names the message lists.
    SHOWN = 5

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
    """Which records ``names`` find by their lookup keys: (a filter on an entity's own name, a
    filter on its aliases); None when no name has a key. A miRNA arm ("miR-155-3p") also finds
    a record that gave no arm, by that record's own name; not a record of the other arm that
    carries an arm-less alias (hsa-miR-155-5p, "miR-155"). The text search's key lexemes
    follow the same rule (``search._needs_keys``, the document of migration 0043)."""
    pairs = [lookup_keys(name) for name in names if name and name.strip()]
    keys = {key for key, _base in pairs}
    if not keys:
        return None
    bases = {base for _key, base in pairs}
    return Q(key__in=keys | bases) | Q(base__in=keys), Q(key__in=keys) | Q(base__in=keys)


class NamedQuerySet(ListingQuerySet):
    """Lookups by any name of an entity: its canonical name, one of its aliases, or its slug."""

    def matching(self, *names: str) -> NamedQuerySet:
        """Entities any of whose names matches any of ``names``, ignoring case and punctuation,
        or whose slug is one of them: the API shows slugs, and a slug need not be a name's key
        (``car-t-cell`` is "mesothelin-targeted CAR-T cells")."""
        found_by = names_find(*names)
        if found_by is None:
            return self.none()
        own, aliases = found_by
        alias_hits = self.model.aliases.rel.related_model.objects.filter(aliases).values("entity_id")
        return self.filter(own | Q(pk__in=alias_hits) | Q(slug__in=slugs_of(names)))

    def similar(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        """The ``n`` names and aliases of these entities nearest to ``text`` by trigram similarity
        (pg_trgm), with their similarity, best first: the "did you mean" of a name that matches
        nothing."""
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
        """The one entity called ``name``, or ``None``: the one whose slug it is (a slug names
        one entity, as the API's writes read it first), else the one whose canonical name it is,
        else the one with an alias of that name, else the only one it matches at all. A name that
        matches several at the best of these tiers ("miR-21" for miR-21-5p and miR-21-3p)
        raises ``AmbiguousName``: linking a finding to the first would be a silent guess."""
        shown = AmbiguousName.SHOWN + 1
        hits = list(self.matching(name)[:shown])
        if len(hits) <= 1:
            return hits[0] if hits else None
        # Each tier asked on its own: the one exact owner may sort after the first matches.
        key, _ = lookup_keys(name)
        aliases = self.model.aliases.rel.related_model.objects.filter(key=key).values("entity_id")
        tiers = (self.filter(slug__in=slugs_of([name])), self.filter(key=key), self.filter(pk__in=aliases), None)
        for tier in tiers:
            found = hits if tier is None else list(tier[:shown])
            if len(found) == 1:
                return found[0]
            if found:
                raise AmbiguousName(name, self.model, found)
        return None


class NamedEntity(ChangeLoggedModel):
    """An entity a researcher finds by name: the lookup keys of its canonical name are stored."""

    slug = models.SlugField(max_length=120, unique=True)
    key = models.CharField(max_length=200, db_index=True, editable=False)
    base = models.CharField(max_length=200, db_index=True, editable=False)

    #: the field holding the canonical name; subclasses name it as biologists do.
    name_field = "name"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.key, self.base = lookup_keys(self.display_name)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.model_name}_detail", args=[self.slug])

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
