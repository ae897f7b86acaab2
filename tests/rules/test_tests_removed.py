"""Removed tests and assertions judged in context: renamed, moved, retired with their code.

Each kind of false alarm seen on real pull requests has a look-alike negative here and a true
positive next to it. Inputs are small files written for these tests, shaped like the real cases
(a view's context key dropped with its assertion, an endpoint deleted with its tests, a test
merged into another, checks moved into a Cypress command).
"""

from __future__ import annotations

from pathlib import Path

from bot.diff.parse import parse
from bot.rules.model import Severity
from bot.rules.tests import check_removed_tests
from bot.rules.tests.removed import check_removed_assertions
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo
from tests.rules.removals import line_of, removals, summary

PAYMENTS = '''"""Charge, refund and cancel payments."""

from decimal import Decimal


def charge(amount: Decimal, currency: str = "EUR") -> dict:
    if amount <= 0:
        raise ValueError("amount must be positive")
    return {"amount": amount, "currency": currency, "status": "succeeded"}


def refund(payment: dict) -> dict:
    return {**payment, "status": "refunded"}


def cancel(payment: dict) -> dict:
    return {**payment, "status": "cancelled"}
'''

TEST_PAYMENTS = """from decimal import Decimal

import pytest

from shop.payments import cancel, charge, refund


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


def test_cancel_marks_payment():
    payment = cancel(charge(Decimal("5")))
    assert payment["status"] == "cancelled"
"""

REFUNDS = '''"""Refunds of returned orders."""


def refund_order(order: dict) -> dict:
    return {**order, "state": "refunded", "refund_reference": f"R-{order['id']}"}
'''

TEST_RETURNS = """from shop.refunds import refund_order


def test_returned_order_is_refunded():
    order = refund_order({"id": 7})
    assert order["state"] == "refunded"
    assert order["refund_reference"] == "R-7"
"""

PY = {
    "shop/__init__.py": "",
    "shop/payments.py": PAYMENTS,
    "shop/refunds.py": REFUNDS,
    "tests/__init__.py": "",
    "tests/test_payments.py": TEST_PAYMENTS,
    "tests/test_returns.py": TEST_RETURNS,
}
TESTS = "tests/test_payments.py"
STRICTER = PAYMENTS.replace("<= 0", "< 0")  # a production change elsewhere in the module


def without(text: str, start: str, lines: int) -> str:
    kept = text.splitlines(keepends=True)
    begin = line_of(text, start) - 1
    return "".join(kept[:begin] + kept[begin + lines :])


# --- Kind 1: tests removed with the code they test ----------------------------------------------


async def test_a_function_removed_with_its_test_is_a_notice(tmp_path: Path) -> None:
    """Deleting `refund` and its test together is cleanup, also in a bare diff."""
    payments = without(PAYMENTS, "def refund(", 4)
    tests = without(TEST_PAYMENTS, "def test_refund_marks_payment", 5).replace(
        "cancel, charge, refund", "cancel, charge"
    )
    repo = make_repo(tmp_path / "r", base=PY, head={"shop/payments.py": payments, TESTS: tests})

    findings = check_removed_tests(await repo.snapshot())

    line = line_of(TEST_PAYMENTS, "def test_refund_marks_payment")
    assert summary(findings) == [("tests/removed-test", TESTS, line, Severity.NOTICE)]
    assert "together with the code they tested" in findings[0].message
    assert summary(check_removed_tests(Snapshot(parse(repo.diff)))) == summary(findings)


async def test_a_test_removed_while_its_function_stays_is_a_warning(tmp_path: Path) -> None:
    """The same removal while `refund` stays and the module changes: a warning, not the suite."""
    tests = without(TEST_PAYMENTS, "def test_refund_marks_payment", 5)

    findings = await removals(tmp_path, PY, {"shop/payments.py": STRICTER, TESTS: tests})

    line = line_of(TEST_PAYMENTS, "def test_refund_marks_payment")
    assert summary(findings) == [("tests/removed-test", TESTS, line, Severity.WARNING)]


async def test_several_tests_removed_from_one_file_are_one_finding(tmp_path: Path) -> None:
    """One comment per file, naming each removed test, on the first one's line."""
    tests = without(
        without(TEST_PAYMENTS, "def test_refund_marks_payment", 5),
        "def test_charge_rejects_zero",
        5,
    )

    findings = await removals(tmp_path, PY, {"shop/payments.py": STRICTER, TESTS: tests})

    line = line_of(TEST_PAYMENTS, "def test_charge_rejects_zero")
    assert summary(findings) == [("tests/removed-test", TESTS, line, Severity.WARNING)]
    assert "`test_charge_rejects_zero`, `test_refund_marks_payment`" in findings[0].message


