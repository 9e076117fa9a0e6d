"""``/api/v1/``: the root lists the endpoints; ``schema/`` and ``docs/`` describe them."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from evidence.api import views

app_name = "api"


class Router(DefaultRouter):
    include_format_suffixes = False

    def get_api_root_view(self, api_urls=None):
        view = super().get_api_root_view(api_urls)
        # The schema and the docs belong in the list of what the root offers.
        view.initkwargs["api_root_dict"].update(
            {"schema": "schema", "docs": "docs", "redoc": "redoc", "recognise": "recognise"}
        )
        return view


router = Router()
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("citations", views.CitationViewSet, basename="citation")
router.register("drugs", views.DrugViewSet, basename="drug")
router.register("cargos", views.CargoViewSet, basename="cargo")
router.register("cells", views.CellViewSet, basename="cell")
router.register("mechanisms", views.MechanismViewSet, basename="mechanism")
router.register("therapy-classes", views.TherapyClassViewSet, basename="therapyclass")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its setup script as a file (docs/?script): no inline script for the CSP to block.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # ReDoc (styled-components) adds <style> elements at run time and parses the schema in a
    # Web Worker started from a blob: URL. Styles only: script-src stays 'self'.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api:schema")
        ),
        name="redoc",
    ),
    path("recognise/", views.RecogniseView.as_view(), name="recognise"),
    *router.urls,
]
