"""What the production tests probe besides ``exoresist.urlmap``'s public URLs: every admin
page, every filter name, and the row counts that prove a request changed nothing."""

from __future__ import annotations

import django_filters
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.urls import reverse

# Query parameters every list endpoint may receive, besides its FilterSet's own.
COMMON_PARAMS = ["q", "page", "page_size", "ordering", "format", "o", "p", "limit", "offset", "sort"]


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