async def test_a_test_whose_function_moved_to_another_module_is_a_warning(tmp_path: Path) -> None:
    """`refund` moves from shop.payments to shop.refunds: its test going is no cleanup."""
    payments = without(PAYMENTS, "def refund(", 4)
    refunds = (
        REFUNDS
        + '\n\ndef refund(payment: dict) -> dict:\n    return {**payment, "status": "refunded"}\n'
    )
    tests = without(TEST_PAYMENTS, "def test_refund_marks_payment", 5).replace(
        "cancel, charge, refund", "cancel, charge"
    )

    findings = await removals(
        tmp_path, PY, {"shop/payments.py": payments, "shop/refunds.py": refunds, TESTS: tests}
    )

    line = line_of(TEST_PAYMENTS, "def test_refund_marks_payment")
    assert summary(findings) == [("tests/removed-test", TESTS, line, Severity.WARNING)]


async def test_a_test_removed_without_production_changes_is_a_warning(tmp_path: Path) -> None:
    """With no production code in the change, a removed test is far less certain: a warning."""
    tests = without(TEST_PAYMENTS, "def test_charge_rejects_zero", 5)

    findings = await removals(tmp_path, PY, {TESTS: tests})

    line = line_of(TEST_PAYMENTS, "def test_charge_rejects_zero")
    assert summary(findings) == [("tests/removed-test", TESTS, line, Severity.WARNING)]


async def test_a_deleted_module_retires_the_test_file_importing_it(tmp_path: Path) -> None:
    """tests/test_returns.py imports shop.refunds; deleting both is a notice, not an error."""
    findings = await removals(
        tmp_path, PY, {"shop/refunds.py": None, "tests/test_returns.py": None}
    )

    line = line_of(TEST_RETURNS, "def test_returned_order")
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/test_returns.py", line, Severity.NOTICE)
    ]


async def test_a_deleted_test_file_whose_module_stays_is_an_error(tmp_path: Path) -> None:
    """Deleting the tests of shop.refunds while shop.refunds changes is an error."""
    refunds = REFUNDS.replace('"refunded"', '"refund-pending"')

    findings = await removals(
        tmp_path, PY, {"shop/refunds.py": refunds, "tests/test_returns.py": None}
    )

    line = line_of(TEST_RETURNS, "def test_returned_order")
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/test_returns.py", line, Severity.ERROR)
    ]


FILES_ROUTE = """import { Hono } from 'hono';

export const filesRoute = new Hono()
  .post('/upload-pdf', async (c) => {
    return c.json(await storePdf(c), 200);
  })
  .post('/presigned-post-url', async (c) => {
    return c.json(await presign(c), 200);
  });
"""

FILES_SPEC = """import { expect, test } from '@playwright/test';

test.describe('file upload authorization', () => {
  test('rejects an unauthenticated upload-pdf request', async ({ request }) => {
    const res = await request.post(`${BASE_URL}/api/files/upload-pdf`, { data: {} });
    expect(res.status()).toBe(401);
  });

  test('rejects an unauthenticated presigned-post-url request', async ({ request }) => {
    const res = await request.post(`${BASE_URL}/api/files/presigned-post-url`, { data: {} });
    expect(res.status()).toBe(401);
  });
});
"""


async def test_an_endpoint_removed_with_its_tests(tmp_path: Path) -> None:
    """The presigned-post-url route goes with its test (notice); the upload test goes alone."""
    route = FILES_ROUTE.replace(
        "  })\n  .post('/presigned-post-url', async (c) => {\n"
        "    return c.json(await presign(c), 200);\n  });\n",
        "  });\n",
    )
    spec = FILES_SPEC.split("  test(")[0] + "});\n"
    path = "e2e/files.spec.ts"

    findings = await removals(
        tmp_path,
        {"server/files.ts": FILES_ROUTE, path: FILES_SPEC},
        {"server/files.ts": route, path: spec},
    )

    assert summary(findings) == [
        ("tests/removed-test", path, line_of(FILES_SPEC, "upload-pdf request"), Severity.WARNING),
        (
            "tests/removed-test",
            path,
            line_of(FILES_SPEC, "presigned-post-url request"),
            Severity.NOTICE,
        ),
    ]


# --- Kind 1: the same tests, renamed, re-cased, moved, parametrized, split or merged ------------

