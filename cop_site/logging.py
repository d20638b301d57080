"""JSON lines for production logs: one object per record, on standard output.

A log platform (journald, CloudWatch, Loki, ...) can then filter by status, path or request id
without parsing free text. Extra fields passed with `extra={...}` become keys, so the request
summary from `cop_site.middleware.RequestLogMiddleware` carries method, path, status and
duration, and any record written while a request is handled carries its `request_id`.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request being handled (set by cop_site.middleware.RequestLogMiddleware), so every
# line written while handling it can carry it, not only the one summary line per request.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled in this thread or task, if any."""
    return request_id_var.get()


# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
# Extras that are objects rather than facts (Django passes the request to its own loggers):
# their repr says nothing a reader needs, and could hold personal data.
_SKIPPED = {"request", "server_time"}


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON: time, level, logger, message, then the extras."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON; values JSON cannot hold are written as their `str()`."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in _SKIPPED and not key.startswith("_"):
                entry[key] = value
        if "request_id" not in entry:
            # Django logs 4xx and 5xx responses (django.request) after the middleware has
            # finished, passing the request along: its id is on the request then.
            request_id = current_request_id() or getattr(
                getattr(record, "request", None), "request_id", None
            )
            if request_id:
                entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
