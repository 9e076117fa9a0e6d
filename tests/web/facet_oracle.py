"""What a facet must show, computed the plainest way: one GROUP BY over the items, with the
ORM. Tests compare every counting path of ``evidence/facets.py`` with it."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, QuerySet

from evidence.choices import DEFAULT_DRUG_ROLES
from evidence.facets import FacetSpec
from evidence.models import Evidence, Mechanism


def group_by(spec: FacetSpec, queryset: QuerySet) -> list[tuple[str, str, int]]:
    """(value, label, count) of one facet over ``queryset``, ordered by count then value and
    cut at the facet's ``top``; an item linking two cargos of one kind counts once."""
    label_field = spec.label_field or spec.value_field
    fields = [spec.value_field] if label_field == spec.value_field else [spec.value_field, label_field]
    if spec.source == "local":
        rows = queryset.order_by().values(*fields).annotate(n=Count("pk"))
    elif spec.param == "mechanism":
        # A term counts its items and its narrower terms', as its filter lists them.
        return _mechanism_scope(spec, queryset)
    else:
        items = queryset.order_by().values("pk")
        through = getattr(Evidence, spec.relation).through.objects.filter(evidence_id__in=items)
        if spec.param == "drug":
            through = through.filter(role__in=DEFAULT_DRUG_ROLES)  # drug= lists a drug as the therapy
        rows = through.values(*fields).annotate(n=Count("evidence_id", distinct=True))
    rows = rows.order_by("-n", spec.value_field)
    if spec.top:
        rows = rows[: spec.top]
    labels = dict(spec.choices)
    return [
        (str(row[spec.value_field]), labels.get(row[spec.value_field]) or str(row[label_field]), row["n"])
        for row in rows
        if row[spec.value_field] is not None
    ]


def _mechanism_scope(spec: FacetSpec, queryset: QuerySet) -> list[tuple[str, str, int]]:
    links = Evidence.mechanisms.through.objects.filter(evidence_id__in=queryset.order_by().values("pk"))
    pairs = set(links.values_list("mechanism_id", "evidence_id"))
    pairs |= set(links.exclude(mechanism__parent=None).values_list("mechanism__parent_id", "evidence_id"))
    counted = Counter(term for term, _ in pairs)
    terms = Mechanism.objects.in_bulk(list(counted))
    found = sorted(((terms[pk].slug, terms[pk].name, n) for pk, n in counted.items()), key=lambda r: (-r[2], r[0]))
    return found[: spec.top] if spec.top else found