API_SPEC = """describe('Website tests', () => {
  beforeEach(() => {
    cy.login(Cypress.env('user'), Cypress.env('password'));
  });

  it('creates a user.', () => {
    cy.fixture('users').then((data) => {
      cy.request({ method: 'POST', url: '/api/users', body: data.userPost }).then((response) => {
        expect(response.status).to.eq(200);
        expect(response.body).to.have.property('username', 'cypress1');
      });
    });
  });
});
"""


async def test_a_test_re_cased_and_moved_to_a_new_file_is_not_removed(tmp_path: Path) -> None:
    """`creates a user.` becomes `Creates a user.` in a new spec file: the same test."""
    moved = (
        API_SPEC.replace("Website tests", "User API tests")
        .replace("creates a user.", "Creates a user.")
        .replace("userPost", "userCreate")
    )

    findings = await removals(
        tmp_path,
        {"cypress/e2e/api.cy.ts": API_SPEC, "src/users.ts": "export const a = 1;\n"},
        {
            "cypress/e2e/api.cy.ts": None,
            "cypress/e2e/api-user.cy.ts": moved,
            "src/users.ts": "export const a = 2;\n",
        },
    )

    assert findings == []


async def test_tests_replaced_by_one_parametrized_test(tmp_path: Path) -> None:
    """Two tests written out become one `@pytest.mark.parametrize` test: nothing is removed."""
    written_out = (
        "\n\ndef test_charge_in_usd():\n"
        '    assert charge(Decimal("1"), "USD")["currency"] == "USD"\n'
    )
    base_tests = (
        TEST_PAYMENTS + written_out + written_out.replace("usd", "gbp").replace("USD", "GBP")
    )
    head_tests = TEST_PAYMENTS + (
        '\n\n@pytest.mark.parametrize("currency", ["USD", "GBP"])\n'
        "def test_charge_keeps_currency(currency):\n"
        '    assert charge(Decimal("1"), currency)["currency"] == currency\n'
    )

    findings = await removals(
        tmp_path, {**PY, TESTS: base_tests}, {"shop/payments.py": STRICTER, TESTS: head_tests}
    )

    assert findings == []


CART_TEST = """import { total } from './cart';

describe('total', () => {
  it('adds one item', () => {
    expect(total([{ price: 2, quantity: 3 }])).toBe(6);
  });

  it('adds two items', () => {
    expect(total([{ price: 2, quantity: 3 }, { price: 1, quantity: 4 }])).toBe(10);
  });
});
"""


async def test_tests_replaced_by_an_each_table(tmp_path: Path) -> None:
    """Two `it` blocks become one `it.each` table over the same cases."""
    each = """import { total } from './cart';

describe('total', () => {
  it.each([
    [[{ price: 2, quantity: 3 }], 6],
    [[{ price: 2, quantity: 3 }, { price: 1, quantity: 4 }], 10],
  ])('adds up %j', (items, expected) => {
    expect(total(items)).toBe(expected);
  });
});
"""
    cart = "export const total = (items) => items.reduce((s, i) => s + i.price * i.quantity, 0);\n"

    findings = await removals(
        tmp_path,
        {"src/cart.js": cart, "src/cart.test.js": CART_TEST},
        {"src/cart.js": cart.replace("0);", "0) || 0;"), "src/cart.test.js": each},
    )

    assert findings == []


PROFILE_TEST = """require "application_system_test_case"

class ProfileTest < ApplicationSystemTestCase
  test "seeing the gems ordered by downloads" do
    create(:rubygem, owners: [@user], number: "1.0.0", downloads: 5)
    create(:rubygem, owners: [@user], number: "1.0.0", downloads: 7)
    visit profile_path("nick1")
    downloads = page.all("[data-testid='rubygem-downloads']")
    assert_equal("7", downloads[0].text)
  end

  test "seeing the latest version of each gem" do
    create(:rubygem, owners: [@user], number: "1.0.1")
    visit profile_path("nick1")
    assert_equal("1.0.1", page.find("[data-testid='rubygem-version']").text)
  end
end
"""

MERGED_PROFILE_TEST = """require "application_system_test_case"

class ProfileTest < ApplicationSystemTestCase
  test "seeing owned gems ordered by downloads with their latest versions" do
    create(:rubygem, owners: [@user], number: "1.0.1", downloads: 5)
    create(:rubygem, owners: [@user], number: "1.0.0", downloads: 7)
    visit profile_path("nick1")
    rows = page.all("article li")
    assert_equal("7", rows[0].find("[data-testid='rubygem-downloads']").text)
    assert_equal("1.0.1", rows[1].find("[data-testid='rubygem-version']").text)
  end
end
"""


