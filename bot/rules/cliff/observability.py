"""Observability removed: health-check routes deleted, logging dropped from error paths."""

from __future__ import annotations

import re

from bot.diff.model import FileStatus
from bot.rules import paths
from bot.rules.cliff.failures import LOG_CALL
from bot.rules.code import (
    COMMENT_LINE,
    FUNCTION,
    HANDLER,
    enclosing,
    function_span,
    in_handler,
    make_finding,
    name,
    production_code,
)
from bot.rules.model import Finding, RuleContext, Severity

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


async def check_health_checks(ctx: RuleContext) -> list[Finding]:
    """Flag health-check routes removed with no route for the same path left or added."""
    added = [line.text for changed in ctx.change.files for line in changed.added]
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if not production_code(changed, SUFFIXES):
            continue
        head_text = None
        if changed.status is not FileStatus.REMOVED:
            head_text = await ctx.contents.read(changed.path, "head")
        kept = added + (head_text.splitlines() if head_text else [])
        for line in changed.removed:
            match = _HEALTH_PATH.search(line.text)
            if match is None or not _ROUTE_CONTEXT.search(line.text):
                continue
            probe = match["path"].strip("/")
            if any(
                _ROUTE_CONTEXT.search(t)
                and (m := _HEALTH_PATH.search(t))
                and m["path"].strip("/") == probe
                for t in kept
            ):
                continue
            message = (
                f"The health-check route `/{probe}` was removed and no route answers it any more: "
                "load balancers and orchestrators probing it will mark every instance unhealthy "
                "(or stop noticing dead ones). Keep the route, or change the probe configuration "
                "in the same pull request."
            )
            findings.append(
                make_finding(HEALTH_REMOVED, changed.path, line, Severity.ERROR, message, "LEFT")
            )
    return findings


async def check_error_logging(ctx: RuleContext) -> list[Finding]:
    """Flag logging or metrics calls removed from an error handler that still catches the error."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if not production_code(changed) or changed.status is FileStatus.REMOVED:
            continue
        calls = [
            r for r in changed.removed if LOG_CALL.search(r.text) and not COMMENT_LINE.match(r.text)
        ]
        if not calls:
            continue
        base_text = await ctx.contents.read(changed.old_path or changed.path, "base")
        head_text = await ctx.contents.read(changed.path, "head")
        if base_text is None or head_text is None:
            continue
        base, head = base_text.splitlines(), head_text.splitlines()
        kept = {" ".join(t.split()) for t in head}
        for line in calls:
            index = line.number - 1
            if " ".join(line.text.split()) in kept or not in_handler(base, index):
                continue
            header = enclosing(base, index, FUNCTION, inclusive=False)
            function = name(header[1]) if header else None
            before, after = function_span(base, function), function_span(head, function)
            if before is None or after is None:
                continue
            handlers = [i for i in range(*after) if HANDLER.match(head[i])]
            if not handlers or _logged(head, range(*after)) >= _logged(base, range(*before)):
                continue
            message = (
                f"`{line.text.strip()}` was removed from the error path of `{function}`, which "
                "still catches the error: failures there now leave no trace in logs or metrics, "
                "so an outage is found by users first. Keep the log or metric call in the handler "
                "(or let the error propagate)."
            )
            findings.append(
                make_finding(LOGGING_REMOVED, changed.path, line, Severity.WARNING, message, "LEFT")
            )
    return findings


def _logged(lines: list[str], span: range) -> int:
    """Count the log and metric calls inside error handlers of a function."""
    return sum(1 for i in span if LOG_CALL.search(lines[i]) and in_handler(lines, i))
