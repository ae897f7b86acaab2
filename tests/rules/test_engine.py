"""The engine: a broken or stuck check costs only itself; semgrep stays inside its folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.diff.parse import parse
from bot.rules import engine, semgrep
from bot.rules.model import Finding, NoContents, Pack, RuleContext, Severity, fingerprint

DIFF = (
    b"diff --git a/app/views.py b/app/views.py\n--- a/app/views.py\n+++ b/app/views.py\n"
    b"@@ -0,0 +1 @@\n+DEBUG = True\n"
)


async def stuck(ctx: RuleContext) -> list[Finding]:
    await asyncio.sleep(60)
    return []


async def broken(ctx: RuleContext) -> list[Finding]:
    raise ValueError("bug in a rule")


async def working(ctx: RuleContext) -> list[Finding]:
    return [
        Finding("x/y", "x", "app/views.py", 1, Severity.NOTICE, "m", fingerprint("x/y", "a", "b"))
    ]


async def test_stuck_and_broken_checks_are_reported_and_the_rest_kept() -> None:
    ctx = RuleContext(parse(DIFF), NoContents())
    problems: list[str] = []
    assert await engine._guarded("x", stuck, ctx, problems, limit_s=0.1) == []
    assert problems == ["rule check `x/stuck` did not finish within 0 s"]
    evaluation = await engine.evaluate(
        ctx, packs=[Pack("x", (broken, working), {})], semgrep_rules=None
    )
    assert [f.rule for f in evaluation.findings] == ["x/y"]
    assert evaluation.problems == ("rule check `x/broken` failed: ValueError",)


def test_paths_that_would_escape_the_semgrep_folder_are_not_scanned(tmp_path: Path) -> None:
    diff = b"".join(
        b"diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -0,0 +1 @@\n+x = 1\n" % ((name,) * 4)
        for name in (b"../../escape.py", b"/etc/cron.py", b"ok/fine.py")
    )
    ctx = RuleContext(parse(diff), NoContents())
    assert [f.path for f in semgrep.targets(ctx)] == ["ok/fine.py"]
