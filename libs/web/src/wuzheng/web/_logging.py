from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Final

from wuzheng.contracts.tracing import current_trace
from wuzheng.web._context import current_request_id
from wuzheng.web._masking import mask_personal_data

# Attributes every LogRecord has; anything else on a record came from ``extra=``. uvicorn's
# ``color_message`` duplicates the message with terminal colour codes.
_RECORD_ATTRIBUTES: Final = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "color_message"}
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, service, request_id,
    trace_id, the record's ``extra`` fields and any traceback. Resident ID numbers anywhere
    in the line are masked."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
        }
        if (request_id := current_request_id()) is not None:
            entry["request_id"] = request_id
        if (trace := current_trace()) is not None:
            entry["trace_id"] = trace.trace_id
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry.setdefault(key, value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return mask_personal_data(json.dumps(entry, ensure_ascii=False, default=str))


def configure_logging(level: str | int, service: str) -> None:
    """Send every log record (ours, uvicorn's, libraries') to stdout as one-line JSON."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    for existing in root.handlers[:]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
