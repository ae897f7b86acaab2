"""Docs of the `tests` rules: why each matters, a change it flags, a look-alike it spares.

Examples come from the pack's labelled corpus (`tests/corpus/tests/`). Each rule's page
under `docs/rules/` (`python -m bot.rules.docs`) shows them as diffs;
`tests/rules/test_docs.py` runs each one through the engine: a flagged example must yield
the rule, its look-alike must not. Lines inside examples are code, kept as written.
"""

from __future__ import annotations

from bot.rules.model import Example

WHY: dict[str, str] = {
    "tests/ci-failure-allowed": (
        "A test job allowed to fail reports success whatever the tests say: failures pile up "
        "unseen and the job stops protecting anything."
    ),
    "tests/ci-failure-ignored": (
        "`|| true` turns a failing test command into a passing step: CI is green whether the "
        "tests pass or not."
    ),
    "tests/ci-test-step-removed": (
        "If no pipeline runs a stack's tests any more, every later pull request merges "
        "untested while its checks look green."
    ),
    "tests/coverage-threshold-lowered": (
        "The threshold is what stops untested code from landing; lowering it lets coverage "
        "erode one pull request at a time."
    ),
    "tests/deleted-test-file": (
        "A deleted test file takes the whole suite's checks of that code with it: CI stays "
        "green while nothing verifies the behaviour any more, and the next regression ships."
    ),
    "tests/focused-test": (
        "A focus marker makes the runner run only the focused tests: the rest of the suite "
        "silently stops running in CI, which still reports green."
    ),
    "tests/removed-assertion": (
        "A test that keeps running with fewer assertions still passes, so the suite looks as "
        "strong as before while checking less."
    ),
    "tests/removed-test": (
        "Each test pins one behaviour; removing it while the code stays means a later change "
        "can break that behaviour and CI will not notice."
    ),
    "tests/skipped-test": (
        "A skipped test is green forever: the behaviour it guarded can regress without CI "
        "failing, and skips are rarely turned back on."
    ),
    "tests/unconditional-skip": (
        "A skip called unconditionally turns the test off for good while it still appears in "
        "the suite, so no one notices it checks nothing."
    ),
}

# The base tree of the corpus's `javascript` stack (tests/corpus/tests/_stacks/javascript.yml).
_JAVASCRIPT = (
    (
        ".gitlab-ci.yml",
        """\
stages: [lint, test]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
test:
  stage: test
  script:
    - npm ci
    - npm test
""",
    ),
    (
        "package.json",
        """\
{
  "name": "cart",
  "version": "1.0.0",
  "scripts": {
    "test": "jest",
    "lint": "eslint src"
  },
  "jest": {
    "coverageThreshold": {
      "global": {
        "branches": 80,
        "lines": 85
      }
    }
  }
}
""",
    ),
    (
        "src/cart.js",
        """\
export function total(items) {
  return items.reduce((sum, item) => sum + item.price * item.quantity, 0);
}

export function isEmpty(items) {
  return items.length === 0;
}
""",
    ),
    (
        "src/cart.test.js",
        """\
import { isEmpty, total } from './cart';

describe('cart', () => {
  it('adds up prices times quantities', () => {
    expect(total([{ price: 2, quantity: 3 }])).toBe(6);
    expect(total([{ price: 1, quantity: 1 }, { price: 2, quantity: 2 }])).toBe(5);
  });

  it('is empty without items', () => {
    expect(isEmpty([])).toBe(true);
  });

  test('is zero when empty', () => {
    expect(total([])).toBe(0);
  });
});
""",
    ),
    (
        "src/format.spec.ts",
        """\
import { describe, expect, it } from 'vitest';
import { money } from './format';

describe('money', () => {
  it('formats cents', () => {
    expect(money(1234)).toBe('€12.34');
  });
});
""",
    ),
    (
        "src/format.ts",
        """\
export const money = (cents: number): string => `€${(cents / 100).toFixed(2)}`;
""",
    ),
)