async def test_tests_merged_into_one_are_not_removed(tmp_path: Path) -> None:
    """Two RSpec/minitest tests merged into one that checks both: the same tests."""
    controller = "class ProfilesController\n  def show\n    @gems = gems\n  end\nend\n"

    findings = await removals(
        tmp_path,
        {
            "app/controllers/profiles_controller.rb": controller,
            "test/profile_test.rb": PROFILE_TEST,
        },
        {
            "app/controllers/profiles_controller.rb": controller.replace("gems\n", "gems.sorted\n"),
            "test/profile_test.rb": MERGED_PROFILE_TEST,
        },
    )

    assert findings == []


async def test_a_test_split_in_two_new_tests_is_not_removed(tmp_path: Path) -> None:
    """One test's checks spread over two new tests of another file: the same test."""
    split = """from decimal import Decimal

from shop.payments import charge


def test_charge_status():
    assert charge(Decimal("9.99"))["status"] == "succeeded"


def test_charge_currency():
    assert charge(Decimal("9.99"))["currency"] == "EUR"
"""
    tests = without(TEST_PAYMENTS, "def test_charge_succeeds", 6)

    findings = await removals(
        tmp_path,
        PY,
        {"shop/payments.py": STRICTER, TESTS: tests, "tests/test_charge_fields.py": split},
    )

    assert findings == []


async def test_a_new_test_sharing_only_the_setup_is_no_replacement(tmp_path: Path) -> None:
    """A new test with the same setup but another subject does not stand in for a removed one."""
    tests = without(TEST_PAYMENTS, "def test_refund_marks_payment", 5) + (
        "\n\ndef test_cancel_keeps_amount():\n"
        '    payment = cancel(charge(Decimal("5")))\n'
        '    assert payment["amount"] == Decimal("5")\n'
    )

    findings = await removals(tmp_path, PY, {"shop/payments.py": STRICTER, TESTS: tests})

    # Not a replacement: reported as lost, a notice as the change adds as many tests as it drops.
    line = line_of(TEST_PAYMENTS, "def test_refund_marks_payment")
    assert summary(findings) == [("tests/removed-test", TESTS, line, Severity.NOTICE)]
    assert "no test of the change repeats" in findings[0].message


ROUTES_SPEC = """require "rails_helper"

describe "home routing" do
  it "routes /top" do
    expect(get("/top")).to route_to("home#top")
  end

  it "routes /top/rss" do
    expect(get("/top/rss")).to route_to("home#top", format: "rss")
  end
end
"""


async def test_a_test_renamed_with_its_strings_is_not_removed(tmp_path: Path) -> None:
    """`routes /top/rss` becomes `routes /top.rss` with the path it requests: a rename."""
    routes = 'Rails.application.routes.draw do\n  get "/top(/:length)/rss" => "home#top"\nend\n'
    renamed = ROUTES_SPEC.replace("/top/rss", "/top.rss")

    findings = await removals(
        tmp_path,
        {"config/routes.rb": routes, "spec/routing/home_spec.rb": ROUTES_SPEC},
        {
            "config/routes.rb": routes.replace("/rss", ".rss"),
            "spec/routing/home_spec.rb": renamed,
        },
    )

    assert findings == []


USERS_TEST = """require "test_helper"

class UsersTest < ActionDispatch::IntegrationTest
  test "showing the delete action on the user page" do
    get user_path(create(:user))
    assert page.has_content? "Delete User"
  end

  test "disabling the delete action when the user is the sole owner of an old gem" do
    user = create(:user)
    create(:rubygem, owners: [user], created_at: 31.days.ago)
    get user_path(user)
    assert page.has_content?("Blocked because this user is the sole owner of old gem versions.")
    assert_select "a[data-action-name='Delete User'][data-disabled='true']", count: 1
  end

  test "enabling the delete action when the gem has another owner" do
    user = create(:user)
    create(:rubygem, owners: [user, create(:user)], created_at: 31.days.ago)
    get user_path(user)
    assert_select "a[data-action-name='Delete User'][data-disabled='false']", count: 1
  end
end
"""


