"""Public HTML pages (accepted evidence only) and the small JSON endpoints behind search and the pictures."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from evidence import facets as facet_tools
from evidence import filtersets, stored_counts
from evidence.api.reference_formats import LABELS as REFERENCE_LABELS
from evidence.choices import (
    MEANING,
    CargoKind,
    DrugRole,
    Effect,
    EvidenceLevel,
    EvidenceType,
    VesicleInvolvement,
)
from evidence.curation.bibtex import citations_to_bibtex
from evidence.curation.workflow import CONTENT_FIELDS
from evidence.models import (
    CancerType,
    Cargo,
    Cell,
    Citation,
    Drug,
    Evidence,
    EvidenceCount,
    Mechanism,
    TherapyClass,
    public_id_to_pk,
)
from evidence.models.search import did_you_mean_for, highlight
from evidence.models.vocabulary import BREAST_CANCER, breast_cancer_types
from evidence.site import graphs, linked_data, search
from evidence.site.links import identifier_links
from evidence.site.rows import evidence_rows
from exoresist.data_version import cached
from exoresist.middleware import wants_json
from exoresist.transactions import AtomicWritesMixin, atomic_writes

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
#: Rows of the "by cargo" / "by drug" summaries on an entity page.
GROUP_LIMIT = 40


def page_size(request: HttpRequest, default: int = PAGE_SIZE) -> int:
    try:
        size = int(request.GET.get("page_size", default))
    except ValueError:
        return default
    return max(1, min(size, MAX_PAGE_SIZE))


#: Column heads of the per-effect tables, short enough for a phone, in the order of ``Effect``.
EFFECT_COLUMNS = [
    {"value": value, "label": short, "title": label}
    for (value, label), short in zip(Effect.choices, ["confers", "reverses", "biomarker", "delivery"], strict=True)
]


class Groups(list):
    """The rows of a "by cargo" / "by drug" table: the largest groups, and how many there are in all."""

    def __init__(self, rows, total_groups: int) -> None:
        super().__init__(rows)
        self.total_groups = total_groups


def grouped_counts(
    kind: str, side: str, pk: int, model: type, fields: tuple[str, ...], param_field: str, base_query: dict
) -> Groups:
    """The ``GROUP_LIMIT`` entities (ties included) most often paired with ``pk`` (column ``side``) in the
    stored counts of ``kind``, with their items per effect, linking to their page and to the evidence
    list narrowed to them (by ``param_field``): a few indexed queries, however many items there are."""
    name = model._meta.model_name
    other = "b" if side == "a" else "a"
    totals = EvidenceCount.objects.of(kind).filter(**{side: pk})
    top = list(totals.order_by("-n").values_list(other, "n")[:GROUP_LIMIT])
    total_groups = len(top)
    if len(top) == GROUP_LIMIT:
        total_groups = totals.count()
        if total_groups > GROUP_LIMIT:
            # Whoever ties with the last row is as large: sort them by name below.
            top = list(totals.filter(n__gte=top[-1][1]).values_list(other, "n"))
    ids = [row[0] for row in top]
    by_effect: dict[int, dict[str, int]] = defaultdict(dict)
    per_effect = EvidenceCount.objects.filter(kind=kind, **{side: pk, f"{other}__in": ids}).exclude(effect="")
    for other_pk, effect, n in per_effect.values_list(other, "effect", "n"):
        by_effect[other_pk][effect] = n
    entities = {row.pop("pk"): row for row in model.objects.filter(pk__in=ids).values("pk", *fields)}
    kinds = dict(model._meta.get_field("kind").choices) if "kind" in fields else {}
    out = []
    for other_pk, n in top:
        if (values := entities.get(other_pk)) is None:
            continue
        if kinds:
            values["kind"] = kinds.get(values["kind"], values["kind"])
        out.append(
            {
                **values,
                "label": values[fields[0]],
                "url": reverse(f"{name}_detail", args=[values["slug"]]),
                "list_url": reverse("evidence_list") + "?" + urlencode({**base_query, name: values[param_field]}),
                "total": n,
                "by_effect": [by_effect[other_pk].get(value, 0) for value, _ in Effect.choices],
            }
        )
    out.sort(key=lambda e: (-e["total"], str(e["label"])))
    return Groups(out, total_groups)


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_LIMIT`` + 1 rows, as the API does ("100,000+" beyond); ``exact`` counts
    everything, ``known`` is a count the view already has."""

    def __init__(self, object_list, per_page, *, known: int | None = None, exact: bool = False) -> None:
        super().__init__(object_list, per_page)
        self.known = known
        self.exact = exact

    @cached_property
    def raw_count(self) -> int:
        if self.known is not None:
            return self.known
        return self.object_list.count() if self.exact else facet_tools.capped_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return self.raw_count if self.exact else min(self.raw_count, facet_tools.COUNT_LIMIT)

    @property
    def count_label(self) -> str:
        """The count, with a "+" when more items match than it says."""
        return f"{intcomma(self.count)}+" if self.count < self.raw_count else intcomma(self.count)


