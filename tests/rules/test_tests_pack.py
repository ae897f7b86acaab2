"""The tests pack: deleted and removed tests, added skip and focus markers, unconditional skips."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.diff.parse import parse
from bot.rules.engine import evaluate
from bot.rules.model import Finding, Severity
from bot.rules.tests import PACK, check_markers, check_removed_tests, is_test_file
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo
from tests.rules import annotated

PAYMENTS = '''"""Charge and refund customers through the payment provider."""

from decimal import Decimal


class PaymentError(Exception):
    """The provider refused the operation."""


def charge(amount: Decimal, currency: str = "EUR") -> dict[str, object]:
    if amount <= 0:
        raise PaymentError("amount must be positive")
    return {"amount": amount, "currency": currency, "status": "succeeded"}


def refund(payment: dict[str, object]) -> dict[str, object]:
    return {**payment, "status": "refunded"}
'''

TEST_PAYMENTS = '''"""Tests for app.payments."""

from decimal import Decimal

import pytest

from app.payments import PaymentError, charge, refund


def test_charge_succeeds():
    payment = charge(Decimal("9.99"))
    assert payment["status"] == "succeeded"


def test_charge_rejects_zero():
    with pytest.raises(PaymentError):
        charge(Decimal("0"))


def test_refund_marks_payment():
    payment = refund(charge(Decimal("5")))
    assert payment["status"] == "refunded"


def test_charge_keeps_currency():
    assert charge(Decimal("1"), "USD")["currency"] == "USD"
'''

CONFTEST = """import pytest


@pytest.fixture
def amount():
    return 10
"""

CART = """export function total(items) {
  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);
}

export function isEmpty(items) {
  return items.length === 0;
}
"""

CART_TEST = """import { isEmpty, total } from '../cart';

