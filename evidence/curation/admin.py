"""The curators' first working tool: search, filters and autocomplete everywhere."""

import json

from django import forms
from django.contrib import admin
from django.db import models
from django.forms.models import BaseInlineFormSet

from evidence import identifiers as ids
from evidence.curation import admin_review, workflow  # noqa: F401 - admin_review registers the review models
from evidence.curation.admin_workflow import (
    CitationImportMixin,
    CuratedForm,
    EvidenceWorkflowMixin,
    HistoryAdmin,
    HistoryDiffMixin,
    PublicIdSearchMixin,
)
from evidence.identifiers import lookup_keys
from evidence.models import (
    CancerType,
    Cargo,
    CargoAlias,
    Cell,
    CellAlias,
    Citation,
    Drug,
    DrugAlias,
    DrugClass,
    Evidence,
    Mechanism,
    TherapyClass,
)
from evidence.models.citation import index_size_problem
from evidence.models.search import TextQuery

admin.site.site_header = "ExoResist curation"
admin.site.site_title = "ExoResist curation"
admin.site.index_title = "Curated data"


class AliasFormSet(BaseInlineFormSet):
    def clean(self):
        """Two spellings of one name ("5-FU", "5fu") share a unique key: a form error, not an IntegrityError."""
        super().clean()
        seen = set()
        for form in self.forms:
            name = (getattr(form, "cleaned_data", None) or {}).get("name")
            if not name or form.cleaned_data.get("DELETE"):
                continue
            key = lookup_keys(name)[0]
            if key in seen:
                form.add_error("name", f"{name!r} is the same name as another alias here (case and punctuation aside).")
            seen.add(key)


class AliasInline(admin.TabularInline):
    """Curators name a new record; the names of an existing one are changed by editors."""

    extra = 1
    fields = ["name"]
    formset = AliasFormSet

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or workflow.can_review(request.user))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or workflow.can_review(request.user))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or workflow.can_review(request.user))


def alias_inline(model) -> type[AliasInline]:
    return type(f"{model.__name__}Inline", (AliasInline,), {"model": model})


