"""Review planning: only diff lines, never a fingerprint twice, and a cap on inline comments."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from bot.config import parse
from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.report.review import MAX_COMMENTS, comment_body, plan, posted
from bot.rules.model import Finding, Severity
from bot.rules.registry import RULES

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
    assert len(review.comments) == MAX_COMMENTS
    assert [f.fingerprint for f in review.comments[0].findings] == ["beef"]
    assert len(review.overflow) == 46 - MAX_COMMENTS
    body = review.request("0" * 40)["body"]
    assert "16 more, not commented inline" in body
    assert posted([body]) == {f.fingerprint for f in review.overflow}


def test_comment_body_names_rule_and_carries_the_marker() -> None:
    body = comment_body([finding(10, "0123456789abcdef0123-2")])
    assert body.startswith("**🔴 Error: `secrets/generic-secret`**")
    assert posted([body]) == {"0123456789abcdef0123-2"}


def allow_snippet(body: str) -> str | None:
    """Return the YAML block of a comment, as a user would copy it."""
    match = re.search(r"^(`{3,})yaml\n(.*?)^\1$", body, re.DOTALL | re.MULTILINE)
    return match.group(2) if match else None


def test_an_added_line_is_silenced_by_the_inline_marker() -> None:
    body = comment_body([finding(10, "a1")])
    assert "add `readiness:allow` in a comment on this line" in body
    assert allow_snippet(body) is None


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_orders.py",
        "tests/a b/[x]*?.py",
        "!odd/#name.py",
        "tests/trailing space.py ",
        "docs/```x```.md",
        "tésts/cödé.py",
        "tests/test: yes.py",
    ],
)
def test_a_removed_line_is_silenced_by_the_allow_entry_its_comment_shows(path: str) -> None:
    """A removed line cannot carry a marker: the comment shows the config lines that silence
    exactly this rule on exactly this path."""
    gone = replace(finding(3, "d4", "LEFT"), rule="tests/removed-test", pack="tests", path=path)
    body = comment_body([gone])
    assert "cannot carry `readiness:allow`" in body and "on the base branch" in body
    snippet = allow_snippet(body)
    assert snippet is not None
    config, problem = parse(snippet)
    assert problem is None
    assert not config.keeps(gone)
    assert config.keeps(replace(gone, path=f"{path}x"))
    assert config.keeps(replace(gone, path=f"other/{path}"))
    assert config.keeps(replace(gone, rule="tests/removed-assertion"))
    assert posted([body]) == {"d4"}


def test_a_long_message_is_cut_and_the_hint_and_marker_stay() -> None:
    long = replace(finding(3, "d4", "LEFT"), message="x" * 70_000, path="a/" * 2_000 + "t.py")
    body = comment_body([long])
    assert len(body) <= 65_535
    assert "truncated" in body and allow_snippet(body) is not None
    assert posted([body]) == {"d4"}


def on_line(rule: str, fp: str, severity: Severity, side: str = "RIGHT") -> Finding:
    return replace(
        finding(10 if side == "RIGHT" else 3, fp, side, severity), rule=rule, pack="cliff"
    )


def test_the_findings_of_one_line_are_one_comment_most_severe_first() -> None:
    """Two rules on line 10 and one on line 11: two comments; line 10's lists the error first,
    each rule with its why and fix from the registry, and carries both markers."""
    warning = on_line("cliff/tls-verify-disabled", "aa", Severity.WARNING)
    error = replace(finding(10, "bb"), rule="secrets/stripe-key")
    review = plan([warning, error, finding(11, "cc")], CHANGE, already=set())
    assert review is not None
    assert [[f.fingerprint for f in c.findings] for c in review.comments] == [["bb", "aa"], ["cc"]]
    (first, _) = review.request("0" * 40)["comments"]
    body = first["body"]
    assert (first["line"], first["side"]) == (10, "RIGHT")
    assert body.startswith("**2 findings on this line**")
    assert body.index("`secrets/stripe-key`") < body.index("`cliff/tls-verify-disabled`")
    for rule in ("secrets/stripe-key", "cliff/tls-verify-disabled"):
        assert RULES[rule].why in body and RULES[rule].fix in body
    assert posted([body]) == {"aa", "bb"}


def test_a_finding_new_on_a_commented_line_gets_a_comment_of_its_own() -> None:
    """A later push adds a rule's finding on a line whose earlier finding was commented: only
    the new finding is posted, in a new comment on that line."""
    earlier = replace(finding(10, "bb"), rule="secrets/stripe-key")
    new = on_line("cliff/tls-verify-disabled", "aa", Severity.WARNING)
    review = plan([earlier, new], CHANGE, already={"bb"})
    assert review is not None
    (comment,) = review.request("0" * 40)["comments"]
    assert comment["line"] == 10 and posted([comment["body"]]) == {"aa"}
    assert "findings on this line" not in comment["body"]


def test_the_cap_counts_lines_and_lists_the_findings_of_the_rest() -> None:
    findings = [finding(10 + n // 2, f"{n:04x}", severity=Severity.WARNING) for n in range(80)]
    review = plan(findings, CHANGE, already=set())
    assert review is not None
    assert len(review.comments) == MAX_COMMENTS
    assert all(len(c.findings) == 2 for c in review.comments)
    assert len(review.overflow) == 80 - 2 * MAX_COMMENTS
    assert posted([review.request("0" * 40)["body"]]) == {f.fingerprint for f in review.overflow}


def test_a_removed_line_with_two_rules_shows_one_allow_entry_for_both() -> None:
    gone = [
        replace(finding(3, fp, "LEFT"), rule=rule, pack="tests")
        for rule, fp in (("tests/removed-test", "d4"), ("tests/removed-assertion", "e5"))
    ]
    body = comment_body(gone)
    snippet = allow_snippet(body)
    assert snippet is not None
    config, problem = parse(snippet)
    assert problem is None
    assert not any(config.keeps(f) for f in gone)
    assert config.keeps(replace(gone[0], rule="tests/skipped-test"))
    assert posted([body]) == {"d4", "e5"}


def test_a_repository_rule_has_its_message_alone() -> None:
    """A repository's semgrep rule is not in the registry: no why or fix is made up."""
    body = comment_body([replace(finding(10, "a1"), rule="repo/no-print", pack="repo")])
    assert "`repo/no-print`" in body and "Why it matters" not in body and "**Fix:**" not in body
