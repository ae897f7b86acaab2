"""Review planning: only diff lines, never a fingerprint twice, and a cap on inline comments."""

from __future__ import annotations

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.report.review import MAX_COMMENTS, comment_body, plan, posted
from bot.rules.model import Finding, Severity

CHANGE = Change(
    files=(
        ChangedFile(
            "app/settings.py",
            FileStatus.MODIFIED,
            added=tuple(Line(n, f"X_{n} = 1") for n in range(10, 60)),
            removed=(Line(3, "DEBUG = False"),),
            new_ranges=((8, 62),),
            old_ranges=((1, 5),),
        ),
    )
)


def finding(
    line: int, fp: str, side: str = "RIGHT", severity: Severity = Severity.ERROR
) -> Finding:
    return Finding(
        "secrets/generic-secret",
        "secrets",
        "app/settings.py",
        line,
        severity,
        "A secret `abcd…wxyz` is assigned in code.",
        fp,
        "LEFT" if side == "LEFT" else "RIGHT",
    )


def test_only_new_findings_inside_hunks_get_comments() -> None:
    findings = [finding(10, "a1"), finding(70, "b2"), finding(11, "c3"), finding(3, "d4", "LEFT")]
    review = plan(findings, CHANGE, already={"c3"})
    assert review is not None
    request = review.request("f" * 40)
    assert request["commit_id"] == "f" * 40 and request["event"] == "COMMENT"
    assert [(c["line"], c["side"]) for c in request["comments"]] == [(3, "LEFT"), (10, "RIGHT")]
    assert posted(c["body"] for c in request["comments"]) == {"a1", "d4"}


def test_nothing_new_means_no_review() -> None:
    assert plan([finding(10, "a1")], CHANGE, already={"a1"}) is None
    assert plan([], CHANGE, already=set()) is None


def test_comments_are_capped_and_the_rest_listed_with_markers() -> None:
    findings = [finding(10 + n, f"{n:04x}", severity=Severity.WARNING) for n in range(45)]
    findings.append(finding(59, "beef"))  # the error goes first
    review = plan(findings, CHANGE, already=set())
    assert review is not None
    assert len(review.comments) == MAX_COMMENTS and review.comments[0].fingerprint == "beef"
    assert len(review.overflow) == 46 - MAX_COMMENTS
    body = review.request("0" * 40)["body"]
    assert "16 more, not commented inline" in body
    assert posted([body]) == {f.fingerprint for f in review.overflow}


def test_comment_body_names_rule_and_carries_the_marker() -> None:
    body = comment_body(finding(10, "0123456789abcdef0123-2"))
    assert body.startswith("**🔴 Error: `secrets/generic-secret`**")
    assert posted([body]) == {"0123456789abcdef0123-2"}
