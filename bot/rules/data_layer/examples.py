"""Docs of the `data-layer` rules: why each matters, a change it flags, a look-alike it spares.

Examples come from the pack's labelled corpus (`tests/corpus/data-layer/`). Each rule's page
under `docs/rules/` (`python -m bot.rules.docs`) shows them as diffs;
`tests/rules/test_docs.py` runs each one through the engine: a flagged example must yield
the rule, its look-alike must not. Lines inside examples are code, kept as written.
"""

from __future__ import annotations

from bot.rules.model import Example

WHY: dict[str, str] = {
    "data-layer/canned-fallback": (
        "When the real call fails, users are shown canned records as if they were real: the "
        "outage is hidden, and decisions are taken on fake data."
    ),
    "data-layer/canned-response": (
        "The route answers the same literal payload to everyone: it looks done in a demo, "
        "but nothing the user does is stored or read back."
    ),
    "data-layer/closed-loop-test": (
        "A test that checks the code returns the fixture it was given passes whatever the "
        "code does with real data: it tests the fixture, not the code."
    ),
    "data-layer/fixture-import": (
        "Production code serving fixture or mock data shows every user the same canned "
        "records, and breaks when fixtures are left out of the build."
    ),
    "data-layer/fixture-read": (
        "Reading from a fixtures or testdata folder in production serves sample data to real "
        "users, and fails where that folder is not deployed."
    ),
    "data-layer/fixture-read-js": (
        "Reading from a fixtures or testdata folder in production serves sample data to real "
        "users, and fails where that folder is not deployed."
    ),
    "data-layer/in-memory-store": (
        "Records kept in a module-level dict or list vanish on every restart and differ "
        "between processes and replicas: data is lost and users see inconsistent state."
    ),
    "data-layer/literal-records": (
        "A data-access function that returns hard-coded records makes every screen look "
        "populated while nothing is read from a real store."
    ),
    "data-layer/query-replaced-by-literals": (
        "The function still has its name and callers, but it no longer reads the store: "
        "every caller now gets the same literal records."
    ),
}

