"""The last line of defence: a 500 handler that never shows a traceback, and turns a
database outage raised anywhere (even inside middleware) into a 503 with a clear body."""

import sys

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import server_error as django_server_error

from exoresist.logging import request_id_var
from exoresist.middleware import DATABASE_OUTAGE, HostileInputMiddleware, database_unavailable_response, wants_json


def server_error(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_OUTAGE):
        return database_unavailable_response(request)
    if wants_json(request):
        return JsonResponse(
            {"detail": "Internal error; it has been logged.", "request_id": request_id_var.get()}, status=500
        )
    return django_server_error(request, *args, **kwargs)


def bad_request(request: HttpRequest, exception=None, *args, **kwargs) -> HttpResponse:
    """Django's 400 for a suspicious request, with the reason; a body over the size limits
    (``RequestDataTooBig``, raised once more was sent than announced) is a 413."""
    if isinstance(exception, RequestDataTooBig):
        message = str(exception) or "The request body is too large."
        if "EXORESIST_MAX_UPLOAD_BYTES" not in message:
            message = f"The request body is too large: {message}"
        return HostileInputMiddleware.refuse(request, message, 413)
    if wants_json(request):
        return JsonResponse({"detail": "Bad request: the request could not be read."}, status=400)
    return django_bad_request(request, exception, *args, **kwargs)
