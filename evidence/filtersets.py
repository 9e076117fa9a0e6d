"""One FilterSet per model, shared by the API viewsets and the HTML list views.

Every parameter means the same thing in ``/api/v1/evidence/?drug=ADM`` and
``/evidence/?drug=ADM``. Repeating a parameter or giving a comma list means OR.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.datastructures import MultiValueDict

from evidence import choices
from evidence import identifiers as ids
from evidence.models import Cargo, Cell, Citation, Drug, Evidence, Mechanism, TherapyClass

#: Free text longer than this is cut: nobody types a 200-character search, and a
#: hostile megabyte must not reach the database as a LIKE pattern.
MAX_Q_LENGTH = 200
#: How many values one list parameter may carry.
MAX_VALUES = 50


class ListWidget(forms.TextInput):
    """Reads ``?p=a&p=b``, ``?p=a,b`` and ``?p[]=a`` alike into a list of stripped values."""

    def value_from_datadict(self, data, files, name):
        if isinstance(data, MultiValueDict):
            raw = data.getlist(name) or data.getlist(f"{name}[]")
        else:
            raw = data.get(name)
            raw = raw if isinstance(raw, list | tuple) else ([raw] if raw is not None else [])
        values: list[str] = []
        for item in raw:
            for part in str(item).split(","):
                part = part.strip()
                if part and part not in values:
                    values.append(part)
        return values[:MAX_VALUES]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return value


class ListField(forms.Field):
    widget = ListWidget

    def to_python(self, value):
        if not value:
            return []
        return [str(v)[:MAX_Q_LENGTH].replace("\x00", "") for v in value]


class ChoiceListField(ListField):
    def __init__(self, *, choices=(), **kwargs):
        self.valid = {str(value) for value, _ in choices}
        self.choices = list(choices)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        bad = [v for v in value if v not in self.valid]
        if bad:
            raise forms.ValidationError(
                "Unknown value %(bad)s; choose from %(valid)s.",
                code="invalid_choice",
                params={"bad": ", ".join(bad), "valid": ", ".join(sorted(self.valid))},
            )


class ListFilter(django_filters.Filter):
    """A filter whose value is a list; ``method`` (or ``field_name__in``) does the OR."""

    field_class = ListField

    def filter(self, qs, value):
        # With ``method`` set, django-filter replaces this with a call to the method.
        if not value:
            return qs
        # Only used on local and forward foreign-key fields, so no row can repeat.
        return qs.filter(**{f"{self.field_name}__in": value})


class ChoiceListFilter(ListFilter):
    field_class = ChoiceListField


class YearFilter(django_filters.NumberFilter):
    """A whole year; a number a year can't be is a 400, not a surprise."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is an error rather than silently ignored."""

    widget = forms.TextInput
    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError("Give true or false, not %(value)s.", code="invalid", params={"value": value})


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class SearchField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\x00", "").strip()[:MAX_Q_LENGTH]


#: Query parameters that page, sort or format a list but never narrow it (API and pages alike).
NON_NARROWING = frozenset({"page", "page_size", "ordering", "format"})


def param_values(query: MultiValueDict, param: str) -> list[str]:
    """The values of a list parameter, read as ``ListWidget`` reads them (repeats and commas)."""
    values: list[str] = []
    for raw in query.getlist(param) + query.getlist(f"{param}[]"):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in values:
                values.append(part)
    return values


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


def _through_ids(relation, **lookup) -> QuerySet:
    """Evidence ids linked through a many-to-many table, as a subquery (no DISTINCT needed)."""
    return relation.through.objects.filter(**lookup).values("evidence_id")


def _matching_ids(model, names: list[str]) -> list[int]:
    """Ids of the entities called any of ``names`` (synonym-aware), resolved up front.

    One small query on the entity tables; the evidence query then gets literal ids,
    which PostgreSQL plans (and counts) far better than nested OR-ed subqueries.
    """
    return list(model.objects.matching(*names).values_list("pk", flat=True))


