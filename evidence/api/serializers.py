"""API serializers: one per model, readable by anyone, writable by curators.

Related entities are written by any name a reader knows them by and read back as small embedded
objects. Evidence is read from its stored document (``documents.py``); other embedded objects are
dicts built from per-request URL templates: a nested serializer and a ``reverse()`` each cost more
than the database does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils.text import capfirst, slugify
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import APIException
from rest_framework.fields import empty
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.validators import UniqueValidator

from evidence import identifiers as ids
from evidence.api.documents import documents, parsed
from evidence.choices import DrugRole, closest, controlled_names, named_by
from evidence.curation import workflow
from evidence.filtersets import MECHANISM, THERAPY_CLASS
from evidence.models import CancerType, Cargo, Cell, Citation, Drug, DrugClass, Evidence, Mechanism, TherapyClass
from evidence.models.base import AmbiguousName
from evidence.models.citation import _identifier_kind, index_size_problem
from evidence.recognition import KINDS, MAX_TEXT_LENGTH, RESISTANCE_DESCRIPTION

#: A key every route takes (slugs take digits too), replaced in the URL reversed with it.
_KEY = "987654321987"


class Links:
    """Absolute URLs by template: one ``reverse()`` per route and request, then string joins."""

    def __init__(self, request) -> None:
        self.request = request
        self._templates: dict[str, str] = {}

    def url(self, name: str, key: Any) -> str:
        if name not in self._templates:
            path = reverse(name, args=[_KEY])
            self._templates[name] = self.request.build_absolute_uri(path) if self.request is not None else path
        return self._templates[name].replace(_KEY, str(key))

    def of(self, record) -> dict[str, str]:
        """The ``url`` and ``html_url`` of a record: a citation by its id, the others by slug."""
        name = record._meta.model_name
        key = record.pk if isinstance(record, Citation) else record.slug
        return {"url": self.url(f"api:{name}-detail", key), "html_url": self.url(f"{name}_detail", key)}


def links_for(context: dict) -> Links:
    return context.setdefault("_links", Links(context.get("request")))


#: What an embedded entity shows besides its addresses, by its model name.
REF_FIELDS: dict[str, tuple[str, ...]] = {
    "drug": ("name", "slug"),
    "cargo": ("symbol", "kind", "slug"),
    "cell": ("name", "kind", "slug"),
    "mechanism": ("name", "slug"),
    "therapyclass": ("name", "slug"),
}
_REF = {"url": serializers.URLField(), "html_url": serializers.URLField()}

EvidenceDrugRef = inline_serializer(
    "EvidenceDrugRef",
    {
        "name": serializers.CharField(),
        "slug": serializers.SlugField(),
        "role": serializers.ChoiceField(
            choices=DrugRole.choices,
            help_text="treatment: the therapy whose response was studied; modifier: changes resistance "
            "(a sensitiser, an inhibitor); payload: delivered by the vesicles.",
        ),
        **_REF,
    },
)
CitationRef = inline_serializer(
    "CitationRef",
    {
        "id": serializers.IntegerField(),
        "doi": serializers.CharField(allow_null=True),
        "pmid": serializers.CharField(allow_null=True),
        "title": serializers.CharField(),
        "journal": serializers.CharField(),
        "year": serializers.IntegerField(allow_null=True),
        "retracted": serializers.BooleanField(),
        "notice": serializers.CharField(help_text="expression_of_concern, correction, or empty."),
        "label": serializers.CharField(),
        **_REF,
    },
)


class RelatedList(serializers.ManyRelatedField):
    """Related records as a list: an object is refused, not read as the list of its keys
    ({"cisplatin": "modifier"} would link cisplatin as a treatment)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


