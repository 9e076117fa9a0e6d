"""Page-number pagination that stays fast on a million rows: one extra row says whether there is a
next page, and ``count`` is exact only up to a cap (``count_exact`` false past it), counted by a
bounded scan and not at all for a page that is not full, or read from the stored counts
(``known_count()``). A free-text search (``is_text_search()``) has its own cap, 0 by default: counting
a common word's matches costs more than finding the page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from evidence.facets import COUNT_LIMIT, capped_count

#: OFFSET past this many rows makes PostgreSQL walk and discard them all; deep pages
#: of a large result are refused with a hint to filter instead.
MAX_OFFSET: int = settings.EXORESIST_API_MAX_OFFSET


class StandardPagination(BasePagination):
    page_size = 50
    max_page_size = 500
    page_query_param = "page"
    page_size_query_param = "page_size"
    count_cap = COUNT_LIMIT  # where the evidence page's counts stop
    text_count_cap = getattr(settings, "EXORESIST_API_TEXT_COUNT_CAP", 0)

    def _int_param(self, request, name: str, default: int, maximum: int | None) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ValidationError({name: [f"{name} must be a whole number, got {raw[:40]!r}."]}) from None
        if value < 1 or (maximum is not None and value > maximum):
            bound = f"between 1 and {maximum}" if maximum is not None else "1 or more"
            raise ValidationError({name: [f"{name} must be {bound}, got {value}."]})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size_value = self._int_param(request, self.page_size_query_param, self.page_size, self.max_page_size)
        self.page_number = self._int_param(request, self.page_query_param, 1, None)
        offset = (self.page_number - 1) * self.page_size_value
        if offset > MAX_OFFSET:
            raise ValidationError(
                {
                    self.page_query_param: [
                        f"Pages past row {MAX_OFFSET:,} are not served. Narrow the query with filters, or "
                        "take every matching row at once with format=csv, format=tsv or a release (/releases/)."
                    ]
                }
            )
        cap = self.count_cap
        if getattr(view, "is_text_search", lambda: False)():
            cap = min(self.text_count_cap, cap)
        window = queryset[offset : offset + self.page_size_value + 1]
        fetch_page = getattr(view, "fetch_page", None)
        rows = fetch_page(window) if fetch_page is not None else list(window)
        self.has_next = len(rows) > self.page_size_value
        rows = rows[: self.page_size_value]
        if not rows and self.page_number > 1:
            raise NotFound(f"Invalid page: page {self.page_number} is past the end of the results.")
        if not self.has_next:  # the last page: counted by where it ends
            self.count, self.count_exact = offset + len(rows), True
        elif (known := getattr(view, "known_count", lambda: None)()) is not None:
            self.count, self.count_exact = max(known, offset + len(rows) + 1), True
        elif cap <= 0:  # not counted: at least one more
            self.count, self.count_exact = offset + len(rows) + 1, False
        else:
            counted = capped_count(queryset, cap)
            self.count_exact = counted <= cap
            # Past the cap (or after a concurrent insert) never report fewer than were served.
            self.count = max(min(counted, cap), offset + len(rows) + 1)
        return rows

    def page_link(self, number: int) -> str:
        url = self.request.build_absolute_uri()
        if number == 1:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response(self, data) -> Response:
        return Response(
            {
                "count": self.count,
                "count_exact": self.count_exact,
                "next": self.page_link(self.page_number + 1) if self.has_next else None,
                "previous": self.page_link(self.page_number - 1) if self.page_number > 1 else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["count", "count_exact", "results"],
            "properties": {
                "count": {
                    "type": "integer",
                    "example": 123,
                    "description": f"Number of matching items, exact up to {self.count_cap}; past that "
                    "the cap itself (see count_exact). Public lists the stored counts can size (unfiltered; "
                    "therapy_class, effect and one cargo_type; any mix of therapy_class, effect, level, subtype, "
                    "evidence_type and vesicle_involvement; one drug, cargo or mechanism, with effect or not) are "
                    "always exact. "
                    + (
                        f"A free-text q search is counted only up to {self.text_count_cap}."
                        if self.text_count_cap > 0
                        else "A free-text q search is not counted when its page is full: count is then "
                        "the items served so far plus one, and count_exact false."
                    ),
                },
                "count_exact": {
                    "type": "boolean",
                    "description": "False when count is a lower bound (the cap, or an uncounted q "
                    "search): there are at least that many.",
                },
                "next": {"type": "string", "nullable": True, "format": "uri", "example": "…?page=3"},
                "previous": {"type": "string", "nullable": True, "format": "uri", "example": "…?page=1"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict[str, Any]]:
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
                "example": 1,
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Items per page, 1 to {self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
                "example": self.page_size,
            },
        ]
