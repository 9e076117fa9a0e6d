"""One FilterSet per model, shared by the API and the HTML lists, so that every parameter means
the same in both. Repeating a parameter or giving a comma list means OR."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Func, Q, QuerySet, Value
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict

from evidence import choices
from evidence import identifiers as ids
from evidence.choices import (
    accepted_values,
    closest,
    controlled_names,
    named_by,
    names_by_key,
    nearest_values,
    vocabulary_key,
)
from evidence.models import (
    CancerType,
    Cargo,
    CargoReach,
    Cell,
    Citation,
    Drug,
    DrugClass,
    Evidence,
    Mechanism,
    TherapyClass,
)
from evidence.models.evidence import sees_unpublished

#: Free text is cut at this length: a hostile megabyte must not reach the database as a LIKE pattern.
MAX_Q_LENGTH = 200
#: How many values one list parameter may carry.
MAX_VALUES = 50


_LOCANT = r"(?:\d+|[A-Za-z]'*)"
_LOCANTS_THEN_DASH = re.compile(rf"{_LOCANT}(?:,{_LOCANT})*-")
_ENDS_IN_LOCANT = re.compile(rf"(?:^|[^0-9A-Za-z']){_LOCANT}$")


def _comma_list(text: str) -> list[str]:
    """``text`` split at its commas, but not at those between a chemical name's locants
    ("1,25-dihydroxyvitamin D3", "N,N'-dimethyl", "2,4-D"): the site's own links carry names."""
    parts = text.split(",")
    values = [parts[0]]
    for i, part in enumerate(parts[1:], 1):
        if _ENDS_IN_LOCANT.search(values[-1]) and _LOCANTS_THEN_DASH.match(",".join(parts[i:])):
            values[-1] += "," + part
        else:
            values.append(part)
    return values


def split_values(raw: Iterable) -> list[str]:
    """Each value given, comma lists split (``_comma_list``), stripped, blanks and repeats dropped."""
    parts = dict.fromkeys(part.strip() for item in raw for part in _comma_list(str(item)))
    return [part for part in parts if part]


class ListWidget(forms.TextInput):
    """Reads ``?p=a&p=b``, ``?p=a,b`` and ``?p[]=a`` alike into a list of stripped values."""

    def value_from_datadict(self, data, files, name):
        if isinstance(data, MultiValueDict):
            return param_values(data, name, MAX_VALUES + 1)
        raw = data.get(name)  # a plain dict (the site search's)
        # One more than a list takes, so that ListField can tell that there were too many.
        return split_values(raw if isinstance(raw, list | tuple) else ([raw] if raw is not None else []))[
            : MAX_VALUES + 1
        ]

    def format_value(self, value):
        if isinstance(value, list | tuple):
            return ",".join(str(v) for v in value)
        return value


class ListField(forms.Field):
    widget = ListWidget

    def to_python(self, value):
        if not value:
            return []
        if len(value) > MAX_VALUES:
            # Not cut short unsaid: the values left out would quietly narrow an OR to fewer.
            raise forms.ValidationError(
                "At most %(most)d values at once; this list has more.", code="max_values", params={"most": MAX_VALUES}
            )
        return [str(v)[:MAX_Q_LENGTH].replace("\x00", "") for v in value]


def unknown_value_error(lead: str, suggestions: list[str], accepted: str = "") -> forms.ValidationError:
    """A 400's message: what matched nothing, the nearest valid values and any ``accepted`` ones."""
    message = lead
    if suggestions:
        message += f" Did you mean {' or '.join(repr(s) for s in suggestions)}?"
    if accepted:
        message += f" Accepted: {accepted}."
    # django-filter %-formats every message: as a parameter, a "%" the client sent stays text.
    return forms.ValidationError("%(message)s", code="invalid_choice", params={"message": message})


