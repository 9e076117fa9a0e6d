"""Small template helpers shared by every page."""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils.safestring import mark_safe

from evidence.choices import Effect
from evidence.filtersets import PAGING, query_key
from evidence.site import graphs

register = template.Library()


@register.simple_tag
def release() -> str:
    return settings.EXORESIST_RELEASE


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's absolute URL: its path plus any filters (sorted), never the page number."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return ""
    params = query_key(request.GET, leave_out=PAGING)
    url = request.build_absolute_uri(request.path)
    return f"{url}?{urlencode(params)}" if params else url


@register.filter
def effect_css(value: str) -> str:
    """A CSS class for an effect code; unknown codes get the neutral colour."""
    return f"effect-{value.replace('_', '-')}" if value in Effect.values else "effect-other"


@register.filter
def effect_short(value: str) -> str:
    """The effect in two words (its code in words), for table cells; the full label goes in a title."""
    return value.replace("_", " ") if value in Effect.values else value


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(value) -> str:
    """JSON for a ``<script type="application/ld+json">`` block, escaped as ``json_script`` does."""
    return mark_safe(json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES))  # noqa: S308


# --- The pictures: the network and the matrix, drawn from the same data as their JSON ------------

#: Heat-map steps (CSS classes heat-0 .. heat-6).
_HEAT_STEPS = 6


def _heat(count: int, largest: int) -> int:
    """A colour step for ``count``: logarithmic, so a few large cells do not wash out the rest."""
    if not count:
        return 0
    return min(_HEAT_STEPS, 1 + math.floor(5 * math.log1p(count) / math.log1p(max(largest, 1))))


@register.inclusion_tag("evidence/includes/network.html")
def network_figure(query: str = "", caption: str = "", full: bool = False) -> dict[str, Any]:
    """A network figure (drawn by static/js/network.js), and its nodes and links as a table that needs no script."""
    context: dict[str, Any] = {"query": query, "caption": caption, "full": full}
    try:
        data = graphs.network_for(QueryDict(query))
    except graphs.BadParameters as error:
        return {**context, "errors": _messages(error)}
    nodes = {node["id"]: node for node in data["nodes"]}
    context["nodes"] = data["nodes"]
    context["links"] = [dict(link, cargo=nodes[link["source"]], drug=nodes[link["target"]]) for link in data["links"]]
    context["truncated"] = data["truncated"]
    return context


def _messages(error: graphs.BadParameters) -> list[str]:
    return [f"{name}: {e['message']}" for name, errors in error.errors.items() for e in errors]


_MATRIX_NOUNS = {"therapy_class": "therapy class", "drug": "drug", "mechanism": "mechanism", "cargo_kind": "cargo kind"}


@register.inclusion_tag("evidence/includes/matrix.html")
def matrix_figure(rows: str = "", columns: str = "", query: str = "", caption: str = "") -> dict[str, Any]:
    """A heat-map table of evidence counts (matrix.json's data), the longer list down the side so
    that the table stays narrow."""
    params = QueryDict(query, mutable=True)
    params["rows"] = rows or graphs.MATRIX_ROWS[0]
    params["columns"] = columns or graphs.MATRIX_COLUMNS[0]
    context: dict[str, Any] = {"query": params.urlencode(), "caption": caption}
    try:
        data = graphs.matrix_for(params)
    except graphs.BadParameters as error:
        return {**context, "errors": _messages(error)}
    side, top = list(data["rows"]), list(data["columns"])
    side_noun, top_noun = _MATRIX_NOUNS[data["rows_by"]], _MATRIX_NOUNS[data["columns_by"]]
    largest = data["max"]
    cells = [
        [
            dict(cell, heat=_heat(cell["count"], largest), row=row, column=column)
            for cell, column in zip(line, top, strict=True)
        ]
        for line, row in zip(data["cells"], side, strict=True)
    ]
    if 0 < len(side) < len(top):
        side, top, side_noun, top_noun = top, side, top_noun, side_noun
        cells = [list(line) for line in zip(*cells, strict=True)]
    context.update(data=data, side_noun=side_noun, top_noun=top_noun, top=top, heat_steps=range(1, _HEAT_STEPS + 1))
    context["lines"] = [{"head": head, "cells": line} for head, line in zip(side, cells, strict=True)]
    return context
