"""Global search across every kind of record (each FilterSet's ``q``, as the API's) and typeahead
suggestions; ``NamedQuerySet.matching`` finds a record by any name a paper used ("ADM", "miR-155")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.text import capfirst

from evidence import filtersets
from evidence import identifiers as ids
from evidence.models import (
    Cargo,
    CargoAlias,
    Cell,
    CellAlias,
    Citation,
    Drug,
    DrugAlias,
    Evidence,
    Mechanism,
    TherapyClass,
    public_id_to_pk,
)
from evidence.models.evidence import PUBLIC_ID_RE, evidence_url

#: Results shown per kind on the search page; the "all" link leads to the full index.
PER_KIND = 10
TYPEAHEAD_MIN = 2
TYPEAHEAD_LIMIT = 10


@dataclass
class KindResults:
    kind: str
    label: str
    items: list[Any]
    total: int
    more_url: str


@dataclass
class SearchResults:
    query: str
    kinds: list[KindResults] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(k.total for k in self.kinds)


def exact_target(query: str) -> str | None:
    """The one page ``query`` names (an evidence public id, a DOI or PMID, the name or alias of
    exactly one drug or cargo), or ``None``. ``query`` is stripped and not empty."""
    if PUBLIC_ID_RE.match(query):
        pk = public_id_to_pk(query)
        return evidence_url(pk) if Evidence.objects.public().filter(pk=pk).exists() else None
    doi = ids.normalize_doi(query)
    if (doi and ids.DOI_RE.match(doi)) or query.lower().startswith("pmid"):
        citation = Citation.objects.public().by_identifier(query)
        return citation.get_absolute_url() if citation else None
    hits = [*Drug.objects.public().matching(query)[:2], *Cargo.objects.public().matching(query)[:2]]
    return hits[0].get_absolute_url() if len(hits) == 1 else None


def search(query: str) -> SearchResults:
    """Everything matching ``query``: drugs, cargos, cells, mechanisms, therapy classes, citations, evidence."""
    query = query.replace("\x00", "").strip()[: filtersets.MAX_Q_LENGTH]
    results = SearchResults(query)
    if not query:
        return results
    data = {"q": query}
    kinds = [
        (filtersets.DrugFilterSet, _named(Drug)),
        (filtersets.CargoFilterSet, _named(Cargo)),
        (filtersets.CellFilterSet, _named(Cell)),
        (filtersets.MechanismFilterSet, Mechanism.objects.with_counts()),
        (filtersets.TherapyClassFilterSet, TherapyClass.objects.with_counts()),
        (filtersets.CitationFilterSet, Citation.objects.public().with_counts()),
        (filtersets.EvidenceFilterSet, Evidence.objects.public().with_related()),
    ]
    for filterset, queryset in kinds:
        meta = queryset.model._meta
        found = filterset(data, queryset=queryset).qs
        items = list(found[:PER_KIND])
        total = len(items) if len(items) < PER_KIND else found.count()
        more_url = f"{reverse(f'{meta.model_name}_list')}?{urlencode(data)}"
        results.kinds.append(KindResults(meta.model_name, capfirst(meta.verbose_name_plural), items, total, more_url))
    return results


def _named(model):
    return model.objects.public().with_counts().prefetch_related("aliases")


def typeahead(query: str) -> list[dict[str, str]]:
    """Up to ten suggestions, exact (synonym-aware) hits first, then names and aliases starting with ``query``."""
    query = query.replace("\x00", "").strip()[:100]
    if len(query) < TYPEAHEAD_MIN:
        return []
    out: list[dict[str, str]] = []
    seen: set[tuple[str, int]] = set()

    def add(entity, name: str, via: str = "") -> None:
        kind, label = entity._meta.model_name, str(entity._meta.verbose_name)
        if (kind, entity.pk) not in seen and len(out) < TYPEAHEAD_LIMIT:
            seen.add((kind, entity.pk))
            out.append({"kind": kind, "label": label, "name": name, "via": via, "url": entity.get_absolute_url()})

    named = ((Drug, DrugAlias), (Cargo, CargoAlias), (Cell, CellAlias))
    for model, _alias in named:
        for entity in model.objects.public().matching(query)[:3]:
            add(entity, entity.display_name)
    for model, alias_model in named:
        public = model.objects.public()
        for entity in public.filter(**{f"{model.name_field}__istartswith": query})[:5]:
            add(entity, entity.display_name)
        aliases = alias_model.objects.filter(name__istartswith=query, entity__in=public.values("pk"))
        for alias in aliases.select_related("entity")[:5]:
            add(alias.entity, alias.entity.display_name, via=alias.name)
    for mechanism in Mechanism.objects.filter(name__icontains=query)[:3]:
        add(mechanism, mechanism.name)
    for therapy in TherapyClass.objects.filter(name__icontains=query)[:2]:
        add(therapy, therapy.name)
    return out
