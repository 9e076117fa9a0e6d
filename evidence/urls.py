"""HTML routes. Detail pages are addressed by slug (or public id for evidence)."""

from django.urls import path

from evidence import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("evidence/<str:public_id>/", views.EvidenceDetailView.as_view(), name="evidence_detail"),
    path("drugs/<slug:slug>/", views.DrugDetailView.as_view(), name="drug_detail"),
    path("cargos/<slug:slug>/", views.CargoDetailView.as_view(), name="cargo_detail"),
    path("cells/<slug:slug>/", views.CellDetailView.as_view(), name="cell_detail"),
    path("mechanisms/<slug:slug>/", views.MechanismDetailView.as_view(), name="mechanism_detail"),
    path("therapy-classes/<slug:slug>/", views.TherapyClassDetailView.as_view(), name="therapyclass_detail"),
    path("citations/<int:pk>/", views.CitationDetailView.as_view(), name="citation_detail"),
]

# --- curation (issue 5): release downloads and readers' flags -----------------------
from evidence import views_curation  # noqa: E402

urlpatterns += [
    path("releases/", views_curation.ReleaseListView.as_view(), name="release_list"),
    path("releases/<str:version>/<str:filename>", views_curation.release_file, name="release_file"),
    path("evidence/<str:public_id>/flag/", views_curation.FlagEvidenceView.as_view(), name="evidence_flag"),
]