async def test_a_test_edited_in_place_with_its_behaviour_is_not_removed(tmp_path: Path) -> None:
    """`disabling ...` becomes `enabling ...` where it stood, checking the new behaviour."""
    edited = USERS_TEST.replace(
        '    assert page.has_content?("Blocked because this user is the sole owner of old gem '
        'versions.")\n',
        "",
    ).replace(
        "disabling the delete action when the user", "enabling the delete action when the user"
    )
    edited = edited.replace("[data-disabled='true']", "[data-disabled='false']")
    action = "class DeleteUser\n  def blocked?(user)\n    user.old_gems?\n  end\nend\n"
    base = {"app/actions/delete_user.rb": action, "test/users_test.rb": USERS_TEST}

    findings = await removals(
        tmp_path,
        base,
        {
            "app/actions/delete_user.rb": action.replace("user.old_gems?", "false"),
            "test/users_test.rb": edited,
        },
    )

    assert findings == []


async def test_a_new_test_in_a_removed_tests_place_checking_else_is_no_edit(
    tmp_path: Path,
) -> None:
    """A test about something else written where a removed one stood does not replace it."""
    disabling = USERS_TEST[
        USERS_TEST.index('  test "disabling') : USERS_TEST.index('  test "enabling')
    ]
    profile = (
        '  test "showing the profile page lists the user\'s gems" do\n'
        "    get profile_path(create(:user))\n"
        '    assert_select "article li", count: 0\n'
        "  end\n\n"
    )
    other = USERS_TEST.replace(disabling, profile)
    action = "class DeleteUser\n  def blocked?(user)\n    user.old_gems?\n  end\nend\n"

    findings = await removals(
        tmp_path,
        {"app/actions/delete_user.rb": action, "test/users_test.rb": USERS_TEST},
        {
            "app/actions/delete_user.rb": action.replace("?(user)", "?(user, _actor)"),
            "test/users_test.rb": other,
        },
    )

    # Not an edit: reported as lost, a notice as the change adds as many tests as it drops.
    line = line_of(USERS_TEST, 'test "disabling')
    assert summary(findings) == [
        ("tests/removed-test", "test/users_test.rb", line, Severity.NOTICE)
    ]
    assert "no test of the change repeats" in findings[0].message


# --- Kind 7: assertions counted as syntax nodes -------------------------------------------------

USER_SPEC = """require "rails_helper"

RSpec.describe User do
  it "falls back to the email for its name" do
    user = User.new(email: "a@example.com")
    expect(user.display_name)
      .to eq("a@example.com")
    expect(user)
      .to be_valid
  end
end
"""


async def test_a_formatter_joining_chains_removes_no_assertion(tmp_path: Path) -> None:
    """`expect(x)\\n.to eq(y)` joined onto one line is still one assertion, not two lines."""
    joined = USER_SPEC.replace(")\n      .to", ").to")

    findings = await removals(
        tmp_path, {"spec/user_spec.rb": USER_SPEC}, {"spec/user_spec.rb": joined}
    )

    assert findings == []


async def test_a_wrapped_signature_and_assertions_moved_into_branches(tmp_path: Path) -> None:
    """A formatter wraps a test's signature and its checks move under `if`: none are lost."""
    base = TEST_PAYMENTS.replace(
        "def test_refund_marks_payment():\n", "def test_refund_marks_payment(partial=False):\n"
    )
    head = TEST_PAYMENTS.replace(
        "def test_refund_marks_payment():\n"
        '    payment = refund(charge(Decimal("5")))\n'
        '    assert payment["status"] == "refunded"\n',
        "@pytest.mark.parametrize('partial', [True, False])\n"
        "def test_refund_marks_payment(\n    partial,\n):\n"
        '    payment = refund(charge(Decimal("5")))\n'
        "    if partial:\n"
        '        assert payment["status"] == "refunded"\n'
        "    else:\n"
        '        assert payment["status"] != "succeeded"\n',
    )

    findings = await removals(tmp_path, {**PY, TESTS: base}, {TESTS: head})

    assert findings == []


async def test_assertions_moved_into_a_helper_the_test_calls(tmp_path: Path) -> None:
    """Checks moved into a helper of the same file still run; a helper that checks nothing not."""
    helper = (
        "\n\ndef check_succeeded(payment):\n"
        '    assert payment["status"] == "succeeded"\n'
        '    assert payment["currency"] == "EUR"\n'
    )
    moved = TEST_PAYMENTS.replace(
        '    assert payment["status"] == "succeeded"\n    assert payment["currency"] == "EUR"\n',
        "    check_succeeded(payment)\n",
    )
    repo = make_repo(tmp_path / "moved", base=PY, head={TESTS: moved + helper})
    assert check_removed_assertions(await repo.snapshot()) == []

    idle = '\n\ndef check_succeeded(payment):\n    print(payment["status"], payment["currency"])\n'
    repo = make_repo(tmp_path / "idle", base=PY, head={TESTS: moved + idle})
    findings = check_removed_assertions(await repo.snapshot())

    line = line_of(TEST_PAYMENTS, 'assert payment["status"] == "succeeded"')
    assert summary(findings) == [("tests/removed-assertion", TESTS, line, Severity.WARNING)]