# The base tree of the corpus's `polyglot` stack (tests/corpus/tests/_stacks/polyglot.yml).
_POLYGLOT = (
    (
        ".circleci/config.yml",
        """\
version: 2.1
jobs:
  build:
    docker:
      - image: cimg/go:1.22
    steps:
      - checkout
      - run: go vet ./...
      - run: go test ./...
""",
    ),
    (
        "app/models/user.rb",
        """\
class User < ApplicationRecord
  validates :email, presence: true

  def display_name
    name.presence || email
  end
end
""",
    ),
    (
        "cart/cart.go",
        """\
package cart

type Item struct {
	Price    int
	Quantity int
}

func Total(items []Item) int {
	sum := 0
	for _, item := range items {
		sum += item.Price * item.Quantity
	}
	return sum
}
""",
    ),
    (
        "cart/cart_test.go",
        """\
package cart

import "testing"

func TestTotal(t *testing.T) {
	got := Total([]Item{{Price: 2, Quantity: 3}})
	if got != 6 {
		t.Errorf("Total() = %d, want 6", got)
	}
}

func TestTotalEmpty(t *testing.T) {
	if Total(nil) != 0 {
		t.Fatal("empty cart must total 0")
	}
}
""",
    ),
    (
        "spec/models/user_spec.rb",
        """\
require "rails_helper"

RSpec.describe User do
  it "requires an email" do
    expect(User.new(email: nil)).not_to be_valid
  end

  it "falls back to the email for its name" do
    user = User.new(email: "a@example.com")
    expect(user.display_name).to eq("a@example.com")
  end
end
""",
    ),
    (
        "spec/spec_helper.rb",
        """\
RSpec.configure do |config|
  config.order = :random
end
""",
    ),
    (
        "src/main/java/shop/Cart.java",
        """\
package shop;

public class Cart {
    public int total(int price, int quantity) {
        return price * quantity;
    }
}
""",
    ),
    (
        "src/test/java/shop/CartTest.java",
        """\
package shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CartTest {
    @Test
    void multipliesPriceByQuantity() {
        assertEquals(6, new Cart().total(2, 3));
    }

    @Test
    void zeroQuantityIsFree() {
        assertEquals(0, new Cart().total(2, 0));
    }
}
""",
    ),
    (
        "test/models/order_test.rb",
        """\
require "test_helper"

class OrderTest < ActiveSupport::TestCase
  test "totals its lines" do
    assert_equal 6, orders(:one).total
  end

  def test_is_open_by_default
    assert Order.new.open?
  end
end
""",
    ),
)

# The base tree of the corpus's `python` stack (tests/corpus/tests/_stacks/python.yml).
_PYTHON = (
    (
        ".github/workflows/ci.yml",
        """\
name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install ruff
      - run: ruff check .
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e . pytest pytest-cov
      - name: Run tests
        run: pytest --cov=app
""",
    ),
    ("app/__init__.py", ""),
    (
        "app/invoices.py",
        """\
def number(seq: int) -> str:
    return f"INV-{seq:06d}"
""",
    ),
    (
        "app/payments.py",
        (
            '"""Charge and refund customers."""\n'
            "from decimal import Decimal\n"
            "\n"
            "\n"
            'def charge(amount: Decimal, currency: str = "EUR") -> dict:\n'
            "    if amount <= 0:\n"
            '        raise ValueError("amount must be positive")\n'
            '    return {"amount": amount, "currency": currency, "status": "succeeded"}\n'
            "\n"
            "\n"
            "def refund(payment: dict) -> dict:\n"
            '    return {**payment, "status": "refunded"}\n'
        ),
    ),
    (
        "pyproject.toml",
        """\
[project]
name = "shop"
version = "1.0.0"

[tool.pytest.ini_options]
addopts = "--cov=app --cov-fail-under=90"

[tool.coverage.report]
fail_under = 90
""",
    ),
    ("tests/__init__.py", ""),
    (
        "tests/test_invoices.py",
        """\
from app.invoices import number


def test_number_is_padded():
    assert number(42) == "INV-000042"
""",
    ),
    (
        "tests/test_payments.py",
        """\
from decimal import Decimal

import pytest

from app.payments import charge, refund


def test_charge_succeeds():
    payment = charge(Decimal("9.99"))
    assert payment["status"] == "succeeded"
    assert payment["currency"] == "EUR"


def test_charge_rejects_zero():
    with pytest.raises(ValueError):
        charge(Decimal("0"))


def test_refund_marks_payment():
    payment = refund(charge(Decimal("5")))
    assert payment["status"] == "refunded"
""",
    ),
)

