"""The engine: a broken check costs only itself; findings never exceed their rule's severity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from bot.diff.parse import parse
from bot.rules import cliff, engine
from bot.rules.model import Check, Finding, Pack, Severity, fingerprint
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

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
        Snapshot(parse(DIFF)), packs=[Pack("x", {broken: ("x/y",), working: ("x/y",)}, ())]
    )
    assert [f.rule for f in evaluation.findings] == ["x/y"]
    assert evaluation.problems == ("rule check `x/broken` failed: ValueError",)


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
    tmp_path: Path, disable: list[str], not_run: set[str], reported: set[str]
) -> None:
    """A check runs while any rule it reports is enabled, and is not called once all are off."""
    calls: Counter[str] = Counter()

    def counted(check: Check) -> Check:
        def run(snap: Snapshot) -> Iterable[Finding]:
            calls[CLIFF_CHECKS[check]] += 1
            return check(snap)

        return run

    pack = Pack(
        cliff.PACK.id,
        {counted(check): rules for check, rules in cliff.PACK.checks.items()},
        cliff.PACK.rules,
    )
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness.yml": f"disable: {disable}\n", "shop/feed.py": "X = 1\n"},
        head={"shop/feed.py": SWALLOWING},
    )
    evaluation = await engine.evaluate(await repo.snapshot(), packs=[pack])
    assert {name for name in CLIFF_CHECKS.values() if not calls[name]} == not_run
    assert all(calls[name] == 1 for name in CLIFF_CHECKS.values() if name not in not_run)
    assert {f.rule for f in evaluation.findings} == reported
    assert evaluation.problems == ()
