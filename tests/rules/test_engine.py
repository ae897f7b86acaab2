"""The engine: a broken check costs only itself; findings never exceed their rule's severity."""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.diff.parse import parse
from bot.report import checks
from bot.rules import cliff, engine, runner
from bot.rules.model import Finding, Pack, Severity, fingerprint
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

DIFF = (
    b"diff --git a/app/views.py b/app/views.py\n--- a/app/views.py\n+++ b/app/views.py\n"
    b"@@ -0,0 +1 @@\n+DEBUG = True\n"
)


def broken(snap: Snapshot) -> list[Finding]:
    raise ValueError("bug in a rule")


def stalling(snap: Snapshot) -> list[Finding]:
    """A runaway rule: it writes its process id where the snapshot says, then never returns."""
    Path(str(snap.read("pid-file"))).write_text(str(os.getpid()))
    time.sleep(120)  # deliberately longer than the limit the test gives the review
    return []


def dying(snap: Snapshot) -> list[Finding]:
    """A rule whose process dies under it (a crashing parser, the OOM killer)."""
    os._exit(3)


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
        Snapshot(parse(DIFF)), packs=[Pack("x", {broken: ("x/y",), working: ("x/y",)}, ())]
    )
    assert [f.rule for f in evaluation.findings] == ["x/y"]
    assert evaluation.problems == ("rule check `x/broken` failed: ValueError",)


async def test_rules_past_the_time_limit_are_stopped_and_the_review_completes(
    tmp_path: Path,
) -> None:
    """A review whose rules run past the limit ends "not fully reviewed", keeping what finished,
    and the runaway rule's process is killed rather than left running."""
    pid_file = tmp_path / "pid"
    snap = Snapshot(parse(DIFF), texts={("pid-file", "head"): str(pid_file)})
    started = time.monotonic()
    evaluation = await engine.evaluate(
        snap,
        packs=[Pack("x", {working: ("x/y",), stalling: ("x/y",), broken: ("x/y",)}, ())],
        limit=5.0,
    )
    assert time.monotonic() - started < 60
    assert [f.rule for f in evaluation.findings] == ["x/y"]
    assert evaluation.problems == (
        "the built-in rules were stopped after 5 s: `x/stalling`, `x/broken` did not finish",
    )
    title = checks.title(evaluation)
    assert title.startswith("1 notice — ") and title.endswith("; not fully reviewed")
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


async def test_a_rule_process_that_dies_leaves_a_partial_review() -> None:
    evaluation = await engine.evaluate(
        Snapshot(parse(DIFF)),
        packs=[Pack("x", {working: ("x/y",), dying: ("x/y",), broken: ("x/y",)}, ())],
    )
    assert [f.rule for f in evaluation.findings] == ["x/y"]
    assert evaluation.problems == (
        "the built-in rules stopped unexpectedly: `x/dying`, `x/broken` did not finish",
    )


async def test_a_rule_s_log_lines_reach_this_process_s_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Rules run in a child process; what they log is written here, traceback included."""
    caplog.set_level(logging.INFO)
    await engine.evaluate(Snapshot(parse(DIFF)), packs=[Pack("x", {broken: ("x/y",)}, ())])
    [record] = [r for r in caplog.records if r.getMessage() == "rule check x/broken failed"]
    assert record.levelno == logging.ERROR
    assert "ValueError: bug in a rule" in str(record.exc_text)


async def test_a_finding_never_exceeds_its_rule_severity() -> None:
    """The severity policy holds even when a check gets it wrong: the registry caps it."""
    evaluation = await engine.evaluate(
        Snapshot(parse(DIFF)), packs=[Pack("x", {overreaching: ("cliff/swallowed-error",)}, ())]
    )
    assert [f.severity for f in evaluation.findings] == [Severity.WARNING]


LIVE_KEY = "sk_live_" + "51HqLyjWDarjtT1zdp7dc9Xk2LmQ9jkl"


async def test_a_rule_that_quotes_a_removed_line_never_posts_its_secret(tmp_path: Path) -> None:
    """Every message passes one redaction step, whichever pack wrote it."""
    base = (
        "import logging\n\nlog = logging.getLogger(__name__)\n\n\n"
        "def pay(client):\n    try:\n        client.charge()\n    except Exception:\n"
        f'        log.error("charge failed with key {LIVE_KEY}")\n        raise\n'
    )
    head = base.replace(f'        log.error("charge failed with key {LIVE_KEY}")\n', "")
    repo = make_repo(tmp_path / "r", base={"shop/pay.py": base}, head={"shop/pay.py": head})
    evaluation = await engine.evaluate(await repo.snapshot())
    assert evaluation.findings, "the removed log line is reported"
    assert all(LIVE_KEY not in f.message for f in evaluation.findings)


async def test_an_allow_marker_silences_a_secret_in_a_vendored_file(tmp_path: Path) -> None:
    line = f'KEY = "{LIVE_KEY}"  # readiness:allow\n'
    repo = make_repo(tmp_path / "r", base={}, head={"vendor/lib.py": line, "app/lib.py": line})
    evaluation = await engine.evaluate(await repo.snapshot())
    assert evaluation.findings == ()


CLIFF_CHECKS = {check: check.__name__ for check in cliff.PACK.checks}
SWALLOWING = """\
import requests


def fetch(url):
    try:
        return requests.get(url).json()
    except Exception:
        return None


def quantity(text):
    try:
        return int(text)
    except:
        return 0
"""


@pytest.mark.parametrize(
    ("disable", "not_run", "reported"),
    [
        ([], set(), {cliff.SWALLOWED, cliff.BARE_EXCEPT}),
        ([cliff.SWALLOWED], set(), {cliff.BARE_EXCEPT}),
        ([cliff.SWALLOWED, cliff.BARE_EXCEPT], {"check_swallowed_errors"}, set()),
        (["cliff"], set(CLIFF_CHECKS.values()), set()),
    ],
)
async def test_a_disabled_rule_costs_no_work(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    disable: list[str],
    not_run: set[str],
    reported: set[str],
) -> None:
    """A check runs while any rule it reports is enabled, and is not sent to run once all are
    off (the rules run in a child process: what the engine hands the runner is what runs)."""
    calls: Counter[str] = Counter()
    real_run = runner.run

    async def recording(
        snap: Snapshot,
        checks: runner.Checks,
        limit: float,
        progress: runner.Progress | None = None,
    ) -> Any:
        calls.update(CLIFF_CHECKS[check] for _, check in checks)
        return await real_run(snap, checks, limit, progress)

    monkeypatch.setattr(runner, "run", recording)
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness.yml": f"disable: {disable}\n", "shop/feed.py": "X = 1\n"},
        head={"shop/feed.py": SWALLOWING},
    )
    evaluation = await engine.evaluate(await repo.snapshot(), packs=[cliff.PACK])
    assert {name for name in CLIFF_CHECKS.values() if not calls[name]} == not_run
    assert all(calls[name] == 1 for name in CLIFF_CHECKS.values() if name not in not_run)
    assert {f.rule for f in evaluation.findings} == reported
    assert evaluation.problems == ()
