"""A removed test the pull request explains is a notice; a line that names no removed test is not
an explanation.

The pull request's words (its title, body and commits' messages; a local range's commit messages)
are read for a clause that removes tests and names them. The cases are small generic ones shaped
like the real ones: a commit saying a stale proxy-header test no longer applies, a template's
checklist, a commit that removes unused imports from the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diff import git
from bot.diff.model import Change
from bot.local import scan_diff, scan_repo
from bot.rules.model import Finding, Severity
from bot.rules.runner import forking
from bot.rules.tests import check_removed_tests
from bot.rules.tests.explained import Explanations, Removal
from bot.snapshot.model import MAX_DESCRIPTION, Snapshot, describe
from tests.gitrepo import make_repo
from tests.rules.removals import line_of

REQUEST = '''"""Read the client's address from a request's headers."""


def client_address(headers: dict) -> str | None:
    for name in ("x-forwarded-for", "cf-connecting-ip", "x-real-ip"):
        if name in headers:
            return headers[name].split(",")[0].strip()
    return None
'''

TEST_REQUEST = """from web.request import client_address


def test_forwarded_for_header():
    assert client_address({"x-forwarded-for": "1.2.3.4"}) == "1.2.3.4"


def test_proxy_header_is_lower_priority_than_forwarded_for():
    headers = {"cf-connecting-ip": "9.9.9.9", "x-forwarded-for": "1.2.3.4"}
    assert client_address(headers) == "1.2.3.4"


def test_real_ip_header():
    assert client_address({"x-real-ip": "5.6.7.8"}) == "5.6.7.8"


def test_no_header():
    assert client_address({}) is None
"""

# The change puts the proxy's header first: the test of the old order goes.
REQUEST_HEAD = REQUEST.replace(
    '("x-forwarded-for", "cf-connecting-ip", "x-real-ip")',
    '("cf-connecting-ip", "x-forwarded-for", "x-real-ip")',
)
PRIORITY = "\n\ndef test_proxy_header_is_lower_priority_than_forwarded_for():"
REAL_IP = "\n\ndef test_real_ip_header():"


def _without(text: str, test: str) -> str:
    """Drop one test function (from its `def` to the next blank-line-separated `def`)."""
    start = text.index(test)
    end = text.find("\n\ndef ", start + len(test))
    return text[:start] + (text[end:] if end != -1 else "\n")


BASE = {"web/__init__.py": "", "web/request.py": REQUEST, "tests/test_request.py": TEST_REQUEST}
HEAD = {"web/request.py": REQUEST_HEAD, "tests/test_request.py": _without(TEST_REQUEST, PRIORITY)}


async def _scan(tmp_path: Path, head: dict[str, str | None], message: str) -> list[Finding]:
    """The removal findings of `readiness scan --repo` on a change committed with `message`."""
    repo = make_repo(tmp_path / "r", BASE, head, message)
    with forking():
        evaluation = await scan_repo(repo.path, repo.base, repo.head)
    return [f for f in evaluation.findings if f.rule.startswith(("tests/removed", "tests/deleted"))]


async def test_a_removed_test_a_commit_message_explains_is_a_notice(tmp_path: Path) -> None:
    """The commit says the proxy-header test no longer applies: the scan reads the range's
    commit messages, and the removal is a notice that says the pull request explains it."""
    message = "Put the proxy header first\n\nRemove the no longer applicable proxy header test."
    (finding,) = await _scan(tmp_path, HEAD, message)
    assert finding.rule == "tests/removed-test"
    assert finding.severity is Severity.NOTICE
    assert finding.line == line_of(TEST_REQUEST, "def test_proxy_header_is_lower")
    assert "as the pull request says" in finding.message
    assert "no longer applicable" not in finding.message  # it says where, it quotes nothing


@pytest.mark.parametrize(
    "message",
    [
        "Put the proxy header first",
        "Put the proxy header first\n\nRemove unused imports",
        "Put the proxy header first\n\nRemove unused imports in tests",
        "Put the proxy header first\n\nRemove flaky tests",
        "Fix the proxy header tests and remove dead code",
        "Don't remove the proxy header test",
        "Proxy header test is no longer skipped",
        "<!-- Remove the proxy header test if it is obsolete -->\nPut the proxy header first",
    ],
)
async def test_a_line_that_names_no_removed_test_leaves_the_warning(
    tmp_path: Path, message: str
) -> None:
    """Unrelated lines, generic ones (`remove flaky tests`), a removal that does not govern the
    tests (`in tests`, `and remove`), a negated one and a template's hidden instruction excuse
    nothing: the lost test is still a warning."""
    (finding,) = await _scan(tmp_path, HEAD, message)
    assert finding.rule == "tests/removed-test"
    assert finding.severity is Severity.WARNING
    assert "as the pull request says" not in finding.message


async def test_only_the_tests_a_line_names_are_explained(tmp_path: Path) -> None:
    """Two tests go, the commit explains one: that one is a notice, the other stays a warning."""
    head = {**HEAD, "tests/test_request.py": _without(_without(TEST_REQUEST, PRIORITY), REAL_IP)}
    findings = await _scan(tmp_path, head, "Drop the obsolete proxy header priority test")
    by_severity = {f.severity: f for f in findings}
    assert set(by_severity) == {Severity.WARNING, Severity.NOTICE}
    assert "test_real_ip_header" in by_severity[Severity.WARNING].message
    assert "test_proxy_header_is_lower" in by_severity[Severity.NOTICE].message


TEST_REFUNDS = """from web.request import client_address


def test_refund_reads_the_proxy_header():
    assert client_address({"cf-connecting-ip": "9.9.9.9"}) == "9.9.9.9"
