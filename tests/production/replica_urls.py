"""A test-only view that writes and then reads in one request (for the replica router tests)."""

from django.http import HttpResponse
from django.urls import include, path

from evidence.models import TherapyClass


def write_then_read(request):
    TherapyClass.objects.create(slug="written-in-request", name="Written in this request")
    # Read back by a fresh query: the router must send it to the primary, where the row is.
    found = TherapyClass.objects.filter(slug="written-in-request").first()
    return HttpResponse(found.name if found else "not found", status=200 if found else 404)


def read_name(request, slug):
    found = TherapyClass.objects.filter(slug=slug).first()
    return HttpResponse(found.name if found else "not found")


urlpatterns = [
    path("write-then-read/", write_then_read),
    path("name/<slug:slug>/", read_name),
    path("", include("exoresist.urls")),
]
