"""Structured logs: one JSON object per line, each carrying the request id."""

from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Attributes every LogRecord has; anything else was passed with extra={...} and is logged as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            # The traceback goes to the log, never to the client.
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class CacheOutageFilter(logging.Filter):
    """django-redis logs every ignored error with its traceback, thousands a second under load
    with Redis down: keep one short line per ``interval`` seconds, counting the others."""

    def __init__(self, interval: float = 10.0):
        super().__init__()
        self.interval = float(interval)
        self.last = float("-inf")
        self.suppressed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if record.created - self.last < self.interval:
            self.suppressed += 1
            return False
        error = record.exc_info[1] if record.exc_info else None
        record.msg = "cache unavailable, serving uncached: %s (%d similar errors since the last line)"
        record.args = (error or record.getMessage(), self.suppressed)
        record.exc_info = None
        record.exc_text = None
        self.last, self.suppressed = record.created, 0
        return True
