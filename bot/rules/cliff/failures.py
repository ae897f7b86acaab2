"""Silent failure: handlers added that swallow errors, so outages look like empty results.

A handler is judged from the parse tree by what it guards and what it does (`handlers.py`). A guard
around a parse or a validation that returns a falsy value (`new URL(x)`, `jwt.decode`, `int(x)`,
`JSON.parse`) is how such calls are used. A broad handler (`except Exception`, a bare `except`, a
JS `catch`) around a database, HTTP, file or queue call that drops the error — no raise, no log,
no error returned — turns an outage into an empty result nobody is alerted to. An empty handler
whose comment says why the error may be dropped was decided on and reviewed (ESLint's `no-empty`
draws the same line); one that only says `TODO` was not.

A function that answers yes or no (`-> bool`, `Promise<boolean>`, or `true`/`false` at every
return) hands back no data a failure could hide: a handler that answers its "no" fails closed,
and its callers already handle "no". What a failure must not answer is what success answers
(`true`, "done"), or the all-clear of a question about something wrong (`isBlocked`, `hasErrors`:
`false`), which is reported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property

from bot.diff.model import ChangedFile, FileStatus
from bot.rules.cliff.handlers import Handler, handlers_of, line_handlers
from bot.rules.code import (
    CODE_LANGUAGES,
    COMMENT_LINE,
    make_finding,
    production_code,
    words,
)
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "cliff"
SWALLOWED = "cliff/swallowed-error"
BARE_EXCEPT = "cliff/bare-except"
# What code sending analytics is named for (`src/tracker/`, `trackEvent`, `sendBeacon`).
TELEMETRY_WORDS = frozenset(
    {"track", "tracker", "tracking", "analytics", "telemetry", "beacon", "recorder", "pageview"}
)

DROPPED = (
    "This handler catches every error around a database, API or file call and drops it: a "
    "failed query, a timeout or a bug all end here silently, and callers carry on with missing "
    "data. Catch the specific error you expect, and log or re-raise the rest."
)
LOGGED_EMPTY = (
    "This handler logs the failure of a database, API or file call and returns an empty result: "
    "an outage reaches users as 'nothing found' instead of an error, and no alert fires. "
    "Re-raise (or return an explicit error) after logging."
)
CLAIMED = (
    "This handler catches every error around a database, API or file call and answers {said}, "
    "{meaning}: a failed query, a timeout or a bug reads as {reading}, and nobody is told. Let "
    "the error propagate, or answer {other} (an answer callers already handle) and log it."
)
BARE = (
    "A bare `except:` also catches KeyboardInterrupt and SystemExit and hides bugs such as "
    "NameError behind the fallback. Catch the specific exceptions you expect."
)
# An empty handler's code once its comments are gone: the clause, then nothing but `pass`, or
# `continue` (in a loop, moving on to the next item does no more than an empty handler does).
_EMPTY_CLAUSE = re.compile(
    r"""^[\s}]*(?:catch\b[^{]*\{|\.?catch\s*\(\s*(?:async\s*)?(?:\(?[\w\s,]*\)?\s*=>|function\s*
    \([\w\s,]*\))\s*\{|except\b[^:]*:)[\s;]*(?:pass|continue)?[\s;})]*$""",
    re.VERBOSE,
)
# The first word of a function that asks a yes/no question (`isBlocked`, `has_errors`).
PREDICATE_WORDS = frozenset({"is", "has", "was", "were", "are", "should", "did", "does"})
# The first word of one that asks, by its verb, whether something is wrong (`exceedsQuota`).
ALARM_VERBS = frozenset({"exceeds", "violates", "conflicts"})
_COMMENT = re.compile(r"(?:#|//|/\*+|^\s*\*)(?P<text>.*?)(?:\*/)?\s*$")
_LATER = re.compile(r"\b(?:todo|fixme|xxx|hack|tbd)\b", re.IGNORECASE)
REASON_WORDS = 3  # `// ignore` names no reason; "the menu still opens without it" does
# A yes/no question about something wrong (`isBlocked`, `has_errors`, `isRateLimited`): its `false`
# is the all-clear, so a failure answering `false` lets through what the check exists to stop.
ALARM_WORDS = frozenset(
    {
        *("error", "errors", "failed", "failure", "failures", "invalid", "expired", "exceeded"),
        *("exceeds", "blocked", "blocklisted", "blacklisted", "banned", "revoked", "suspended"),
        *("locked", "limited", "throttled", "denied", "forbidden", "disabled", "spam", "fraud"),
        *("fraudulent", "abuse", "abusive", "malicious", "compromised", "breached", "pwned"),
        *("leaked", "infected", "duplicate", "conflict", "conflicts", "taken"),
    }
)


def check_swallowed_errors(snap: Snapshot) -> list[Finding]:
    """Flag added broad handlers around I/O that drop the error, and added bare excepts."""
    findings: list[Finding] = []
    base = _BaseHandlers(snap)
    for changed in snap.change.files:
        if not production_code(changed) or not any(
            "except" in line.text or "catch" in line.text for line in changed.added
        ):
            continue
        added = {line.number: line for line in changed.added}
        text = snap.head_or_diff(changed).text or ""
        for handler in head_handlers(snap, changed):
            if beacon(handler, changed.path):
                continue
            line = added.get(handler.line)
            verdict = judge(handler) if line and not COMMENT_LINE.match(line.text) else None
            if line is None or verdict is None or base.had(handler, verdict[0]):
                continue
            if verdict[0] == SWALLOWED and explained(handler, text.splitlines()):
                continue
            findings.append(
                make_finding(verdict[0], changed.path, line, Severity.WARNING, verdict[1])
            )
    return findings


def judge(handler: Handler) -> tuple[str, str] | None:
    """Return the rule and message a handler deserves, or None when it handles the error."""
    if handler.raises:
        return None
    function = handler.function.rsplit(".", 1)[-1]
    promised = handler.documented or _soft(function)
    silent, dropped = handler.silent, DROPPED
    if handler.yes_no and handler.answers is not None:
        # A yes/no answer hides a failure only when it is what success or the all-clear answers.
        silent = handler.answers != alarm(function)
        dropped = _claimed(handler.answers, function)
    # A cleanup step on an error path that rethrows drops only its own, secondary failure; a
    # local file read falling back to a default (`null`) reads an optional file, whose absence
    # is the expected case. Neither hides an outage.
    excused = handler.cleanup or (handler.local_read and handler.silent)
    if handler.broad and handler.io and not handler.checked and silent and not promised:
        if excused:
            return (BARE_EXCEPT, BARE) if handler.bare else None
        if not handler.logs:
            return SWALLOWED, dropped
        if handler.empty:
            return SWALLOWED, LOGGED_EMPTY
    return (BARE_EXCEPT, BARE) if handler.bare else None


def alarm(function: str) -> bool:
    """Tell whether a function's name asks a yes/no question about something wrong, so that its
    `false` is the all-clear: `isBlocked`, `has_errors`, `exceedsQuota` (not `isNotBlocked`)."""
    named = words(function)
    if not named or "not" in named:
        return False
    return named[0] in ALARM_VERBS or (
        named[0] in PREDICATE_WORDS and bool(set(named[1:]) & ALARM_WORDS)
    )


def _claimed(answer: bool, function: str) -> str:
    """Say what a handler's yes/no answer claims: success, or that nothing is wrong."""
    said, other = ("true", "false") if answer else ("false", "true")
    if alarm(function):
        meaning, reading = "the answer when nothing is wrong", "'all clear'"
    else:
        meaning, reading = "the answer its success gives", "success"
    return CLAIMED.format(said=said, other=other, meaning=meaning, reading=reading)


def beacon(handler: Handler, path: str) -> bool:
    """Tell whether a handler drops the failure of a browser's analytics beacon.

    A tracker embedded in other sites' pages sends events and nothing waits on them: a failed
    send must not break the host page, and there is nobody to tell in that browser. So a POST
    or `sendBeacon` from page code, made to report an event (a `keepalive` request, or code
    named for tracking), may drop its error. The same drop around a save is still reported.
    """
    if not handler.browser_send:
        return False
    named = set(words(path)) | set(words(handler.function))
    return handler.keepalive or bool(named & TELEMETRY_WORDS)


def explained(handler: Handler, lines: Sequence[str]) -> bool:
    """Tell whether a handler is empty but for a comment that gives the reason it drops the error
    (a `continue` to a loop's next item counts as empty: it skips what the failure left undone).

    `lines` is the file's head text; the handler spans `handler.line` to `handler.end` (1-based).
    A comment of fewer than `REASON_WORDS` words, or one that defers the work (`TODO`, `FIXME`),
    gives no reason.
    """
    code, notes = [], []
    for text in lines[handler.line - 1 : handler.end]:
        comment = _COMMENT.search(text)
        code.append(text[: comment.start()] if comment else text)
        if comment:
            notes.append(comment["text"])
    said = " ".join(notes)
    return (
        _EMPTY_CLAUSE.match(" ".join(code)) is not None
        and len(said.split()) >= REASON_WORDS
        and _LATER.search(said) is None
    )


def head_handlers(snap: Snapshot, changed: ChangedFile) -> list[Handler]:
    """Parse the head side of a file (or what the diff shows of it) into its handlers."""
    source = snap.head_or_diff(changed)
    found = handlers_of(source)
    if found is None and source.text is not None:
        return line_handlers(source.text.splitlines(), changed)
    return found or []


class _BaseHandlers:
    """The handlers the base side of the change already had, parsed only where needed."""

    def __init__(self, snap: Snapshot) -> None:
        self._snap = snap
        self._parsed: dict[str, list[Handler]] = {}

    @cached_property
    def _sides(self) -> list[tuple[str, str]]:
        """Each changed production file's base path and text."""
        found: list[tuple[str, str]] = []
        for changed in self._snap.change.files:
            if changed.status is FileStatus.ADDED or not production_code(changed):
                continue
            path = changed.old_path or changed.path
            text = self._snap.read(path, "base")
            if text is not None:
                found.append((path, text))
        return found

    def _handlers(self, path: str) -> list[Handler]:
        if path not in self._parsed:
            self._parsed[path] = handlers_of(self._snap.source(path, "base")) or []
        return self._parsed[path]

    def had(self, handler: Handler, rule: str) -> bool:
        """Tell whether base had this handler already (reworded, renamed or moved, also into
        a callback of the same function: `.then(() => ...)`).

        Only base files that hold the first or the last name of the handler's function are
        parsed: a handler in the same function (`_same_function`) sits in a function of the
        same last name, or encloses it or is enclosed by it (then its file holds the outermost
        name), and a large change has hundreds of other files. A function with an unnamed part
        (`<anonymous>`) or none (module level) may match in any file.
        """
        unnamed = not handler.function or "<" in handler.function
        found = _NAME.findall(handler.function)
        names = [] if unnamed or not found else [found[0], found[-1]]
        return any(
            _same_function(old.function, handler.function)
            and (judge(old) or ("", ""))[0] == rule
            and (old.guarded & handler.guarded or not (old.guarded or handler.guarded))
            for path, text in self._sides
            if not names or any(name in text for name in names)
            for old in self._handlers(path)
        )


_NAME = re.compile(r"[A-Za-z_$][\w$]*")


def _same_function(old: str, new: str) -> bool:
    """Tell whether two handlers sit in one function: the same name (the function renamed its
    module or class), or one inside a callback of the other (`f` and `f.Promise.race().then()`)."""
    if old.rsplit(".", 1)[-1] == new.rsplit(".", 1)[-1]:
        return True
    outer, inner = sorted((old, new), key=len)
    return inner.startswith(outer + ".") and inner.endswith("()")


def _soft(function: str) -> bool:
    """Tell whether a function's name promises a soft failure: `try_get_user`, `findOrNull`."""
    named = words(function)
    return named[:1] in (["try"], ["maybe"], ["safe"]) or (
        len(named) > 2 and named[-2] == "or" and named[-1] in ("none", "null", "undefined")
    )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        SWALLOWED,
        Severity.WARNING,
        "A broad error handler around I/O swallows the error, logs it and returns an empty "
        "result, or answers a yes/no function's question as its success would (a browser "
        "page's analytics beacon may drop its failure; an empty handler, or a `continue`, "
        "whose comment gives its reason, or one keeping what its function's doc promises on "
        "failure, was decided on; a yes/no function answering `false` fails closed, unless it "
        "asks about something wrong, `isBlocked`, whose `false` is the all-clear; "
        "`Promise.allSettled` never rejects).",
        "Let the error propagate, or log it and return an error the caller can see.",
        CODE_LANGUAGES,
        why="A failure that is caught and dropped (or turned into an empty result) looks like "
        "success: users see missing data, and no alert or log tells anyone why. A function "
        "that only answers yes or no hides no data: its `false` on failure is an answer its "
        "callers already handle, and its `true` would claim what did not happen.",
        flagged=Example(
            title="broad except that passes",
            base=(
                (
                    "shop/checkout.py",
                    """\
from shop.payments import charge


def pay(order):
    charge(order.customer, order.total_cents)
""",
                ),
            ),
            head=(
                (
                    "shop/checkout.py",
                    """\
from shop.payments import charge


def pay(order):
    try:
        charge(order.customer, order.total_cents)
    except Exception:
        pass
""",
                ),
            ),
        ),
        quiet=Example(
            title="analytics beacon of an embedded browser tracker drops its failure on purpose",
            base=(
                (
                    "web/tracker/index.js",
                    """\
(function (window) {
  var host = window.document.currentScript.dataset.host;
  function post(event) {
    return window.fetch(host + "/collect", { method: "POST", body: JSON.stringify(event) });
  }
  post({ url: window.location.href });
})(window);
""",
                ),
            ),
            head=(
                (
                    "web/tracker/index.js",
                    """\
(function (window) {
  var host = window.document.currentScript.dataset.host;
  function post(event) {
    return fetch(host + "/collect", { method: "POST", body: JSON.stringify(event) })
      .catch(function () {});
  }
  post({ url: window.location.href });
})(window);
""",
                ),
            ),
        ),
    ),
    Rule(
        BARE_EXCEPT,
        Severity.WARNING,
        "A bare `except:` that also catches KeyboardInterrupt and SystemExit.",
        "Catch the exceptions you expect, or at least `Exception`.",
        frozenset({"python"}),
        why="A bare `except:` also catches KeyboardInterrupt and SystemExit, so the process "
        "cannot be stopped cleanly, and it hides every kind of bug behind the same silence.",
        flagged=Example(
            title="bare except with a fallback value",
            base=(
                (
                    "shop/pricing.py",
                    """\
def discount(code: str) -> int:
    return int(code.split("-")[1])
""",
                ),
            ),
            head=(
                (
                    "shop/pricing.py",
                    """\
def discount(code: str) -> int:
    try:
        return int(code.split("-")[1])
    except:
        return compute_default_discount()
""",
                ),
            ),
        ),
        quiet=Example(
            title="narrow handlers and Exception handlers that re-raise are not bare excepts",
            base=(
                (
                    "shop/util/numbers.py",
                    """\
def ratio(a: str, b: str) -> float:
    return int(a) / int(b)
""",
                ),
            ),
            head=(
                (
                    "shop/util/numbers.py",
                    """\
import logging

log = logging.getLogger(__name__)


def ratio(a: str, b: str) -> float:
    try:
        return int(a) / int(b)
    except (ValueError, ZeroDivisionError):
        return 0.0


def checked_ratio(a: str, b: str) -> float:
    try:
        return int(a) / int(b)
    except Exception:
        log.exception("ratio of %s and %s failed", a, b)
        raise
""",
                ),
            ),
        ),
    ),
)
CHECKS = {
    check_swallowed_errors: (
        SWALLOWED,
        BARE_EXCEPT,
    )
}
