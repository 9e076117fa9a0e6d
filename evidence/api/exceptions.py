"""Workflow errors as HTTP answers: 403 for a role that may not act, 409 for a stale edit,
400 for a transition the item's status does not allow; ``str(exc)`` is the message."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from evidence.curation import workflow


def exception_handler(exc, context):
    if isinstance(exc, workflow.StaleEdit):
        return Response({"version": [str(exc)]}, status=409)
    if isinstance(exc, workflow.WorkflowPermissionError):
        return Response({"detail": str(exc)}, status=403)
    if isinstance(exc, workflow.WorkflowError):
        return Response({"detail": str(exc)}, status=400)
    return drf_exception_handler(exc, context)