LOGIN_SPEC = """describe('Login tests', () => {
  it('logs user in and out', () => {
    cy.visit('/login');
    cy.getDataTest('button-submit').click();
    cy.url().should('eq', Cypress.config().baseUrl + '/dashboard');
    cy.getDataTest('button-profile').click();
    cy.getDataTest('item-logout').click();
    cy.url().should('eq', Cypress.config().baseUrl + '/login');
  });
});
"""

SUPPORT = """Cypress.Commands.add('getDataTest', (value) => cy.get(`[data-test=${value}]`));
"""


async def test_assertions_moved_into_a_cypress_command_of_the_change(tmp_path: Path) -> None:
    """The logout steps and their check move into `cy.logout()`, added in cypress/support."""
    spec = LOGIN_SPEC.replace(
        "    cy.getDataTest('button-profile').click();\n"
        "    cy.getDataTest('item-logout').click();\n"
        "    cy.url().should('eq', Cypress.config().baseUrl + '/login');\n",
        "    cy.logout();\n",
    )
    support = SUPPORT + (
        "\nCypress.Commands.add('logout', () => {\n"
        "  cy.getDataTest('button-profile').click();\n"
        "  cy.getDataTest('item-logout').click();\n"
        "  cy.url().should('eq', Cypress.config().baseUrl + '/login');\n"
        "});\n"
    )
    base = {"cypress/e2e/login.cy.ts": LOGIN_SPEC, "cypress/support/e2e.ts": SUPPORT}

    moved = await removals(
        tmp_path / "moved",
        base,
        {"cypress/e2e/login.cy.ts": spec, "cypress/support/e2e.ts": support},
    )
    dropped = await removals(tmp_path / "dropped", base, {"cypress/e2e/login.cy.ts": spec})

    assert moved == []
    line = line_of(LOGIN_SPEC, "baseUrl + '/login'")
    assert summary(dropped) == [
        ("tests/removed-assertion", "cypress/e2e/login.cy.ts", line, Severity.WARNING)
    ]


VIEWS = '''"""The single-page app's index view."""


class IndexView:
    def get_context_data(self, language):
        context = {}
        context["styles_css"] = f"frontend/{language}/styles.css"
        context["runtime_js"] = f"frontend/{language}/runtime.js"
        context["main_js"] = f"frontend/{language}/main.js"
        return context
'''

TEST_VIEWS = """from app.views import IndexView


def test_index():
    context = IndexView().get_context_data("de")
    assert context["styles_css"] == "frontend/de/styles.css"
    assert context["runtime_js"] == "frontend/de/runtime.js"
    assert context["main_js"] == "frontend/de/main.js"
"""


async def test_an_assertion_removed_with_the_code_it_checked(tmp_path: Path) -> None:
    """The view stops setting `runtime_js`; dropping the assertion on it loses nothing."""
    base = {"app/__init__.py": "", "app/views.py": VIEWS, "tests/test_views.py": TEST_VIEWS}
    view = without(VIEWS, 'context["runtime_js"]', 1)
    test = without(TEST_VIEWS, 'assert context["runtime_js"]', 1)

    retired = await removals(
        tmp_path / "retired", base, {"app/views.py": view, "tests/test_views.py": test}
    )
    kept = await removals(
        tmp_path / "kept",
        base,
        {"app/views.py": VIEWS.replace("main.js", "app.js"), "tests/test_views.py": test},
    )

    assert retired == []
    line = line_of(TEST_VIEWS, 'assert context["runtime_js"]')
    assert summary(kept) == [
        ("tests/removed-assertion", "tests/test_views.py", line, Severity.WARNING)
    ]