class EvidenceFilterSet(django_filters.FilterSet):
    q = SearchFilter(
        method="search",
        label="Search",
        help_text='Full-text search, ranked: every word in any order, "a phrase", -without, '
        "either or other, a prefix for the last word. Searches the statement, quote, every name and "
        "alias of the drugs, cargos, cells and mechanisms, and the citation (authors, year, title, "
        "journal, DOI, PMID).",
    )
    drug = ListFilter(method="filter_drug", help_text="Any name or alias of a drug (comma list = OR).")
    cargo = ListFilter(method="filter_cargo", help_text="Any name or alias of a cargo molecule, e.g. miR-155.")
    cargo_type = ChoiceListFilter(
        method="filter_cargo_type",
        choices=choices.CargoKind.choices,
        help_text="Kind of cargo molecule: " + ", ".join(choices.CargoKind.values),
    )
    therapy_class = ListFilter(field_name="therapy_class__slug", help_text="Therapy class slug.")
    mechanism = ListFilter(method="filter_mechanism", help_text="Mechanism slug; a parent term includes its children.")
    source_cell = ListFilter(method="filter_source_cell", help_text="Any name or alias of the source cell.")
    recipient_cell = ListFilter(method="filter_recipient_cell", help_text="Any name or alias of the recipient cell.")
    cell = ListFilter(method="filter_cell", help_text="Any name or alias of the source or the recipient cell.")
    effect = ChoiceListFilter(
        field_name="effect", choices=choices.Effect.choices, help_text="Effect: " + ", ".join(choices.Effect.values)
    )
    level = ChoiceListFilter(field_name="level", choices=choices.EvidenceLevel.choices, help_text="Evidence level A–E.")
    evidence_type = ChoiceListFilter(
        field_name="evidence_type",
        choices=choices.EvidenceType.choices,
        help_text="Evidence type: " + ", ".join(choices.EvidenceType.values),
    )
    subtype = ChoiceListFilter(
        field_name="subtype",
        choices=choices.Subtype.choices,
        help_text="Breast cancer subtype: " + ", ".join(choices.Subtype.values),
    )
    cancer_type = ListFilter(method="filter_cancer_type", help_text="Cancer type, e.g. breast cancer.")
    year_min = YearFilter(field_name="citation__year", lookup_expr="gte", help_text="Publication year, from.")
    year_max = YearFilter(field_name="citation__year", lookup_expr="lte", help_text="Publication year, up to.")
    doi = ListFilter(method="filter_doi", help_text="DOI of the primary citation, in any written form.")
    pmid = ListFilter(method="filter_pmid", help_text="PubMed id of the primary citation.")
    citation = IdFilter(field_name="citation_id", help_text="Primary citation id.")
    retracted = StrictBooleanFilter(
        field_name="citation__retracted", help_text="Whether the primary citation is retracted."
    )
    status = ChoiceListFilter(
        field_name="status",
        choices=choices.Status.choices,
        help_text="Curation status (curators only see anything but accepted).",
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("id", "id"),
            ("level", "level"),
            ("citation__year", "year"),
            ("effect", "effect"),
            ("modified", "modified"),
        ),
        help_text="Sort by id, level, year, effect or modified; prefix with - for descending.",
    )

    class Meta:
        model = Evidence
        fields: list[str] = []

    # --- name lookups: a researcher types the name the paper used ---------

    def filter_drug(self, qs, name, value):
        return qs.filter(pk__in=_through_ids(Evidence.drugs, drug_id__in=_matching_ids(Drug, value)))

    def filter_cargo(self, qs, name, value):
        return qs.filter(pk__in=_through_ids(Evidence.cargos, cargo_id__in=_matching_ids(Cargo, value)))

    def filter_cargo_type(self, qs, name, value):
        return qs.filter(pk__in=_through_ids(Evidence.cargos, cargo__kind__in=value))

    def filter_mechanism(self, qs, name, value):
        mechanisms = Mechanism.objects.filter(Q(slug__in=value) | Q(parent__slug__in=value)).values_list(
            "pk", flat=True
        )
        return qs.filter(pk__in=_through_ids(Evidence.mechanisms, mechanism_id__in=list(mechanisms)))

    def filter_source_cell(self, qs, name, value):
        return qs.filter(source_cell_id__in=_matching_ids(Cell, value))

    def filter_recipient_cell(self, qs, name, value):
        return qs.filter(recipient_cell_id__in=_matching_ids(Cell, value))

    def filter_cell(self, qs, name, value):
        cells = _matching_ids(Cell, value)
        return qs.filter(Q(source_cell_id__in=cells) | Q(recipient_cell_id__in=cells))

    def filter_cancer_type(self, qs, name, value):
        query = Q()
        for item in value:
            query |= Q(cancer_type__iexact=item)
        return qs.filter(query)

    def filter_doi(self, qs, name, value):
        return qs.filter(citation__doi__in=[ids.normalize_doi(v) for v in value])

    def filter_pmid(self, qs, name, value):
        return qs.filter(citation__pmid__in=[ids.normalize_pmid(v) for v in value])

    def search(self, qs, name, value):
        # The engine-kept search document, ranked; the syntax is in models/search.py.
        if not value:
            return qs
        return qs.search(value)


