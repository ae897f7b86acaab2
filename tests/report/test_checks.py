"""Check-run payloads respect GitHub's limits and map severities to conclusions."""

from __future__ import annotations

from bot.diff.model import Skip, SkipKind
from bot.report import checks
from bot.rules.engine import Evaluation
from bot.rules.model import Finding, Severity


def finding(n: int, severity: Severity = Severity.WARNING, side: str = "RIGHT") -> Finding:
    return Finding(
        rule="tests/skipped-test",
        pack="tests",
        path=f"tests/test_{n // 10}.py",
        line=n + 1,
        severity=severity,
        message=f"test {n} is skipped | now",
        fingerprint=f"{n:020x}",
        side="LEFT" if side == "LEFT" else "RIGHT",
    )


def test_conclusion_follows_the_worst_severity() -> None:
    def conclusion(*findings: Finding) -> checks.Conclusion:
        return checks.conclusion(Evaluation(findings, ()))

    assert conclusion() is checks.Conclusion.SUCCESS
    assert conclusion(finding(1, Severity.NOTICE)) is checks.Conclusion.NEUTRAL
    assert conclusion(finding(1), finding(2, Severity.ERROR)) is checks.Conclusion.FAILURE


def test_a_partial_review_is_never_green() -> None:
    """A change the engine could not read in full completes neutral and says why; an error
    finding still fails it."""
    problem = "`big.sql`: GitHub sent no patch (too large); not reviewed"
    (body,) = checks.completed(Evaluation((), (problem,)))
    assert body["conclusion"] == "neutral"
    assert body["output"]["title"] == "No problems found; not fully reviewed"
    assert f"**Not fully reviewed**\n\n- {problem}" in body["output"]["summary"]
    (body,) = checks.completed(Evaluation((finding(1, Severity.ERROR),), (problem,)))
    assert body["conclusion"] == "failure"
    assert body["output"]["title"] == "1 error — fails on error; not fully reviewed"


def test_annotations_go_in_batches_of_fifty_and_the_last_request_completes() -> None:
    findings = (*(finding(n) for n in range(120)), finding(500, side="LEFT"))
    bodies = checks.completed(Evaluation(findings, ()))
    assert [len(b["output"]["annotations"]) for b in bodies] == [50, 50, 20]
    assert all("conclusion" not in b for b in bodies[:-1])
    assert bodies[-1]["status"] == "completed" and bodies[-1]["conclusion"] == "neutral"
    first = bodies[0]["output"]["annotations"][0]
    assert first == {
        "path": "tests/test_0.py",
        "start_line": 1,
        "end_line": 1,
        "annotation_level": "warning",
        "title": "tests/skipped-test",
        "message": "test 0 is skipped | now",
    }
    assert "`tests/test_50.py:501` (removed line)" in bodies[-1]["output"]["summary"]


def test_a_clean_review_still_sends_one_completing_request() -> None:
    skipped = Skip("x.bin", SkipKind.BINARY, "binary file")
    (body,) = checks.completed(Evaluation((), (), (skipped,), files=1))
    assert body["conclusion"] == "success"
    assert body["output"]["title"] == "No problems found in 1 file"
    assert "| binary | 1 | `x.bin` |" in body["output"]["summary"]


def test_annotation_messages_are_trimmed_to_github_limit() -> None:
    long = Finding("secrets/x", "secrets", "a.py", 1, Severity.ERROR, "m" * 70_000, "f" * 20)
    assert len(checks.annotation(long)["message"]) <= 64 * 1024