def paginate(
    request: HttpRequest, queryset: QuerySet, size: int | None = None, *, known: int | None = None, exact: bool = False
):
    paginator = CappedCountPaginator(queryset, size or page_size(request), known=known, exact=exact)
    return paginator.get_page(request.GET.get("page"))


def evidence_page(
    request: HttpRequest, evidence: QuerySet, *, known: int | None = None, exact: bool = False, text: str = ""
):
    """A page of evidence table rows (``rows.py``); with ``text`` (a ``q`` search) each statement shows what matched."""
    page = paginate(request, evidence.values_list("pk", flat=True), known=known, exact=exact)
    page.object_list = evidence_rows(Evidence.objects.rows_of(list(page.object_list)))
    if text:
        marked = highlight(text, {row.pk: row.statement for row in page.object_list})
        for row in page.object_list:
            row.statement_html = marked.get(row.pk, "")
    return page


# --- Home ---------------------------------------------------------------------


class HomeView(AtomicWritesMixin, TemplateView):
    template_name = "evidence/home.html"

    @staticmethod
    def summary() -> dict[str, Any]:
        """The counts and entry points, from the stored counts (models/counts.py): indexed reads."""
        used = Cargo.objects.filter(pk__in=EvidenceCount.objects.entities("cargo").values("a"))
        kinds = dict(used.order_by().values_list("kind").annotate(n=Count("pk")))
        therapy_classes = list(TherapyClass.objects.with_counts().order_by("position", "name"))
        other_types = CancerType.objects.exclude(pk__in=breast_cancer_types())
        return {
            "counts": {
                # Every item has exactly one therapy class.
                "evidence": sum(t.evidence_count for t in therapy_classes),
                # Papers cited as evidence, not the reviews curated through.
                "citations": EvidenceCount.objects.of("citation").count(),
                # As /drugs/ lists them: with the drugs only ever a modifier, which have no therapy count.
                "drugs": Drug.objects.public().count(),
                "cargos": sum(kinds.values()),
            },
            "therapy_classes": therapy_classes,
            # A semi-join on the other types: NOT IN would test every item.
            "other_cancers": Evidence.objects.public().filter(cancer_type__in=other_types).count(),
            "cargo_kinds": [
                {"value": value, "label": label, "count": kinds[value]}
                for value, label in CargoKind.choices
                if kinds.get(value)
            ],
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(cached("home", "", self.summary))
        context["json_ld"] = linked_data.dataset(self.request, context["counts"])
        # NULLS LAST, as the partial index perf_evidence_accepted_recent is sorted (a plain DESC
        # would sort every accepted item); the slow part, so the ids are cached.
        newest = Evidence.objects.public().order_by(F("reviewed_at").desc(nulls_last=True), "-id")
        recent = cached("recent", "", lambda: list(newest.values_list("pk", flat=True)[:8]))
        context["recent"] = evidence_rows(Evidence.objects.rows_of(recent, public=True))
        return context


# --- Evidence -------------------------------------------------------------------

#: The evidence table's sortable columns: (``ordering`` value, heading).
SORTABLE = (("id", "ID"), ("level", "Level"), ("effect", "Effect"), ("year", "Year"))


class EvidenceListView(AtomicWritesMixin, TemplateView):
    """``/evidence/?...``: the HTML twin of ``/api/v1/evidence/?...``, with facets."""

    template_name = "evidence/evidence_list.html"

    def get(self, request, *args, **kwargs):
        base = Evidence.objects.public()
        filterset = filtersets.EvidenceFilterSet(request.GET, queryset=base, request=request)
        if not filterset.is_valid():
            context = self.get_context_data(filterset=filterset, errors=filterset.errors)
            return self.render_to_response(context, status=400)
        # From here on the values are as the filters read them ("level=c" is C): facets, chips and links compare codes.
        query = filterset.canonical_query()
        text = filterset.form.cleaned_data.get("q") or ""
        if query != request.GET:
            filterset = filtersets.EvidenceFilterSet(query, queryset=base, request=request)
        context = self.get_context_data(filterset=filterset)
        # Facets depend on the filters only, not on the page or the sort order.
        facet_key = filtersets.query_key(query, leave_out=filtersets.NON_NARROWING)
        # A set the stored counts can size is counted exactly; otherwise the facets count it, up to the cap.
        known = stored_counts.stored_size(query)
        facets, size = cached("facets", facet_key, lambda: facet_tools.build_facets(filterset, base, known))
        page = evidence_page(request, filterset.qs, known=size, exact=known is not None, text=text)
        explain_cargo_matches(page.object_list, filterset.cargo_reach)
        current = query.get("ordering", "")
        sort_links = [
            {
                "label": label,
                # A second click on the sorted column sorts it the other way.
                "url": facet_tools.url_with(query, "ordering", [f"-{param}" if current == param else param]),
                "state": "ascending" if current == param else "descending" if current == f"-{param}" else "",
            }
            for param, label in SORTABLE
        ]
        api_params = query.copy()
        api_params.pop("format", None)
        breast_only = query.getlist("cancer_type") == [BREAST_CANCER]
        context.update(
            breast_only=breast_only,
            breast_toggle_url=facet_tools.url_with(query, "cancer_type", [] if breast_only else [BREAST_CANCER]),
            did_you_mean=did_you_mean_for(request.user, text, found=bool(page.object_list)),
            page=page,
            facets=facets,
            chips=facet_tools.build_chips(filterset, facets),
            clear_url=reverse("evidence_list"),
            sort_links=sort_links,
            api_url="/api/v1/evidence/" + (f"?{api_params.urlencode()}" if api_params else ""),
            csv_url="/api/v1/evidence/?" + facet_tools.api_query(api_params, format="csv"),
            # The papers behind the listed findings, for Zotero, Mendeley or EndNote.
            reference_urls=[
                (label, "/api/v1/evidence/?" + facet_tools.api_query(api_params, format=name))
                for name, label in REFERENCE_LABELS.items()
            ],
            query_string=api_params.urlencode(),
            count_limit=facet_tools.COUNT_LIMIT,
        )
        return self.render_to_response(context)


def cargo_relatives(cargo: Cargo) -> list[tuple[str, list[tuple[str, str]]]]:
    """A cargo's family, members, what it silences and what silences it, linked to the evidence list."""
    links = Cargo.targets.through.objects
    others = (
        Cargo.objects.filter(Q(pk=cargo.family_id) | Q(family=cargo) | Q(targeted_by=cargo) | Q(targets=cargo))
        .annotate(
            silenced=Exists(links.filter(from_cargo=cargo, to_cargo=OuterRef("pk"))),
            silencer=Exists(links.filter(from_cargo=OuterRef("pk"), to_cargo=cargo)),
        )
        .distinct()
    )
    groups: dict[str, list[tuple[str, str]]] = {"Family": [], "Members": [], "Silences": [], "Silenced by": []}
    for other in others:
        link = (other.symbol, f"{reverse('evidence_list')}?{urlencode({'cargo': other.slug})}")
        for label, applies in (
            ("Family", other.pk == cargo.family_id),
            ("Members", other.family_id == cargo.pk),
            ("Silences", other.silenced),
            ("Silenced by", other.silencer),
        ):
            if applies:
                groups[label].append(link)
    return [(label, links) for label, links in groups.items() if links]


def explain_cargo_matches(rows, reach: dict[int, str] | None) -> None:
    """Say on each row that matched a cargo filter only through a relative of the chosen cargo which cargo and why."""
    why = {pk: reason for pk, reason in (reach or {}).items() if reason}
    if not why:
        return
    symbols = dict(Cargo.objects.filter(pk__in=list(why)).values_list("symbol", "pk"))
    for row in rows:
        row.matched_because = [f"{c.symbol}: {why[symbols[c.symbol]]}" for c in row.cargos if c.symbol in symbols]


class EvidenceDetailView(AtomicWritesMixin, DetailView):
    context_object_name = "evidence"

    def get_object(self, queryset=None):
        queryset = (
            Evidence.objects.visible_to(self.request.user)
            .with_related()
            .select_related("reviewed_by", "source_cell__parent", "recipient_cell__parent")
            .prefetch_related("mechanisms__parent")
        )
        # A malformed public id is no pk (None): nothing matches it.
        return get_object_or_404(queryset, pk=public_id_to_pk(self.kwargs["public_id"]))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evidence = self.object
        context["bibtex"] = citations_to_bibtex([evidence.citation])
        context["last_change"] = evidence.history.select_related("history_user").first()
        context["citation_links"] = identifier_links(evidence.citation)
        context["json_ld"] = linked_data.evidence_claim(self.request, evidence)
        return context


# --- Entity indexes -----------------------------------------------------------------


#: The line under each index page's title.
INTROS = {
    "drug": "Every drug with curated evidence, found by its INN or any brand name or abbreviation.",
    "cargo": "miRNAs, lncRNAs, circRNAs, mRNAs and proteins that exosomes carry between cells.",
    "cell": "Cell lines, resistant derivatives, stromal and immune cells and biofluids that send or receive exosomes.",
    "mechanism": "The controlled vocabulary of how exosomes change drug response.",
    "therapyclass": "Evidence grouped by the kind of treatment it concerns.",
    "citation": "The publications behind the evidence: primary studies and the reviews they were curated through.",
}


class EntityListView(AtomicWritesMixin, TemplateView):
    """An index page of one kind, filtered by its FilterSet (the API's list, at the same path under ``/api/v1``)."""

    template_name = "evidence/entity_list.html"
    filterset_class: type | None = None  # given by the URLconf

    def get(self, request, *args, **kwargs):
        model = self.filterset_class._meta.model
        filterset = self.filterset_class(request.GET, queryset=model.objects.for_listing().public())
        kind = model._meta.model_name
        context = self.get_context_data(
            filterset=filterset,
            title=capfirst(model._meta.verbose_name_plural),
            kind=kind,
            rows_template=f"evidence/rows/{kind}_rows.html",
            intro=INTROS[kind],
            kinds=CargoKind.choices,
            api_url=f"/api/v1{request.path_info}" + (f"?{request.GET.urlencode()}" if request.GET else ""),
            reference_formats=REFERENCE_LABELS.items(),
            q=request.GET.get("q", ""),
        )
        if not filterset.is_valid():
            context["errors"] = filterset.errors
            return self.render_to_response(context, status=400)
        # Short rows: twice the evidence list's, unless page_size= says how many (as on the API's list).
        size = page_size(request, default=min(PAGE_SIZE * 2, MAX_PAGE_SIZE))
        context["page"] = paginate(request, filterset.qs, size=size, exact=True)
        return self.render_to_response(context)


# --- Entity detail pages -----------------------------------------------------------


class EntityDetailView(AtomicWritesMixin, DetailView):
    """A detail page with a paginated table of the entity's accepted evidence."""

    context_object_name = "entity"
    #: The evidence list's parameter for this entity, and the entity's field that gives its value.
    evidence_param = ""
    evidence_param_field = "slug"
    #: The entity's field holding the key ``evidence_param``'s filter resolves a name to.
    evidence_key = "pk"
    #: The kind of stored count (models/counts.py) that counts this entity's evidence.
    count_kind = ""
    #: The page's schema.org description (a ``linked_data`` function).
    schema_org = None
    #: Its "by ..." tables: context name -> ``grouped_counts`` arguments.
    groups: dict[str, tuple] = {}

    def get_queryset(self):
        return super().get_queryset().public()

    def evidence_queryset(self) -> QuerySet:
        # What the page's link to the evidence list lists, by the list's own filter.
        self.filterset = filtersets.EvidenceFilterSet(QueryDict(), queryset=Evidence.objects.public())
        return self.filterset.selecting(self.evidence_param, getattr(self.object, self.evidence_key))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        known = EvidenceCount.objects.total(self.count_kind, self.object.pk) if self.count_kind else None
        base_query = {self.evidence_param: getattr(self.object, self.evidence_param_field)}
        query = urlencode(base_query)
        for name, (kind, side, model, fields, param_field) in self.groups.items():
            context[name] = grouped_counts(kind, side, self.object.pk, model, fields, param_field, base_query)
        page = evidence_page(self.request, self.evidence_queryset(), known=known)
        explain_cargo_matches(page.object_list, self.filterset.cargo_reach)
        context.update(
            page=page,
            evidence_query=query,
            all_evidence_url=f"{reverse('evidence_list')}?{query}",
            identifiers=identifier_links(self.object),
            effects=EFFECT_COLUMNS,
            group_limit=GROUP_LIMIT,
        )
        if self.schema_org is not None:
            context["json_ld"] = self.schema_org(self.request, self.object)
        return context


class DrugDetailView(EntityDetailView):
    queryset = Drug.objects.select_related("therapy_class").prefetch_related("aliases")
    count_kind = "drug"
    evidence_param, evidence_param_field = "drug", "name"
    schema_org = staticmethod(linked_data.drug)
    groups = {
        "by_cargo": ("cargo_drug", "b", Cargo, ("symbol", "slug", "kind"), "symbol"),
        # By scope: a row links to mechanism=, which takes the narrower terms too.
        "by_mechanism": ("drug_scope", "a", Mechanism, ("name", "slug"), "slug"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Where it modifies another drug's therapy: one click away.
        modifier = QueryDict(f"drug_role={DrugRole.MODIFIER}")
        filterset = filtersets.EvidenceFilterSet(modifier, queryset=Evidence.objects.public())
        if as_modifier := filterset.selecting("drug", self.object.pk).count():
            query = urlencode({"drug": self.object.name, "drug_role": DrugRole.MODIFIER})
            context["as_modifier"] = (as_modifier, f"{reverse('evidence_list')}?{query}")
        return context


class CargoDetailView(EntityDetailView):
    queryset = Cargo.objects.prefetch_related("aliases")
    count_kind = "cargo"
    evidence_param, evidence_param_field = "cargo", "symbol"
    schema_org = staticmethod(linked_data.cargo)
    groups = {
        "by_drug": ("cargo_drug", "a", Drug, ("name", "slug"), "name"),
        "by_mechanism": ("cargo_scope", "a", Mechanism, ("name", "slug"), "slug"),
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["relatives"] = cargo_relatives(self.object)
        return context


class CellDetailView(EntityDetailView):
    queryset = (
        Cell.objects.with_counts()
        .select_related("parent")
        .prefetch_related("aliases", Prefetch("derivatives", queryset=Cell.objects.public()))
    )
    evidence_param, evidence_param_field = "cell", "name"
    schema_org = staticmethod(linked_data.cell)


class MechanismDetailView(EntityDetailView):
    queryset = Mechanism.objects.select_related("parent").prefetch_related("children")
    count_kind = "scope"
    evidence_param = "mechanism"
    evidence_key = "slug"  # the filter's terms are slugs
    groups = {"by_drug": ("drug_scope", "b", Drug, ("name", "slug"), "name")}


#: Drugs shown on a therapy class page (the rest are one click away on the drug index).
TOP_CLASS_DRUGS = 24


class TherapyClassDetailView(EntityDetailView):
    queryset = TherapyClass.objects.all()
    count_kind = "therapy_class"
    evidence_param, evidence_key = "therapy_class", "slug"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The most studied drugs, not all of them: a class can hold thousands.
        drugs = Drug.objects.public().filter(therapy_class=self.object)
        context["drugs"] = drugs.with_counts().order_by("-evidence_count", Lower("name"))[:TOP_CLASS_DRUGS]
        context["drug_total"] = drugs.count()
        return context


class CitationDetailView(EntityDetailView):
    queryset = Citation.objects.all()
    count_kind = "citation"
    evidence_param, evidence_param_field = "citation", "pk"
    schema_org = staticmethod(linked_data.citation)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        curated = Evidence.objects.public().filter(secondary_source=self.object)
        context["bibtex"] = citations_to_bibtex([self.object])
        context["curated"] = evidence_rows(curated.order_by("id").as_rows()[:PAGE_SIZE])
        context["curated_count"] = curated.count()
        return context


# --- Search -------------------------------------------------------------------------


@atomic_writes
@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    if query and request.GET.get("all") != "1":
        target = search.exact_target(query)
        if target:
            return redirect(target)
    results = search.search(query)
    suggestions = did_you_mean_for(request.user, query, found=bool(results.total))
    return render(request, "evidence/search.html", {"q": query, "results": results, "did_you_mean": suggestions})


@atomic_writes
@require_safe
def typeahead_view(request: HttpRequest) -> JsonResponse:
    query = request.GET.get("q", "")
    return JsonResponse({"query": query.strip(), "results": search.typeahead(query)})


# --- Pictures -------------------------------------------------------------------------


@atomic_writes
@require_safe
def picture_json(request: HttpRequest, build: Any) -> JsonResponse:
    """A picture's data (``build`` is ``graphs.network_for`` or ``graphs.matrix_for``)."""
    try:
        return JsonResponse(build(request.GET))
    except graphs.BadParameters as error:
        return JsonResponse({"errors": error.errors}, status=400)


class NetworkView(AtomicWritesMixin, TemplateView):
    template_name = "evidence/network.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"query_string": self.request.GET.urlencode()}


class MatrixView(AtomicWritesMixin, TemplateView):
    template_name = "evidence/matrix.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows, columns = self.request.GET.get("rows"), self.request.GET.get("columns")
        context["rows"] = rows if rows in graphs.MATRIX_ROWS else graphs.MATRIX_ROWS[0]
        context["columns"] = columns if columns in graphs.MATRIX_COLUMNS else graphs.MATRIX_COLUMNS[0]
        # The evidence filters (drug=..., level=...) go through to the matrix; its form is set apart.
        filters = self.request.GET.copy()
        filters.pop("rows", None)
        filters.pop("columns", None)
        context["filter_query"] = filters.urlencode()
        return context


# --- Errors ---------------------------------------------------------------------------


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # An API client (or anything asking for JSON) gets JSON, as the API's own 404s are.
    if wants_json(request):
        return JsonResponse({"detail": f"Nothing is at {request.path[:200]}."}, status=404)
    return render(request, "404.html", {"path": request.path}, status=404)


# --- Help and about -------------------------------------------------------------

#: The vocabularies the help page explains: (heading, anchor, what they say, choices).
HELP_VOCABULARIES = (
    ("Evidence levels", "levels", "How far the cited primary study took the finding, in the spirit of CIViC's A–E. "
     "The level is that of the recorded finding, not of the paper (docs/curation.md has the full rubric).",
     EvidenceLevel),
    ("Effects", "effects", "What the vesicles do to drug response. A finding whose study measured no drug response "
     "keeps its effect and is marked “no drug read-out”.", Effect),
    ("Evidence types", "evidence-types", "What the finding is evidence for.", EvidenceType),
    ("Drug roles", "drug-roles", "What each drug is to a finding.", DrugRole),
    ("Vesicle involvement", "vesicle-involvement", "How the finding involves extracellular vesicles.",
     VesicleInvolvement),
)  # fmt: skip


class HelpView(TemplateView):
    """What every term and field means, read from ``choices.MEANING`` and the model's help texts."""

    template_name = "evidence/help.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["vocabularies"] = [
            {
                "title": title,
                "anchor": anchor,
                "intro": intro,
                "terms": [(member.value, member.label, MEANING[member]) for member in choices],
            }
            for title, anchor, intro, choices in HELP_VOCABULARIES
        ]
        fields = (Evidence._meta.get_field(name) for name in CONTENT_FIELDS if name != "curation_note")
        context["fields"] = [(field.verbose_name, field.name, field.help_text) for field in fields]
        return context


class AboutView(TemplateView):
    template_name = "evidence/about.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | cached("home", "", HomeView.summary)
