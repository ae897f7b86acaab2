"""Structured logs: every line carries the job's context (delivery, installation, repo, PR, head).

Never pass tokens, the private key, raw payloads or matched secret values to a logger. Should one
slip through anyway (a library's error quoting a line of the PR, a URL in an exception, a header
of a request), every record is scrubbed by `bot.redaction` before any handler writes it: its
message, traceback, stack, fields and bound context.

Everything the server writes is a log record, one JSON object per line: its own lines, the
libraries' (aiohttp, asyncio, warnings), HTTP access lines (`bot.access_log`) and uncaught
exceptions, with any traceback in the `exception` field. `READINESS_LOG_FORMAT=text` writes
lines for people instead; by default, JSON unless standard error is a terminal.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal, TextIO

from bot.redaction import scrub

LogFormat = Literal["auto", "json", "text"]

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
    """Scrub a record in place, whatever formatter writes it next: its message, traceback and
    stack, and its fields (given as `extra=`, or bound), which are copied onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = scrub(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        for key, value in _fields().items():
            record.__dict__.setdefault(key, value)
        texts = {k: v for k, v in _extras(record).items() if isinstance(v, str)}
        together = "\n".join(texts.values())
        if scrub(together) is not together:  # one scan for all fields; most hold no secret
            for key, text in texts.items():
                setattr(record, key, scrub(text))
        return True


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    """Return the fields a record carries beyond logging's own attributes."""
    return {k: v for k, v in vars(record).items() if k not in _RECORD_ATTRIBUTES}


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
            **_extras(record),
        }
        if record.exc_text:  # set by the redaction filter, or sent by the rules' child process
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """A line for people at a terminal: time, level, logger, message, then the fields; a
    traceback follows on its own lines."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        fields = {**_fields(), **_extras(record)}
        line = f"{when} {record.levelname:<8} {record.name}: {record.getMessage()}"
        if fields:
            line += "  " + " ".join(f"{k}={v}" for k, v in fields.items())
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        for extra in (record.exc_text, record.stack_info):
            if extra:
                line += "\n" + extra
        return line


def configure(level: str = "INFO", form: LogFormat = "auto", stream: TextIO | None = None) -> None:
    """Send every record, scrubbed, to standard error (or `stream`) in one format.

    `form` "auto" is JSON unless the stream is a terminal. Warnings become records, and an
    uncaught exception is logged (critical, traceback in its field) instead of printed.
    """
    target = stream if stream is not None else sys.stderr
    handler = logging.StreamHandler(target)
    text = form == "text" or (form == "auto" and target.isatty())
    handler.setFormatter(TextFormatter() if text else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [redacted(handler)]
    root.setLevel(level.upper())
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(
    kind: type[BaseException], exc: BaseException, traceback: TracebackType | None
) -> None:
    logging.getLogger("readiness").critical("uncaught exception", exc_info=(kind, exc, traceback))
