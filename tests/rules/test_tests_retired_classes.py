"""A class or a package deleted together with its tests is cleanup; their tests deleted alone
are lost.

Shaped like real cases (a deprecated class dropped at the end of its deprecation period with its
test class; a payment integration dropped as a whole, its package and its test folder), written
small for these tests.
"""

from __future__ import annotations

from pathlib import Path

from bot.rules.model import Severity
from tests.gitrepo import Files
from tests.rules.removals import line_of, removals, summary

# --- A class deleted with its test class --------------------------------------------------------

BULK = '''

class BulkDiscount:
    """Deprecated since 2.0: use PercentDiscount with a minimum quantity."""

    def __init__(self, threshold: int, off: Decimal) -> None:
        self.threshold = threshold
        self.off = off

    def apply(self, total: Decimal, quantity: int) -> Decimal:
        return total - self.off if quantity >= self.threshold else total
'''
PRICING = (
    '''"""Discounts taken off a basket's total."""

from decimal import Decimal


class PercentDiscount:
    def __init__(self, percent: int) -> None:
        self.percent = percent

    def apply(self, total: Decimal) -> Decimal:
        return total * (100 - self.percent) / 100
'''
    + BULK
)

TEST_BULK = """

class TestBulkDiscount:
    def test_applies_from_the_threshold(self):
        discount = BulkDiscount(threshold=10, off=Decimal("5"))
        assert discount.apply(Decimal("100"), quantity=10) == Decimal("95")

    def test_not_below_the_threshold(self):
        discount = BulkDiscount(threshold=10, off=Decimal("5"))
        assert discount.apply(Decimal("100"), quantity=9) == Decimal("100")
"""
TEST_PRICING = (
    """from decimal import Decimal

from shop.pricing import BulkDiscount, PercentDiscount


class TestPercentDiscount:
    def test_takes_the_percentage_off(self):
        assert PercentDiscount(10).apply(Decimal("50")) == Decimal("45")

    def test_zero_percent_changes_nothing(self):
        assert PercentDiscount(0).apply(Decimal("50")) == Decimal("50")
"""
    + TEST_BULK
)
WITHOUT_BULK_TESTS = TEST_PRICING.replace(TEST_BULK, "").replace(
    "BulkDiscount, PercentDiscount", "PercentDiscount"
)
SHOP = {"shop/__init__.py": "", "shop/pricing.py": PRICING, "tests/test_pricing.py": TEST_PRICING}


async def test_a_class_deleted_with_its_test_class_is_a_notice(tmp_path: Path) -> None:
    """`BulkDiscount` goes with `TestBulkDiscount`: cleanup, said in a notice."""
    findings = await removals(
        tmp_path,
        SHOP,
        {"shop/pricing.py": PRICING.replace(BULK, ""), "tests/test_pricing.py": WITHOUT_BULK_TESTS},
    )

    line = line_of(TEST_PRICING, "def test_applies_from_the_threshold")
    assert summary(findings) == [
        ("tests/removed-test", "tests/test_pricing.py", line, Severity.NOTICE)
    ]


async def test_a_test_class_deleted_while_its_class_stays_warns(tmp_path: Path) -> None:
    """`BulkDiscount` stays (the module changes elsewhere): its tests are lost."""
    rounded = PRICING.replace("/ 100\n", "// 100\n")

    findings = await removals(
        tmp_path, SHOP, {"shop/pricing.py": rounded, "tests/test_pricing.py": WITHOUT_BULK_TESTS}
    )

    line = line_of(TEST_PRICING, "def test_applies_from_the_threshold")
    assert summary(findings) == [
        ("tests/removed-test", "tests/test_pricing.py", line, Severity.WARNING)
    ]


# --- The same class with its tests in a file of their own, named after it -----------------------

TEST_BULK_FILE = (
    "from decimal import Decimal\n\nfrom shop.pricing import BulkDiscount\n" + TEST_BULK
)
OWN_FILE = {
    **SHOP,
    "tests/test_pricing.py": WITHOUT_BULK_TESTS,
    "tests/test_bulk_discount.py": TEST_BULK_FILE,
}


async def test_a_class_deleted_with_its_own_test_file_is_a_notice(tmp_path: Path) -> None:
    """The module stays, `BulkDiscount` leaves it, and tests/test_bulk_discount.py goes too."""
    findings = await removals(
        tmp_path,
        OWN_FILE,
        {"shop/pricing.py": PRICING.replace(BULK, ""), "tests/test_bulk_discount.py": None},
    )

    line = line_of(TEST_BULK_FILE, "def test_applies_from_the_threshold")
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/test_bulk_discount.py", line, Severity.NOTICE)
    ]