"""


async def test_a_deleted_test_file_the_pull_request_names_is_a_notice(tmp_path: Path) -> None:
    """A test file deleted while production code changes is an error; named by the commit
    (`Delete test_refunds.py, it is obsolete`) it is a notice; an unrelated line leaves the
    error."""
    base = {**BASE, "tests/test_refunds.py": TEST_REFUNDS}
    head = {"web/request.py": REQUEST_HEAD, "tests/test_refunds.py": None}
    make = make_repo(tmp_path / "plain", base, head, "Put the proxy header first")
    with forking():
        plain = await scan_repo(make.path, make.base, make.head)
    (error,) = [f for f in plain.findings if f.rule == "tests/deleted-test-file"]
    assert error.severity is Severity.ERROR
    said = make_repo(tmp_path / "said", base, head, "Delete test_refunds.py: refunds are gone")
    with forking():
        explained = await scan_repo(said.path, said.base, said.head)
    (notice,) = [f for f in explained.findings if f.rule == "tests/deleted-test-file"]
    assert notice.severity is Severity.NOTICE
    assert "as the pull request says" in notice.message


async def test_a_bare_diff_has_no_description(tmp_path: Path) -> None:
    """`readiness scan --diff` reads no commit: the removal stays a warning."""
    repo = make_repo(tmp_path / "r", BASE, HEAD, "Remove the obsolete proxy header test")
    with forking():
        evaluation = await scan_diff(repo.diff, tmp_path / "elsewhere")
    (finding,) = [f for f in evaluation.findings if f.rule == "tests/removed-test"]
    assert finding.severity is Severity.WARNING
    snap = await repo.snapshot()  # read from the repository, the commit explains it
    (finding,) = check_removed_tests(snap)
    assert finding.severity is Severity.NOTICE


def test_git_reads_the_messages_of_the_range_oldest_first(tmp_path: Path) -> None:
    """`git.messages` gives each commit of base..head its whole message, oldest first."""
    repo = make_repo(tmp_path / "r", BASE, HEAD, "Subject\n\nBody line")
    assert git.messages(repo.path, repo.base, repo.head) == ["Subject\n\nBody line"]
    assert git.messages(repo.path, repo.head, repo.head) == []


def test_a_description_is_bounded() -> None:
    """A description longer than the cap is cut, however the snapshot was built."""
    long = "x" * (MAX_DESCRIPTION + 10)
    assert len(describe("Title", long)) == MAX_DESCRIPTION
    snap = Snapshot(Change(), description=long)
    assert len(snap.description) == MAX_DESCRIPTION
    assert describe("Title", None, "", "Body") == "Title\n\nBody"


PROXY = Removal("test_proxy_header_is_lower_priority_than_forwarded_for", "tests/test_request.py")
FORWARDED = Removal("test_forwarded_for_header", "tests/test_request.py")
JS_PROXY = Removal("clientAddress: proxy header is lower priority than standard header", "a.ts")
JS_STANDARD = Removal("clientAddress: standard header", "a.ts")


@pytest.mark.parametrize(
    ("description", "explained"),
    [
        ("Remove no longer applicable proxy header test", {PROXY}),
        ("The proxy header test is obsolete.", {PROXY}),
        ("Tests for the proxy header are no longer needed", {PROXY}),  # the best fit only
        ("The proxy header test isn't needed any more", {PROXY}),
        ("Proxy header test removed", {PROXY}),
        ("Removed `test_proxy_header_is_lower_priority_than_forwarded_for`", {PROXY}),
        (f"Drop test_forwarded_for_header, {PROXY.name}", {PROXY, FORWARDED}),
        ("Remove header tests", {PROXY, FORWARDED}),  # plural: every removed test it names
        ("Remove the header test", set()),  # singular, and both fit as well: which one?
        ("Remove tests for the forwarded-for header", {PROXY, FORWARDED}),
        ("Remove obsolete request tests", {PROXY, FORWARDED}),  # the file's name
        ("Remove flaky tests", set()),
        ("Remove unused imports", set()),
        ("Remove unused imports from the header tests", set()),
        ("Restore the header tests removed in #12", set()),
        ("Instead of removing the proxy test, fix it", set()),
        ("```\nremove the proxy header test\n```", set()),
        ("Tests remove the proxy header", set()),
    ],
)
def test_what_a_description_explains(description: str, explained: set[Removal]) -> None:
    """A clause explains the removed tests it removes and names (see `explained`'s docstring)."""
    removals = [PROXY, FORWARDED]
    found = Explanations(description, [r.name for r in removals]).explained(removals)
    assert found == explained


def test_a_singular_test_names_the_one_that_fits_best() -> None:
    """`the standard header test`: both names hold both words, neither is picked; `the proxy
    header test` fits one best."""
    removals = [JS_PROXY, JS_STANDARD]
    names = [r.name for r in removals]
    assert Explanations("Remove the proxy header test", names).explained(removals) == {JS_PROXY}
    assert not Explanations("Remove the standard header test", names).explained(removals)


@pytest.mark.parametrize(
    ("description", "explained"),
    [
        ("Delete test_refunds.py: refunds are gone", True),
        ("Remove the obsolete refund tests", True),
        ("Remove the refund test file", True),
        ("Remove the refund test", False),  # one test, not the file
        ("Remove unused imports from the refund tests", False),
        ("Remove flaky tests", False),
    ],
)
def test_what_a_description_says_of_a_deleted_file(description: str, explained: bool) -> None:
    """A deleted test file is explained by a clause that names it outright, or by its name's
    words where the clause may mean a whole file."""
    path = "tests/test_refunds.py"
    names = ["test_refunds.py", "test_refunds"]
    assert Explanations(description, names).file(path) is explained
