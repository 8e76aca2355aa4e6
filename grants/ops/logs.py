"""The process's log lines: one handler on the root logger, JSON lines in production
(LOG_FORMAT=json, the default with GRANTS_ENV=production) or plain text in development, each
line carrying the id of the request it was written in.

A small formatter of our own rather than python-json-logger: the fields are fixed here
(ts, level, logger, msg, request_id, then whatever a caller passed with `extra=`), and an
exception is written as its type and traceback without its message, which may quote what
someone typed (grants/factory.py logs unexpected errors the same way).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime

from flask import g, has_request_context

from grants.config import ConfigError

# A LogRecord's own attributes; anything else on a record came from `extra=`.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "request_id", "taskName"}

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Puts the current request's id (grants.ops.requests) on every record; None outside
    a request (commands, the job worker, start-up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ISO 8601), level, logger, msg, request_id and the
    record's extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, _exc, tb = record.exc_info
            line["exc_type"] = kind.__name__
            line["traceback"] = "".join(traceback.format_tb(tb))
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format: one readable line, the request id in brackets."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = None
        return super().format(record)


_installed: logging.Handler | None = None


def formatter(kind: str) -> logging.Formatter:
    if kind not in ("json", "text"):
        raise ConfigError("LOG_FORMAT must be json or text")
    return JsonFormatter() if kind == "json" else TextFormatter()


def configure(kind: str, level: str = "INFO", stream=None) -> logging.Handler:
    """Install the one handler on the root logger (replacing the one installed before, so
    building several apps in one process does not double the lines). The portal's own
    loggers ("grants.*") write from `level` up; other libraries keep the root's WARNING."""
    global _installed
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter(kind))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    logging.getLogger("grants").setLevel(level.upper())
    _installed = handler
    return handler