async def test_a_class_own_test_file_deleted_while_the_class_stays_is_an_error(
    tmp_path: Path,
) -> None:
    """`BulkDiscount` stays and production code changes: its whole test file is gone."""
    rounded = PRICING.replace("/ 100\n", "// 100\n")

    findings = await removals(
        tmp_path, OWN_FILE, {"shop/pricing.py": rounded, "tests/test_bulk_discount.py": None}
    )

    line = line_of(TEST_BULK_FILE, "def test_applies_from_the_threshold")
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/test_bulk_discount.py", line, Severity.ERROR)
    ]


# --- A package deleted with its test folder -----------------------------------------------------

PAYPAL = {
    "shop/payments/paypal/__init__.py": '''"""PayPal checkout."""

from shop.payments.paypal.orders import create_order
from shop.payments.paypal.webhooks import verify_event

__all__ = ["create_order", "verify_event"]
''',
    "shop/payments/paypal/orders.py": '''"""Orders created on PayPal for a basket."""


def create_order(basket_id: int, cents: int) -> dict:
    return {"intent": "CAPTURE", "reference_id": f"basket-{basket_id}", "value": cents / 100}
''',
    "shop/payments/paypal/webhooks.py": '''"""PayPal's webhook events."""


def verify_event(headers: dict, body: bytes) -> bool:
    return headers.get("paypal-transmission-sig") is not None and bool(body)
''',
}
TEST_WEBHOOKS = """from shop.payments.paypal.webhooks import verify_event


def test_a_signed_event_is_accepted():
    assert verify_event({"paypal-transmission-sig": "sig"}, b"{}")


def test_an_unsigned_event_is_refused():
    assert not verify_event({}, b"{}")
"""
PAYPAL_TESTS = {
    "tests/payments/paypal/__init__.py": "",
    "tests/payments/paypal/test_checkout.py": """from shop.payments.paypal import create_order


def test_checkout_captures_the_basket_total():
    order = create_order(7, 1250)
    assert order["intent"] == "CAPTURE"
    assert order["value"] == 12.5


def test_checkout_refers_to_the_basket():
    assert create_order(7, 1250)["reference_id"] == "basket-7"
""",
    "tests/payments/paypal/test_webhooks.py": TEST_WEBHOOKS,
}
# The rest of the payments package, and its tests: they stay.
CARDS = {
    "shop/payments/__init__.py": "",
    "shop/payments/cards.py": '''"""Card payments."""


def charge_card(token: str, cents: int) -> dict:
    return {"token": token, "cents": cents, "status": "paid"}
''',
    "tests/payments/__init__.py": "",
    "tests/payments/test_cards.py": """from shop.payments.cards import charge_card


def test_charge_card_pays():
    assert charge_card("tok", 500)["status"] == "paid"
""",
}
PAYMENTS = {**CARDS, **PAYPAL, **PAYPAL_TESTS}
CHECKOUT = "tests/payments/paypal/test_checkout.py"
WEBHOOKS = "tests/payments/paypal/test_webhooks.py"


def deleted(files: Files) -> Files:
    return dict.fromkeys(files)


def first_test(path: str) -> int:
    return line_of(PAYMENTS[path], "def test_")


async def test_a_package_deleted_with_its_test_folder_is_a_notice(tmp_path: Path) -> None:
    """shop/payments/paypal/ and tests/payments/paypal/ go together: cleanup, one notice a file."""
    findings = await removals(tmp_path, PAYMENTS, {**deleted(PAYPAL), **deleted(PAYPAL_TESTS)})

    assert summary(findings) == [
        ("tests/deleted-test-file", CHECKOUT, first_test(CHECKOUT), Severity.NOTICE),
        ("tests/deleted-test-file", WEBHOOKS, first_test(WEBHOOKS), Severity.NOTICE),
    ]


async def test_a_test_folder_deleted_while_its_package_stays_is_an_error(tmp_path: Path) -> None:
    """The PayPal package stays and production code changes: its test suite is gone."""
    cards = PAYMENTS["shop/payments/cards.py"].replace('"paid"', '"captured"')
    tests_of_cards = PAYMENTS["tests/payments/test_cards.py"].replace('"paid"', '"captured"')

    findings = await removals(
        tmp_path,
        PAYMENTS,
        {
            **deleted(PAYPAL_TESTS),
            "shop/payments/cards.py": cards,
            "tests/payments/test_cards.py": tests_of_cards,
        },
    )

    assert summary(findings) == [
        ("tests/deleted-test-file", CHECKOUT, first_test(CHECKOUT), Severity.ERROR),
        ("tests/deleted-test-file", WEBHOOKS, first_test(WEBHOOKS), Severity.ERROR),
    ]
