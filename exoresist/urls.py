from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("evidence.api.urls")),
    path("", include("evidence.urls")),
]

# The site's own 404 and 500 pages (in the site's style, no traceback).
from evidence.urls import handler404, handler500  # noqa: E402,F401
