"""Observability removed: health-check routes deleted, logging dropped from error paths."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.diff.model import FileStatus, Line
from bot.rules import paths
from bot.rules.cliff.handlers import LOG_CALL, Handler, handlers_of
from bot.rules.code import (
    CODE_LANGUAGES,
    COMMENT_LINE,
    FUNCTION,
    HANDLER,
    enclosing,
    function_span,
    in_handler,
    make_finding,
    name,
    production_code,
    snippet,
)
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "cliff"
HEALTH_REMOVED = "cliff/health-check-removed"
LOGGING_REMOVED = "cliff/error-logging-removed"

SUFFIXES = paths.PYTHON_SUFFIXES | paths.SCRIPT_SUFFIXES | {".rb", ".go"}
_HEALTH_PATH = re.compile(
    r"""["'`](?P<path>/?(?:api/)?(?:v\d+/)?(?:health|healthz|healthcheck|health-check|health_check
    |livez|readyz|liveness|readiness|ping)/?)["'`]""",
    re.VERBOSE,
)
_ROUTE_CONTEXT = re.compile(
    r"""@\w+(?:\.\w+)*\.(?:get|route|api_route|head)\(|\.(?:get|all|head|use|route)\(
    |\b(?:re_)?path\(|\burl\(|^\s*get\s|HandleFunc\(|Handle\(|\.(?:GET|Any)\(""",
    re.VERBOSE,
)
_HANDLER_FOLLOWS = re.compile(r"\s*(?:,|=>)")


def check_health_checks(snap: Snapshot) -> list[Finding]:
    """Flag health-check routes removed with no route for the same path left or added."""
    # The routes the change adds anywhere, worked out once and only if a route is removed.
    added: set[str | None] | None = None
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed, SUFFIXES):
            continue
        kept: set[str | None] | None = None  # added anywhere, or still in this file at head
        for line in changed.removed:
            probe = _health_route(line.text)
            if probe is None:
                continue
            if kept is None:
                if added is None:
                    added = {_health_route(new.text) for f in snap.change.files for new in f.added}
                head_text = None
                if changed.status is not FileStatus.REMOVED:
                    head_text = snap.read(changed.path, "head")
                lines = head_text.splitlines() if head_text else []
                kept = added | {_health_route(text) for text in lines}
            if probe in kept:
                continue
            message = (
                f"The health-check route `/{probe}` was removed and no route answers it any more: "
                "load balancers and orchestrators probing it will mark every instance unhealthy "
                "(or stop noticing dead ones). Keep the route, or change the probe configuration "
                "in the same pull request."
            )
            findings.append(
                make_finding(HEALTH_REMOVED, changed.path, line, Severity.WARNING, message, "LEFT")
            )
    return findings


def _health_route(text: str) -> str | None:
    """Return the health path a line registers as a route: a decorator, or a path and a handler.

    `cache.get("healthcheck")` names the path but registers nothing: no handler follows it.
    """
    match = _HEALTH_PATH.search(text)
    if match is None or not _ROUTE_CONTEXT.search(text):
        return None
    registers = text.lstrip().startswith("@") or _HANDLER_FOLLOWS.match(text, match.end())
    return match["path"].strip("/") if registers else None


def check_error_logging(snap: Snapshot) -> list[Finding]:
    """Flag log or metric calls removed from an error handler that stays and now leaves no trace.

    Handlers are matched by the function around them and what they catch. A handler that now
    re-raises, or still logs, reports or shows the error, still leaves a trace.
    """
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed) or changed.status is FileStatus.REMOVED:
            continue
        calls = [
            r for r in changed.removed if LOG_CALL.search(r.text) and not COMMENT_LINE.match(r.text)
        ]
        before = snap.source(changed.old_path or changed.path, "base")
        after = snap.source(changed.path, "head")
        if not calls or before.text is None or after.text is None:
            continue
        old, new = handlers_of(before), handlers_of(after)
        kept = {" ".join(t.split()) for t in after.lines}
        removed = [line for line in calls if " ".join(line.text.split()) not in kept]
        if old is None or new is None:
            found = _silenced_by_lines(before.lines, after.lines, removed)
        else:
            found = [
                (line, function) for line in removed if (function := _silenced(line, old, new))
            ]
        findings += [
            make_finding(
                LOGGING_REMOVED,
                changed.path,
                line,
                Severity.WARNING,
                _message(line, function),
                "LEFT",
            )
            for line, function in found
        ]
    return findings


def _silenced(line: Line, old: Sequence[Handler], new: Sequence[Handler]) -> str | None:
    """Name the function whose handler lost this log call and now leaves no trace, if any."""
    around = [h for h in old if h.line < line.number <= h.end]
    if not around:
        return None
    handler = max(around, key=lambda h: h.line)  # the innermost
    twin = _twin(handler, old, new)
    if twin is None or twin.raises or twin.reports or not twin.silent:
        return None  # it still raises, tells someone, or records the failure in what it returns
    return handler.function or "this module"


