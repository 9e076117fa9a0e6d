from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("evidence.urls")),
]

# A database outage anywhere gives a 503 with a clear body; other errors a plain 500 page (issue 6).
handler500 = "exoresist.errors.server_error"