class CuratedAdmin(HistoryDiffMixin, HistoryAdmin):
    """History on every curated model; the reason for a change is recorded with it."""

    readonly_fields = ["created", "modified"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not workflow.can_review(request.user):
            fields += [name for name in obj.editor_fields if name != "aliases" and name not in fields]
        return fields

    def get_prepopulated_fields(self, request, obj=None):
        # A slug is made once, from the first name; later it is part of URLs and the API.
        return {} if obj is not None else super().get_prepopulated_fields(request, obj)


@admin.register(TherapyClass)
class TherapyClassAdmin(CuratedAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]


@admin.register(Mechanism)
class MechanismAdmin(CuratedAdmin):
    list_display = ["name", "slug", "parent"]
    list_filter = ["parent"]
    search_fields = ["name", "slug", "description"]
    autocomplete_fields = ["parent"]


@admin.register(CancerType)
class CancerTypeAdmin(CuratedAdmin):
    list_display = ["name", "parent", "doid", "ncit"]
    search_fields = ["name", "slug", "synonyms", "doid", "ncit"]
    autocomplete_fields = ["parent"]


@admin.register(DrugClass)
class DrugClassAdmin(CuratedAdmin):
    list_display = ["name", "parent", "atc"]
    search_fields = ["name", "slug", "synonyms", "atc"]
    autocomplete_fields = ["parent"]


@admin.register(Drug)
class DrugAdmin(CuratedAdmin):
    list_display = ["name", "drug_class", "therapy_class", "drugbank", "chebi"]
    list_filter = ["therapy_class", "drug_class"]
    search_fields = ["name", "slug", "aliases__name", "drugbank", "chebi"]
    autocomplete_fields = ["therapy_class"]
    inlines = [alias_inline(DrugAlias)]
    list_select_related = ["therapy_class"]


@admin.register(Cargo)
class CargoAdmin(CuratedAdmin):
    list_display = ["symbol", "kind", "name", "species", "mirbase", "hgnc", "uniprot"]
    list_filter = ["kind", "species"]
    search_fields = ["symbol", "name", "slug", "aliases__name", "mirbase", "hgnc", "uniprot", "ensembl"]
    prepopulated_fields = {"slug": ["symbol"]}
    inlines = [alias_inline(CargoAlias)]


@admin.register(Cell)
class CellAdmin(CuratedAdmin):
    list_display = ["name", "kind", "parent", "subtype", "species", "cellosaurus"]
    list_filter = ["kind", "subtype", "species"]
    search_fields = ["name", "slug", "aliases__name", "cellosaurus"]
    autocomplete_fields = ["parent"]
    inlines = [alias_inline(CellAlias)]
    list_select_related = ["parent"]


class CitationForm(CuratedForm):
    """Identifiers as a curator pastes them ("https://doi.org/10...", "PMID: 123"), stored bare."""

    pmid = forms.CharField(label="PMID", required=False, max_length=40)

    def clean_doi(self):
        return ids.normalize_doi(self.cleaned_data["doi"])

    def clean_pmid(self):
        return ids.normalize_pmid(self.cleaned_data["pmid"])

    def clean_pmcid(self):
        return ids.normalize_pmcid(self.cleaned_data["pmcid"])

    def clean_authors(self):
        """A list of names: a bare name, an object or a number in it made a wrong label ("D et al."
        from "Doe, J") or a server error; blank names are dropped."""
        authors = self.cleaned_data["authors"]
        if authors in (None, ""):
            return []
        if not isinstance(authors, list):
            raise forms.ValidationError(
                'Give the authors as a list of names in quotes, e.g. ["Ning, Kai", "Wang, Tao"], not %(value)s.',
                params={"value": json.dumps(authors)[:60]},
            )
        for number, author in enumerate(authors, 1):
            if not isinstance(author, str):
                raise forms.ValidationError(
                    'Author %(number)s is %(value)s, not a name in quotes ("Family, Given").',
                    params={"number": number, "value": json.dumps(author)[:60]},
                )
        return [author.strip() for author in authors if author.strip()]

    def clean(self):
        cleaned = super().clean()
        if "title" in cleaned and "authors" in cleaned:
            if problem := index_size_problem(cleaned["title"], cleaned["authors"], 'tick "authors truncated"'):
                field, message = problem
                self.add_error(field, message[0].upper() + message[1:])
        return cleaned


@admin.register(Citation)
class CitationAdmin(CitationImportMixin, CuratedAdmin):
    form = CitationForm
    list_display = ["short_label", "title", "journal", "year", "doi", "pmid", "publication_type", "retracted"]
    list_filter = ["retracted", "publication_type", "entry_type", "year"]
    search_fields = ["title", "author_string", "doi", "pmid", "pmcid", "bibtex_key", "journal"]
    readonly_fields = ["created", "modified", "author_string"]
    prepopulated_fields = {}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "authors",
                    "authors_truncated",
                    "journal",
                    "year",
                    "volume",
                    "issue",
                    "pages",
                    "publisher",
                    "entry_type",
                    "publication_type",
                ]
            },
        ),
        ("Identifiers", {"fields": ["doi", "pmid", "pmcid", "bibtex_key", "url"]}),
        ("Retraction and notices", {"fields": ["retracted", "retraction_note", "notice", "notice_note"]}),
        ("More", {"classes": ["collapse"], "fields": ["abstract", "note", "author_string", "created", "modified"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        """Also the paper a pasted identifier names in any written form ("doi: ...", "PMID: 123")."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        paper = queryset.by_identifier(search_term)
        if paper is not None:
            found |= queryset.filter(pk=paper.pk)
        return found, may_have_duplicates


@admin.register(Evidence)
class EvidenceAdmin(PublicIdSearchMixin, EvidenceWorkflowMixin, HistoryAdmin):
    public_id_field = "pk"
    list_display = ["public_id", "short_statement", "effect", "level", "therapy_class", "citation_label", "status"]
    list_filter = [
        "status",
        "effect",
        "level",
        "evidence_type",
        "therapy_class",
        "mechanisms",
        "subtype",
        "cancer_type",
        "citation__retracted",
    ]
    # The import key by the admin's own search; everything else by the search document.
    search_fields = ["import_key"]
    autocomplete_fields = [
        "cargos",
        "mechanisms",
        "source_cell",
        "recipient_cell",
        "therapy_class",
        "citation",
        "secondary_source",
    ]
    list_select_related = ["therapy_class", "citation"]
    readonly_fields = [
        "public_id",
        "created_by",
        "reviewed_by",
        "submitted_at",
        "reviewed_at",
        "created",
        "modified",
        "version",
    ]
    fieldsets = [
        (None, {"fields": ["public_id", "statement", "effect", "evidence_type", "level"]}),
        ("What it rests on", {"fields": ["drug_response_measured", "vesicle_involvement", "ev_type"]}),
        ("What travels where", {"fields": ["cargos", "source_cell", "recipient_cell"]}),
        ("Therapy", {"fields": ["therapy_class", "mechanisms"]}),
        (
            "Disease and system",
            {"fields": ["cancer_type", "subtype", "experimental_systems", "ev_isolation", "ev_markers"]},
        ),
        ("Source", {"fields": ["citation", "secondary_source", "cited_as", "source_quote"]}),
        ("Curation", {"fields": ["status", "rejection_reason", "curation_note", "import_key", *readonly_fields[1:]]}),
    ]

    @admin.display(description="statement")
    def short_statement(self, obj):
        return obj.statement[:100]

    @admin.display(description="citation", ordering="citation__year")
    def citation_label(self, obj):
        return obj.citation.short_label

    def get_search_results(self, request, queryset, search_term):
        """The site's full-text search (``evidence/models/search.py``) beside the import key, the
        public id and the paper's DOI or PMID: the admin's substring search over five joined
        tables reads every row twice, DISTINCT."""

        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        query = TextQuery.of(search_term)
        if query is not None:
            found |= queryset.filter(search_document__document__matches=query)
        paper = Citation.objects.by_identifier(search_term)  # a pasted DOI link or "PMID: 123"
        if paper is not None:
            found |= queryset.filter(citation=paper)
        return found, may_have_duplicates