class ChoiceListField(ListField):
    """A list of controlled values, each accepted by its code, label or another usual name
    (``choices.ALSO_CALLED``) in any case and spacing, and cleaned to its code."""

    def __init__(self, *, choices=(), **kwargs):
        self.choices = list(choices)
        self.names = controlled_names(self.choices)
        super().__init__(**kwargs)

    def to_python(self, value):
        values, bad = [], []
        for item in super().to_python(value):
            code = named_by(self.names, item)
            if code is None:
                bad.append(item)
            elif code not in values:
                values.append(code)
        if bad:
            raise unknown_value_error(
                f"Unknown value {', '.join(repr(b) for b in bad)}.",
                sorted({value for b in bad for value in nearest_values(self.names, b)}),
                accepted_values(self.choices),
            )
        return values


@dataclass(frozen=True)
class Facet:
    """How the evidence list counts a filter's values (``facets.py``): from a column (``value_field``)
    or over a many-to-many ``relation``, labelled by ``label_field``, the ``top`` most frequent shown."""

    label: str
    value_field: str
    label_field: str | None = None
    relation: str = ""
    top: int | None = None
    #: A value also counts the items of its narrower terms, as its filter lists them.
    narrower: bool = False


#: Drugs and cargos can run into thousands: their facets show the most frequent ones.
TOP_VALUES = 12


class SharedFilter:
    """A filter each FilterSet copies shallowly, where django-filter deep-copies: what a filter holds
    never changes, and deep copies of every label and choice cost more than the query they build."""

    def __deepcopy__(self, memo):
        copied = copy.copy(self)
        copied.extra = dict(self.extra)
        if self.method is not None:
            copied.method = self.method  # a FilterMethod calling the copy, not the declaration
        memo[id(self)] = copied
        return copied


class OrderingFilter(SharedFilter, django_filters.OrderingFilter):
    """django-filter's sort, names case-insensitively (the C collation puts every capital first),
    then by primary key, so that pages neither repeat nor skip a row sharing the sorted value."""

    def filter(self, qs, value):
        if not value:
            return qs
        ordering = [self._as_read(qs, self.get_ordering_value(param)) for param in value if param]
        return qs.order_by(*ordering, "pk")

    @staticmethod
    def _as_read(qs: QuerySet, name: str):
        field = name.removeprefix("-")
        try:
            column = qs.model._meta.get_field(field)
        except FieldDoesNotExist:  # an annotation (evidence_count) or a related row's column
            return name
        # A code (level, effect) sorts as stored, which its index serves.
        if not isinstance(column, models.CharField | models.TextField) or column.choices:
            return name
        return Lower(field).desc() if name.startswith("-") else Lower(field).asc()


class ListFilter(SharedFilter, django_filters.Filter):
    """A filter whose value is a list, ORed by ``method`` or ``field_name__in``; ``normalize``
    writes each value as the column stores it (a DOI, a PMID)."""

    field_class = ListField

    def __init__(self, *args, facet: Facet | None = None, normalize=None, **kwargs):
        self.facet, self.normalize = facet, normalize
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        # With ``method`` set, django-filter replaces this with a call to the method.
        if not value:
            return qs
        if self.normalize is not None:
            value = [self.normalize(v) for v in value]
        # Only used on local and forward foreign-key fields, so no row can repeat.
        return qs.filter(**{f"{self.field_name}__in": value})


class PmidListField(ListField):
    """PubMed ids, each as ``normalize_pmid`` writes it; anything else is a 400, not an empty list."""

    def to_python(self, value):
        pmids, bad = [], []
        for item in super().to_python(value):
            pmid = ids.normalize_pmid(item)
            try:
                ids.validate_pmid(pmid or "")
            except forms.ValidationError:
                bad.append(item)
                continue
            pmids.append(pmid)
        if bad:
            message = f"{bad[0]!r} is not a PubMed id: a PMID is a number of up to nine digits."
            raise forms.ValidationError("%(message)s", code="invalid_pmid", params={"message": message})
        return pmids


class PmidListFilter(ListFilter):
    field_class = PmidListField


class ChoiceListFilter(ListFilter):
    """A list of one vocabulary's values (a ``TextChoices`` class): codes, labels and synonyms."""

    field_class = ChoiceListField

    def __init__(self, *args, vocabulary: type[models.TextChoices], **kwargs):
        self.vocabulary = vocabulary
        super().__init__(*args, choices=vocabulary.choices, **kwargs)


