"""What the removal rules say: one finding per deleted file, per file's removed tests, per test
that asserts less, each worded for what became of the tests (lost, or retired with their code).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.diff.model import ChangedFile, Line
from bot.rules.model import Finding, Severity, fingerprint
from bot.rules.tests.stopped import Pair
from bot.rules.tests.suites import Test

PACK_ID = "tests"
DELETED = "tests/deleted-test-file"
REMOVED = "tests/removed-test"
ASSERTION = "tests/removed-assertion"
SHOWN_NAMES = 5
# How a notice says where the pull request explains a removal (never quoting it).
_SAID = "its title, description or a commit message names the removal"


@dataclass(frozen=True)
class Judged:
    """A removed test and what became of it: replaced, retired with its code, lost, or lost
    as the pull request says (`explained`: its description or a commit names it removed)."""

    test: Test
    fate: str  # "replaced" | "retired" | "lost" | "explained"


def _severity(production: bool) -> Severity:
    """A deleted suite is an error when production code changes too (gone just when needed)."""
    return Severity.ERROR if production else Severity.WARNING


def deleted_file(
    changed: ChangedFile, judged: list[Judged], production: bool, explained: bool = False
) -> Finding | None:
    """Report a deleted test file: its lost tests, unless the pull request says why they go
    (it names the file, or each of its lost tests), then a notice; tests retired with their
    code, a notice."""
    said = [j.test for j in judged if j.fate == "explained"]
    lost = [j.test for j in judged if j.fate == "lost"]
    gone = [j.test for j in judged if j.fate == "retired"]
    if explained:
        said, lost = said + lost, []
    if not lost and not gone and not said:
        return None
    if lost:
        severity = _severity(production)
        message = (
            f"This deletes a test file whose {len(lost)} test(s) ({_names(lost)}) do not "
            f"re-appear elsewhere in the change: {_why(production)} Restore them, or say in "
            "the pull request why they are obsolete."
        )
    elif said:
        severity = Severity.NOTICE
        message = (
            f"This deletes a test file ({len(said)} test(s): {_names(said)}) whose tests do not "
            f"re-appear elsewhere in the change, as the pull request says ({_SAID}): check that "
            "what they checked is no longer wanted."
        )
    else:
        severity = Severity.NOTICE
        message = (
            f"This deletes a test file ({len(gone)} test(s): {_names(gone)}) together with the "
            "code it tested; nothing is left untested, provided nothing else used that code."
        )
    first = (lost or said or gone)[0]
    return Finding(
        rule=DELETED,
        pack=PACK_ID,
        path=changed.path,
        line=first.line,
        severity=severity,
        message=message,
        fingerprint=fingerprint(DELETED, changed.path, "deleted"),
        side="LEFT",
    )


def removed_tests(
    changed: ChangedFile, judged: list[Judged], production: bool, balance: Balance
) -> list[Finding]:
    """Report a file's removed tests: lost ones as one warning, those the pull request says it
    removes as one notice, retired ones as one notice.

    Lost tests in a change that adds at least as many tests as it removes are a notice: tests
    rewritten for a redesigned feature keep neither names nor bodies, and a suite that does not
    shrink is not being deleted; the notice still names them, for a reviewer to check.
    """
    findings = []
    # One comment per file: a change that drops twenty tests of a file is one thing to discuss.
    lost = [j.test for j in judged if j.fate == "lost"]
    if lost:
        key = lost[0].key if len(lost) == 1 else "lost"
        # One test is not the suite: a warning at most (README, severity policy).
        severity = Severity.NOTICE if balance.grows else Severity.WARNING
        message = _lost_message(lost, production, balance)
        findings.append(_removal(changed.path, lost[0], severity, message, key))
    said = [j.test for j in judged if j.fate == "explained"]
    if said:
        one = len(said) == 1
        what = f"the test `{said[0].name}`" if one else f"{len(said)} tests ({_names(said)})"
        message = (
            f"This removes {what} and adds no test of {'that' if one else 'their'} name or body "
            f"back, as the pull request says ({_SAID}): check that what "
            f"{'it' if one else 'they'} checked is no longer wanted."
        )
        findings.append(_removal(changed.path, said[0], Severity.NOTICE, message, "explained"))
    gone = [j.test for j in judged if j.fate == "retired"]
    if gone:
        message = (
            f"This removes {len(gone)} test(s) ({_names(gone)}) together with the code they "
            "tested; nothing is left untested, provided nothing else used that code."
        )
        findings.append(_removal(changed.path, gone[0], Severity.NOTICE, message, "retired"))
    return findings


def _lost_message(lost: list[Test], production: bool, balance: Balance) -> str:
    if balance.grows:
        return (
            f"This removes {_count(len(lost))} ({_names(lost)}) that no test of the change "
            f"repeats by name or body, in a change that adds {_count(balance.added)} and removes "
            f"{balance.removed}: most likely rewritten for new behaviour. Check that what "
            f"{'it' if len(lost) == 1 else 'they'} checked is still checked."
        )
    if len(lost) == 1:
        return (
            f"This removes the test `{lost[0].name}` and adds no test of that name or body back: "
            f"{_why(production)} Keep it, or say in the pull request why it is obsolete."
        )
    return (
        f"This removes {len(lost)} tests ({_names(lost)}) and adds none of their names or "
        f"bodies back: {_why(production)} Keep them, or say in the pull request why they are "
        "obsolete."
    )


@dataclass(frozen=True)
class Balance:
    """How many tests a whole change adds (new keys in test files) and removes (keys gone)."""

    added: int
    removed: int

    @property
    def grows(self) -> bool:
        """The change leaves at least as many tests as it found: rewritten, not deleted."""
        return self.added >= self.removed


def _count(number: int) -> str:
    return f"{number} test" if number == 1 else f"{number} tests"


def _removal(path: str, test: Test, severity: Severity, message: str, key: str) -> Finding:
    return Finding(
        rule=REMOVED,
        pack=PACK_ID,
        path=path,
        line=test.line,
        severity=severity,
        message=message,
        fingerprint=fingerprint(REMOVED, path, key),
        side="LEFT",
    )


def _names(tests: list[Test]) -> str:
    shown = ", ".join(f"`{t.name}`" for t in tests[:SHOWN_NAMES])
    more = f" and {len(tests) - SHOWN_NAMES} more" if len(tests) > SHOWN_NAMES else ""
    return shown + more


def weakened(path: str, name: str | None, line: Line, left: int, lost: int) -> Finding:
    test = f"the test `{name}`" if name else "this file's tests"
    after = "no longer asserts anything" if name and left == 0 else f"asserts {lost} thing(s) less"
    message = (
        f"This removes an assertion: {test} still runs but {after}, so it passes whatever the "
        "code does there. Keep the check, or replace it with a better one."
    )
    return _assertion(path, name, line, message, Severity.WARNING)


def _assertion(
    path: str, name: str | None, line: Line, message: str, severity: Severity
) -> Finding:
    """A removed assertion's finding, on the base line that held it (one fingerprint for a
    warning and a notice of the same line, so a baseline keeps either)."""
    return Finding(
        rule=ASSERTION,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=severity,
        message=message,
        fingerprint=fingerprint(ASSERTION, path, f"{name}:{line.text}"),
        side="LEFT",
    )


def _why(production: bool) -> str:
    also = ", and this pull request also changes production code" if production else ""
    return f"nothing tests that behaviour any more{also}."


def went_with(path: str, name: str | None, line: Line, pair: Pair) -> Finding:
    """Report a check dropped with the field or value it checked: production code stops writing
    it in the same change, so the check went with the behaviour (cleanup, a notice)."""
    test = f"the test `{name}`" if name else "this file's tests"
    message = (
        f"This removes an assertion of {test} that checked `{pair.shown}`, which this change "
        f"stops writing in production code (`{pair.path}`): the check went with the behaviour "
        "it pinned. Nothing is left unchecked, provided no code the change leaves alone still "
        "writes it."
    )
    return _assertion(path, name, line, message, Severity.NOTICE)
