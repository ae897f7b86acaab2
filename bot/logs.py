"""Structured logs: every line carries the job's context (delivery, installation, repo, PR, head).

Never pass tokens, the private key, raw payloads or matched secret values to a logger. Should one
slip through anyway (a library's error quoting a line of the PR, a URL in an exception), every
record is scrubbed by `bot.redaction` before any handler writes it, traceback included.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from bot.redaction import scrub

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "log_context", default=None
)


# What every LogRecord has; anything else on a record came from `extra=` and becomes a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def _fields() -> dict[str, Any]:
    return _context.get() or {}


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Add fields to every log line written inside the block (and tasks it starts)."""
    token = _context.set({**_fields(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: Any) -> None:
    """Add fields to the current context for the rest of the current task."""
    _context.set({**_fields(), **{k: v for k, v in fields.items() if v is not None}})


_TRACEBACKS = logging.Formatter()


class Redacting(logging.Filter):
    """Scrub a record's message and traceback in place, whatever formatter writes it next."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True


def redacted(handler: logging.Handler) -> logging.Handler:
    """Return the handler with the redaction filter attached (once)."""
    if not any(isinstance(f, Redacting) for f in handler.filters):
        handler.addFilter(Redacting())
    return handler


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the bound context and the fields given as `extra=`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(),
            **{k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES},
        }
        if record.exc_text:  # set by the redaction filter, or sent by the rules' child process
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [redacted(handler)]
    root.setLevel(level.upper())
