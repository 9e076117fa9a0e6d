"""Test-only views: a write then a read in one request (replica router), a form with a CSRF token (page cache)."""

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


def csrf_form(request):
    from django.middleware.csrf import get_token

    return HttpResponse(f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')


urlpatterns = [
    path("csrf-form/", csrf_form),
    path("write-then-read/", write_then_read),
    path("name/<slug:slug>/", read_name),
    path("", include("exoresist.urls")),
]
