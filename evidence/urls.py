"""HTML routes. Index pages sit at the API's paths without the ``/api/v1`` prefix."""

from django.urls import path

from evidence import filtersets
from evidence.curation import views as curation
from evidence.site import graphs, views

#: An index page, listing what its FilterSet filters.
index = views.EntityListView.as_view

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.search_view, name="search"),
    path("help/", views.HelpView.as_view(), name="help"),
    path("about/", views.AboutView.as_view(), name="about"),
    path("search/typeahead/", views.typeahead_view, name="typeahead"),
    path("network/", views.NetworkView.as_view(), name="network"),
    path("network.json", views.picture_json, {"build": graphs.network_for}, name="network_json"),
    path("matrix/", views.MatrixView.as_view(), name="matrix"),
    path("matrix.json", views.picture_json, {"build": graphs.matrix_for}, name="matrix_json"),
    path("evidence/", views.EvidenceListView.as_view(), name="evidence_list"),
    path("evidence/<str:public_id>/", views.EvidenceDetailView.as_view(), name="evidence_detail"),
    path("drugs/", index(filterset_class=filtersets.DrugFilterSet), name="drug_list"),
    path("drugs/<slug:slug>/", views.DrugDetailView.as_view(), name="drug_detail"),
    path("cargos/", index(filterset_class=filtersets.CargoFilterSet), name="cargo_list"),
    path("cargos/<slug:slug>/", views.CargoDetailView.as_view(), name="cargo_detail"),
    path("cells/", index(filterset_class=filtersets.CellFilterSet), name="cell_list"),
    path("cells/<slug:slug>/", views.CellDetailView.as_view(), name="cell_detail"),
    path("mechanisms/", index(filterset_class=filtersets.MechanismFilterSet), name="mechanism_list"),
    path("mechanisms/<slug:slug>/", views.MechanismDetailView.as_view(), name="mechanism_detail"),
    path("therapy-classes/", index(filterset_class=filtersets.TherapyClassFilterSet), name="therapyclass_list"),
    path("therapy-classes/<slug:slug>/", views.TherapyClassDetailView.as_view(), name="therapyclass_detail"),
    path("citations/", index(filterset_class=filtersets.CitationFilterSet), name="citation_list"),
    path("citations/<int:pk>/", views.CitationDetailView.as_view(), name="citation_detail"),
    # Release downloads and readers' flags (curation workflow).
    path("downloads/", curation.DownloadsView.as_view(), name="downloads"),
    path("releases/", curation.ReleaseListView.as_view(), name="release_list"),
    path("releases/<str:version>/<str:filename>", curation.release_file, name="release_file"),
    path("evidence/<str:public_id>/flag/", curation.FlagEvidenceView.as_view(), name="evidence_flag"),
]

# Django reads these from the root URLconf; exoresist/urls.py re-exports them.
handler404 = "evidence.site.views.page_not_found"
