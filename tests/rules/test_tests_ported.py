"""Suites ported to another runner, and checks merged into one equality check.

Two kinds of false alarm read on the real-PR benchmark: a unit suite moved to an end-to-end
runner in the same pull request, each test retitled (a hyphen set as an en dash, `/:id` spelt
`/{id}`, the suite's title folded into the test's) and rewritten against the new runner's API;
and a test's separate checks of an answer's status and body merged into one check of both. Each
has a look-alike negative here, written for these tests, and true positives next to it.
"""

from __future__ import annotations

from pathlib import Path

from bot.rules.model import Severity
from bot.rules.tests.ported import ported
from bot.rules.tests.rewrites import title_words, unparametrised
from bot.rules.tests.similarity import Weights
from tests.rules.removals import line_of, removals, summary

# --- A suite ported to another runner -----------------------------------------------------------

ORDERS = """export function createOrder(items, coupon) {
  if (!items.length) throw new Error("empty order");
  return { id: "ord_1", items, coupon: coupon ?? null, status: "open" };
}
"""

UNIT_SUITE = """import { describe, expect, test } from "vitest";
import { Harness } from "../harness";

describe("POST /orders", async () => {
  const h = new Harness();
  const { http } = await h.init();

  test("with a single item", async () => {
    const { status, data: order } = await http.post({
      path: "/orders",
      body: { items: [{ sku: "tea-green", quantity: 2 }] },
    });
    expect(status).toEqual(201);
    expect(order.items).toHaveLength(1);
    expect(order.coupon).toBeNull();
  });

  test("with a coupon code", async () => {
    const { status, data: order } = await http.post({
      path: "/orders",
      body: { items: [{ sku: "tea-green", quantity: 1 }], coupon: "SPRING10" },
    });
    expect(status).toEqual(201);
    expect(order.coupon).toEqual("SPRING10");
  });
});

test("GET /orders/:orderId - returns the stored order", async () => {
  const h = new Harness();
  const { http } = await h.init();
  const { data: created } = await http.post({ path: "/orders", body: { items: [{ sku: "mug" }] } });
  const { status, data: order } = await http.get({ path: `/orders/${created.id}` });
  expect(status).toEqual(200);
  expect(order.items[0].sku).toEqual("mug");
});

test("DELETE /orders/:orderId - cancels an open order (50)", async () => {
  const h = new Harness();
  const { http } = await h.init();
  const { data: created } = await http.post({ path: "/orders", body: { items: [{ sku: "mug" }] } });
  const { status, data: order } = await http.delete({ path: `/orders/${created.id}` });
  expect(status).toEqual(200);
  expect(order.status).toEqual("cancelled");
});
"""

PORTED_SPEC = """import { expect } from "@playwright/test";
import { test } from "../fixtures";

const GREEN_TEA = { sku: "tea-green", quantity: 2 };

test("POST /orders \u2013 single item", async ({ api }) => {
  const { status, data } = await api.post("/api/orders", { items: [GREEN_TEA] });
  expect(status).toEqual(201);
  expect(data.items).toHaveLength(1);
  expect(data.coupon).toBeNull();
});

test("POST /orders \u2013 coupon code", async ({ api }) => {
  const { status, data } = await api.post("/api/orders", {
    items: [{ sku: "tea-green", quantity: 1 }],
    coupon: "SPRING10",
  });
  expect(status).toEqual(201);
  expect(data.coupon).toEqual("SPRING10");
});

test("GET /orders/{orderId} \u2013 returns the stored order", async ({ api, order }) => {
  const { status, data } = await api.get(`/api/orders/${order.id}`);
  expect(status).toEqual(200);
  expect(data.items[0].sku).toEqual("mug");
});

test("DELETE /orders/{orderId} \u2013 cancels an open order", async ({ api, order }) => {
  const { status, data } = await api.delete(`/api/orders/${order.id}`);
  expect(status).toEqual(200);
  expect(data.status).toEqual("cancelled");
});
"""


