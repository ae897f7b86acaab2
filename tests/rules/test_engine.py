"""The engine: a broken check costs only itself; findings never exceed their rule's severity."""

from __future__ import annotations

from collections.abc import Iterator

from bot.diff.parse import parse
from bot.rules import engine
from bot.rules.model import Finding, Pack, Severity, fingerprint
from bot.snapshot.model import Snapshot

DIFF = (
    b"diff --git a/app/views.py b/app/views.py\n--- a/app/views.py\n+++ b/app/views.py\n"
    b"@@ -0,0 +1 @@\n+DEBUG = True\n"
)


def broken(snap: Snapshot) -> list[Finding]:
    raise ValueError("bug in a rule")


def working(snap: Snapshot) -> Iterator[Finding]:
    yield Finding("x/y", "x", "app/views.py", 1, Severity.NOTICE, "m", fingerprint("x/y", "a", "b"))


def overreaching(snap: Snapshot) -> Iterator[Finding]:
    """A heuristic rule (declared `warning`) that reports an error by mistake."""
    yield Finding(
        "cliff/swallowed-error",
        "cliff",
        "app/views.py",
        1,
        Severity.ERROR,
        "m",
        fingerprint("cliff/swallowed-error", "a", "b"),
    )


async def test_a_broken_check_is_reported_and_the_rest_kept() -> None:
    evaluation = await engine.evaluate(
        Snapshot(parse(DIFF)), packs=[Pack("x", (broken, working), ())]
    )
    assert [f.rule for f in evaluation.findings] == ["x/y"]
    assert evaluation.problems == ("rule check `x/broken` failed: ValueError",)


async def test_a_finding_never_exceeds_its_rule_severity() -> None:
    """The severity policy holds even when a check gets it wrong: the registry caps it."""
    evaluation = await engine.evaluate(
        Snapshot(parse(DIFF)), packs=[Pack("x", (overreaching,), ())]
    )
    assert [f.severity for f in evaluation.findings] == [Severity.WARNING]
