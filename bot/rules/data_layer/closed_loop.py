"""Closed-loop tests: a test asserts against the same fixture the code under test now returns."""

from __future__ import annotations

import re

from bot.rules import paths
from bot.rules.code import CODE_LANGUAGES, COMMENT_LINE, make_finding, production_code
from bot.rules.data_layer.fixtures import WORD, fixture_names
from bot.rules.data_layer.literals import RETURN, returned_mock_names
from bot.rules.model import Example, Finding, Rule, Severity
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


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        CLOSED_LOOP,
        Severity.WARNING,
        "A test asserts against the same fixture the code under test now returns.",
        "Assert against values the test states itself, and let the code read its real store.",
        CODE_LANGUAGES,
        why="A test that checks the code returns the fixture it was given passes whatever the "
        "code does with real data: it tests the fixture, not the code.",
        flagged=Example(
            title="test asserts against the fixture the repository now returns",
            base=(
                (
                    "shop/orders/repository.py",
                    """\
from shop.orders.models import Order


def recent_orders(customer: str) -> list[dict]:
    return list(Order.objects.filter(customer=customer).values("id", "total_cents"))
""",
                ),
                (
                    "tests/test_orders.py",
                    """\
from shop.orders.repository import recent_orders


def test_recent_orders(db, order_factory):
    order = order_factory(customer="ada")
    assert recent_orders("ada")[0]["id"] == order.pk
""",
                ),
            ),
            head=(
                (
                    "shop/orders/repository.py",
                    """\
from fixtures.orders import ORDERS


def recent_orders(customer: str) -> list[dict]:
    return ORDERS
""",
                ),
                (
                    "tests/test_orders.py",
                    """\
from fixtures.orders import ORDERS
from shop.orders.repository import recent_orders


def test_recent_orders():
    assert recent_orders("ada") == ORDERS
""",
                ),
            ),
        ),
        quiet=Example(
            title="tests using fixtures as input, against code that still queries",
            base=(
                (
                    "shop/orders/repository.py",
                    """\
from shop.orders.models import Order


def import_orders(rows: list[dict]) -> int:
    return len(Order.objects.bulk_create(Order(**row) for row in rows))
""",
                ),
            ),
            head=(
                (
                    "shop/orders/repository.py",
                    """\
from shop.orders.models import Order


def import_orders(rows: list[dict]) -> int:
    created = Order.objects.bulk_create(Order(**row) for row in rows)
    return len(created)
""",
                ),
                (
                    "tests/test_import.py",
                    """\
from fixtures.orders import ORDERS
from shop.orders.repository import import_orders


def test_import(db):
    assert import_orders(ORDERS) == len(ORDERS)
""",
                ),
            ),
        ),
    ),
)
CHECKS = {check_closed_loop_tests: (CLOSED_LOOP,)}