class Resolved(list):
    """Values as given, with the primary keys (or slugs) they resolved to; ``canonical`` when the
    keys (slugs) are what the values should have been."""

    def __init__(self, values, keys, canonical=False):
        super().__init__(values)
        self.keys = keys
        self.canonical = canonical


class ResolvedListField(ListField):
    """Values that must each name a record, resolved in the form to the keys the filter uses; one
    that names nothing is a 400 with the nearest names. ``public`` (set by ``StrictFilterSet``
    for its reader): a name entered only for a draft is refused exactly as an unknown one."""

    public = True

    def __init__(self, *, resolve, suggest, what, canonical=False, **kwargs):
        self.resolve, self.suggest, self.what, self.canonical = resolve, suggest, what, canonical
        super().__init__(**kwargs)

    def to_python(self, value):
        values = super().to_python(value)
        if not values:
            return values
        keys: list = []
        for item in values:
            found = self.resolve(item, public=self.public)
            if found is None:
                raise unknown_value_error(f"No {self.what} is called {item!r}.", self.suggest(item))
            keys.extend(k for k in found if k not in keys)
        return Resolved(values, keys, self.canonical)


class ResolvedListFilter(ListFilter):
    field_class = ResolvedListField

    def filter(self, qs, value):
        return qs.filter(**{f"{self.field_name}__in": value.keys}) if value else qs


#: The names resolved in this request (``resolving_once``): a list's facets and stored counts
#: resolve its names again. Per request, so that no write is answered from an older read.
_resolved: ContextVar[dict | None] = ContextVar("exoresist_resolved", default=None)


@contextmanager
def resolving_once() -> Iterator[None]:
    token = _resolved.set({})
    try:
        yield
    finally:
        _resolved.reset(token)


def _once_per_request(resolve):
    """``resolve(value, public=...)`` remembered for the request, by value and visibility."""

    @functools.wraps(resolve)
    def remembered(value: str, public: bool = True):
        memo = _resolved.get()
        if memo is None:
            return resolve(value, public=public)
        key = (resolve, value, public)
        if key not in memo:
            memo[key] = resolve(value, public=public)
        return memo[key]

    return remembered


def _drugs_of_class(name: str, *, public: bool, free_text: bool = False) -> list[int] | None:
    """The pks of the (``public``) drugs in the class ``name`` (a name, synonym or ATC code) and the
    classes below it; with ``free_text``, also of those whose class is written ``name``. None when
    ``name`` names neither."""
    query = Q(drug_class__iexact=name) if free_text else Q()
    if (found := DrugClass.objects.named(name)) is not None:
        query |= Q(classes__in=DrugClass.objects.filter(pk=found.pk).with_narrower())
    elif not free_text:
        return None
    drugs = Drug.objects.public() if public else Drug.objects.all()
    pks = list(drugs.filter(query).distinct().values_list("pk", flat=True))
    # A class with no member yet is a valid value that matches nothing.
    return pks if pks or found is not None else None


def _named(model, with_class: bool = False):
    """Resolve a name or alias to the pks of the entities it names; ``with_class``: a drug class
    to its members."""

    def resolve(name: str, public: bool) -> list[int] | None:
        named = model.objects.matching(name)
        pks = named.public_pks() if public else list(named.values_list("pk", flat=True))
        if pks:
            return pks
        return _drugs_of_class(name, public=public) if with_class else None

    def suggest(name: str) -> list[str]:
        # Public names only: a reader is never offered a name entered for a draft.
        found = [name for name, _ in model.objects.public().similar(name)]
        if with_class:
            found += closest(name, DrugClass.objects.values_list("name", flat=True), n=2)
        return found

    return {"resolve": _once_per_request(resolve), "suggest": suggest}


def _therapy_class_names() -> dict[str, str]:
    """A therapy class's slug by each ``vocabulary_key`` of it: slug, name, and the name without
    "therapy" ("HER2" for HER2-targeted therapy)."""
    classes = list(TherapyClass.objects.values_list("slug", "name"))
    short = {slug: re.sub(r"(?i)[\s-]*(targeted\s+)?therapy$", "", name) for slug, name in classes}
    return names_by_key(classes, {slug: (name,) for slug, name in short.items() if name})


