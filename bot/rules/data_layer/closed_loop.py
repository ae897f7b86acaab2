"""Closed-loop tests: a test asserts against the same fixture the code under test now returns."""

from __future__ import annotations

import re

from bot.rules import paths
from bot.rules.code import COMMENT_LINE, make_finding, production_code
from bot.rules.data_layer.fixtures import WORD, fixture_names
from bot.rules.data_layer.literals import RETURN, returned_mock_names
from bot.rules.model import Finding, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "data-layer"
CLOSED_LOOP = "data-layer/closed-loop-test"

_ASSERTION = re.compile(
    r"^\s*assert\b|\bassert(?:Equals?|ListEqual|DictEqual|CountEqual|Items)\w*\(|\bexpect\("
    r"|\.to(?:Equal|StrictEqual|Be|MatchObject|ContainEqual)\(|\bassert\.(?:deep)?(?:Strict)?Equal"
)
_IMPORT = re.compile(r"^\s*(?:from\s+\S+\s+import|import\b|(?:const|let|var)\s.*\brequire\()")


def check_closed_loop_tests(snap: Snapshot) -> list[Finding]:
    """Flag test assertions against the fixture or mock data production code now returns."""
    served: dict[str, str] = {}
    for changed in snap.change.files:
        if not production_code(changed):
            continue
        returns = [line for line in changed.added if RETURN.search(line.text)]
        if returns:
            head = snap.head_lines(changed)
            imported = fixture_names(head, paths.suffix(changed.path))
            for name in returned_mock_names(head, returns, imported):
                served.setdefault(name, changed.path)
    if not served:
        return []
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not paths.is_test(changed.path) or paths.suffix(changed.path) not in (
            paths.PYTHON_SUFFIXES | paths.SCRIPT_SUFFIXES
        ):
            continue
        head = snap.head_lines(changed)
        imported = {
            word for text in head if _IMPORT.match(text) for word in WORD.findall(text)
        } & served.keys()
        for line in changed.added:
            if COMMENT_LINE.match(line.text) or not _ASSERTION.search(line.text):
                continue
            name = next((w for w in WORD.findall(line.text) if w in imported), "")
            if not name:
                continue
            message = (
                f"This test compares the result with `{name}`, the same canned data "
                f"`{served[name]}` now returns: it passes whatever the real query would do, so it "
                "proves nothing about the data layer and hides the regression. Create the "
                "records the test expects (factories, a test database) and assert against those."
            )
            findings.append(
                make_finding(CLOSED_LOOP, changed.path, line, Severity.WARNING, message)
            )
    return findings
