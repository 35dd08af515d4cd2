"""JSON logs: one object per line, on stderr, for the service's and the server's loggers."""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from typing import Any


class JsonFormatter(logging.Formatter):
    """One JSON object per log line."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON, with its structured fields."""
        entry: MutableMapping[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            # Type and place only: exception messages and tracebacks may carry secrets.
            entry["exceptionType"] = record.exc_info[0].__name__
            frame = record.exc_info[2]
            while frame is not None and frame.tb_next is not None:
                frame = frame.tb_next
            if frame is not None:
                entry["exceptionAt"] = f"{frame.tb_frame.f_code.co_filename}:{frame.tb_lineno}"
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """JSON logs on stderr for the service's and the server's loggers; nothing else is logged."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    for name in ("vehicle_connect", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(level)
        logger.propagate = False
    logging.getLogger("uvicorn.access").disabled = True
