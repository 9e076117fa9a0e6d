"""The last line of defence: a 500 handler that never shows a traceback, and turns a
database outage raised anywhere (even inside middleware) into a 503 with a clear body."""

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as django_server_error

from exoresist.logging import request_id_var
from exoresist.middleware import database_unavailable_response, is_database_outage, wants_json


def server_error(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    exc = sys.exc_info()[1]
    if exc is not None and is_database_outage(exc):
        return database_unavailable_response(request)
    if wants_json(request):
        return JsonResponse(
            {"detail": "Internal error; it has been logged.", "request_id": request_id_var.get()}, status=500
        )
    return django_server_error(request, *args, **kwargs)