EXAMPLES: dict[str, tuple[Example, Example]] = {
    "data-layer/canned-fallback": (
        Example(
            title="react page catches the fetch with mock data",
            base=(
                (
                    "web/src/pages/Orders.tsx",
                    """\
export async function loadOrders() {
  return fetch("/api/orders").then((r) => r.json());
}
""",
                ),
            ),
            head=(
                (
                    "web/src/pages/Orders.tsx",
                    """\
import { mockOrders } from "../data/mockOrders";

export async function loadOrders() {
  return fetch("/api/orders")
    .then((r) => r.json())
    .catch(() => mockOrders);
}
""",
                ),
            ),
        ),
        Example(
            title="fallbacks to empty results or defaults are not canned data",
            base=(
                (
                    "web/src/api/search.ts",
                    """\
export {};
""",
                ),
            ),
            head=(
                (
                    "shop/search/client.py",
                    """\
import httpx


def suggestions(q: str) -> list[str]:
    try:
        return httpx.get("https://search.internal/suggest", params={"q": q}).json()
    except httpx.HTTPError:
        return []
""",
                ),
                (
                    "web/src/api/search.ts",
                    """\
const DEFAULT_PAGE = { page: 1, size: 20 };

export async function suggestions(q: string): Promise<string[]> {
  return fetch(`/api/suggest?q=${q}`)
    .then((r) => r.json())
    .catch(() => DEFAULT_PAGE);
}
""",
                ),
            ),
        ),
    ),
    "data-layer/canned-response": (
        Example(
            title="next.js route handler answers canned data instead of fetching",
            base=(
                (
                    "web/app/api/cart/route.ts",
                    """\
import { NextResponse } from "next/server";

export async function GET() {
  const cart = await fetch(`${process.env.CART_API}/cart`).then((r) => r.json());
  return NextResponse.json(cart);
}
""",
                ),
            ),
            head=(
                (
                    "web/app/api/cart/route.ts",
                    """\
import { NextResponse } from "next/server";

export async function GET() {
  return NextResponse.json({ id: "cart-1", items: [], total: 0 });
}
""",
                ),
            ),
        ),
        Example(
            title="route keeps its query and shapes the answer",
            base=(
                (
                    "shop/web/customers.py",
                    """\
from flask import Blueprint, jsonify

from shop.customers.repository import customers

bp = Blueprint("customers", __name__)


@bp.get("/customers")
def list_customers():
    return jsonify(customers.all())
""",
                ),
            ),
            head=(
                (
                    "shop/web/customers.py",
                    """\
from flask import Blueprint, jsonify

from shop.customers.repository import customers

bp = Blueprint("customers", __name__)


@bp.get("/customers")
def list_customers():
    rows = customers.all()
    return jsonify({"items": rows, "count": len(rows)})
""",
                ),
            ),
        ),
    ),
    "data-layer/closed-loop-test": (
        Example(
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
        Example(
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
    "data-layer/fixture-import": (
        Example(
            title="react hook imports json fixture",
            base=(
                (
                    "web/src/hooks/useProducts.ts",
                    """\
import { useQuery } from "@tanstack/react-query";

export function useProducts() {
  return useQuery({ queryKey: ["products"], queryFn: () => fetch("/api/products").then((r) => r.json()) });
}
""",
                ),
            ),
            head=(
                (
                    "web/src/hooks/useProducts.ts",
                    """\
import products from "../__mocks__/products.json";

export function useProducts() {
  return { data: products, isLoading: false };
}
""",
                ),
            ),
        ),
        Example(
            title="dev-only mock service worker and settings that name the fixtures folder",
            base=(
                (
                    "shop/settings.py",
                    """\
from pathlib import Path

BASE_DIR = Path(__file__).parent
""",
                ),
                (
                    "web/src/main.tsx",
                    """\
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(<App />);
""",
                ),
            ),
            head=(
                (
                    "shop/settings.py",
                    """\
from pathlib import Path

BASE_DIR = Path(__file__).parent
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
""",
                ),
                (
                    "web/src/main.tsx",
                    """\
import { createRoot } from "react-dom/client";
import { App } from "./App";

if (import.meta.env.DEV) {
  const { worker } = await import("./mocks/browser");
  await worker.start();
}
createRoot(document.getElementById("root")!).render(<App />);
""",
                ),
            ),
        ),
    ),
    "data-layer/fixture-read": (
        Example(
            title="python service reads fixture json",
            base=(
                (
                    "catalog/service.py",
                    """\
from catalog.db import session


def products() -> list[dict[str, object]]:
    return [p.as_dict() for p in session.query_products()]
""",
                ),
            ),
            head=(
                (
                    "catalog/service.py",
                    """\
import json
from pathlib import Path

HERE = Path(__file__).parent


def products() -> list[dict[str, object]]:
    with open(HERE / "fixtures" / "products.json", encoding="utf-8") as handle:
        return list(json.load(handle))
""",
                ),
            ),
        ),
        Example(
            title="dev-only mock service worker and settings that name the fixtures folder",
            base=(
                (
                    "shop/settings.py",
                    """\
from pathlib import Path

BASE_DIR = Path(__file__).parent
""",
                ),
                (
                    "web/src/main.tsx",
                    """\
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(<App />);
""",
                ),
            ),
            head=(
                (
                    "shop/settings.py",
                    """\
from pathlib import Path

BASE_DIR = Path(__file__).parent
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
""",
                ),
                (
                    "web/src/main.tsx",
                    """\
import { createRoot } from "react-dom/client";
import { App } from "./App";

if (import.meta.env.DEV) {
  const { worker } = await import("./mocks/browser");
  await worker.start();
}
createRoot(document.getElementById("root")!).render(<App />);
""",
                ),
            ),
        ),
    ),
    "data-layer/fixture-read-js": (
        Example(
            title="node api reads mock json",
            base=(
                (
                    "api/src/inventory.ts",
                    """\
import { pool } from "./db";

export async function stock(): Promise<unknown[]> {
  const { rows } = await pool.query("SELECT sku, quantity FROM stock");
  return rows;
}
""",
                ),
            ),
            head=(
                (
                    "api/src/inventory.ts",
                    """\
import fs from "node:fs";
import path from "node:path";

export async function stock(): Promise<unknown[]> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "mocks/stock.json"), "utf8"));
}
""",
                ),
            ),
        ),
        Example(
            title="production code that names fixture paths without reading them",
            base=(
                (
                    "shop/management/help.py",
                    """\
HELP = "Load demo data."
""",
                ),
            ),
            head=(
                (
                    "shop/management/help.py",
                    """\
import logging

log = logging.getLogger(__name__)
HELP = "Load demo data with `manage.py loaddata fixtures/orders.json`."
SKIPPED_FOLDERS = ", ".join(["fixtures", "__mocks__", "testdata"])


def explain() -> str:
    log.info("demo data lives in fixtures/orders.json")
    return HELP
""",
                ),
                (
                    "web/src/help.ts",
                    """\
export const HELP = ["Demo data lives in", "fixtures/orders.json"].join(" ");
console.info("mocks/users.json is for tests only");
""",
                ),
            ),
        ),
    ),
    "data-layer/in-memory-store": (
        Example(
            title="python store keeps orders in a module-level dict",
            base=(
                (
                    "shop/orders/store.py",
                    """\
from shop.db import connection


def save(order: dict) -> None:
    connection().execute("INSERT INTO orders (id, total) VALUES (%s, %s)", order["id"], order["total"])


def get(order_id: int) -> dict | None:
    return connection().fetch_one("SELECT * FROM orders WHERE id = %s", order_id)
""",
                ),
            ),
            head=(
                (
                    "shop/orders/store.py",
                    """\
_orders: dict[int, dict] = {}


def save(order: dict) -> None:
    _orders[order["id"]] = order


def get(order_id: int) -> dict | None:
    return _orders.get(order_id)
""",
                ),
            ),
        ),
        Example(
            title="store module with constant tables it never writes to",
            base=(
                (
                    "shop/orders/store.py",
                    """\
from shop.db import connection
""",
                ),
            ),
            head=(
                (
                    "shop/orders/store.py",
                    """\
from shop.db import connection

COLUMNS: list[str] = []
_statuses: dict[str, str] = {}


def columns() -> list[str]:
    return COLUMNS or ["id", "total"]


def load(order_id: int) -> dict | None:
    return connection().fetch_one("SELECT * FROM orders WHERE id = %s", order_id)
""",
                ),
            ),
        ),
    ),
    "data-layer/literal-records": (
        Example(
            title="new store method returns a SAMPLE constant",
            base=(
                (
                    "shop/customers/store.py",
                    """\
from shop.db import connection


def find(customer_id: int) -> dict[str, object] | None:
    return connection().fetch_one("SELECT * FROM customers WHERE id = %s", customer_id)
""",
                ),
            ),
            head=(
                (
                    "shop/customers/store.py",
                    """\
from shop.db import connection

SAMPLE_CUSTOMERS = [{"id": 1, "email": "ada@example.com"}]


def find(customer_id: int) -> dict[str, object] | None:
    return connection().fetch_one("SELECT * FROM customers WHERE id = %s", customer_id)


def list_all() -> list[dict[str, object]]:
    return SAMPLE_CUSTOMERS
""",
                ),
            ),
        ),
        Example(
            title="query kept, result mapped to plain records",
            base=(
                (
                    "api/src/repositories/userRepository.ts",
                    """\
import type { Pool } from "pg";

export function makeUserRepository(db: Pool) {
  return {
    async findAll() {
      const { rows } = await db.query("SELECT id, email FROM users");
      return rows;
    },
  };
}
""",
                ),
            ),
            head=(
                (
                    "api/src/repositories/userRepository.ts",
                    """\
import type { Pool } from "pg";

export function makeUserRepository(db: Pool) {
  return {
    async findAll() {
      const { rows } = await db.query("SELECT id, email, name FROM users");
      return rows.map((row) => ({ id: row.id, email: row.email, name: row.name }));
    },
  };
}
""",
                ),
            ),
        ),
    ),
    "data-layer/query-replaced-by-literals": (
        Example(
            title="django repository imports fixture module",
            base=(
                (
                    "fixtures/orders.py",
                    """\
ORDERS = [{"id": 1, "total_cents": 1999}, {"id": 2, "total_cents": 4250}]
""",
                ),
                (
                    "shop/orders/repository.py",
                    """\
from shop.orders.models import Order


def recent_orders(customer: str, limit: int = 20) -> list[dict]:
    rows = Order.objects.filter(customer=customer).order_by("-created_at")[:limit]
    return [{"id": row.pk, "total_cents": row.total_cents} for row in rows]
""",
                ),
            ),
            head=(
                (
                    "shop/orders/repository.py",
                    """\
from fixtures.orders import ORDERS


def recent_orders(customer: str, limit: int = 20) -> list[dict]:
    return ORDERS[:limit]
""",
                ),
            ),
        ),
        Example(
            title="repository keeps its query and adds an early literal answer",
            base=(
                (
                    "shop/orders/repository.py",
                    """\
from shop.db import connection


def find_many(ids: list[int]) -> list[dict[str, object]]:
    return connection().fetch_all("SELECT id, total FROM orders WHERE id = ANY(%s)", ids)
""",
                ),
            ),
            head=(
                (
                    "shop/orders/repository.py",
                    """\
from shop.db import connection


def find_many(ids: list[int]) -> list[dict[str, object]]:
    if not ids:
        return [{"total": "0.00", "placeholder": True}]
    return connection().fetch_all("SELECT id, total FROM orders WHERE id = ANY(%s)", ids)
""",
                ),
            ),
        ),
    ),
}
