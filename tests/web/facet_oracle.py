"""What a facet must show, computed the plainest way: one GROUP BY over the items, with the
ORM. Tests compare every counting path of ``evidence/facets.py`` with it."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from evidence.facets import FacetSpec
from evidence.models import Evidence


def group_by(spec: FacetSpec, queryset: QuerySet) -> list[tuple[str, str, int]]:
    """(value, label, count) of one facet over ``queryset``, ordered by count then value and
    cut at the facet's ``top``; an item linking two cargos of one kind counts once."""
    label_field = spec.label_field or spec.value_field
    fields = [spec.value_field] if label_field == spec.value_field else [spec.value_field, label_field]
    if spec.source == "local":
        rows = queryset.order_by().values(*fields).annotate(n=Count("pk"))
    else:
        through = getattr(Evidence, spec.relation).through.objects
        items = queryset.order_by().values("pk")
        rows = through.filter(evidence_id__in=items).values(*fields).annotate(n=Count("evidence_id", distinct=True))
    rows = rows.order_by("-n", spec.value_field)
    if spec.top:
        rows = rows[: spec.top]
    labels = dict(spec.choices)
    return [
        (str(row[spec.value_field]), labels.get(row[spec.value_field]) or str(row[label_field]), row["n"])
        for row in rows
        if row[spec.value_field] is not None
    ]