async def test_a_suite_ported_to_another_runner_under_retouched_titles_is_not_deleted(
    tmp_path: Path,
) -> None:
    """Each test reappears in the new runner's file: its title's words kept (dash, route
    parameter and suite title respelt, a detail dropped), its body rewritten for a new API."""
    findings = await removals(
        tmp_path,
        {"src/orders.js": ORDERS, "tests/orders/orders.test.ts": UNIT_SUITE},
        {
            "src/orders.js": ORDERS.replace("empty order", "an order needs items"),
            "tests/orders/orders.test.ts": None,
            "e2e/api/orders.spec.ts": PORTED_SPEC,
        },
    )

    assert findings == []


async def test_a_ported_suite_missing_one_test_is_still_deleted(tmp_path: Path) -> None:
    """The port leaves out the coupon test: the deleted file is an error, naming that test."""
    coupon = PORTED_SPEC[PORTED_SPEC.index('test("POST /orders \u2013 coupon') :]
    coupon = coupon[: coupon.index("});\n\n") + len("});\n\n")]

    findings = await removals(
        tmp_path,
        {"src/orders.js": ORDERS, "tests/orders/orders.test.ts": UNIT_SUITE},
        {
            "src/orders.js": ORDERS.replace("empty order", "an order needs items"),
            "tests/orders/orders.test.ts": None,
            "e2e/api/orders.spec.ts": PORTED_SPEC.replace(coupon, ""),
        },
    )

    line = line_of(UNIT_SUITE, '"with a coupon code"')
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/orders/orders.test.ts", line, Severity.ERROR)
    ]
    assert "`with a coupon code`" in findings[0].message


async def test_a_new_test_of_the_same_route_checking_another_behaviour_ports_nothing(
    tmp_path: Path,
) -> None:
    """A new test whose title holds the old one's words, but whose body checks something else
    (a forbidden answer, not the stored order), is not the old test ported."""
    stored = PORTED_SPEC[PORTED_SPEC.index('test("GET /orders/{orderId}') :]
    stored = stored[: stored.index("});\n\n") + len("});\n\n")]
    forbidden = """test("GET /orders/{orderId} \u2013 returns the stored order to admins", async ({
  guest,
}) => {
  const answer = await guest.get("/api/orders/ord_404");
  expect(answer.status).toBe(403);
});

"""

    findings = await removals(
        tmp_path,
        {"src/orders.js": ORDERS, "tests/orders/orders.test.ts": UNIT_SUITE},
        {
            "src/orders.js": ORDERS.replace("empty order", "an order needs items"),
            "tests/orders/orders.test.ts": None,
            "e2e/api/orders.spec.ts": PORTED_SPEC.replace(stored, forbidden),
        },
    )

    line = line_of(UNIT_SUITE, "GET /orders/:orderId")
    assert summary(findings) == [
        ("tests/deleted-test-file", "tests/orders/orders.test.ts", line, Severity.ERROR)
    ]


def test_a_short_title_held_in_a_long_one_of_another_behaviour_is_not_ported() -> None:
    """`valuations sync` is in `reconciliation valuations do not affect balance for reverse
    syncs`, but the longer title names a behaviour of its own, not the shorter one's context;
    `POST /items > with a note` ported as `POST /items \u2013 note` keeps its test."""
    old_body = frozenset({"ledger", "valuation", "sync", "balance", "amount", "100"})
    new_body = frozenset({"ledger", "valuation", "reconcile", "balance", "reverse", "100"})
    removed = [("valuations sync", old_body), ("POST /items > with a note", old_body)]
    added = [
        ("reconciliation valuations do not affect balance for reverse syncs", new_body),
        ("POST /items \u2013 note", new_body),
    ]

    found = ported(removed, added, Weights([old_body, new_body]))

    assert found == frozenset({1})


async def test_two_tests_of_one_name_ported_as_one_test_are_not_lost(tmp_path: Path) -> None:
    """Two suites each ended with the same cancelling test; the port keeps one, making every
    check the second one made."""
    twice = UNIT_SUITE.replace(
        '});\n\ntest("GET /orders',
        """  test("DELETE /orders/:orderId - cancels an open order (50)", async () => {
    const { status } = await http.delete({ path: "/orders/ord_1" });
    expect(status).toEqual(200);
  });
});

test("GET /orders""",
        1,
    )

    findings = await removals(
        tmp_path,
        {"src/orders.js": ORDERS, "tests/orders/orders.test.ts": twice},
        {
            "src/orders.js": ORDERS.replace("empty order", "an order needs items"),
            "tests/orders/orders.test.ts": None,
            "e2e/api/orders.spec.ts": PORTED_SPEC.replace(
                "cancels an open order", "cancels an open order (50)"
            ),
        },
    )

    assert findings == []


