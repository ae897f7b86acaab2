// Annotated target for the tests pack's skips and focus (TypeScript), as `web/src/checkout.test.ts`.
import { describe, expect, it, test } from "vitest";

const NEW_CHECKOUT = process.env.FEATURE_NEW_CHECKOUT === "1";
// ok: tests/skipped-test
const itWithNewCheckout = NEW_CHECKOUT ? it : it.skip;

describe("checkout", () => {
  // ruleid: tests/skipped-test
  it.skip("charges the card", () => {
    expect(1 + 1).toBe(2);
  });

  // ruleid: tests/skipped-test
  xit("refunds the card", () => {
    expect(2 - 1).toBe(1);
  });

  if (!NEW_CHECKOUT) {
    // ok: tests/skipped-test
    it.skip("uses the new checkout", () => {
      expect(NEW_CHECKOUT).toBe(true);
    });
  }

  itWithNewCheckout("shows the new summary", () => {
    expect(NEW_CHECKOUT).toBe(true);
  });

  // ok: tests/skipped-test
  xit("splits the payment");

  // ok: tests/skipped-test
  it.skip("applies gift cards", () => {});

  // ok: tests/skipped-test
  test.todo("supports wallets");

  test("stores the receipt", () => {
    // ok: tests/skipped-test
    test.skip(!NEW_CHECKOUT, "receipts need the new checkout");
    expect(NEW_CHECKOUT).toBe(true);
  });

  const title = "keeps the basket";
  // ruleid: tests/skipped-test
  it.skip(title, () => {
    expect(title).toBe("keeps the basket");
  });

  test("prints the receipt", () => {
    // ruleid: tests/skipped-test
    test.skip();
    expect(true).toBe(true);
  });

  // ruleid: tests/focused-test
  it.only("totals the cart", () => {
    expect(3).toBe(3);
  });

  // ok: tests/focused-test
  it("is never committed as it.only or fdescribe", () => {
    expect(4).toBe(4);
  });
});

// ruleid: tests/skipped-test
describe.skip("refunds", () => {
  it("works", () => {
    expect(1).toBe(1);
  });
});
