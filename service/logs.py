"""Structured logging: one JSON object per line, tagged with the request id.

Log records never carry image bytes or the clinic's subject reference: the formatter
drops fields with those names and shortens any bytes value to its length, so a careless
``extra=`` cannot leak them either.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("solescan_request_id", default=None)

# Attributes every LogRecord has; anything else came in through ``extra=``.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}

# Never logged, whatever a caller passes: patient-identifying or bulky payloads (and
# uvicorn's ANSI-coloured copy of its message).
_REDACTED_FIELDS = frozenset(
    {"subject_ref", "image", "photo", "data", "body", "content", "color_message"}
)


def _clean(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return f"<{len(value)} bytes>"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if k not in _REDACTED_FIELDS}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return str(value)


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line with time, level, logger, message and extras."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            payload["request_id"] = request_id
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key in _REDACTED_FIELDS or key.startswith("_"):
                continue
            payload[key] = _clean(value)
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


class _SolescanHandler(logging.StreamHandler):
    """Marker class so configure_logging() replaces its own handler and no other."""


def configure_logging(level: str = "INFO") -> None:
    """Send every log record (ours, uvicorn's) to stderr as JSON lines; idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, _SolescanHandler):
            root.removeHandler(handler)
    handler = _SolescanHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # Alembic narrates every start-up migration check at INFO.
    logging.getLogger("alembic").setLevel(max(root.level, logging.WARNING))
    # uvicorn's access log prints the query string, which may hold a subject reference;
    # the service writes its own access line instead.
    logging.getLogger("uvicorn.access").disabled = True
