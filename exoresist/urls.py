from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("evidence.api.urls")),
    path("", include("evidence.urls")),
]

# The site's own 404 page.
from evidence.urls import handler404  # noqa: E402,F401

# A database outage anywhere gives a 503 with a clear body; other errors a plain 500 page, never a traceback.
handler500 = "exoresist.errors.server_error"
# A body over the size limits is a 413 that says so, not a bare 400.
handler400 = "exoresist.errors.bad_request"