async def test_an_assertion_moved_to_another_test_of_the_change(tmp_path: Path) -> None:
    """A check moved from one spec file to another still runs; one dropped does not."""
    settings = """test('sets the expiration period', async ({ page }) => {
  await page.goto('/settings/document');
  await expect(page.getByTestId('document-language-trigger')).toBeVisible();
  await expect(page.getByTestId('expiration-amount')).toHaveValue('2');
});
"""
    language = """test('sets the document language', async ({ page }) => {
  await page.goto('/settings/document');
  await page.getByTestId('document-language-trigger').click();
});
"""
    path = "e2e/settings.spec.ts"
    dropped = settings.replace(
        "  await expect(page.getByTestId('document-language-trigger')).toBeVisible();\n", ""
    )
    base = {path: settings, "e2e/language.spec.ts": language}

    moved = await removals(
        tmp_path / "moved",
        base,
        {
            path: dropped,
            "e2e/language.spec.ts": language.replace(
                "  await page.getByTestId('document-language-trigger').click();\n",
                "  await expect(page.getByTestId('document-language-trigger')).toBeVisible();\n",
            ),
        },
    )
    lost = await removals(tmp_path / "lost", base, {path: dropped})

    assert moved == []
    line = line_of(settings, "document-language-trigger")
    assert summary(lost) == [("tests/removed-assertion", path, line, Severity.WARNING)]


async def test_the_checks_are_pure_on_one_snapshot(tmp_path: Path) -> None:
    """Running a check twice on one snapshot gives the same findings: no state is used up."""
    moved = "from decimal import Decimal\n\nfrom shop.payments import charge\n\n\n" + (
        TEST_PAYMENTS.split("\n\n\n")[1] + "\n"
    )
    tests = without(TEST_PAYMENTS, "def test_charge_succeeds", 6)
    repo = make_repo(
        tmp_path / "r",
        base=PY,
        head={"shop/payments.py": STRICTER, TESTS: tests, "tests/test_charge.py": moved},
    )
    snap = await repo.snapshot()

    assert check_removed_tests(snap) == []
    assert check_removed_tests(snap) == []


async def test_one_moved_assertion_explains_one_removal_only(tmp_path: Path) -> None:
    """An assertion added once elsewhere stands in for one removed copy, not for every one."""
    python = TEST_PAYMENTS.replace(
        '    payment = cancel(charge(Decimal("5")))\n',
        '    payment = cancel(charge(Decimal("5")))\n    assert payment["currency"] == "EUR"\n',
    )
    dropped = python.replace('    assert payment["currency"] == "EUR"\n', "")
    moved = dropped + (
        "\n\ndef test_refund_keeps_currency():\n"
        '    payment = refund(charge(Decimal("5")))\n'
        '    assert payment["currency"] == "EUR"\n'
    )

    findings = await removals(tmp_path, {**PY, TESTS: python}, {TESTS: moved})

    copies = [i for i, text in enumerate(python.splitlines(), 1) if '"currency"] == "EUR"' in text]
    assert len(copies) == 2
    assert [(f.rule, f.severity) for f in findings] == [("tests/removed-assertion", "warning")]
    assert findings[0].line in copies


async def test_an_assertion_edited_in_place_is_not_the_one_reported(tmp_path: Path) -> None:
    """A check whose expected value changes is edited, not removed: alone it loses nothing, and
    beside a check really dropped the finding points at the dropped one, not at the edit."""
    paid = PAYMENTS.replace('"status": "succeeded"', '"status": "paid"')
    edited = TEST_PAYMENTS.replace('== "succeeded"', '== "paid"')
    production = {"shop/payments.py": paid}

    findings = await removals(tmp_path / "edit", PY, {**production, TESTS: edited})
    assert findings == []

    dropped = edited.replace('    assert payment["currency"] == "EUR"\n', "", 1)
    findings = await removals(tmp_path / "drop", PY, {**production, TESTS: dropped})

    line = line_of(TEST_PAYMENTS, 'assert payment["currency"] == "EUR"')
    assert summary(findings) == [("tests/removed-assertion", TESTS, line, Severity.WARNING)]


SYSTEM_TEST = """require "application_system_test_case"

class OrdersTest < ApplicationSystemTestCase
  test "can place an order" do
    visit orders_path
    click_on "Place order"

    within "#orders" do
      assert_text "Order 1 placed"
      assert_text "Order 2 placed"
    end
  end
end
"""


async def test_a_text_check_edited_beside_one_dropped_points_at_the_dropped(
    tmp_path: Path,
) -> None:
    """Of two page-text checks of one block, one re-worded and one dropped, the test still
    checks one thing less: a warning, naming the dropped check, not the re-worded one."""
    path = "test/system/orders_test.rb"
    head = SYSTEM_TEST.replace('      assert_text "Order 2 placed"\n', "").replace(
        "Order 1 placed", "Order 1 confirmed"
    )

    findings = await removals(tmp_path, {path: SYSTEM_TEST}, {path: head})

    line = line_of(SYSTEM_TEST, "Order 2 placed")
    assert summary(findings) == [("tests/removed-assertion", path, line, Severity.WARNING)]


