"""Every URL the project serves, discovered from the resolver, so the load test and the
production tests cover endpoints added later."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import models
from django.urls import NoReverseMatch, Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse


@dataclass(frozen=True)
class Endpoint:
    url: str
    view_class: type | None
    has_args: bool

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")


def _routes(patterns=None, prefix: str = "", namespace: str | None = None):
    """(route, URL name, view class, model shown, argument names) of every named non-admin route."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name and namespace != "admin":
            view = entry.callback
            view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
            model = getattr(view_class, "model", None)
            if model is None and getattr(view_class, "queryset", None) is not None:
                model = view_class.queryset.model
            names = list(entry.pattern.regex.groupindex)
            if model is None and "public_id" in names:
                # Views addressed by an evidence public id (EXR000123) that build their own queryset.
                from evidence.models import Evidence

                model = Evidence
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield prefix + str(entry.pattern), name, view_class, model, names


def _url(name: str, names: list[str], instance: models.Model | None) -> str | None:
    """The route ``name`` filled with ``instance`` (None when it has arguments ``instance`` cannot fill)."""
    kwargs = {}
    for arg in names:
        if instance is None:
            return None
        if arg in ("pk", "id", "object_id"):
            kwargs[arg] = instance.pk
        elif hasattr(instance, arg):
            kwargs[arg] = getattr(instance, arg)
        else:
            return None
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        # format-suffix variants (".json") and routes with converters we cannot fill
        return None


def endpoints() -> list[Endpoint]:
    """Concrete URLs of every named route, parameterised ones filled from an existing (public)
    row of the view's model (skipped when none exists)."""
    found: dict[str, Endpoint] = {}
    for route, name, view_class, model, names in _routes():
        if route.startswith(("static", "^static", "media")):
            continue
        instance = None
        if names and model is not None:
            manager = model._default_manager
            instance = (manager.public() if hasattr(manager, "public") else manager).order_by("pk").first()
        url = _url(name, names, instance)
        if url is not None:
            found.setdefault(url, Endpoint(url=url, view_class=view_class, has_args=bool(names)))
    return sorted(found.values(), key=lambda e: e.url)


def list_endpoints() -> list[Endpoint]:
    """Public endpoints without path arguments: home, lists, search, exports, API lists."""
    return [e for e in endpoints() if not e.has_args and not re.search(r"(login|logout|password)", e.url)]


def urls_for(instance: models.Model) -> list[str]:
    """Every non-admin route whose view shows ``instance``'s model, filled with ``instance``."""
    urls = {
        _url(name, names, instance)
        for _route, name, _view_class, model, names in _routes()
        if names and model is type(instance)
    }
    return sorted(urls - {None})


def answers_get(url: str) -> bool:
    """Whether the view behind ``url`` serves GET (a DRF viewset action may be POST-only)."""
    try:
        func = resolve(url.split("?", 1)[0]).func
    except Resolver404:
        return False
    actions = getattr(func, "actions", None)
    return actions is None or "get" in actions