async def test_a_second_test_of_one_name_checking_what_the_port_does_not_is_lost(
    tmp_path: Path,
) -> None:
    """The second test of the name checked the stock put back, which no new test checks."""
    twice = UNIT_SUITE.replace(
        '});\n\ntest("GET /orders',
        """  test("DELETE /orders/:orderId - cancels an open order (50)", async () => {
    const { data: stock } = await http.get({ path: "/stock/tea-green" });
    expect(stock.available).toEqual(3);
  });
});

test("GET /orders""",
        1,
    )

    findings = await removals(
        tmp_path,
        {"src/orders.js": ORDERS, "tests/orders/orders.test.ts": twice},
        {
            "src/orders.js": ORDERS.replace("empty order", "an order needs items"),
            "tests/orders/orders.test.ts": None,
            "e2e/api/orders.spec.ts": PORTED_SPEC.replace(
                "cancels an open order", "cancels an open order (50)"
            ),
        },
    )

    # Which of the two the port's test stands for is the reader's call: one is lost.
    assert [(f.rule, f.path, f.severity) for f in findings] == [
        ("tests/deleted-test-file", "tests/orders/orders.test.ts", Severity.ERROR)
    ]
    assert "`DELETE /orders/:orderId - cancels an open order (50)`" in findings[0].message


def test_a_route_parameter_is_one_word_however_it_is_spelt() -> None:
    """`/:id`, `/{id}`, `/[id]`, `/<id>` and `/${id}` name one route; no parameter, another."""
    spellings = ["GET /a/:itemId/b", "GET /a/{id}/b", "GET /a/[itemId]/b", "GET /a/<id>/b"]
    assert {unparametrised(s) for s in spellings} == {"GET /a/{}/b"}
    assert unparametrised("GET /a/${item.id}/b") == "GET /a/{}/b"
    assert title_words("GET /a/:itemId/b") == title_words("GET /a/{id}/b")
    assert title_words("GET /a/:itemId/b") != title_words("GET /a/b")


# --- Checks of an answer's parts merged into one equality check ---------------------------------

CHECKOUT_TEST = """import { client } from "./client";

test("rejects an empty cart", async () => {
  const { status, body } = await client.post("/checkout", { items: [] });

  expect(status).toBe(422);
  expect(body).toEqual({ error: { code: "empty_cart", message: "The cart is empty." } });
});

test("rejects an unknown coupon", async () => {
  const { status, body: failure } = await client.post("/checkout", { coupon: "NOPE" });

  expect(status).toBe(404);
  expect(failure).toEqual({ error: { code: "not_found", message: "Unknown coupon." } });
});
"""

MERGED_CHECKOUT_TEST = """import { client } from "./client";
import { failed } from "./expected";

test("rejects an empty cart", async () => {
  expect(await client.post("/checkout", { items: [] })).toEqual(
    failed("empty_cart", "The cart is empty."),
  );
});

test("rejects an unknown coupon", async () => {
  const { status, body: failure } = await client.post("/checkout", { coupon: "NOPE" });

  expect({ status, body: failure }).toEqual(failed("not_found", "Unknown coupon."));
});
"""

EXPECTED = """export function failed(code, message) {
  const status = { empty_cart: 422, not_found: 404 }[code];
  return { status, body: { error: { code, message } } };
}
"""


async def test_status_and_body_checks_merged_into_one_equality_check_are_not_lost(
    tmp_path: Path,
) -> None:
    """One check now compares the whole answer, or an object of its status and body, equal to
    an expected value: what the two checks checked is checked still."""
    findings = await removals(
        tmp_path,
        {"tests/checkout.test.js": CHECKOUT_TEST},
        {"tests/checkout.test.js": MERGED_CHECKOUT_TEST, "tests/expected.js": EXPECTED},
    )

    assert findings == []