def _mechanism_names() -> dict[str, str]:
    """A mechanism's slug by each ``vocabulary_key`` of it: slug, name, synonyms, and the initials
    of a name of three words or more ("EMT"). A key two terms share is the one whose slug or name
    it is, else whose synonym: "EMT" (emt's slug) is not endothelial mesenchymal transition's initials."""
    terms = list(Mechanism.objects.values_list("slug", "name", "synonyms"))

    def initials(name: str) -> str:
        words = vocabulary_key(name).split()
        return "".join(w[0] for w in words) if len(words) > 2 else ""

    names: dict[str, str] = {}
    for tier in (lambda s, n, syn: (s, n), lambda s, n, syn: syn, lambda s, n, syn: (initials(n),)):
        for slug, name, synonyms in terms:
            for variant in tier(slug, name, synonyms):
                if variant:
                    names.setdefault(vocabulary_key(variant), slug)
    return names


def _by_vocabulary(model, names=None):
    """Values naming a term of ``model``'s vocabulary, resolved to its slug by the ``names()`` table
    or by ``model.objects.named``. A vocabulary is public: ``public`` changes nothing."""

    def resolve(value: str, public: bool) -> list[str] | None:
        if names is None:
            slug = getattr(model.objects.named(value), "slug", None)
        else:
            slug = named_by(names(), value)
        return [slug] if slug else None

    def suggest(value: str) -> list[str]:
        return closest(value, model.objects.values_list("name", flat=True))

    return {"resolve": _once_per_request(resolve), "suggest": suggest, "canonical": True}


def _drug_class_names(name: str) -> list[str]:
    """The class names nearest to ``name``: of the vocabulary, and as written on public drugs."""
    written = Drug.objects.public().exclude(drug_class="").order_by().values_list("drug_class", flat=True)
    return closest(name, [*DrugClass.objects.values_list("name", flat=True), *written.distinct()])


#: ``drug_class=``: a class of the vocabulary (its members), or a class as written on a drug.
DRUG_CLASS = {
    "resolve": _once_per_request(functools.partial(_drugs_of_class, free_text=True)),
    "suggest": _drug_class_names,
}


CANCER_TYPE = _by_vocabulary(CancerType)
THERAPY_CLASS = _by_vocabulary(TherapyClass, _therapy_class_names)
MECHANISM = _by_vocabulary(Mechanism, _mechanism_names)


class IdFilter(SharedFilter, django_filters.NumberFilter):
    """A whole number within ``bounds``; any other value is a 400, not a surprise."""

    field_class = forms.IntegerField
    bounds = (1, 2**63 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=self.bounds[0], max_value=self.bounds[1], **kwargs)


