"""Credentials hard-coded as the fallback of an environment lookup.

`${DB_PASSWORD:…}`, `os.getenv("X", "…")` or `process.env.X || "…"` look like configuration read
from the environment, so the literal inside reads as a placeholder, but it is the value that runs
wherever the variable is unset: every clone, CI job and deployment that forgot it. A fallback
is reported when the variable (or the name it is assigned to) says it holds a credential and
the fallback passes the same test as any other literal (`generic.random_literal`). Projects put
development stand-ins there, so a fallback that says it is one (`dev`, `local`, `insecure`,
`default`, `debug`) is left alone too; conventional local passwords (`postgres`, `password`,
`secret`, `root`) already fail the literal test as plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.rules.model import Severity
from bot.rules.redact import redact
from bot.rules.secrets.detectors import Hit
from bot.rules.secrets.generic import random_literal, secret_name

MIN_LENGTH = 8  # as for any other generic literal
DEV_MARKERS = ("dev", "local", "insecure", "unsafe", "default", "debug")

_QUOTED_VALUE = r"(?P<quote>[\"'`])(?P<value>[^\s\"'`]{1,256})(?P=quote)"
# Shell and compose `${VAR:-x}` (also `-`, `:=`, `=`), Spring `${name:x}`.
_INTERPOLATION = re.compile(
    r"\$\{(?:(?P<shell>[A-Za-z_]\w{0,80})(?::-|:=|-|=)|(?P<spring>[A-Za-z_][\w.\[\]-]{0,80}):)"
    r"(?P<quote>[\"']?)(?P<value>[^\s\"'`${}]{1,256})(?P=quote)\}"
)
# A lookup call whose second argument is the default: Python, Ruby, PHP/Laravel, Java.
_CALL = re.compile(
    r"(?<![\w.])(?:os\.getenv|os\.environ\.get|os\.environ\.setdefault|environ\.get|getenv"
    r"|getEnv|env|env\.str|config|ENV\.fetch|System\.getenv\(\)\.getOrDefault)"
    r"\(\s*(?P<q>[\"'])(?P<var>[A-Za-z_][\w.]{0,80})(?P=q)\s*,\s*(?:default\s*=\s*)?"
    + _QUOTED_VALUE
)
# A lookup followed by `||`, `??`, `?:`, `or`, or a Ruby `ENV.fetch("X") { "…" }` block.
_OPERATOR = re.compile(
    r"(?P<lookup>(?:process\.env|import\.meta\.env)(?:\.\w+|\[\s*[\"'][\w.]+[\"']\s*\])"
    r"|(?:os\.getenv|os\.environ\.get|getenv|Deno\.env\.get|ENV\.fetch)\(\s*[\"'][\w.]+[\"']\s*\)"
    r"|(?:os\.environ|ENV|\$_ENV|\$_SERVER)\[\s*[\"'][\w.]+[\"']\s*\])"
    r"\s*(?:\|\||\?\?|\?:|\bor\b|\{)\s*" + _QUOTED_VALUE
)
_LOOKUP = re.compile(r"(?i)env|config\(|_server\[")
_WORD = re.compile(r"[A-Za-z_]\w*")
_ASSIGNED = re.compile(r"(?P<name>[A-Za-z_][\w.-]{0,80})[\"']?\s*(?::=|=>|=|:)\s*[\"'(]?\s*$")


def fallbacks(text: str, example: bool, taken: list[tuple[int, int]]) -> Iterator[Hit]:
    """Yield credentials written as the fallback of an environment lookup on one line."""
    if "${" in text:
        for match in _INTERPOLATION.finditer(text):
            yield from _judge(text, match, match["shell"] or match["spring"], example, taken)
    if not _LOOKUP.search(text):
        return  # most keyword lines read no environment: skip the two costlier patterns
    for match in _CALL.finditer(text):
        yield from _judge(text, match, match["var"], example, taken)
    for match in _OPERATOR.finditer(text):
        variable = _WORD.findall(match["lookup"])[-1]
        yield from _judge(text, match, variable, example, taken)


def _judge(
    text: str, match: re.Match[str], variable: str, example: bool, taken: list[tuple[int, int]]
) -> Iterator[Hit]:
    value = match["value"]
    start, end = match.span("value")
    if any(start < other_end and other_start < end for other_start, other_end in taken):
        return
    assigned = _ASSIGNED.search(text, 0, match.start())
    if not secret_name(variable) and not (assigned and secret_name(assigned["name"])):
        return
    lowered = value.lower()
    if (
        len(value) < MIN_LENGTH
        or any(marker in lowered for marker in DEV_MARKERS)
        or not random_literal(value)
    ):
        return
    yield Hit(
        "generic-secret",
        f"a credential hard-coded as the fallback of `{variable}`",
        value,
        redact(value),
        Severity.NOTICE if example else Severity.WARNING,
        "rotate it with whoever issued it and remove the fallback, so that a missing variable "
        "stops the start-up instead of running with a published value",
        (start, end),
    )