describe('cart', () => {
  it('adds up prices times quantities', () => {
    expect(total([{ price: 2, quantity: 3 }])).toBe(6);
  });

  it('is empty without items', () => {
    expect(isEmpty([])).toBe(true);
  });

  test('is zero when empty', () => {
    expect(total([])).toBe(0);
  });
});
"""

BASE = {
    "app/__init__.py": "",
    "app/payments.py": PAYMENTS,
    "tests/__init__.py": "",
    "tests/conftest.py": CONFTEST,
    "tests/test_payments.py": TEST_PAYMENTS,
    "web/src/cart.js": CART,
    "web/src/__tests__/cart.test.js": CART_TEST,
}


def line_of(text: str, needle: str) -> int:
    """Return the 1-based number of the first line of `text` that contains `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def without(text: str, start: str, lines: int) -> str:
    """Drop `lines` lines from `text`, beginning with the first line that contains `start`."""
    kept = text.splitlines(keepends=True)
    begin = line_of(text, start) - 1
    return "".join(kept[:begin] + kept[begin + lines :])


def summary(findings: Sequence[Finding]) -> list[tuple[str, str, int, Severity, str]]:
    return sorted((f.rule, f.path, f.line, f.severity, f.side) for f in findings)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_payments.py", True),
        ("test_app.py", True),
        ("app/payments_test.py", True),
        ("tests/helpers.py", True),
        ("web/src/__tests__/cart.js", True),
        ("web/src/cart.test.tsx", True),
        ("web/src/cart.spec.ts", True),
        ("spec/cart.js", True),
        ("tests/conftest.py", False),
        ("conftest.py", False),
        ("tests/fixtures/payment.json", False),
        ("app/payments.py", False),
        ("web/src/testing.js", False),
    ],
)
def test_test_file_detection(path: str, expected: bool) -> None:
    """Test files are recognised by pytest/jest naming habits; conftest.py is not one."""
    assert is_test_file(path) is expected


async def test_deleted_test_file_is_an_error_when_production_code_changes(tmp_path: Path) -> None:
    """Deleting a test module while changing the code it tested is an error on the first test."""
    repo = make_repo(
        tmp_path / "r",
        base=BASE,
        head={
            "tests/test_payments.py": None,
            "app/payments.py": PAYMENTS.replace('"EUR"', '"USD"'),
        },
    )

    findings = check_removed_tests(await repo.snapshot())

    line = line_of(TEST_PAYMENTS, "def test_charge_succeeds")
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/test_payments.py", line, "error", "LEFT")
    ]
    assert "4 test(s)" in findings[0].message
    assert "production code" in findings[0].message


async def test_deleted_test_file_alone_is_a_warning(tmp_path: Path) -> None:
    """Deleting a JS test file with no production change is a warning."""
    repo = make_repo(tmp_path / "r", base=BASE, head={"web/src/__tests__/cart.test.js": None})

    findings = check_removed_tests(await repo.snapshot())

    path = "web/src/__tests__/cart.test.js"
    line = line_of(CART_TEST, "adds up prices")
    assert summary(findings) == [("tests/deleted-test-file", path, line, "warning", "LEFT")]


async def test_renamed_and_moved_tests_are_not_removals(tmp_path: Path) -> None:
    """A renamed test file, tests split into new files and a deleted conftest.py are fine."""
    charges = (
        '"""Charge tests."""\n\nfrom decimal import Decimal\n\nimport pytest\n\n'
        "from app.payments import PaymentError, charge\n\n\n"
        "def test_charge_succeeds():\n"
        '    assert charge(Decimal("9.99"))["status"] == "succeeded"\n\n\n'
        "def test_charge_rejects_zero():\n"
        "    with pytest.raises(PaymentError):\n"
        '        charge(Decimal("0"))\n'
    )
    refunds = (
        '"""Refund tests."""\n\nfrom decimal import Decimal\n\n'
        "from app.payments import charge, refund\n\n\n"
        "def test_refund_marks_payment():\n"
        '    assert refund(charge(Decimal("5")))["status"] == "refunded"\n\n\n'
        "def test_charge_keeps_currency():\n"
        '    assert charge(Decimal("1"), "USD")["currency"] == "USD"\n'
    )
    repo = make_repo(
        tmp_path / "r",
        base=BASE,
        head={
            "tests/test_payments.py": None,
            "tests/payments/test_charges.py": charges,
            "tests/payments/test_refunds.py": refunds,
            "web/src/__tests__/cart.test.js": None,
            "web/src/cart.test.js": CART_TEST.replace("'../cart'", "'./cart'"),
            "tests/conftest.py": None,
            "app/payments.py": PAYMENTS.replace('"EUR"', '"USD"'),
        },
    )
    statuses = {f.path: f.status for f in repo.change.files}
    assert statuses["web/src/cart.test.js"] == "renamed"
    assert statuses["tests/test_payments.py"] == "removed"

    assert check_removed_tests(await repo.snapshot()) == []


async def test_removed_tests_in_remaining_files(tmp_path: Path) -> None:
    """A test function or `it` block removed from a file that stays is reported on its line."""
    test_payments = without(TEST_PAYMENTS, "def test_charge_rejects_zero", 5)
    cart_test = without(CART_TEST, "it('is empty without items'", 4)
    repo = make_repo(
        tmp_path / "r",
        base=BASE,
        head={
            "tests/test_payments.py": test_payments,
            "web/src/__tests__/cart.test.js": cart_test,
            "app/payments.py": PAYMENTS.replace("<= 0", "< 0"),
        },
    )

    findings = check_removed_tests(await repo.snapshot())

    assert summary(findings) == [
        (
            "tests/removed-test",
            "tests/test_payments.py",
            line_of(TEST_PAYMENTS, "def test_charge_rejects_zero"),
            "warning",
            "LEFT",
        ),
        (
            "tests/removed-test",
            "web/src/__tests__/cart.test.js",
            line_of(CART_TEST, "is empty without items"),
            "warning",
            "LEFT",
        ),
    ]
    assert "`test_charge_rejects_zero`" in min(findings, key=lambda f: f.path).message
    bare = check_removed_tests(Snapshot(parse(repo.diff)))
    assert summary(bare) == summary(findings)


async def test_renamed_or_reordered_tests_in_place_are_fine(tmp_path: Path) -> None:
    """Renaming a test's header over the same body, or moving it in the file, removes nothing."""
    renamed = TEST_PAYMENTS.replace("def test_charge_succeeds", "def test_charge_returns_succeeded")
    last = "def test_charge_keeps_currency():\n"
    last_block = last + TEST_PAYMENTS.split(last)[1]
    reordered = renamed.replace("\n\n" + last_block, "").replace(
        "def test_charge_rejects_zero", last_block + "\n\ndef test_charge_rejects_zero"
    )
    repo = make_repo(tmp_path / "r", base=BASE, head={"tests/test_payments.py": reordered})

    assert check_removed_tests(await repo.snapshot()) == []
    assert check_removed_tests(Snapshot(parse(repo.diff))) == []


async def test_contents_confirm_the_test_is_really_gone(tmp_path: Path) -> None:
    """When the head file still defines a test the diff shows removed, it is not reported."""
    repo = make_repo(
        tmp_path / "r",
        base=BASE,
        head={"tests/test_payments.py": without(TEST_PAYMENTS, "def test_refund_marks", 5)},
    )
    change = parse(repo.diff)

    assert len(check_removed_tests(Snapshot(change))) == 1
    # The head file still defines every test the base defined.
    kept = {("tests/test_payments.py", side): TEST_PAYMENTS for side in ("base", "head")}
    assert check_removed_tests(Snapshot(change, kept)) == []


async def test_added_skip_and_focus_markers(tmp_path: Path) -> None:
    """Skips and xfails are warnings, focus markers errors; comments and lookalikes are ignored."""
    python = (
        TEST_PAYMENTS.replace(
            "def test_charge_succeeds",
            '@pytest.mark.skip(reason="provider sandbox down")\ndef test_charge_succeeds',
        )
        .replace(
            "def test_charge_rejects_zero",
            '@pytest.mark.skipif(True, reason="later")\ndef test_charge_rejects_zero',
        )
        .replace(
            "def test_refund_marks_payment",
            "@pytest.mark.xfail(strict=True)\n"
            '@pytest.mark.skipif(sys.platform == "win32", reason="no fork")\n'
            "def test_refund_marks_payment",
        )
        .replace(
            "def test_charge_keeps_currency",
            "# @pytest.mark.skip while USD is flaky\ndef test_charge_keeps_currency",
        )
    )
    unittest_case = (
        "import unittest\n\n\n"
        "class RefundTest(unittest.TestCase):\n"
        '    @unittest.skip("waiting for the provider")\n'
        "    def test_refund(self):\n"
        "        self.assertTrue(True)\n"
    )
    javascript = (
        CART_TEST.replace("it('adds up", "it.only('adds up")
        .replace("it('is empty", "xit('is empty")
        .replace("test('is zero", "// test.only('is zero')\n  test.skip('is zero")
        .replace("describe('cart'", "fdescribe('cart'")
        + "\ndescribe.skip('checkout', () => {\n  it('fits', () => model.fit(1));\n});\n"
    )
    repo = make_repo(
        tmp_path / "r",
        base=BASE,
        head={
            "tests/test_payments.py": python,
            "tests/test_refund_unittest.py": unittest_case,
            "web/src/__tests__/cart.test.js": javascript,
            "app/notes.py": "# Remember: @pytest.mark.skip is for tests only.\n",
        },
    )

    findings = check_markers(await repo.snapshot())

    py, js = "tests/test_payments.py", "web/src/__tests__/cart.test.js"
    assert summary(findings) == sorted(
        [
            ("tests/skipped-test", py, line_of(python, "mark.skip(reason"), "warning", "RIGHT"),
            ("tests/skipped-test", py, line_of(python, "skipif(True"), "warning", "RIGHT"),
            ("tests/skipped-test", py, line_of(python, "xfail"), "warning", "RIGHT"),
            ("tests/skipped-test", "tests/test_refund_unittest.py", 5, "warning", "RIGHT"),
            ("tests/focused-test", js, line_of(javascript, "fdescribe"), "error", "RIGHT"),
            ("tests/focused-test", js, line_of(javascript, "it.only"), "error", "RIGHT"),
            ("tests/skipped-test", js, line_of(javascript, "xit("), "warning", "RIGHT"),
            ("tests/skipped-test", js, line_of(javascript, "  test.skip"), "warning", "RIGHT"),
            ("tests/skipped-test", js, line_of(javascript, "describe.skip"), "warning", "RIGHT"),
        ]
    )
    focus = next(f for f in findings if "it.only" in f.message)
    assert "skips every test that is not focused" in focus.message


async def test_engine_reports_markers_and_unconditional_skips(tmp_path: Path) -> None:
    """Through the engine, marker and unconditional-skip findings land on the right lines."""
    python = TEST_PAYMENTS.replace(
        'payment = charge(Decimal("9.99"))',
        'pytest.skip("sandbox down")\n    payment = charge(Decimal("9.99"))',
    ).replace("def test_charge_rejects_zero", "@pytest.mark.xfail\ndef test_charge_rejects_zero")
    repo = make_repo(tmp_path / "r", base=BASE, head={"tests/test_payments.py": python})

    evaluation = await evaluate(await repo.snapshot(), packs=[PACK])

    findings = [f for f in evaluation.findings if f.pack == "tests"]
    path = "tests/test_payments.py"
    assert summary(findings) == [
        ("tests/skipped-test", path, line_of(python, "mark.xfail"), "warning", "RIGHT"),
        ("tests/unconditional-skip", path, line_of(python, "pytest.skip("), "warning", "RIGHT"),
    ]
    skip = next(f for f in findings if f.rule == "tests/unconditional-skip")
    assert skip.message.startswith("`pytest.skip()` skips `test_charge_succeeds` every time")
    assert evaluation.problems == ()
    # A bare diff shows the added skip without its test around it: no tree, no finding; the
    # marker, found on its line, still is.
    bare = await evaluate(Snapshot(parse(repo.diff)), packs=[PACK])
    assert summary([f for f in bare.findings if f.pack == "tests"]) == summary(findings)[:1]
    assert bare.problems == ()


@pytest.mark.parametrize("contents", [True, False], ids=["contents", "bare-diff"])
@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("tests.py", "tests/test_checkout.py"),
        ("tests.ts", "web/src/checkout.test.ts"),
        ("tests.rb", "spec/models/order_spec.rb"),
        ("tests.go", "cart/cart_test.go"),
    ],
)
def test_annotated_targets(target: str, path: str, contents: bool) -> None:
    """Every `ruleid:` line of a skip target is reported under its rule, and no `ok:` line is:
    conditional skips, pending stubs and markers in strings switch no test off."""
    reported, ruleid, ok = annotated.found(PACK, target, path, contents=contents)
    assert reported == {rule: ruleid.get(rule, set()) for rule in reported}
    assert all(not reported[rule] & lines for rule, lines in ok.items())


async def test_conditional_skips_and_pending_stubs_in_a_changed_suite(tmp_path: Path) -> None:
    """Edits to a suite that stays: a skip behind a feature flag, Playwright's conditional
    `test.skip(cond, why)`, `xit` with no body and `test.todo` are quiet; `it.skip` with a body
    is reported."""
    javascript = CART_TEST.replace(
        "  test('is zero when empty'",
        "  if (!process.env.FEATURE_TAX) {\n"
        "    it.skip('adds tax', () => {\n      expect(total([])).toBe(0);\n    });\n  }\n\n"
        "  xit('rounds to cents');\n"
        "  test.todo('supports coupons');\n\n"
        "  it('applies discounts', () => {\n"
        "    test.skip(!process.env.FEATURE_DISCOUNTS, 'discounts are off');\n"
        "    expect(total([])).toBe(0);\n  });\n\n"
        "  it.skip('sorts items', () => {\n    expect(total([])).toBe(0);\n  });\n\n"
        "  test('is zero when empty'",
    )
    repo = make_repo(tmp_path / "r", base=BASE, head={"web/src/__tests__/cart.test.js": javascript})

    findings = check_markers(await repo.snapshot())

    path = "web/src/__tests__/cart.test.js"
    assert summary(findings) == [
        ("tests/skipped-test", path, line_of(javascript, "it.skip('sorts"), "warning", "RIGHT")
    ]


@pytest.mark.parametrize("contents", [True, False], ids=["contents", "bare-diff"])
async def test_rspec_focus_filter_configuration_is_not_a_focused_test(
    tmp_path: Path, contents: bool
) -> None:
    """The stock opt-in focus filter (`filter_run_when_matching :focus`, or `filter_run focus:
    true` with `run_all_when_everything_filtered = true`) is quiet in any spec helper, whatever
    its name; `fit`, `fdescribe` and `focus: true` on an example or group are errors, and so is
    `filter_run` without run-all, which runs nothing while nothing is focused."""
    helper = (
        'require "rails_helper"\n\n'
        "RSpec.configure do |config|\n"
        "  config.filter_run focus: true\n"
        "  config.run_all_when_everything_filtered = true\n"
        "  config.order = :random\n"
        "end\n"
    )
    support = "RSpec.configure { |c| c.filter_run_when_matching focus: true }\n"
    always = "RSpec.configure do |config|\n  config.filter_run :focus => true\nend\n"
    spec = (
        "RSpec.describe Cart do\n"
        '  it "totals", focus: true do\n    expect(1).to eq(1)\n  end\n\n'
        '  fdescribe "coupons" do\n    it "applies" do\n      expect(2).to eq(2)\n    end\n'
        "  end\n\n"
        '  fit "rounds" do\n    expect(3).to eq(3)\n  end\n'
        "end\n"
    )
    head = {
        "engines/shop/spec/shop_spec_helper.rb": helper,
        "engines/shop/spec/support/focus.rb": support,
        "spec/support/always_focus.rb": always,
        "spec/models/cart_spec.rb": spec,
    }
    repo = make_repo(tmp_path / "r", base=BASE, head=head)
    snap = await repo.snapshot() if contents else Snapshot(parse(repo.diff))

    found = [(f.rule, f.path, f.line) for f in check_markers(snap)]

    focused, cart = "tests/focused-test", "spec/models/cart_spec.rb"
    assert sorted(found) == [
        (focused, cart, line_of(spec, "focus: true")),
        (focused, cart, line_of(spec, "fdescribe")),
        (focused, cart, line_of(spec, "fit")),
        (focused, "spec/support/always_focus.rb", 2),
    ]


@pytest.mark.parametrize("contents", [True, False], ids=["contents", "bare-diff"])
async def test_a_skip_in_a_project_brought_in_whole_is_a_notice(
    tmp_path: Path, contents: bool
) -> None:
    """A skip in a folder the change gives its own manifest and a hundred-odd new files (a
    project merged or copied in) is a notice, while a focus there still fails; a skip in a
    small package written in the change, or among many new files of the existing project,
    still warns."""
    spec = (
        "RSpec.describe Cart do\n"
        '  skip "empties the cart" do\n    expect(Cart.new.clear).to be_empty\n  end\n\n'
        '  fit "totals" do\n    expect(1).to eq(1)\n  end\n'
        "end\n"
    )
    widget_test = (
        "describe('widget', () => {\n"
        "  it.skip('renders', () => {\n    expect(1).toBe(1);\n  });\n"
        "});\n"
    )
    report_test = (
        "import pytest\n\n\n"
        "def test_totals():\n    assert 1 == 1\n\n\n"
        "@pytest.mark.skip\ndef test_rounds():\n    assert 2 == 2\n"
    )
    head: dict[str, str | None] = {
        "shop/Gemfile": 'source "https://rubygems.org"\ngem "rails"\n',
        "shop/spec/cart_spec.rb": spec,
        **{f"shop/lib/shop/part_{i}.rb": f"module Part{i}\nend\n" for i in range(110)},
        "widgets/package.json": '{"name": "widgets"}\n',
        "widgets/src/widget.test.js": widget_test,
        **{f"widgets/src/part{i}.js": f"export const part{i} = {i};\n" for i in range(5)},
        "reports/tests/test_reports.py": report_test,
        **{f"reports/part_{i}.py": f"PART = {i}\n" for i in range(110)},
    }
    repo = make_repo(tmp_path / "r", base=BASE, head=head)
    snap = await repo.snapshot() if contents else Snapshot(parse(repo.diff))

    findings = check_markers(snap)

    cart, widget, report = (
        "shop/spec/cart_spec.rb",
        "widgets/src/widget.test.js",
        "reports/tests/test_reports.py",
    )
    assert summary(findings) == sorted(
        [
            ("tests/focused-test", cart, line_of(spec, "fit"), Severity.ERROR, "RIGHT"),
            ("tests/skipped-test", cart, line_of(spec, "skip"), Severity.NOTICE, "RIGHT"),
            (
                "tests/skipped-test",
                report,
                line_of(report_test, "mark.skip"),
                Severity.WARNING,
                "RIGHT",
            ),
            (
                "tests/skipped-test",
                widget,
                line_of(widget_test, "it.skip"),
                Severity.WARNING,
                "RIGHT",
            ),
        ]
    )
    notice = next(f for f in findings if f.severity is Severity.NOTICE)
    assert "`shop/`, a project of 112 new files" in notice.message


def test_every_rule_id_is_described() -> None:
    """Every rule the pack can emit is declared, with a description."""
    assert all(rule.description for rule in PACK.rules)
    assert set(PACK.ids) == {
        "tests/deleted-test-file",
        "tests/removed-test",
        "tests/skipped-test",
        "tests/focused-test",
        "tests/unconditional-skip",
        "tests/removed-assertion",
        "tests/ci-test-step-removed",
        "tests/ci-failure-allowed",
        "tests/ci-failure-ignored",
        "tests/coverage-threshold-lowered",
    }
