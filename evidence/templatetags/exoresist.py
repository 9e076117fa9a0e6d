"""Small template helpers shared by every page."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import mark_safe

register = template.Library()

#: Query parameters that never change what a page is about.
_NON_CANONICAL = {"page", "page_size", "format"}


@register.simple_tag
def release() -> str:
    return getattr(settings, "EXORESIST_RELEASE", "development")


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    """The page's absolute URL: its path plus any filters (sorted), never the page number."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return ""
    params = request.GET.copy()
    for name in _NON_CANONICAL:
        params.pop(name, None)
    url = request.build_absolute_uri(request.path)
    if params:
        url += "?" + urlencode(sorted((k, v) for k, vs in params.lists() for v in vs))
    return url


@register.filter
def effect_css(value: str) -> str:
    """A CSS class for an effect code; unknown codes get the neutral colour."""
    known = {"confers_resistance", "reverses_resistance", "biomarker", "delivery_vehicle"}
    return f"effect-{value.replace('_', '-')}" if value in known else "effect-other"


@register.simple_tag(takes_context=True)
def page_url(context, number: int) -> str:
    """The current URL's query string with another page number."""
    request: HttpRequest | None = context.get("request")
    params = request.GET.copy() if request is not None else {}
    params["page"] = number
    return "?" + params.urlencode()


_EFFECT_SHORT = {
    "confers_resistance": "confers resistance",
    "reverses_resistance": "reverses resistance",
    "biomarker": "biomarker",
    "delivery_vehicle": "delivery vehicle",
}


@register.filter
def effect_short(value: str) -> str:
    """The effect in two words, for table cells; the full label goes in a title."""
    return _EFFECT_SHORT.get(value, value)


_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(value) -> str:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>`` and ``&`` escaped,
    as Django's ``json_script`` does, so that no value can close the script element."""
    return mark_safe(json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES))  # noqa: S308