class NamedEntityFilterSet(django_filters.FilterSet):
    """Shared ``q``: any name or alias, exact (synonym-aware) or partial."""

    q = SearchFilter(method="search", label="Search", help_text="Any name or alias, or part of one.")
    name_fields: tuple[str, ...] = ("name",)

    def search(self, qs, name, value):
        if not value:
            return qs
        partial = Q(aliases__name__icontains=value)
        for field in self.name_fields:
            partial |= Q(**{f"{field}__icontains": value})
        model = qs.model
        return qs.filter(
            Q(pk__in=model.objects.filter(partial).values("pk")) | Q(pk__in=model.objects.matching(value).values("pk"))
        )


class DrugFilterSet(NamedEntityFilterSet):
    therapy_class = ListFilter(field_name="therapy_class__slug", help_text="Therapy class slug.")
    drug_class = ListFilter(method="filter_drug_class", help_text="Drug class, e.g. anthracycline.")
    ordering = django_filters.OrderingFilter(fields=(("name", "name"), ("evidence_count", "evidence_count")))

    class Meta:
        model = Drug
        fields: list[str] = []

    def filter_drug_class(self, qs, name, value):
        query = Q()
        for item in value:
            query |= Q(drug_class__iexact=item)
        return qs.filter(query)


class CargoFilterSet(NamedEntityFilterSet):
    name_fields = ("symbol", "name")
    kind = ChoiceListFilter(
        field_name="kind", choices=choices.CargoKind.choices, help_text="Kind: " + ", ".join(choices.CargoKind.values)
    )
    therapy_class = ListFilter(
        method="filter_therapy_class", help_text="Cargos with evidence in this therapy class (slug)."
    )
    ordering = django_filters.OrderingFilter(fields=(("symbol", "name"), ("evidence_count", "evidence_count")))

    class Meta:
        model = Cargo
        fields: list[str] = []

    def filter_therapy_class(self, qs, name, value):
        through = Evidence.cargos.through.objects.filter(
            evidence__therapy_class__slug__in=value, evidence__status=choices.Status.ACCEPTED
        )
        return qs.filter(pk__in=through.values("cargo_id"))


class CellFilterSet(NamedEntityFilterSet):
    kind = ChoiceListFilter(
        field_name="kind", choices=choices.CellKind.choices, help_text="Kind: " + ", ".join(choices.CellKind.values)
    )
    subtype = ChoiceListFilter(
        field_name="subtype", choices=choices.Subtype.choices, help_text="Breast cancer subtype."
    )
    ordering = django_filters.OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = Cell
        fields: list[str] = []


class MechanismFilterSet(django_filters.FilterSet):
    q = SearchFilter(method="search", label="Search", help_text="Part of the name or description.")
    parent = ListFilter(field_name="parent__slug", help_text="Slug of the parent mechanism.")

    class Meta:
        model = Mechanism
        fields: list[str] = []

    def search(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(description__icontains=value) | Q(slug__icontains=value))


class TherapyClassFilterSet(django_filters.FilterSet):
    q = SearchFilter(method="search", label="Search", help_text="Part of the name.")

    class Meta:
        model = TherapyClass
        fields: list[str] = []

    def search(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(Q(name__icontains=value) | Q(slug__icontains=value))


class CitationFilterSet(django_filters.FilterSet):
    q = SearchFilter(method="search", label="Search", help_text="Part of the title, authors or journal.")
    doi = ListFilter(method="filter_doi", help_text="DOI in any written form.")
    pmid = ListFilter(method="filter_pmid", help_text="PubMed id.")
    year = YearFilter(field_name="year", help_text="Publication year.")
    year_min = YearFilter(field_name="year", lookup_expr="gte", help_text="Year, from.")
    year_max = YearFilter(field_name="year", lookup_expr="lte", help_text="Year, up to.")
    retracted = StrictBooleanFilter(field_name="retracted", help_text="Retracted or not.")
    publication_type = ChoiceListFilter(
        field_name="publication_type", choices=choices.PublicationType.choices, help_text="primary, review or other."
    )
    ordering = django_filters.OrderingFilter(
        fields=(("year", "year"), ("author_string", "author"), ("title", "title"), ("evidence_count", "evidence_count"))
    )

    class Meta:
        model = Citation
        fields: list[str] = []

    def filter_doi(self, qs, name, value):
        return qs.filter(doi__in=[ids.normalize_doi(v) for v in value])

    def filter_pmid(self, qs, name, value):
        return qs.filter(pmid__in=[ids.normalize_pmid(v) for v in value])

    def search(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value)
            | Q(author_string__icontains=value)
            | Q(journal__icontains=value)
            | Q(doi=ids.normalize_doi(value))
            | Q(bibtex_key__iexact=value)
        )
