"""Silent failure: handlers added that swallow errors, so outages look like empty results."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.diff.model import Line
from bot.rules import paths
from bot.rules.code import (
    COMMENT_LINE,
    OWNER,
    enclosing,
    head_lines,
    indent,
    is_data_access,
    make_finding,
    name,
    production_code,
)
from bot.rules.model import Finding, RuleContext, Severity

PACK_ID = "cliff"
SWALLOWED = "cliff/swallowed-error"
BARE_EXCEPT = "cliff/bare-except"

LOG_CALL = re.compile(
    r"""(?<![\w])(?:\w+\.)*(?:log|logger|logging|LOG|LOGGER|console|Sentry|sentry_sdk|structlog
    |statsd|metrics|newrelic|bugsnag|rollbar)\.\w+\(|\b(?:capture_exception|captureException
    |log_exception|report_error|reportError)\(""",
    re.VERBOSE,
)
_PY_HANDLER = re.compile(r"^(?P<indent>\s*)except\b(?P<what>[^:]*):\s*(?P<inline>.*)$")
_BROAD = re.compile(r"^\s*\(?\s*(?:Exception|BaseException)\s*\)?\s*(?:as\s+\w+)?\s*$")
_JS_CATCH = re.compile(r"\bcatch\s*(?:\(\s*\w*\s*(?::\s*\w+)?\s*\))?\s*\{(?P<rest>.*)$")
_JS_PROMISE = re.compile(
    r"\.catch\(\s*(?:\(\s*\w*\s*\)|\w+)\s*=>\s*(?P<body>\{\s*\}|null|undefined|\[\s*\]|\{\s*\}\s*\))"
)
_DEFAULT = re.compile(
    r"^(?:pass|\.\.\.|continue|return(?:\s+(?:None|null|undefined|\[\]|\{\}|False|false|0|''|\"\"))?"
    r"|\w+\s*=\s*(?:None|null|undefined|\[\]|\{\})|)\s*;?$"
)
_RAISE = re.compile(r"\b(?:raise|throw|reject|abort|next\(\s*\w+\s*\))\b")


async def check_swallowed_errors(ctx: RuleContext) -> list[Finding]:
    """Flag added handlers that swallow broad errors, or log them and return a default."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if not production_code(changed):
            continue
        handlers = [
            line
            for line in changed.added
            if not COMMENT_LINE.match(line.text)
            and (
                _PY_HANDLER.match(line.text)
                or _JS_CATCH.search(line.text)
                or _JS_PROMISE.search(line.text)
            )
        ]
        if not handlers:
            continue
        head = await head_lines(ctx, changed)
        python = paths.suffix(changed.path) in paths.PYTHON_SUFFIXES
        for line in handlers:
            owner = enclosing(head, line.number - 1, OWNER, inclusive=False)
            data_access = is_data_access(changed.path, name(owner[1]) if owner else None)
            verdict = (
                _python_verdict(head, line, data_access)
                if python
                else _script_verdict(head, line, data_access)
            )
            if verdict is not None:
                rule, message = verdict
                findings.append(make_finding(rule, changed.path, line, Severity.WARNING, message))
    return findings


def _python_verdict(head: Sequence[str], line: Line, data_access: bool) -> tuple[str, str] | None:
    """Judge an added `except` clause by what it catches and what its body does."""
    match = _PY_HANDLER.match(line.text)
    if match is None:
        return None
    bare = not match["what"].strip()
    body = [match["inline"]] if match["inline"].strip() else _indented_body(head, line.number - 1)
    return _verdict(
        body, bare=bare, broad=bare or bool(_BROAD.match(match["what"])), data_access=data_access
    )


def _script_verdict(head: Sequence[str], line: Line, data_access: bool) -> tuple[str, str] | None:
    """Judge an added `catch` block or `.catch()` callback by its body."""
    if promise := _JS_PROMISE.search(line.text):
        swallowing = promise["body"].startswith("{") or data_access
        return _verdict([], bare=False, broad=True, data_access=True) if swallowing else None
    match = _JS_CATCH.search(line.text)
    if match is None:
        return None
    return _verdict(
        _braced_body(head, line.number - 1, match["rest"]),
        bare=False,
        broad=True,
        data_access=data_access,
    )


def _verdict(
    body: list[str], *, bare: bool, broad: bool, data_access: bool
) -> tuple[str, str] | None:
    """Return the rule and message for a handler body, or None when it handles the error."""
    code = [t.strip() for t in body if t.strip() and not COMMENT_LINE.match(t)]
    if any(_RAISE.search(t) for t in code):
        return None
    logged = [t for t in code if LOG_CALL.search(t)]
    rest = [t for t in code if not LOG_CALL.search(t)]
    if broad and not logged and all(_DEFAULT.match(t) for t in rest):
        return SWALLOWED, (
            "This handler catches every error and drops it: a failed query, a timeout or a bug "
            "all end here silently, and callers carry on with missing data. Catch the specific "
            "error you expect, and log or re-raise the rest."
        )
    if broad and data_access and logged and all(_DEFAULT.match(t) for t in rest):
        return SWALLOWED, (
            "Data-access code logs the error and returns as if nothing happened: an outage of "
            "the database or API reaches users as an empty result instead of an error, and no "
            "alert fires. Re-raise (or return an explicit error) after logging."
        )
    if bare:
        return BARE_EXCEPT, (
            "A bare `except:` also catches KeyboardInterrupt and SystemExit and hides bugs such "
            "as NameError behind the fallback. Catch the specific exceptions you expect."
        )
    return None


def _indented_body(lines: Sequence[str], index: int) -> list[str]:
    """Return the lines indented under the header at `index`."""
    depth = indent(lines[index])
    body: list[str] = []
    for text in lines[index + 1 :]:
        if text.strip() and indent(text) <= depth:
            break
        body.append(text)
    return body


def _braced_body(lines: Sequence[str], index: int, rest: str) -> list[str]:
    """Return the text inside the braces opened on line `index` (whose tail after `{` is rest)."""
    body: list[str] = []
    depth = 1
    for text in [rest, *lines[index + 1 :]]:
        for position, char in enumerate(text):
            depth += (char == "{") - (char == "}")
            if depth == 0:
                body.append(text[:position])
                return body
        body.append(text)
    return body
