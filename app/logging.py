"""Structured JSON logs, one object per line, carrying the request id; NIKs never reach the output.

UU 27/2022 (PDP) treats the NIK as personal data, and logs are copied to places a database is not. Any run of
16 digits is therefore masked to its first and last four (``3271********0001``) in every record this module
formats, whatever the logger that produced it.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("netra_request_id", default=None)

_NIK_RE = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")

# Attributes every LogRecord has; anything else was passed through ``extra=`` and is worth printing.
# uvicorn's "color_message" repeats the message with terminal escapes.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def mask_niks(text: str) -> str:
    """Mask every standalone 16-digit sequence to its first and last four digits.

    >>> mask_niks("nik=3271011501900001 ok")
    'nik=3271********0001 ok'
    """
    return _NIK_RE.sub(r"\1********\2", text)


class NikMaskFilter(logging.Filter):
    """Masks NIKs in the rendered message, for handlers that do not use :class:`JsonFormatter`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_niks(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        # Masking the whole line also covers tracebacks and ``extra`` values.
        return mask_niks(json.dumps(entry, default=str, ensure_ascii=False))


def configure_logging(level: str = "INFO") -> None:
    """Route the root logger (and uvicorn's) through one JSON handler on stderr. Safe to call twice."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(NikMaskFilter())
    handler.set_name("netra")
    root = logging.getLogger()
    # Replace only our own handler, so pytest's capture handlers (and any a host adds) stay in place.
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "netra"] + [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # The request middleware writes one access line per request, with the request id.
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("httpx").setLevel(logging.WARNING)
