"""Base trees the tests pack's docs examples start from: the corpus's stacks
(`tests/corpus/tests/_stacks/`), so an example shows a change to a project that has CI, tests and
code, as real ones do."""

from __future__ import annotations

from bot.rules.model import Files

# The base tree of the corpus's `javascript` stack (tests/corpus/tests/_stacks/javascript.yml).
JAVASCRIPT_STACK: Files = (
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
POLYGLOT_STACK: Files = (
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
PYTHON_STACK: Files = (
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