async def test_a_status_check_left_out_of_the_merged_check_is_lost(tmp_path: Path) -> None:
    """The merged check compares the body alone: the status is no longer checked."""
    body_only = MERGED_CHECKOUT_TEST.replace(
        "expect({ status, body: failure })", "expect({ body: failure })"
    )

    findings = await removals(
        tmp_path,
        {"tests/checkout.test.js": CHECKOUT_TEST},
        {"tests/checkout.test.js": body_only, "tests/expected.js": EXPECTED},
    )

    line = line_of(CHECKOUT_TEST, "expect(status).toBe(404)")
    assert summary(findings) == [
        ("tests/removed-assertion", "tests/checkout.test.js", line, Severity.WARNING)
    ]


async def test_a_partial_or_negated_check_of_the_answer_merges_nothing(tmp_path: Path) -> None:
    """`toMatchObject` checks only the keys it is given, `.not.toEqual` only a difference:
    neither stands in for the checks of the answer's parts."""
    partial = MERGED_CHECKOUT_TEST.replace(
        """).toEqual(
    failed("empty_cart", "The cart is empty."),
  );""",
        ").toMatchObject({ status: 422 });",
    ).replace(
        'expect({ status, body: failure }).toEqual(failed("not_found", "Unknown coupon."));',
        'expect({ status, body: failure }).not.toEqual(failed("empty_cart", "-"));',
    )

    findings = await removals(
        tmp_path,
        {"tests/checkout.test.js": CHECKOUT_TEST},
        {"tests/checkout.test.js": partial, "tests/expected.js": EXPECTED},
    )

    assert summary(findings) == [
        (
            "tests/removed-assertion",
            "tests/checkout.test.js",
            line_of(CHECKOUT_TEST, needle),
            Severity.WARNING,
        )
        for needle in ("expect(status).toBe(422)", "expect(status).toBe(404)")
    ]


async def test_a_check_edited_while_another_is_dropped_is_lost(tmp_path: Path) -> None:
    """The body check now expects more, and the status check goes: the edited check stands in
    for its old self only, so the test still asserts one thing less."""
    edited = CHECKOUT_TEST.replace("  expect(status).toBe(422);\n", "").replace(
        'message: "The cart is empty." } }', 'message: "The cart is empty.", items: 0 } }'
    )

    findings = await removals(
        tmp_path, {"tests/checkout.test.js": CHECKOUT_TEST}, {"tests/checkout.test.js": edited}
    )

    line = line_of(CHECKOUT_TEST, "expect(status).toBe(422)")
    assert summary(findings) == [
        ("tests/removed-assertion", "tests/checkout.test.js", line, Severity.WARNING)
    ]


TEST_ACCOUNTS = """def test_missing_account_is_not_found(client):
    response = client.get("/accounts/404")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert response.headers["content-type"] == "application/json"
"""


async def test_python_checks_merged_into_one_tuple_comparison_are_not_lost(
    tmp_path: Path,
) -> None:
    """`assert (status, headers) == (...)` checks both values the two asserts checked."""
    merged = TEST_ACCOUNTS.replace(
        """    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert response.headers["content-type"] == "application/json"
""",
        """    assert (response.status_code, response.headers["content-type"]) == (
        404,
        "application/json",
    )
    assert response.json() == {"detail": "Not found."}
""",
    )

    findings = await removals(
        tmp_path, {"tests/test_accounts.py": TEST_ACCOUNTS}, {"tests/test_accounts.py": merged}
    )

    assert findings == []


async def test_python_checks_dropped_beside_a_tuple_comparison_are_lost(tmp_path: Path) -> None:
    """The tuple compares the status alone: the header check is gone."""
    merged = TEST_ACCOUNTS.replace(
        """    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert response.headers["content-type"] == "application/json"
""",
        """    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
""",
    )

    findings = await removals(
        tmp_path, {"tests/test_accounts.py": TEST_ACCOUNTS}, {"tests/test_accounts.py": merged}
    )

    line = line_of(TEST_ACCOUNTS, "content-type")
    assert summary(findings) == [
        ("tests/removed-assertion", "tests/test_accounts.py", line, Severity.WARNING)
    ]
