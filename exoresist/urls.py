from django.contrib import admin
from django.urls import include, path

from evidence.urls import handler404  # noqa: F401 (the site's own 404 page)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("evidence.api.urls")),
    path("", include("evidence.urls")),
]

# A 503 for a database outage, a 413 for a body over the size limits (exoresist/errors.py).
handler500 = "exoresist.errors.server_error"
handler400 = "exoresist.errors.bad_request"