# --- Go subtests and test handles ---------------------------------------------------------------

GO_USERS = """package users

import "errors"

func Create(name string) error {
	if name == "" {
		return errors.New("invalid username")
	}
	return nil
}
"""

GO_USERS_TEST = """package users

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreate(t *testing.T) {
	t.Run("rejects all-numeric usernames", func(t *testing.T) {
		err := Create("123")
		require.Error(t, err)
		require.Contains(t, err.Error(), "invalid username")
	})

	t.Run("rejects empty usernames", func(t *testing.T) {
		err := Create("")
		if err == nil {
			t.Fatal("want an error")
		}
		require.Contains(t, err.Error(), "invalid username")
	})
}
"""


async def test_a_go_subtest_rewritten_for_new_behaviour_loses_no_assertion(
    tmp_path: Path,
) -> None:
    """`t.Run("…")` is a test of its own: renamed and rewritten (the behaviour changed on
    purpose), it is a new test, not its parent asserting less; and `err.Error()` reads a message,
    it is no `t.Error`. A subtest that keeps its name but drops a `t.Fatal` asserts less."""
    head = GO_USERS_TEST.replace(
        """	t.Run("rejects all-numeric usernames", func(t *testing.T) {
		err := Create("123")
		require.Error(t, err)
		require.Contains(t, err.Error(), "invalid username")""",
        """	t.Run("accepts all-numeric usernames", func(t *testing.T) {
		require.NoError(t, Create("123"))""",
    ).replace(
        """		if err == nil {
			t.Fatal("want an error")
		}
""",
        "",
    )
    path = "users/users_test.go"
    base_files = {"users/users.go": GO_USERS, path: GO_USERS_TEST}
    findings = await removals(tmp_path, base_files, {"users/users.go": GO_USERS, path: head})
    assert summary(findings) == [
        (
            "tests/removed-assertion",
            path,
            line_of(GO_USERS_TEST, 't.Fatal("want an error")'),
            Severity.WARNING,
        )
    ]


# --- JVM tests, read from the diff's lines ------------------------------------------------------

CART = """package shop;

public class Cart {
    public int total(int price, int quantity) {
        return price * quantity;
    }
}
"""
CART_TEST = """package shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CartTest {
    @Test
    void multipliesPriceByQuantity() {
        assertEquals(6, new Cart().total(2, 3));
    }

    @Test
    @DisplayName("zero quantity")
    void zeroQuantityIsFree() {
        assertEquals(0, new Cart().total(2, 0));
    }
}
"""
JAVA = {"src/main/java/shop/Cart.java": CART, "src/test/java/shop/CartTest.java": CART_TEST}


async def test_a_removed_jvm_test_is_named_by_its_method_not_its_annotations(
    tmp_path: Path,
) -> None:
    """`@Test` and `@DisplayName` open the removed test, but the line a reviewer comments on is
    the method that names it, as Python's is its `def`: in a clone and in a bare diff alike."""
    path = "src/test/java/shop/CartTest.java"
    tests = CART_TEST.replace(
        '    @Test\n    @DisplayName("zero quantity")\n    void zeroQuantityIsFree() {\n'
        "        assertEquals(0, new Cart().total(2, 0));\n    }\n",
        "",
    )
    cart = CART.replace("price * quantity", "Math.max(price * quantity, 1)")
    repo = make_repo(
        tmp_path / "r", base=JAVA, head={"src/main/java/shop/Cart.java": cart, path: tests}
    )

    findings = check_removed_tests(await repo.snapshot())

    line = line_of(CART_TEST, "void zeroQuantityIsFree()")
    assert summary(findings) == [("tests/removed-test", path, line, Severity.WARNING)]
    assert [f.side for f in findings] == ["LEFT"]
    assert summary(check_removed_tests(Snapshot(parse(repo.diff)))) == summary(findings)


async def test_a_jvm_test_renamed_over_the_same_body_is_no_removal(tmp_path: Path) -> None:
    """The look-alike: its annotations and body stay, only the method's name changes."""
    path = "src/test/java/shop/CartTest.java"
    tests = CART_TEST.replace("void zeroQuantityIsFree()", "void zeroQuantityCostsNothing()")

    findings = await removals(tmp_path, JAVA, {path: tests})

    assert summary(findings) == []