EXAMPLES: dict[str, tuple[Example, Example]] = {
    "tests/ci-failure-allowed": (
        Example(
            title="The GitLab test job is allowed to fail",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
stages: [lint, test]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
test:
  stage: test
  allow_failure: true
  script:
    - npm ci
    - npm test
""",
                ),
            ),
        ),
        Example(
            title="continue-on-error on the lint job does not touch the tests",
            base=(*_PYTHON,),
            head=(
                (
                    ".github/workflows/ci.yml",
                    """\
name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    continue-on-error: true
    steps:
      - uses: actions/checkout@v4
      - run: pip install ruff
      - run: ruff check .
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e . pytest pytest-cov
      - name: Run tests
        run: pytest --cov=app
""",
                ),
            ),
        ),
    ),
    "tests/ci-failure-ignored": (
        Example(
            title="The npm test script ignores jest's exit status",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    "package.json",
                    """\
{
  "name": "cart",
  "version": "1.0.0",
  "scripts": {
    "test": "jest || true",
    "lint": "eslint src"
  },
  "jest": {
    "coverageThreshold": {
      "global": {
        "branches": 80,
        "lines": 85
      }
    }
  }
}
""",
                ),
            ),
        ),
        Example(
            title="|| true after a cleanup command is harmless",
            base=(*_PYTHON,),
            head=(
                (
                    ".github/workflows/ci.yml",
                    """\
name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install ruff
      - run: ruff check .
      - run: docker rm -f stale-db || true
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e . pytest pytest-cov
      - name: Run tests
        run: pytest --cov=app
""",
                ),
            ),
        ),
    ),
    "tests/ci-test-step-removed": (
        Example(
            title="The GitLab test job is deleted",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
stages: [lint]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
""",
                ),
            ),
        ),
        Example(
            title="The GitLab test job moves from npm test to npm run test:ci; the tests still run",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
stages: [lint, test]
lint:
  stage: lint
  script:
    - npm ci
    - npm run lint
test:
  stage: test
  script:
    - npm ci
    - npm run test:ci
""",
                ),
            ),
        ),
    ),
    "tests/coverage-threshold-lowered": (
        Example(
            title="jest's branch coverage threshold drops",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    "package.json",
                    """\
{
  "name": "cart",
  "version": "1.0.0",
  "scripts": {
    "test": "jest",
    "lint": "eslint src"
  },
  "jest": {
    "coverageThreshold": {
      "global": {
        "branches": 60,
        "lines": 85
      }
    }
  }
}
""",
                ),
            ),
        ),
        Example(
            title="The coverage threshold goes up",
            base=(*_PYTHON,),
            head=(
                (
                    "pyproject.toml",
                    """\
[project]
name = "shop"
version = "1.0.0"

[tool.pytest.ini_options]
addopts = "--cov=app --cov-fail-under=90"

[tool.coverage.report]
fail_under = 95
""",
                ),
            ),
        ),
    ),
    "tests/deleted-test-file": (
        Example(
            title="The Go tests are deleted while Total() changes",
            base=(*_POLYGLOT,),
            head=(
                (
                    "cart/cart.go",
                    """\
package cart

type Item struct {
	Price    int
	Quantity int
}

func Total(items []Item) int {
	sum := 1
	for _, item := range items {
		sum += item.Price * item.Quantity
	}
	return sum
}
""",
                ),
                ("cart/cart_test.go", None),
            ),
        ),
        Example(
            title="A test module is renamed with the same content",
            base=(*_PYTHON,),
            head=(
                (
                    "tests/test_invoice_numbers.py",
                    """\
from app.invoices import number


def test_number_is_padded():
    assert number(42) == "INV-000042"
""",
                ),
                ("tests/test_invoices.py", None),
            ),
        ),
    ),
    "tests/focused-test": (
        Example(
            title="A vitest suite gains a test.only",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    "src/format.spec.ts",
                    """\
import { describe, expect, it } from 'vitest';
import { money } from './format';

describe('money', () => {
  it('formats zero', () => {
    expect(money(0)).toBe('€0.00');
  });

  test.only('formats cents', () => {
    expect(money(1234)).toBe('€12.34');
  });
});
""",
                ),
            ),
        ),
        Example(
            title="spec_helper runs focused examples only when some are focused; it focuses nothing",
            base=(*_POLYGLOT,),
            head=(
                (
                    "spec/spec_helper.rb",
                    """\
RSpec.configure do |config|
  config.order = :random
  config.filter_run_when_matching :focus
end
""",
                ),
            ),
        ),
    ),
    "tests/removed-assertion": (
        Example(
            title="One of two expectations of a jest test is dropped",
            base=(*_JAVASCRIPT,),
            head=(
                (
                    "src/cart.test.js",
                    """\
import { isEmpty, total } from './cart';

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
""",
                ),
            ),
        ),
        Example(
            title="A formatter joins each expect chain onto one line; no assertion is removed",
            base=(
                *_POLYGLOT,
                (
                    "spec/models/user_spec.rb",
                    """\
require "rails_helper"

RSpec.describe User do
  it "falls back to the email for its name" do
    user = User.new(email: "a@example.com")
    expect(user.display_name)
      .to eq("a@example.com")
  end
end
""",
                ),
            ),
            head=(
                (
                    "spec/models/user_spec.rb",
                    """\
require "rails_helper"

RSpec.describe User do
  it "falls back to the email for its name" do
    user = User.new(email: "a@example.com")
    expect(user.display_name).to eq("a@example.com")
  end
end
""",
                ),
            ),
        ),
    ),
    "tests/removed-test": (
        Example(
            title="The same contract test goes, but the snapshot is not updated in the change; nothing shows the whole schema is still compared",
            base=(
                ("api/__init__.py", ""),
                (
                    "api/schema.py",
                    """\
ROUTES = {"/orders/": {"get": {"security": [{"bearer": []}, {}]}}}


def openapi_schema():
    return {"openapi": "3.1.0", "paths": ROUTES}
""",
                ),
                (
                    "api/tests/snapshots/schema.json",
                    """\
{"openapi": "3.1.0", "paths": {"/orders/": {"get": {"security": [{"bearer": []}, {}]}}}}
""",
                ),
                (
                    "api/tests/test_schema.py",
                    """\
import json
from pathlib import Path

from api.schema import openapi_schema

SNAPSHOT = Path(__file__).parent / "snapshots" / "schema.json"


def test_orders_may_be_read_anonymously():
    security = openapi_schema()["paths"]["/orders/"]["get"]["security"]
    assert {} in security


def test_schema_matches_snapshot():
    assert openapi_schema() == json.loads(SNAPSHOT.read_text())
""",
                ),
            ),
            head=(
                (
                    "api/schema.py",
                    """\
ROUTES = {"/orders/": {"get": {"security": [{"bearer": []}]}}}


def openapi_schema():
    return {"openapi": "3.1.0", "paths": ROUTES}
""",
                ),
                (
                    "api/tests/test_schema.py",
                    """\
import json
from pathlib import Path

from api.schema import openapi_schema

SNAPSHOT = Path(__file__).parent / "snapshots" / "schema.json"


def test_schema_matches_snapshot():
    assert openapi_schema() == json.loads(SNAPSHOT.read_text())
""",
                ),
            ),
        ),
        Example(
            title="A JUnit test is renamed over the same body",
            base=(*_POLYGLOT,),
            head=(
                (
                    "src/test/java/shop/CartTest.java",
                    """\
package shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CartTest {
    @Test
    void multipliesPriceByQuantity() {
        assertEquals(6, new Cart().total(2, 3));
    }

    @Test
    void zeroQuantityCostsNothing() {
        assertEquals(0, new Cart().total(2, 0));
    }
}
""",
                ),
            ),
        ),
    ),
    "tests/skipped-test": (
        Example(
            title="A unittest test case is disabled with @unittest.skip",
            base=(
                *_PYTHON,
                (
                    "tests/test_legacy.py",
                    """\
import unittest


class RefundTest(unittest.TestCase):
    def test_refund(self):
        self.assertTrue(True)
""",
                ),
            ),
            head=(
                (
                    "tests/test_legacy.py",
                    """\
import unittest


class RefundTest(unittest.TestCase):
    @unittest.skip("waiting for the provider")
    def test_refund(self):
        self.assertTrue(True)
""",
                ),
            ),
        ),
        Example(
            title="A skip with a trailing condition only skips in one environment",
            base=(*_POLYGLOT,),
            head=(
                (
                    "test/models/order_test.rb",
                    """\
require "test_helper"

class OrderTest < ActiveSupport::TestCase
  test "totals its lines" do
    assert_equal 6, orders(:one).total
  end

  def test_is_open_by_default
    skip "needs postgres" unless ENV["DATABASE_URL"]
    assert Order.new.open?
  end
end
""",
                ),
            ),
        ),
    ),
    "tests/unconditional-skip": (
        Example(
            title="A test is switched off from inside its body with an unconditional pytest.skip()",
            base=(*_PYTHON,),
            head=(
                (
                    "tests/test_payments.py",
                    """\
from decimal import Decimal

import pytest

from app.payments import charge, refund


def test_charge_succeeds():
    payment = charge(Decimal("9.99"))
    assert payment["status"] == "succeeded"
    assert payment["currency"] == "EUR"


def test_charge_rejects_zero():
    with pytest.raises(ValueError):
        charge(Decimal("0"))


def test_refund_marks_payment():
    pytest.skip("refunds are flaky on the sandbox")
    payment = refund(charge(Decimal("5")))
    assert payment["status"] == "refunded"
""",
                ),
            ),
        ),
        Example(
            title="pytest.skip() inside an `if` that checks the environment skips only where it must",
            base=(*_PYTHON,),
            head=(
                (
                    "tests/test_payments.py",
                    """\
from decimal import Decimal

import pytest

from app.payments import charge, refund


def test_charge_succeeds():
    payment = charge(Decimal("9.99"))
    assert payment["status"] == "succeeded"
    assert payment["currency"] == "EUR"


def test_charge_rejects_zero():
    with pytest.raises(ValueError):
        charge(Decimal("0"))


def test_refund_marks_payment():
    if not hasattr(Decimal, "quantize"):
        pytest.skip("needs decimal quantize")
    payment = refund(charge(Decimal("5")))
    assert payment["status"] == "refunded"
""",
                ),
            ),
        ),
    ),
}
