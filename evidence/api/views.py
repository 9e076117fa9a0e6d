"""API viewsets. Every list takes its FilterSet's filters (shared with the HTML pages), ``ordering``,
``page``, ``page_size`` and ``?format=csv|tsv`` (every matching row, unpaginated)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from evidence import filtersets
from evidence.api import schema as _schema  # noqa: F401  (registers the FilterSet extension)
from evidence.api import serializers as s
from evidence.api.documents import DocumentJSONRenderer, documents, parsed
from evidence.api.exports import export_response
from evidence.api.reference_formats import FORMATS as REFERENCE_FORMATS
from evidence.api.renderers import REFERENCE_RENDERERS, CSVRenderer, TSVRenderer, flatten, table_rows
from evidence.curation import workflow
from evidence.models import (
    Cargo,
    Cell,
    Citation,
    Drug,
    Evidence,
    Mechanism,
    TherapyClass,
    public_id_to_pk,
)
from evidence.models.citation import label_letters, short_label
from evidence.models.evidence import complete_rows, format_public_id, sees_unpublished, with_role
from evidence.models.search import did_you_mean_for
from evidence.recognition import MAX_TEXT_LENGTH, recognise
from evidence.stored_counts import stored_size
from exoresist.middleware import declared_length
from exoresist.transactions import AtomicWritesMixin

#: Rows fetched per round trip when streaming an export (with their prefetches).
EXPORT_CHUNK = 2000


def export_chunks(queryset) -> Iterator[list]:
    """``queryset`` by a server-side cursor, in lists whose related rows load in one go: memory stays flat."""
    iterator = queryset.iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(iterator, EXPORT_CHUNK)):
        yield chunk


def format_parameter(formats: list[str], description: str) -> OpenApiParameter:
    return OpenApiParameter(
        "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["json", *formats], description=description
    )


_REFERENCES = "bibtex, ris or csljson (CSL-JSON), for Zotero, Mendeley, EndNote"


class FilterBackend(DjangoFilterBackend):
    """Keeps the FilterSet on the view: the count and the "did you mean" read its cleaned values."""

    def get_filterset(self, request, queryset, view):
        view.filterset = super().get_filterset(request, queryset, view)
        return view.filterset


class ExoResistViewSet(
    AtomicWritesMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """List, detail, create and update (no delete: curated records are retired, not erased)."""

    filter_backends = [FilterBackend]
    filterset = None
    renderer_classes = [DocumentJSONRenderer, BrowsableAPIRenderer, CSVRenderer, TSVRenderer]
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    #: The export's file name stem.
    export_name = "export"

    def get_queryset(self):
        # The HTML index pages list the same rows (evidence/site/views.py).
        return self.queryset.model.objects.for_listing().visible_to(self.request.user)

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format in ("csv", "tsv"):
            queryset = self.filter_queryset(self.get_queryset())
            return self.export_table(request.accepted_renderer, queryset, self.export_name)
        return super().list(request, *args, **kwargs)

    def export_columns(self) -> list[str]:
        return list(self.get_serializer_class()().fields)

    def export_rows(self, queryset) -> Iterator[list[Any]]:
        columns = self.export_columns()
        context = self.get_serializer_context()
        for chunk in export_chunks(queryset):
            for item in self.get_serializer_class()(chunk, many=True, context=context).data:
                yield [flatten(item.get(column)) for column in columns]

    def export_table(self, renderer, queryset, name: str):
        """The rows of ``queryset`` as the file ``exoresist-<name>.csv`` (or .tsv)."""
        lines = table_rows(self.export_columns(), self.export_rows(queryset), renderer.delimiter)
        return self.export(lines, f"{name}.{renderer.format}", renderer.media_type)

    def export_references(self, citations, stem: str):
        found = REFERENCE_FORMATS[self.request.accepted_renderer.format]
        lines = found.stream(export_chunks(citations.order_by("-year", "author_string", "pk")))
        return self.export(lines, f"{stem}.{found.extension}", found.media_type)

    def export(self, lines, filename: str, media_type: str):
        """``lines`` as the file ``exoresist-<filename>``, shared by every reader of a whole public list."""
        shared = (
            self.action == "list"
            and not sees_unpublished(self.request.user)
            and set(self.request.query_params) <= {"format"}
        )
        content_type = f"{media_type}; charset=utf-8"
        return export_response(
            self.request, lines, filename=f"exoresist-{filename}", content_type=content_type, shared=shared
        )


@extend_schema_view(
    list=extend_schema(
        summary="Evidence items",
        description="Accepted evidence (curators also see drafts), filterable by every facet. "
        "Names of drugs, cargos and cells match any name or alias; repeating a parameter or "
        "giving a comma list means OR; different parameters combine with AND.",
        parameters=[
            format_parameter(
                ["csv", "tsv", *REFERENCE_FORMATS],
                "json (default, paginated); csv/tsv: every matching item, streamed; or "
                f"{_REFERENCES}: the papers behind the matching items (their primary citations, each once).",
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One evidence item",
        parameters=[
            OpenApiParameter(
                "public_id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="Public identifier, e.g. EXR000123 (or the bare number 123).",
                pattern=r"^(?:[Ee][Xx][Rr])?\d+$",
            ),
            format_parameter(
                ["csv", "tsv", *REFERENCE_FORMATS],
                "json; csv/tsv: the item as one row of the list's export table; "
                f"or {_REFERENCES}: the item's primary citation.",
            ),
        ],
    ),
)
class EvidenceViewSet(ExoResistViewSet):
    serializer_class = s.EvidenceSerializer
    filterset_class = filtersets.EvidenceFilterSet
    queryset = Evidence.objects.all()
    lookup_field = "public_id"
    lookup_value_regex = r"(?:[Ee][Xx][Rr])?\d+"
    export_name = "evidence"

    def reads_documents(self) -> bool:
        """Reads are served from the stored documents (``documents.py``), not instances."""
        return self.request.method in ("GET", "HEAD") and self.action in ("list", "retrieve")

    def get_queryset(self):
        visible = Evidence.objects.visible_to(self.request.user)
        # A read filters and counts the bare queryset, then looks its page's documents up.
        return visible if self.reads_documents() else visible.with_related()

    renderer_classes = [*ExoResistViewSet.renderer_classes, *REFERENCE_RENDERERS]

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format in REFERENCE_FORMATS:
            # The papers behind the findings: each filtered item's primary citation, once.
            items = self.filter_queryset(self.get_queryset()).order_by()
            return self.export_references(Citation.objects.filter(pk__in=items.values("citation_id")), "papers")
        response = super().list(request, *args, **kwargs)
        if isinstance(response, Response):  # a JSON page, not a CSV or TSV file
            text = (request.query_params.get("q") or "").strip()
            names = did_you_mean_for(request.user, text, found=bool(response.data.get("results")))
            if names is not None:
                response.data["did_you_mean"] = names
        return response

    def known_count(self) -> int | None:
        """The public items a list selects, when the stored counts know it (stored_counts.py)."""
        if sees_unpublished(self.request.user) or self.filterset is None:
            return None
        return stored_size(self.filterset.canonical_query())

    def fetch_page(self, window) -> list:
        """A page: the ids of the (sliced) ``window``, then their documents."""
        found = documents(list(window.values_list("pk", flat=True)), public=False, request=self.request)
        # As text for the JSON renderer, which writes them as they are; parsed for the others.
        return found if self.request.accepted_renderer.format == "json" else parsed(found)

    def is_text_search(self) -> bool:
        """A ``q`` search has a lower count cap (pagination.py)."""
        return bool((self.request.query_params.get("q") or "").strip())

    def get_object(self):
        pk = public_id_to_pk(self.kwargs["public_id"])
        if pk is None:
            raise Http404("No such evidence item.")
        if self.reads_documents():
            public = not sees_unpublished(self.request.user)
            obj = next(iter(documents([pk], public=public, request=self.request)), None)
        else:
            obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise Http404("No such evidence item.")
        self.check_object_permissions(self.request, obj)
        return obj

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        if request.accepted_renderer.format in ("csv", "tsv"):
            # The list's export row, not the document flattened: one finding and a list are the same table.
            pk = public_id_to_pk(self.kwargs["public_id"])
            return self.export_table(request.accepted_renderer, self.get_queryset().filter(pk=pk), format_public_id(pk))
        if request.accepted_renderer.format in REFERENCE_FORMATS:
            self.reference_object = Citation.objects.get(pk=item.citation_id)
        return Response(item if request.accepted_renderer.format == "json" else parsed([item])[0])

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        evidence = serializer.save()
        data = self.get_serializer(evidence).data
        if serializer.revision is not None:
            # The public record is unchanged until an editor applies the revision.
            return Response(
                {
                    "detail": "This evidence is public, so your edit was filed as a suggested revision for an "
                    "editor to review.",
                    "revision": serializer.revision.pk,
                    "evidence": data,
                },
                status=202,
            )
        return Response(data)

    def _transition(self, step, *args, **kwargs) -> Response:
        evidence = step(self.get_object(), self.request.user, *args, **kwargs)
        return Response(self.get_serializer(Evidence.objects.with_related().get(pk=evidence.pk)).data)

    @extend_schema(request=None, summary="Submit a draft for review (curators)")
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        return self._transition(workflow.submit)

    @extend_schema(
        request=s.AcceptSerializer,
        summary="Accept a submitted item (editors; not an item you submitted or wrote part of)",
        description="Send the `version` you reviewed: an item that changed since is not accepted (409).",
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        reviewed = s.AcceptSerializer(data=request.data)
        reviewed.is_valid(raise_exception=True)
        return self._transition(workflow.accept, reviewed_version=reviewed.validated_data["version"])

    @extend_schema(request=s.RejectionSerializer, summary="Reject a submitted item with a reason (editors)")
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        reason = s.RejectionSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        return self._transition(workflow.reject, reason.validated_data["reason"])

    # One row per item, lists joined with "; ": each column's key in a complete row (or added in export_rows).
    EXPORT_COLUMNS = {
        "evidence_id": "public_id", "statement": "statement", "cargos": "cargo_symbols", "drugs": "drug_roles",
        "therapy_class": "therapy_class__name", "mechanisms": "mechanism_names",
        "source_cell": "source_cell__name", "recipient_cell": "recipient_cell__name", "effect": "effect",
        "level": "level", "evidence_type": "evidence_type", "subtype": "subtype",
        "cancer_type": "cancer_type__name", "drug_response_measured": "drug_response_measured",
        "vesicle_involvement": "vesicle_involvement", "ev_type": "ev_type", "doi": "citation__doi",
        "pmid": "citation__pmid", "citation": "label", "year": "year", "retracted": "citation__retracted",
        "citation_notice": "citation__notice", "url": "url",
    }  # fmt: skip

    def export_columns(self) -> list[str]:
        return list(self.EXPORT_COLUMNS)

    def export_rows(self, queryset) -> Iterator[list[Any]]:
        html = s.links_for(self.get_serializer_context())
        for chunk in export_chunks(queryset.as_rows()):
            letters = label_letters()
            for row in complete_rows(chunk):
                public_id = format_public_id(row["id"])
                row.update(
                    public_id=public_id,
                    cargo_symbols="; ".join(c["symbol"] for c in row["cargos"]),
                    drug_roles="; ".join(with_role(d) for d in row["drugs"]),
                    mechanism_names="; ".join(m["name"] for m in row["mechanisms"]),
                    label=short_label(
                        row["citation__authors"],
                        row["citation__authors_truncated"],
                        row["citation__year"],
                        letters.get(row["citation_id"], ""),
                    ),
                    year=row["citation__year"] or "",
                    url=html.url("evidence_detail", public_id),
                )
                yield [row[key] for key in self.EXPORT_COLUMNS.values()]


@extend_schema_view(
    list=extend_schema(
        summary="Citations",
        description="Publications, with the number of accepted evidence items citing each. "
        "`?format=bibtex`, `ris` or `csljson` returns every matching citation for a reference manager.",
        parameters=[
            format_parameter(
                ["csv", "tsv", *REFERENCE_FORMATS],
                f"json (default), csv/tsv, or {_REFERENCES}: every matching citation, streamed.",
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One citation",
        parameters=[format_parameter([*REFERENCE_FORMATS], f"json, or {_REFERENCES}.")],
    ),
)
class CitationViewSet(ExoResistViewSet):
    serializer_class = s.CitationSerializer
    filterset_class = filtersets.CitationFilterSet
    queryset = Citation.objects.all()
    lookup_field = "pk"
    lookup_value_regex = r"\d+"
    renderer_classes = [*ExoResistViewSet.renderer_classes, *REFERENCE_RENDERERS]
    export_name = "citations"

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format in REFERENCE_FORMATS:
            return self.export_references(self.filter_queryset(self.get_queryset()), "citations")
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        if request.accepted_renderer.format in REFERENCE_FORMATS:
            self.reference_object = self.get_object()
        return super().retrieve(request, *args, **kwargs)


_LIST_FORMAT = extend_schema(
    parameters=[
        format_parameter(
            ["csv", "tsv"],
            "json (default, paginated), or csv/tsv: every matching row, streamed, with the same filters.",
        )
    ]
)


def entity_viewset(model, serializer, filterset, export_name: str) -> type[ExoResistViewSet]:
    """The viewset of the drugs, cargos, cells, mechanisms or therapy classes."""
    attributes = {
        "serializer_class": serializer,
        "filterset_class": filterset,
        "queryset": model.objects.all(),
        "export_name": export_name,
    }
    return extend_schema_view(list=_LIST_FORMAT)(type(f"{model.__name__}ViewSet", (ExoResistViewSet,), attributes))


DrugViewSet = entity_viewset(Drug, s.DrugSerializer, filtersets.DrugFilterSet, "drugs")
CargoViewSet = entity_viewset(Cargo, s.CargoSerializer, filtersets.CargoFilterSet, "cargos")
CellViewSet = entity_viewset(Cell, s.CellSerializer, filtersets.CellFilterSet, "cells")
MechanismViewSet = entity_viewset(Mechanism, s.MechanismSerializer, filtersets.MechanismFilterSet, "mechanisms")
TherapyClassViewSet = entity_viewset(
    TherapyClass, s.TherapyClassSerializer, filtersets.TherapyClassFilterSet, "therapy-classes"
)


#: The text limit with room for escapes (``\uXXXX`` in JSON, ``%XX`` in forms); larger bodies are refused unread.
RECOGNISE_MAX_BODY = 12 * MAX_TEXT_LENGTH + 4096
RECOGNISE_EXAMPLE = "Exosomal miR-155 from MCF-7/ADR cells transferred Adriamycin (DOX) resistance to MCF-7 cells."
RECOGNISE_DESCRIPTION = (
    "The drugs, cargos, cells, mechanisms and therapy classes a text mentions, by any of their names or "
    "aliases, in the order they appear. Case, punctuation, dashes and Greek letters spelled out do not "
    "matter (P-gp, Pgp and P gp; miR155 and miR-155; TGF-β1 and TGF-beta1); a name counts only as a whole "
    "word, and the longest mention wins (MCF-7/ADR, not MCF-7). `start` and `end` index the text as sent, "
    "in characters (Unicode code points). A mention naming two entities (a miRNA name both arms share) is "
    "listed once for each. A drug-resistant line the text describes rather than names ('adriamycin-resistant "
    "breast cancer cells', 'docetaxel-resistant MCF-7 cells', 'MCF-7 cells resistant to docetaxel') is listed "
    "when it is the only line that fits (resistant to that drug, derived from the line named, or else of breast "
    "cancer and the subtype said), with `inferred` saying so. Anonymous clients are matched against what public "
    "pages show. "
    f"At most {MAX_TEXT_LENGTH:,} characters a request (a longer text is a 400)."
)
BODY_TOO_LARGE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=f"The request body is larger than {RECOGNISE_MAX_BODY:,} bytes (refused unread).",
)


class RecogniseView(APIView):
    """Mentions of known entities in a text: for downstream tools and the curators' intake."""

    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    #: What a GET needs to answer 200 (loadtest_urls).
    example_query = {"text": RECOGNISE_EXAMPLE}

    @extend_schema(
        summary="Recognise mentions in a short text",
        description=RECOGNISE_DESCRIPTION + " GET suits a sentence or a title (servers limit the address to a "
        "few kB); POST a longer text.",
        parameters=[
            OpenApiParameter(
                "text",
                {"type": "string", "maxLength": MAX_TEXT_LENGTH},
                OpenApiParameter.QUERY,
                required=True,
                description="The text to read.",
                examples=[OpenApiExample("A sentence", value=RECOGNISE_EXAMPLE)],
            )
        ],
        responses=s.MentionSerializer(many=True),
        operation_id="recognise_query",
    )
    def get(self, request, *args, **kwargs):
        return self.mentions(request.query_params)

    @extend_schema(
        summary="Recognise mentions in a text",
        description=RECOGNISE_DESCRIPTION,
        request=s.RecogniseSerializer,
        responses={200: s.MentionSerializer(many=True), 413: BODY_TOO_LARGE},
        operation_id="recognise",
        examples=[OpenApiExample("An abstract's sentence", value={"text": RECOGNISE_EXAMPLE}, request_only=True)],
    )
    def post(self, request, *args, **kwargs):
        length = declared_length(request)
        if length > RECOGNISE_MAX_BODY:
            return Response(
                {"detail": f"The request body is {length:,} bytes; at most {RECOGNISE_MAX_BODY:,} are read."},
                status=413,
            )
        return self.mentions(request.data)

    def mentions(self, data) -> Response:
        serializer = s.RecogniseSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        text = serializer.validated_data["text"]
        return Response(recognise(text, public=not sees_unpublished(self.request.user)))
