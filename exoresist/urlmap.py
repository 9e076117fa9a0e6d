"""Every URL the project serves, discovered at run time from the resolver and the admin
registry: the production tests and the load-test URL list cover endpoints added later."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

# Query parameters every list endpoint may receive, besides its FilterSet's own.
COMMON_PARAMS = ["q", "page", "page_size", "ordering", "format", "o", "p", "limit", "offset", "sort"]


@dataclass(frozen=True)
class Endpoint:
    url: str
    name: str
    view: object
    has_args: bool

    @property
    def is_api(self) -> bool:
        return self.url.startswith("/api/")

    @property
    def view_class(self):
        return getattr(self.view, "cls", None) or getattr(self.view, "view_class", None)


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _model_of(view) -> type[models.Model] | None:
    cls = getattr(view, "cls", None) or getattr(view, "view_class", None)
    if cls is None:
        return None
    model = getattr(cls, "model", None)
    queryset = getattr(cls, "queryset", None)
    if model is None and queryset is not None:
        model = queryset.model
    return model


def _example_kwargs(pattern: URLPattern, view) -> dict | None:
    """Values for a pattern's arguments, taken from an existing object of the view's model."""
    names = list(pattern.pattern.regex.groupindex)
    if not names:
        return {}
    model = _model_of(view)
    if model is None and "public_id" in names:
        # Views addressed by an evidence public id (EXR000123) that build their own queryset.
        from evidence.models import Evidence

        model = Evidence
    manager = model._default_manager if model is not None else None
    if manager is not None and hasattr(manager, "public"):
        manager = manager.public()
    instance = manager.order_by("pk").first() if manager is not None else None
    values = {}
    for name in names:
        if instance is not None and name in ("pk", "id", "object_id"):
            values[name] = instance.pk
        elif instance is not None and name == "public_id" and hasattr(instance, "public_id"):
            values[name] = instance.public_id
        elif instance is not None and hasattr(instance, name):
            values[name] = getattr(instance, name)
        elif instance is not None and name == "slug" and hasattr(instance, "slug"):
            values[name] = instance.slug
        else:
            return None
    return values


def endpoints(include_admin: bool = False) -> list[Endpoint]:
    """Concrete URLs of every named route: parameterless ones as they are, parameterised
    ones filled from an existing row of the view's model (skipped when none exists)."""
    found: dict[str, Endpoint] = {}
    for route, pattern, namespace in _walk(get_resolver().url_patterns):
        if namespace == "admin" and not include_admin:
            continue
        if route.startswith(("static", "^static", "media")) or namespace == "admin":
            continue
        if not pattern.name:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else pattern.name
        kwargs = _example_kwargs(pattern, pattern.callback)
        if kwargs is None:
            continue
        try:
            url = reverse(name, kwargs=kwargs) if kwargs else reverse(name)
        except NoReverseMatch:
            # format-suffix variants (".json") and routes with converters we cannot fill
            continue
        found.setdefault(url, Endpoint(url=url, name=name, view=pattern.callback, has_args=bool(kwargs)))
    return sorted(found.values(), key=lambda e: e.url)


def list_endpoints() -> list[Endpoint]:
    """Public endpoints without path arguments: home, lists, search, exports, API lists."""
    return [e for e in endpoints() if not e.has_args and not re.search(r"(login|logout|password)", e.url)]


def admin_urls() -> list[tuple[type[models.Model], str, str]]:
    """(model, changelist URL, add URL) for every model registered in the admin."""
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append((model, reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))))
    return sorted(urls, key=lambda row: row[1])


def admin_change_urls() -> list[str]:
    urls = []
    for model in admin.site._registry:
        instance = model._default_manager.order_by("pk").first()
        if instance is not None:
            info = (model._meta.app_label, model._meta.model_name)
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[instance.pk]))
    return sorted(urls)


def filter_params() -> set[str]:
    """Every filter name of every FilterSet in the project (the evidence FilterSets, and any added later)."""
    import django_filters

    names = set(COMMON_PARAMS)
    for app in apps.get_app_configs():
        try:
            module = __import__(f"{app.name}.filtersets", fromlist=["*"])
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, django_filters.FilterSet) and value._meta.model:
                names.update(value.base_filters)
    return names


def row_counts() -> dict[str, int]:
    """Rows in every table of every installed model: to prove a request changed nothing."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if not model._meta.proxy and model._meta.managed and model._meta.app_label not in {"sessions", "axes"}
    }


def urls_for(instance: models.Model) -> list[str]:
    """Every non-admin route whose view shows ``instance``'s model, filled with ``instance``."""
    urls = []
    for _route, pattern, namespace in _walk(get_resolver().url_patterns):
        if namespace == "admin" or not pattern.name:
            continue
        names = list(pattern.pattern.regex.groupindex)
        model = _model_of(pattern.callback)
        if model is None and "public_id" in names:
            from evidence.models import Evidence

            model = Evidence
        if not names or model is not type(instance):
            continue
        kwargs = {}
        for name in names:
            if name in ("pk", "id", "object_id"):
                kwargs[name] = instance.pk
            elif hasattr(instance, name):
                kwargs[name] = getattr(instance, name)
        try:
            urls.append(reverse(f"{namespace}:{pattern.name}" if namespace else pattern.name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    return sorted(set(urls))


def answers_get(url: str) -> bool:
    """Whether the view behind ``url`` serves GET (a DRF viewset action may be POST-only)."""
    from django.urls import Resolver404, resolve

    try:
        func = resolve(url.split("?", 1)[0]).func
    except Resolver404:
        return False
    actions = getattr(func, "actions", None)
    return actions is None or "get" in actions