def _twin(handler: Handler, old: Sequence[Handler], new: Sequence[Handler]) -> Handler | None:
    """Find the head handler that is this base handler: same function, same catch, same rank."""

    def same(h: Handler) -> bool:
        return (h.function, h.caught) == (handler.function, handler.caught)

    rank = [h for h in old if same(h)].index(handler)
    matches = [h for h in new if same(h)]
    return matches[rank] if rank < len(matches) else None


def _message(line: Line, function: str) -> str:
    return (
        f"`{snippet(line.text)}` was removed from the error path of `{function}`, which "
        "still catches the error: failures there now leave no trace in logs or metrics, "
        "so an outage is found by users first. Keep the log or metric call in the handler "
        "(or let the error propagate)."
    )


def _silenced_by_lines(
    base: list[str], head: list[str], removed: Sequence[Line]
) -> list[tuple[Line, str]]:
    """Judge by lines, for Python that does not parse: same function, fewer logged handlers."""
    found: list[tuple[Line, str]] = []
    for line in removed:
        index = line.number - 1
        if not in_handler(base, index):
            continue
        header = enclosing(base, index, FUNCTION, inclusive=False)
        function = name(header[1]) if header else None
        before, after = function_span(base, function), function_span(head, function)
        if function is None or before is None or after is None:
            continue
        handlers = [i for i in range(*after) if HANDLER.match(head[i])]
        if handlers and _logged(head, range(*after)) < _logged(base, range(*before)):
            found.append((line, function))
    return found


def _logged(lines: list[str], span: range) -> int:
    """Count the log and metric calls inside error handlers of a function."""
    return sum(1 for i in span if LOG_CALL.search(lines[i]) and in_handler(lines, i))


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        HEALTH_REMOVED,
        Severity.WARNING,
        "A health-check route removed with no route left for its path.",
        "Keep the health check: load balancers and orchestrators probe it.",
        CODE_LANGUAGES | {"ruby", "go"},
        why="Load balancers and orchestrators probe the health route: without it, instances are "
        "marked unhealthy and restarted, or a broken one keeps receiving traffic.",
        flagged=Example(
            title="express health route file deleted",
            base=(
                (
                    "server/routes/health.js",
                    """\
const router = require("express").Router();

router.get("/health", (req, res) => res.json({ status: "ok" }));

module.exports = router;
""",
                ),
            ),
            head=(("server/routes/health.js", None),),
        ),
        quiet=Example(
            title="a cache key named like the probe is not a health route",
            base=(
                (
                    "shop/health.py",
                    """\
from shop.cache import cache


def check_cache() -> bool:
    cache.set("healthcheck", 1)
    return cache.get("healthcheck") == 1
""",
                ),
            ),
            head=(
                (
                    "shop/health.py",
                    """\
from shop.cache import cache


def check_cache(worker: str) -> bool:
    cache.set(f"healthcheck-{worker}", 1)
    return cache.get(f"healthcheck-{worker}") == 1
""",
                ),
            ),
        ),
    ),
    Rule(
        LOGGING_REMOVED,
        Severity.WARNING,
        "Logging or metrics removed from an error handler that stays.",
        "Keep the log line or metric so failures stay visible.",
        CODE_LANGUAGES,
        why="The error is still handled, but nothing records it any more: failures in production "
        "become invisible until users report them.",
        flagged=Example(
            title="logging removed from an error handler that stays",
            base=(
                (
                    "shop/orders/sync.py",
                    """\
import logging

log = logging.getLogger(__name__)


def push(order, client) -> bool:
    try:
        client.send(order)
    except ConnectionError:
        log.exception("could not push order %s", order.id)
        return False
    return True
""",
                ),
            ),
            head=(
                (
                    "shop/orders/sync.py",
                    """\
import logging

log = logging.getLogger(__name__)


def push(order, client) -> bool:
    try:
        client.send(order)
    except ConnectionError:
        return False
    return True
""",
                ),
            ),
        ),
        quiet=Example(
            title="log call reworded, or try/except removed so errors propagate",
            base=(
                (
                    "shop/orders/export.py",
                    """\
import logging

log = logging.getLogger(__name__)


def export(order, client) -> None:
    try:
        client.send(order)
    except ConnectionError:
        log.error("export failed")
        raise


def archive(order, store) -> None:
    try:
        store.put(order)
    except OSError:
        log.exception("archive failed")
        raise
""",
                ),
            ),
            head=(
                (
                    "shop/orders/export.py",
                    """\
import logging

log = logging.getLogger(__name__)


def export(order, client) -> None:
    try:
        client.send(order)
    except ConnectionError:
        log.exception("export of order %s failed", order.id)
        raise


def archive(order, store) -> None:
    store.put(order)
""",
                ),
            ),
        ),
    ),
)
CHECKS = {check_health_checks: (HEALTH_REMOVED,), check_error_logging: (LOGGING_REMOVED,)}