class YearFilter(IdFilter):
    bounds = (0, 9999)


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no, on/off); anything else is an error, not ignored."""

    widget = forms.TextInput
    TRUE, FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text not in self.TRUE | self.FALSE:
            raise forms.ValidationError("Give true or false, not %(value)s.", code="invalid", params={"value": value})
        return text in self.TRUE


class StrictBooleanFilter(SharedFilter, django_filters.BooleanFilter):
    field_class = StrictBooleanField


class SearchField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\x00", "").strip()[:MAX_Q_LENGTH]


#: Query parameters a list reads besides its filters: its page and format.
PAGING = frozenset({"page", "page_size", "format"})
#: Query parameters that page, sort or format a list but never narrow it (API and pages alike).
NON_NARROWING = PAGING | {"ordering"}


def query_key(query: MultiValueDict, leave_out: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """The sorted ``(parameter, value)`` pairs of ``query`` but ``leave_out``: the same filters in
    any order give one key, for a cache and a canonical link."""
    return sorted((k, v) for k, vs in query.lists() if k not in leave_out for v in vs)


def param_values(query: MultiValueDict, param: str, most: int = MAX_VALUES) -> list[str]:
    """The first ``most`` values of a list parameter (``?p=a&p=b``, ``?p=a,b``, ``?p[]=a``)."""
    return split_values(query.getlist(param) + query.getlist(f"{param}[]"))[:most]


class SearchFilter(SharedFilter, django_filters.CharFilter):
    field_class = SearchField


def _linked(qs: QuerySet, relation, **lookup) -> QuerySet:
    """The items of ``qs`` linked as ``lookup`` says, by a subquery: no item repeats, no DISTINCT."""
    return qs.filter(pk__in=relation.through.objects.filter(**lookup).values("evidence_id"))


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses a parameter it does not know: a typo (``?dr=doxorubicin``) would
    otherwise list every item. ``also`` names the other parameters an endpoint reads. Names resolve
    for the ``request``'s reader: names of unpublished records are unknown to the public."""

    def __init__(self, data=None, *args, also: Iterable[str] = (), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.also = frozenset(also)
        self.sees_unpublished = sees_unpublished(getattr(self.request, "user", None))

    @property
    def form(self):
        # The form class is shared (get_form_class); each form holds copies of its fields.
        if not hasattr(self, "_form"):
            for field in super().form.fields.values():
                if isinstance(field, ResolvedListField):
                    field.public = not self.sees_unpublished
        return self._form

    def get_form_class(self):
        # The form's fields depend on the class alone: built once per class, not per FilterSet.
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def is_valid(self) -> bool:
        valid = super().is_valid()
        problems = self.parameter_problems()
        for name, message in problems.items():
            # As a parameter: the API %-formats each message, and a name may hold a "%" ("?%=1").
            self.form.errors[name] = self.form.error_class(
                [forms.ValidationError("%(message)s", code="invalid", params={"message": message})]
            )
        return valid and not problems

    def parameter_problems(self) -> dict[str, str]:
        """What is wrong with the parameters given, by parameter: a name no filter reads, or a
        one-value parameter given as a list (``q[]=``) or with two values: the list ones alone take
        several, and the others would read just one of them."""
        known = set(self.filters) | PAGING | self.also
        lists = {name for name, declared in self.filters.items() if isinstance(declared, ListFilter)}
        problems: dict[str, str] = {}
        unknown = sorted({key.removesuffix("[]") for key in (self.data or ())} - known)
        for name in unknown:
            problems[name] = f"Unknown parameter {name!r}. Valid parameters: {', '.join(sorted(known))}."
        for key in self.data or ():
            name = key.removesuffix("[]")
            if name not in known or name in lists:
                continue
            values = list(dict.fromkeys(self.data.getlist(key))) if isinstance(self.data, MultiValueDict) else []
            if key != name:
                problems[key] = f"{name} takes one value: give it as {name}=…, not {key}=…."
            elif len(values) > 1:
                shown = ", ".join(repr(value[:40]) for value in values[:5])
                problems[name] = f"{name} takes one value, and was given {len(values)}: {shown}."
        return problems

    def canonical_query(self) -> QueryDict:
        """The query with each controlled value as its code and each vocabulary term as its slug."""
        query = self.data.copy() if isinstance(self.data, QueryDict) else QueryDict(mutable=True)
        for name, value in self.form.cleaned_data.items():
            if isinstance(value, Resolved) and value.canonical:
                value = value.keys
            elif not isinstance(self.filters.get(name), ChoiceListFilter):
                continue
            query.pop(f"{name}[]", None)
            query.setlist(name, list(value))
        return query


class EvidenceFilterSet(StrictFilterSet):
    q = SearchFilter(
        method="search",
        label="Search",
        help_text='Full-text search, ranked: every word in any order, "a phrase", -without, '
        "either or other, a prefix for the last word. Searches the statement, quote, every name and "
        "alias of the drugs (and their classes), cargos, cells and mechanisms, and the citation "
        "(authors, year, title, journal, DOI, PMID).",
    )
    therapy_class = ResolvedListFilter(
        facet=Facet("Therapy class", "therapy_class__slug", "therapy_class__name"),
        field_name="therapy_class__slug",
        what="therapy class",
        **THERAPY_CLASS,
        help_text="Therapy class by slug or name, in any case (chemotherapy, Endocrine therapy, HER2).",
    )
    effect = ChoiceListFilter(
        facet=Facet("Effect", "effect"),
        vocabulary=choices.Effect,
        help_text="Effect: " + ", ".join(choices.Effect.values),
    )
    level = ChoiceListFilter(
        facet=Facet("Evidence level", "level"),
        vocabulary=choices.EvidenceLevel,
        help_text="Evidence level A–E.",
    )
    cargo_type = ChoiceListFilter(
        facet=Facet("Cargo kind", "cargo__kind", relation="cargos"),
        method="filter_cargo_type",
        vocabulary=choices.CargoKind,
        help_text="Kind of cargo molecule: " + ", ".join(choices.CargoKind.values),
    )
    drug = ResolvedListFilter(
        facet=Facet("Drug", "drug__name", relation="drugs", top=TOP_VALUES),
        method="filter_drug",
        what="drug",
        **_named(Drug, with_class=True),
        help_text="Any name or alias of a drug, or a drug class (taxane, anthracycline): every member.",
    )
    cargo = ResolvedListFilter(
        facet=Facet("Cargo molecule", "cargo__symbol", relation="cargos", top=TOP_VALUES),
        method="filter_cargo",
        what="cargo",
        **_named(Cargo),
        help_text="Any name or alias of a cargo molecule, e.g. miR-155.",
    )
    mechanism = ResolvedListFilter(
        facet=Facet("Mechanism", "mechanism__slug", "mechanism__name", relation="mechanisms"),
        method="filter_mechanism",
        what="mechanism",
        **MECHANISM,
        help_text="Mechanism by slug, name or initials (drug-efflux, EMT); a broader term includes its narrower ones.",
    )
    cancer_type = ResolvedListFilter(
        facet=Facet("Cancer type", "cancer_type__slug", "cancer_type__name", narrower=True),
        method="filter_cancer_type",
        what="cancer type",
        **CANCER_TYPE,
        help_text="Cancer type by name, slug or synonym (breast cancer, lymphoma, GBM); a broader type "
        "includes its narrower ones.",
    )
    subtype = ChoiceListFilter(
        facet=Facet("Breast cancer subtype", "subtype"),
        vocabulary=choices.Subtype,
        help_text="Breast cancer subtype: " + ", ".join(choices.Subtype.values),
    )
    evidence_type = ChoiceListFilter(
        facet=Facet("Evidence type", "evidence_type"),
        vocabulary=choices.EvidenceType,
        help_text="Evidence type: " + ", ".join(choices.EvidenceType.values),
    )
    drug_role = ChoiceListFilter(
        method="filter_drug_role",
        vocabulary=choices.DrugRole,
        help_text="The role a drug has in the finding: treatment, modifier or payload. drug= matches "
        "treatment and payload unless drug_role says otherwise (a modifier is not the therapy); "
        "alone, drug_role=modifier lists findings with a modifier.",
    )
    vesicle_involvement = ChoiceListFilter(
        facet=Facet("Vesicle involvement", "vesicle_involvement"),
        vocabulary=choices.VesicleInvolvement,
        help_text="How the finding involves vesicles: " + ", ".join(choices.VesicleInvolvement.values),
    )
    ev_type = ChoiceListFilter(
        vocabulary=choices.EvType,
        help_text="The vesicles as the study calls them: " + ", ".join(choices.EvType.values),
    )
    drug_response_measured = StrictBooleanFilter(
        help_text="true: the study measured response to a drug; false: the effect rests on other read-outs "
        "(EMT, stemness, immune suppression).",
    )
    source_cell = ResolvedListFilter(what="cell", **_named(Cell), help_text="Any name or alias of the source cell.")
    recipient_cell = ResolvedListFilter(
        what="cell", **_named(Cell), help_text="Any name or alias of the recipient cell."
    )
    cell = ResolvedListFilter(
        method="filter_cell", what="cell", **_named(Cell), help_text="Any name or alias of either cell."
    )
    year_min = YearFilter(field_name="citation__year", lookup_expr="gte", help_text="Publication year, from.")
    year_max = YearFilter(field_name="citation__year", lookup_expr="lte", help_text="Publication year, up to.")
    doi = ListFilter(
        field_name="citation__doi",
        normalize=ids.normalize_doi,
        help_text="DOI of the primary citation, in any written form.",
    )
    pmid = PmidListFilter(field_name="citation__pmid", help_text="PubMed id of the primary citation.")
    citation = IdFilter(field_name="citation_id", help_text="Primary citation id.")
    retracted = StrictBooleanFilter(
        field_name="citation__retracted", help_text="Whether the primary citation is retracted."
    )
    status = ChoiceListFilter(
        vocabulary=choices.Status,
        help_text="Curation status (curators only see anything but accepted).",
    )
    ordering = OrderingFilter(
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

    def selecting(self, param: str, key) -> QuerySet:
        """The items ``param=`` lists for the record whose key (what the filter resolves a name to)
        is ``key``: an entity's page lists what its link to the evidence list opens, by this rule."""
        self.is_valid()  # drug= reads drug_role='s cleaned value
        declared = self.filters[param]
        return declared.filter(
            self.queryset, Resolved([key], [key]) if isinstance(declared, ResolvedListFilter) else key
        )

    # --- name lookups: a researcher types the name the paper used ---------

    def filter_drug(self, qs, name, value):
        roles = self.form.cleaned_data.get("drug_role") or choices.DEFAULT_DRUG_ROLES
        return _linked(qs, Evidence.drugs, drug_id__in=value.keys, role__in=list(roles))

    def filter_drug_role(self, qs, name, value):
        # With drug=, it says which roles the drug must have (filter_drug reads it);
        # alone, it selects items with any drug in one of these roles.
        if self.form.cleaned_data.get("drug"):
            return qs
        return _linked(qs, Evidence.drugs, role__in=list(value))

    #: After filtering by cargo: every cargo the filter took, with why (``CargoReach``).
    cargo_reach: dict[int, str] | None = None

    def filter_cargo(self, qs, name, value):
        # A cargo reaches its family and family members, and the agents that target them.
        self.cargo_reach = CargoReach.objects.reasons(value.keys)
        return _linked(qs, Evidence.cargos, cargo_id__in=list(self.cargo_reach))

    def filter_cargo_type(self, qs, name, value):
        return _linked(qs, Evidence.cargos, cargo__kind__in=value)

    def filter_mechanism(self, qs, name, value):
        return _linked(qs, Evidence.mechanisms, mechanism_id__in=Mechanism.objects.scope(value.keys))

    def filter_cell(self, qs, name, value):
        return qs.filter(Q(source_cell_id__in=value.keys) | Q(recipient_cell_id__in=value.keys))

    def filter_cancer_type(self, qs, name, value):
        return qs.filter(cancer_type_id__in=CancerType.objects.filter(slug__in=value.keys).with_narrower())

    def search(self, qs, name, value):
        # The engine-kept search document, ranked; the syntax is in models/search.py.
        return qs.search(value)


class NamedEntityFilterSet(StrictFilterSet):
    """Shared ``q``: any name or alias, exact (synonym-aware) or partial."""

    q = SearchFilter(method="search", label="Search", help_text="Any name or alias, or part of one.")
    name_fields: tuple[str, ...] = ("name",)

    def search(self, qs, name, value):
        partial = Q(aliases__name__icontains=value)
        for field in self.name_fields:
            partial |= Q(**{f"{field}__icontains": value})
        model = qs.model
        return qs.filter(
            Q(pk__in=model.objects.filter(partial).values("pk")) | Q(pk__in=model.objects.matching(value).values("pk"))
        )


class DrugFilterSet(NamedEntityFilterSet):
    therapy_class = ResolvedListFilter(
        field_name="therapy_class__slug", what="therapy class", **THERAPY_CLASS, help_text="Therapy class slug or name."
    )
    drug_class = ResolvedListFilter(
        field_name="pk",
        what="drug class",
        **DRUG_CLASS,
        help_text="Drug class by name, synonym or ATC code (taxanes, L01CD, SERM), narrower classes included, "
        "or as a drug's own class is written (anthracycline).",
    )
    ordering = OrderingFilter(fields=(("name", "name"), ("evidence_count", "evidence_count")))

    class Meta:
        model = Drug
        fields: list[str] = []

    def search(self, qs, name, value):
        # The class column the list shows is searched too ("taxane"), and a class of the
        # vocabulary finds its members, as drug_class= does ("L01CD", "anthracyclines").
        by_class = Q(drug_class__icontains=value) | Q(classes__name__icontains=value)
        # Every member: the list's queryset holds only the drugs its reader may see.
        members = _drugs_of_class(value, public=False) or []
        return super().search(qs, name, value) | qs.filter(Q(pk__in=Drug.objects.filter(by_class)) | Q(pk__in=members))


class CargoFilterSet(NamedEntityFilterSet):
    name_fields = ("symbol", "name")
    kind = ChoiceListFilter(vocabulary=choices.CargoKind, help_text="Kind: " + ", ".join(choices.CargoKind.values))
    therapy_class = ResolvedListFilter(
        method="filter_therapy_class",
        what="therapy class",
        **THERAPY_CLASS,
        help_text="Cargos with evidence in this therapy class (slug or name).",
    )
    ordering = OrderingFilter(fields=(("symbol", "name"), ("evidence_count", "evidence_count")))

    class Meta:
        model = Cargo
        fields: list[str] = []

    def filter_therapy_class(self, qs, name, value):
        through = Evidence.cargos.through.objects.filter(
            evidence__therapy_class__slug__in=value.keys, evidence__status=choices.Status.ACCEPTED
        )
        return qs.filter(pk__in=through.values("cargo_id"))


class CellFilterSet(NamedEntityFilterSet):
    kind = ChoiceListFilter(vocabulary=choices.CellKind, help_text="Kind: " + ", ".join(choices.CellKind.values))
    subtype = ChoiceListFilter(vocabulary=choices.Subtype, help_text="Breast cancer subtype.")
    ordering = OrderingFilter(fields=(("name", "name"),))

    class Meta:
        model = Cell
        fields: list[str] = []


class MechanismFilterSet(StrictFilterSet):
    q = SearchFilter(method="search", label="Search", help_text="Part of the name or description.")
    parent = ResolvedListFilter(
        field_name="parent__slug",
        what="mechanism",
        **MECHANISM,
        help_text="The broader mechanism, by slug, name or initials (drug-efflux, Drug efflux): its narrower terms.",
    )
    ordering = OrderingFilter(fields=(("name", "name"), ("evidence_count", "evidence_count")))

    class Meta:
        model = Mechanism
        fields: list[str] = []

    def search(self, qs, name, value):
        # A synonym, in part ("immune escape"), or as the mechanism filter reads it ("EMT").
        synonyms = Func(F("synonyms"), Value(" "), function="array_to_string", output_field=models.TextField())
        return qs.annotate(synonym_text=synonyms).filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(slug__icontains=value)
            | Q(synonym_text__icontains=value)
            | Q(slug__in=MECHANISM["resolve"](value) or [])
        )


class TherapyClassFilterSet(StrictFilterSet):
    q = SearchFilter(method="search", label="Search", help_text="Part of the name.")
    ordering = OrderingFilter(fields=(("name", "name"), ("evidence_count", "evidence_count")))

    class Meta:
        model = TherapyClass
        fields: list[str] = []

    def search(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(slug__icontains=value))


class CitationFilterSet(StrictFilterSet):
    q = SearchFilter(method="search", label="Search", help_text="Part of the title, authors or journal.")
    doi = ListFilter(normalize=ids.normalize_doi, help_text="DOI in any written form.")
    pmid = PmidListFilter(help_text="PubMed id.")
    year = YearFilter(help_text="Publication year.")
    year_min = YearFilter(field_name="year", lookup_expr="gte", help_text="Year, from.")
    year_max = YearFilter(field_name="year", lookup_expr="lte", help_text="Year, up to.")
    retracted = StrictBooleanFilter(help_text="Retracted or not.")
    publication_type = ChoiceListFilter(vocabulary=choices.PublicationType, help_text="primary, review or other.")
    ordering = OrderingFilter(
        fields=(("year", "year"), ("author_string", "author"), ("title", "title"), ("evidence_count", "evidence_count"))
    )

    class Meta:
        model = Citation
        fields: list[str] = []

    def search(self, qs, name, value):
        found = Q(title__icontains=value) | Q(author_string__icontains=value) | Q(journal__icontains=value)
        found |= Q(bibtex_key__iexact=value)
        # Not "doi=None" for a value with no DOI in it ("doi:"): that is every paper without one.
        if doi := ids.normalize_doi(value):
            found |= Q(doi=doi)
        return qs.filter(found)