class ListedRelations:
    """For a related field: ``many=True`` makes a ``RelatedList``."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        kwargs_of_list = {key: value for key, value in kwargs.items() if key in MANY_RELATION_KWARGS}
        return RelatedList(child_relation=cls(*args, **kwargs), **kwargs_of_list)


class CargoSlugField(ListedRelations, serializers.SlugRelatedField):
    """A cargo by its slug, as text; the messages in plain words (DRF's say "Object with slug=...")."""

    default_error_messages = {
        "does_not_exist": "No cargo molecule has the slug {value!r}.",
        "invalid": "Give a cargo molecule by its slug, as text (e.g. tgf-beta).",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class EntityField(ListedRelations, serializers.RelatedField):
    """A related entity, given by its id, slug or (for drugs, cargos, cells) any name or alias."""

    model: type
    #: A controlled vocabulary's resolver, as its evidence filter reads a value ("EMT", "HER2").
    vocabulary: dict | None = None
    default_error_messages = {
        "does_not_exist": "No {model} is called {value!r}.",
        "incorrect_type": "Give a {model} as a name, slug or id; got {data_type}.",
        "ambiguous": "{message}",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", self.model.objects.all())
        super().__init__(**kwargs)

    def to_representation(self, value):
        summary = {field: getattr(value, field) for field in REF_FIELDS[value._meta.model_name]}
        return {**summary, **links_for(self.context).of(value)}

    def get_choices(self, cutoff=None):
        # The browsable API's options by id: DRF keys them by to_representation, a dict here.
        queryset = self.get_queryset()
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {str(item.pk): self.display_value(item) for item in queryset}

    def to_internal_value(self, data):
        name = self.model._meta.verbose_name
        if isinstance(data, dict):
            data = data.get("slug") or data.get("id") or data.get("name") or data.get("symbol")
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("incorrect_type", model=name, data_type=type(data).__name__)
        found = self.lookup(str(data).strip())
        if found is None:
            self.fail("does_not_exist", model=name, value=str(data)[:100])
        return found

    def lookup(self, value: str):
        queryset = self.get_queryset()
        hit = queryset.filter(pk=int(value)).first() if value.isdigit() else None
        hit = hit or queryset.filter(slug=value).first()
        if hit is not None:
            return hit
        if hasattr(queryset, "by_name"):
            try:
                return queryset.by_name(value)
            except AmbiguousName as error:
                self.fail("ambiguous", message=str(error))
        if self.vocabulary is not None:
            return queryset.filter(slug__in=self.vocabulary["resolve"](value) or []).first()
        return queryset.filter(name__iexact=value).first()


@extend_schema_field(CitationRef)
class CitationField(EntityField):
    model = Citation
    default_error_messages = {
        "does_not_exist": "No citation has the id, DOI, PMID or BibTeX key {value!r}; create it first.",
        "incorrect_type": "Give a citation as an id, DOI, PMID or BibTeX key; got {data_type}.",
    }

    def lookup(self, value: str):
        # A bare number is our id; "pmid:123" or a DOI go through the identifier lookup.
        if value.isdigit():
            return self.get_queryset().filter(pk=int(value)).first()
        return self.get_queryset().by_identifier(value)


def entity_field(model) -> type[EntityField]:
    """The ``EntityField`` of ``model``, documented as its ``<Model>Ref`` component."""
    shown = REF_FIELDS[model._meta.model_name]
    fields = {field: (serializers.SlugField if field == "slug" else serializers.CharField)() for field in shown}
    field = type(f"{model.__name__}Field", (EntityField,), {"model": model})
    return extend_schema_field(inline_serializer(f"{model.__name__}Ref", {**fields, **_REF}))(field)


DrugField = entity_field(Drug)
CargoField = entity_field(Cargo)
CellField = entity_field(Cell)
MechanismField = entity_field(Mechanism)
TherapyClassField = entity_field(TherapyClass)
MechanismField.vocabulary, TherapyClassField.vocabulary = MECHANISM, THERAPY_CLASS


class ControlledChoiceField(serializers.ChoiceField):
    """A controlled value by its code, label or usual name, as the filters take it ("TNBC" is tnbc)."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, **kwargs)
        self.names = controlled_names(self.choices.items())

    def to_internal_value(self, data):
        if isinstance(data, str) and data not in self.choice_strings_to_values:
            data = named_by(self.names, data) or data
        return super().to_internal_value(data)


_ROLE_NAMES = controlled_names(DrugRole.choices)


@extend_schema_field(EvidenceDrugRef)
class EvidenceDrugField(DrugField):
    """A finding's drug with its role: a drug, or a ``(drug, role)`` pair when a role is given."""

    def to_internal_value(self, data):
        role = data.get("role") if isinstance(data, dict) else None
        drug = super().to_internal_value(data)
        if role is None:
            return drug
        role = (named_by(_ROLE_NAMES, role) or role) if isinstance(role, str) else role
        if role not in DrugRole.values:
            raise serializers.ValidationError(f"{str(role)[:40]!r} is not a drug role: {', '.join(DrugRole.values)}.")
        return (drug, role)


def _valid_doi(value: str) -> str | None:
    doi = ids.normalize_doi(value)
    ids.validate_doi(doi)
    return doi


class IdentifierField(serializers.CharField):
    """A citation's DOI or PMID in any written form (https://doi.org/..., pmid:...), stored normalised
    and unique; blank is none."""

    def __init__(self, normalize, name: str, validators=(), **kwargs):
        self.normalize, self.identifier = normalize, name
        unique = UniqueValidator(Citation.objects.all(), message=f"A citation with this {name} exists already.")
        kwargs.update(required=False, allow_null=True, allow_blank=True, validators=[*validators, unique])
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        return super().run_validation(data) or None

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if (value := self.normalize(text)) is None:
            # A bare prefix ("doi:", "https://doi.org/") is not a blank: the curator meant to give one.
            raise serializers.ValidationError(f"'{text}' holds no {self.identifier}.")
        return value


class EvidenceListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        return list(data)  # a page of documents, as the view read them: the renderer splices them


#: Why a record changed, as its history says of a write through the API.
CREATED_VIA_API, EDITED_VIA_API = "Created via API", "Edited via API"


#: PostgreSQL's "program limit exceeded": a btree index entry over its size limit (about 2,700 bytes).
_TOO_LONG_FOR_INDEX = "54000"


class SafeSaveMixin:
    """A unique constraint hit by a concurrent write is a 400 naming the conflict, not a 500;
    a value too long for its index is a 400, not a 503.
    The save (create or update, with its links and aliases) is one transaction, and every
    version it writes records why (the user is the request's, recorded by simple-history)."""

    def save(self, **kwargs):
        reason = CREATED_VIA_API if self.instance is None else EDITED_VIA_API
        try:
            with transaction.atomic(), workflow.history_recorded_as(reason):
                return super().save(**kwargs)
        except IntegrityError as exc:
            raise serializers.ValidationError(
                {"non_field_errors": [f"This conflicts with an existing record: {str(exc).splitlines()[0]}"]}
            ) from None
        except OperationalError as exc:
            if getattr(exc.__cause__, "pgcode", None) != _TOO_LONG_FOR_INDEX:
                raise  # an outage: the middleware's 503
            # A value past an index's limit that no validation foresaw: retrying never helps.
            raise serializers.ValidationError(
                {"non_field_errors": [f"A value is too long to store: {str(exc).splitlines()[0]}"]}
            ) from None


class StaleCopy(APIException):
    status_code = 409
    default_code = "stale"


@extend_schema_field({"type": "string", "format": "uri"})
class LinkField(serializers.ReadOnlyField):
    """The record's ``url`` or ``html_url``, by the field's name. Not DRF's ``HyperlinkedIdentityField``:
    it would carry ``?format=`` along, and a CSV export would link each row to a CSV file."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value):
        return links_for(self.context).of(value)[self.field_name]


class RecordSerializer(SafeSaveMixin, serializers.ModelSerializer):
    """A citation or an entity, with its addresses.

    Names, identifiers and retraction of an existing record are changed by editors only
    (``editor_fields`` on the model; a curator gets a 403 and nothing is saved).

    An update based on a stale copy is refused (409), as ``version`` does for evidence.
    Citations and entities carry no version number; the ``modified`` time the client
    read plays its part. It is compared with the row's while the row is locked (writes
    run in a transaction), so nobody saves in between.
    """

    serializer_choice_field = ControlledChoiceField
    url = LinkField()
    html_url = LinkField()

    def get_fields(self):
        fields = super().get_fields()
        fields["modified"] = serializers.DateTimeField(
            required=False,
            help_text="When it last changed. Required on update: the value you read; "
            "a save based on an older copy is refused (409).",
        )
        return fields

    def validate(self, attrs):
        sent = attrs.pop("modified", None)
        if self.instance is not None:
            if sent is None:
                raise serializers.ValidationError(
                    {"modified": ["Send the modified time you read, so that an edit cannot overwrite someone else's."]}
                )
            current = self.instance.locked_modified()
            if current != sent:
                raise StaleCopy(
                    {
                        "modified": [
                            f"Someone else saved this {self.instance._meta.verbose_name} at "
                            f"{current.isoformat() if current else '?'}, after the copy you read ({sent.isoformat()}). "
                            "Nothing was saved: read it again and redo your edit."
                        ]
                    }
                )
            guarded = {name: attrs[name] for name in self.instance.editor_fields if name in attrs}
            workflow.check_reference_edit(
                self.instance, self.context["request"].user, workflow.reference_changes(self.instance, guarded)
            )
        attrs = super().validate(attrs)
        self.check_model_rules(attrs)
        return attrs

    def check_model_rules(self, attrs) -> None:
        """The model's ``clean()``, the rules the admin and the loaders apply too, on the record as
        this write would leave it (a copy: nothing is changed before the save)."""
        model = self.Meta.model
        fields = {field.name: field for field in model._meta.concrete_fields}
        record = model(
            **{f.attname: getattr(self.instance, f.attname) for f in fields.values()} if self.instance else {}
        )
        for name, value in attrs.items():
            if name in fields:
                setattr(record, name, value)
        try:
            record.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None


@extend_schema_field({"type": "string", "example": "breast cancer"})
class CancerTypeField(serializers.Field):
    """A cancer type by name, slug or synonym (``CancerType.objects.named``); shown by name."""

    def to_internal_value(self, data):
        found = CancerType.objects.named(str(data)) if isinstance(data, str) and data.strip() else None
        if found is None:
            nearest = closest(str(data), CancerType.objects.values_list("name", flat=True))
            hint = f" Did you mean {' or '.join(repr(n) for n in nearest)}?" if nearest else ""
            raise serializers.ValidationError(f"No cancer type is called {str(data)[:100]!r}.{hint}")
        return found

    def to_representation(self, value):
        return value.name


class EvidenceSerializer(SafeSaveMixin, serializers.ModelSerializer):
    """One finding: a cargo that vesicles carry from a source cell to a recipient cell, changing the
    response to a drug through a mechanism, at an evidence level, with the publication that shows it.
    Readers see accepted findings; curators write drafts, and an edit must name the `version` it read."""

    serializer_choice_field = ControlledChoiceField
    # Read-only fields declare the output for the schema; to_representation() writes it.
    id = serializers.CharField(read_only=True, help_text="Public identifier, e.g. EXR000123.")
    cancer_type = CancerTypeField(
        required=False, help_text="Cancer type by name or synonym; breast cancer when not given."
    )
    url = serializers.CharField(read_only=True)
    html_url = serializers.CharField(read_only=True)
    cargos = CargoField(many=True, required=False, help_text="Cargo molecules, by any name or alias.")
    drugs = EvidenceDrugField(
        many=True,
        required=False,
        help_text='Drugs, by any name or alias, or as {"name": ..., "role": "modifier"}; read with their '
        "role (treatment, modifier, payload). A drug sent without a role keeps its role; a new one is a treatment.",
    )
    therapy_class = TherapyClassField(help_text="Therapy class, by slug or name.")
    mechanisms = MechanismField(many=True, required=False, help_text="Mechanisms, by slug or name.")
    source_cell = CellField(required=False, allow_null=True, help_text="Source cell, by any name or alias.")
    recipient_cell = CellField(required=False, allow_null=True, help_text="Recipient cell, by any name or alias.")
    citation = CitationField(help_text="Primary citation: id, DOI, PMID or BibTeX key.")
    secondary_source = CitationField(
        required=False, allow_null=True, help_text="The review the finding was curated through."
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,  # the column's (a PostgreSQL integer): a larger number is no version
        help_text="Required on update: the version you read. A save based on an older version is refused (409).",
    )
    retracted = serializers.BooleanField(
        read_only=True, source="citation.retracted", help_text="Whether the primary citation is retracted."
    )
    citation_notice = serializers.CharField(
        read_only=True,
        source="citation.notice",
        help_text="An expression of concern or correction on the primary citation (empty: none).",
    )
    confirm_duplicate = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="On create: true to save although items with the same citation, cargo and drug exist "
        "(a different finding); without it such a create is refused (400) and lists them.",
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "url",
            "html_url",
            "statement",
            "cargos",
            "drugs",
            "therapy_class",
            "mechanisms",
            "source_cell",
            "recipient_cell",
            "effect",
            "level",
            "evidence_type",
            "subtype",
            "cancer_type",
            "experimental_systems",
            "drug_response_measured",
            "vesicle_involvement",
            "ev_type",
            "ev_isolation",
            "ev_markers",
            "citation",
            "retracted",
            "citation_notice",
            "secondary_source",
            "cited_as",
            "source_quote",
            "status",
            "created",
            "modified",
            "version",
            "confirm_duplicate",
        ]
        # Status changes only through the review workflow (submit/accept/reject actions).
        read_only_fields = ["status"]
        list_serializer_class = EvidenceListSerializer

    def to_representation(self, instance) -> dict:
        """The item's stored document (``documents.py``); an instance (after a write) is read back as its own."""
        if isinstance(instance, Evidence):
            request = self.context.get("request")
            instance = documents([instance.pk], public=False, request=request, using=instance._state.db)[0]
        return parsed([instance])[0]

    def validate(self, attrs):
        confirmed = attrs.pop("confirm_duplicate", False)
        if self.instance is not None:
            if attrs.get("version") is None:
                raise serializers.ValidationError(
                    {"version": ["Send the version you read, so that an edit cannot overwrite someone else's."]}
                )
            return attrs
        # A subtype its cancer type does not allow is a 400 before the save (an edit's is the workflow's).
        item = Evidence(**{name: attrs[name] for name in ("cancer_type", "subtype") if name in attrs})
        item.fit_subtype()
        attrs["subtype"] = item.subtype
        if not confirmed:
            # As in the curator admin: the match is shown before a possible duplicate is saved.
            matches = workflow.find_duplicates(attrs.get("citation"), attrs.get("cargos"), attrs.get("drugs"))
            found = [evidence.public_id for evidence in matches[:10]]
            if found:
                raise serializers.ValidationError(
                    {
                        "duplicates": found,
                        "confirm_duplicate": [
                            f"Possible duplicate: {', '.join(found)} already record(s) this citation with the same "
                            "cargo and drug. Check them; if this is a different finding, send confirm_duplicate: true."
                        ],
                    }
                )
        return attrs

    #: Set by update() when a curator's edit of accepted evidence was filed for review.
    revision = None

    def create(self, validated_data):
        validated_data.pop("version", None)
        request = self.context.get("request")
        if request is not None and request.user.is_authenticated:
            validated_data["created_by"] = request.user
        drugs = validated_data.pop("drugs", [])
        evidence = super().create(validated_data)
        workflow.link_drugs(evidence, drugs)
        return evidence

    def update(self, instance, validated_data):
        # A curator's edit of accepted evidence becomes a suggested revision (self.revision).
        expected = validated_data.pop("version")
        self.revision = workflow.edit_evidence(
            instance, self.context["request"].user, validated_data, expected_version=expected, reason=EDITED_VIA_API
        )
        return Evidence.objects.with_related().get(pk=instance.pk)


class AcceptSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        help_text="The version you reviewed. If the item changed since, nothing is accepted (409) and it needs "
        "a new review.",
    )


class RejectionSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the item is rejected; the curator sees it.", max_length=5000)


class CitationSerializer(RecordSerializer):
    """A publication that findings cite: its bibliographic record, its identifiers (DOI, PMID, PMCID)
    and any retraction or editorial notice. Editors alone change an existing record's identifiers."""

    label = serializers.CharField(source="short_label", read_only=True)
    doi = IdentifierField(
        _valid_doi,
        "DOI",
        max_length=255,
        help_text="In any written form (https://doi.org/..., doi:...); stored lower-case.",
    )
    pmid = IdentifierField(ids.normalize_pmid, "PMID", validators=[ids.validate_pmid], max_length=12)
    authors = serializers.ListField(
        child=serializers.CharField(max_length=255), required=False, help_text='Authors in order, "Family, Given".'
    )
    evidence_count = serializers.IntegerField(read_only=True, help_text="Accepted evidence items citing it.")

    class Meta:
        model = Citation
        fields = [
            "id",
            "url",
            "html_url",
            "label",
            "doi",
            "pmid",
            "pmcid",
            "bibtex_key",
            "entry_type",
            "title",
            "authors",
            "authors_truncated",
            "journal",
            "year",
            "volume",
            "issue",
            "pages",
            "publisher",
            "abstract",
            "publication_type",
            "retracted",
            "retraction_note",
            "notice",
            "notice_note",
            "evidence_count",
            "created",
            "modified",
        ]
        # The years a reference import takes (references/records.py checked_year): 0 is no year.
        extra_kwargs = {"year": {"min_value": 1000, "max_value": 2999}}

    def validate_bibtex_key(self, value):
        # A citation is looked up by DOI, then PMID, then key (by_identifier): a key that reads as
        # one of the others would name no citation, or another one.
        kind = _identifier_kind(value or "")
        unchanged = self.instance is not None and value == self.instance.bibtex_key  # an import's, resent
        if kind is not None and kind[0] != "bibtex_key" and not unchanged:
            what = {"doi": "a DOI", "pmid": "a PMID"}[kind[0]]
            raise serializers.ValidationError(
                f"{value!r} reads as {what}, so it cannot be this citation's key: give a key like smith2019."
            )
        return value or None  # trimmed by the field

    def validate(self, attrs):
        attrs = super().validate(attrs)
        retracted = attrs.get("retracted", getattr(self.instance, "retracted", False))
        note = attrs.get("retraction_note", getattr(self.instance, "retraction_note", ""))
        if retracted and not (note or "").strip():
            raise serializers.ValidationError({"retraction_note": ["A retracted citation needs a retraction note."]})
        title, authors = (attrs.get(name, getattr(self.instance, name, None)) for name in ("title", "authors"))
        if problem := index_size_problem(title or "", authors, "set authors_truncated"):
            raise serializers.ValidationError({problem[0]: [capfirst(problem[1])]})
        return attrs


class AliasesField(serializers.ListField):
    def to_representation(self, data):
        return [alias.name for alias in data.all()]


class AliasesMixin(serializers.Serializer):
    """``aliases`` read as a list of names; written as the full list (replacing the old one).
    A new record without a ``slug`` gets one from its name."""

    slug = serializers.SlugField(max_length=120, required=False)
    aliases = AliasesField(
        child=serializers.CharField(max_length=200), required=False, help_text="Other names it goes by."
    )

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("slug") and self.instance is None:
            base = attrs.get(self.Meta.model.name_field) or ""
            attrs["slug"] = slugify(base)[:120]
            if not attrs["slug"]:
                raise serializers.ValidationError({"slug": ["Give a slug: the name yields none."]})
            if self.Meta.model.objects.filter(slug=attrs["slug"]).exists():
                raise serializers.ValidationError({"slug": [f"The slug {attrs['slug']!r} is taken; give another."]})
        return attrs

    def validate_aliases(self, names: list[str]) -> list[str]:
        # An alias is found by its lookup key: one without any is never found (it was dropped unsaid).
        # One stored already (by the admin or a loader) may be resent as it was read.
        stored = set(self.instance.aliases.values_list("name", flat=True)) if self.instance is not None else set()
        if unfindable := next((n for n in names if not ids.lookup_keys(n)[0] and n not in stored), None):
            raise serializers.ValidationError(
                f"{unfindable!r} cannot be looked up: a name needs a Latin or Greek letter or a digit."
            )
        return names

    def _save_aliases(self, instance, names: list[str] | None):
        if names is not None:
            instance.aliases.all().delete()
            seen = {ids.lookup_keys(instance.display_name)[0]}
            for name in names:  # trimmed and not blank (the child field's checks)
                key = ids.lookup_keys(name)[0]
                if key and key not in seen:
                    seen.add(key)
                    instance.aliases.create(name=name)
        return instance

    def create(self, validated_data):
        aliases = validated_data.pop("aliases", None)
        return self._save_aliases(super().create(validated_data), aliases)

    def update(self, instance, validated_data):
        aliases = validated_data.pop("aliases", None)
        return self._save_aliases(super().update(instance, validated_data), aliases)


class DrugClassSerializer(serializers.ModelSerializer):
    class Meta:
        model = DrugClass
        fields = ["name", "slug", "atc"]


class DrugSerializer(AliasesMixin, RecordSerializer):
    """A drug: its therapy class, drug classes, identifiers and the other names papers use for it."""

    classes = DrugClassSerializer(many=True, read_only=True, help_text="Drug classes, with ATC codes.")
    therapy_class = TherapyClassField(help_text="Therapy class, by slug or name.")
    evidence_count = serializers.IntegerField(
        read_only=True, help_text="Accepted evidence items with it as the therapy (not a modifier): what drug= lists."
    )

    class Meta:
        model = Drug
        fields = [
            "id",
            "url",
            "html_url",
            "name",
            "slug",
            "drug_class",
            "classes",
            "therapy_class",
            "chebi",
            "drugbank",
            "pubchem_cid",
            "description",
            "evidence_count",
            "aliases",
        ]


class CargoSerializer(AliasesMixin, RecordSerializer):
    """A cargo molecule that vesicles carry (miRNA, lncRNA, protein...): its identifiers, family and
    targets, and the other names papers use for it."""

    evidence_count = serializers.IntegerField(read_only=True, help_text="Accepted evidence items citing it.")
    family = CargoSlugField(
        slug_field="slug",
        queryset=Cargo.objects.all(),
        required=False,
        allow_null=True,
        help_text="The gene family or complex it belongs to, by slug (tgfb1 is in tgf-beta); cargo= reaches both.",
    )
    targets = CargoSlugField(
        slug_field="slug",
        queryset=Cargo.objects.all(),
        many=True,
        required=False,
        help_text="What an siRNA or antagomir silences, by slug; cargo= on a target reaches the agent.",
    )

    class Meta:
        model = Cargo
        fields = [
            "id",
            "url",
            "html_url",
            "symbol",
            "slug",
            "kind",
            "species",
            "name",
            "hgnc",
            "mirbase",
            "ensembl",
            "uniprot",
            "ncbi_gene",
            "family",
            "targets",
            "description",
            "evidence_count",
            "aliases",
        ]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        cargo = self.instance
        if cargo is not None and any(target.pk == cargo.pk for target in attrs.get("targets") or []):
            raise serializers.ValidationError({"targets": ["A cargo molecule cannot target itself."]})
        return attrs


class CellSerializer(AliasesMixin, RecordSerializer):
    """A source or recipient cell (cell line, drug-resistant derivative, primary cells...): its
    breast cancer subtype, Cellosaurus accession and the other names papers use for it."""

    parent = CellField(required=False, allow_null=True, help_text="Parental line, for a resistant derivative.")
    source_count = serializers.IntegerField(read_only=True, help_text="Accepted evidence with it as source.")
    recipient_count = serializers.IntegerField(read_only=True, help_text="Accepted evidence with it as recipient.")

    class Meta:
        model = Cell
        fields = [
            "id",
            "url",
            "html_url",
            "name",
            "slug",
            "kind",
            "parent",
            "species",
            "subtype",
            "cellosaurus",
            "description",
            "source_count",
            "recipient_count",
            "aliases",
        ]


class MechanismSerializer(RecordSerializer):
    """A resistance mechanism in the controlled hierarchy: a finding under a narrower mechanism is
    listed and counted under its broader ones too."""

    parent = MechanismField(required=False, allow_null=True, help_text="Broader mechanism, by slug or name.")
    evidence_count = serializers.IntegerField(
        read_only=True, help_text="Accepted evidence items citing it or a narrower term: what mechanism= lists."
    )

    class Meta:
        model = Mechanism
        fields = ["id", "url", "html_url", "name", "slug", "parent", "description", "evidence_count"]


class TherapyClassSerializer(RecordSerializer):
    """A class of breast cancer therapy (chemotherapy, endocrine, HER2-targeted...), which groups drugs."""

    evidence_count = serializers.IntegerField(read_only=True, help_text="Accepted evidence items in this class.")

    class Meta:
        model = TherapyClass
        fields = ["id", "url", "html_url", "name", "slug", "description", "position", "evidence_count"]


class StrictCharField(serializers.CharField):
    """Text only: DRF's CharField would read the number 12 as "12"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RecogniseSerializer(serializers.Serializer):
    text = StrictCharField(
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_TEXT_LENGTH,
        help_text=f"The text to read: a title, an abstract, a paragraph (up to {MAX_TEXT_LENGTH:,} characters).",
        error_messages={
            "max_length": f"The text is longer than {MAX_TEXT_LENGTH:,} characters, the most read at once; "
            "send it in parts (paragraphs or sections)."
        },
    )


class MentionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KINDS, help_text="What is mentioned.")
    slug = serializers.CharField(help_text="Its identifier in ExoResist (the API's detail address uses it).")
    name = serializers.CharField(help_text="Its name in ExoResist (a cargo's symbol).")
    text = serializers.CharField(help_text="The mention as written in the text.")
    start = serializers.IntegerField(help_text="Where the mention starts in the text (a character index from 0).")
    end = serializers.IntegerField(help_text="Where it ends (exclusive): text[start:end] is the mention.")
    inferred = serializers.ChoiceField(
        choices=[RESISTANCE_DESCRIPTION],
        required=False,
        help_text="Only on a mention inferred rather than named. 'resistance description': a drug-resistant line "
        "the text describes ('adriamycin-resistant breast cancer cells', 'MCF-7 cells resistant to docetaxel'), "
        "proposed because it is the only line ExoResist holds that fits; start and end span the description, "
        "and the drug and any parental line in it are mentions of their own.",
    )
