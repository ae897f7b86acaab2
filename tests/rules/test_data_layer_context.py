"""Pack `data-layer` judged in context: error responses are not canned data, and a route that
stopped calling anything (whatever the call is named) for a literal list is a canned response.
"""

from __future__ import annotations

from pathlib import Path

from bot.diff.parse import parse
from bot.rules.data_layer import (
    CANNED_FALLBACK,
    CANNED_RESPONSE,
    IN_MEMORY_STORE,
    LITERAL_RECORDS,
    PACK,
    QUERY_REPLACED,
)
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

OURS = {CANNED_FALLBACK, CANNED_RESPONSE, LITERAL_RECORDS, QUERY_REPLACED, IN_MEMORY_STORE}


def line_of(source: str, needle: str) -> int:
    """Return the 1-based number of the only line containing `needle`."""
    numbers = [n for n, text in enumerate(source.splitlines(), start=1) if needle in text]
    assert len(numbers) == 1, (needle, numbers)
    return numbers[0]


async def found(
    tmp_path: Path, base: dict[str, str | None], head: dict[str, str | None], *, bare: bool = False
) -> list[tuple[str, str, int]]:
    repo = make_repo(tmp_path / "r", base, head)
    snap = Snapshot(parse(repo.diff)) if bare else await repo.snapshot()
    return sorted(
        (f.rule, f.path, f.line) for check in PACK.checks for f in check(snap) if f.rule in OURS
    )


FLASK_BASE = """\
from flask import request
from flask_restx import Resource

from shop.models import Challenges, db


class ModuleChallenges(Resource):
    def post(self, module_id):
        req = request.get_json() or {}
        challenge = Challenges.query.filter_by(id=req.get("challenge_id")).first_or_404()
        challenge.module_id = module_id
        db.session.commit()
        return {"success": True, "data": {"id": challenge.id}}
"""

FLASK_HEAD = """\
from flask import request
from flask_restx import Resource
from sqlalchemy.exc import IntegrityError

from shop.models import Challenges, db


def missing(field: str):
    return {"field_id": field, "message": f"{field} is required"}, 400


class ModuleChallenges(Resource):
    def post(self, module_id):
        req = request.get_json() or {}
        if not req.get("challenge_id"):
            return missing("challenge_id")
        challenge = Challenges.query.filter_by(id=req.get("challenge_id")).first_or_404()
        challenge.module_id = module_id
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return (
                {"challenge_id": 0, "message": "This challenge is already in a module."},
                409,
            )
        return {"success": True, "data": {"id": challenge.id}}
"""

EXPRESS_BASE = """\
const express = require("express");
const { listProducts } = require("../catalog");

const router = express.Router();

router.get("/products", async (req, res) => {
  res.json(await listProducts(req.query.page));
});

module.exports = router;
"""

EXPRESS_HEAD = """\
const express = require("express");

const router = express.Router();

router.get("/products", async (req, res) => {
  res.status(410).json({ id: "products", message: "Use /v2/products instead." });
});

module.exports = router;
"""

NEXT_BASE = """\
import { NextResponse } from "next/server";

export async function GET() {
  const cart = await fetch(`${process.env.CART_API}/cart`).then((r) => r.json());
  return NextResponse.json(cart);
}
"""

NEXT_HEAD = """\
import { NextResponse } from "next/server";

export async function GET() {
  return NextResponse.json({ id: "cart", message: "Carts are paused." }, { status: 503 });
}
"""

TS_REST_HEAD = """\
import { prisma } from "@acme/prisma";

export const handlers = {
  findTeamMembers: withAuth(async (args, user, team) => {
    if (!team) {
      return { status: 404, body: { id: "team", message: "Team not found." } };
    }
    const members = await prisma.teamMember.findMany({ where: { teamId: team.id } });
    return { status: 200, body: { members } };
  }),
};
"""


async def test_explicit_error_responses_are_not_canned_data(tmp_path: Path) -> None:
    """`return {...}, 400`, `res.status(410).json`, `{ status: 503 }` and ts-rest 404s answer the
    request with an error: no literal-records, canned-response or canned-fallback finding."""
    base = {
        "shop/api/v1/modules.py": FLASK_BASE,
        "server/routes/products.js": EXPRESS_BASE,
        "web/app/api/cart/route.ts": NEXT_BASE,
        "packages/api/v1/implementation.ts": "export const handlers = {};\n",
    }
    head = {
        "shop/api/v1/modules.py": FLASK_HEAD,
        "server/routes/products.js": EXPRESS_HEAD,
        "web/app/api/cart/route.ts": NEXT_HEAD,
        "packages/api/v1/implementation.ts": TS_REST_HEAD,
    }
    assert await found(tmp_path, base, head) == []
    assert await found(tmp_path / "bare", base, head, bare=True) == []


async def test_the_same_literal_without_an_error_status_is_still_canned(tmp_path: Path) -> None:
    """The look-alike: a route that stops querying and answers the record with a 200 is canned."""
    head = FLASK_BASE.replace(
        """        challenge = Challenges.query.filter_by(id=req.get("challenge_id")).first_or_404()
        challenge.module_id = module_id
        db.session.commit()
        return {"success": True, "data": {"id": challenge.id}}""",
        """        return {"id": 7, "module_id": module_id, "name": "Warm-up"}, 200""",
    )
    path = "shop/api/v1/modules.py"
    assert await found(tmp_path, {path: FLASK_BASE}, {path: head}) == [
        (CANNED_RESPONSE, path, line_of(head, '"Warm-up"'))
    ]


ORDERS_BASE = """\
from flask import Blueprint, jsonify
from flask_login import current_user

from shop.orders.queries import load_orders_for

bp = Blueprint("orders", __name__)


@bp.get("/orders")
def list_orders():
    rows = load_orders_for(current_user.id)
    return jsonify([{"id": row.id, "total": row.total} for row in rows])


@bp.get("/orders/statuses")
def statuses():
    return jsonify([{"value": "open", "label": "Open"}])
"""

ORDERS_HEAD = """\
from flask import Blueprint, jsonify

bp = Blueprint("orders", __name__)


@bp.get("/orders")
def list_orders():
    return jsonify([{"id": 1, "total": "19.99"}, {"id": 2, "total": "5.00"}])


@bp.get("/orders/statuses")
def statuses():
    return jsonify([{"value": "open", "label": "Open"}, {"value": "paid", "label": "Paid"}])
"""

PRODUCTS_BASE = """\
const express = require("express");
const { listProducts } = require("../catalog");

const router = express.Router();

router.get("/products", async (req, res) => {
  const products = await listProducts(req.query.page);
  res.json(products);
});

module.exports = router;
"""

PRODUCTS_HEAD = """\
const express = require("express");

const router = express.Router();

router.get("/products", async (req, res) => {
  res.json([
    { id: 1, name: "Mug", price: 12 },
    { id: 2, name: "Shirt", price: 25 },
  ]);
});

module.exports = router;
"""


async def test_a_route_that_called_anything_and_now_answers_literals_is_canned(
    tmp_path: Path,
) -> None:
    """`load_orders_for(...)` and `listProducts(...)` are store calls whatever their names are.

    The look-alike stays quiet: a route whose base answer was already a literal (statuses) only
    grew its table, and nothing that fed it was lost.
    """
    base = {"shop/web/orders.py": ORDERS_BASE, "server/routes/products.js": PRODUCTS_BASE}
    head = {"shop/web/orders.py": ORDERS_HEAD, "server/routes/products.js": PRODUCTS_HEAD}
    assert await found(tmp_path, base, head) == [
        (CANNED_RESPONSE, "server/routes/products.js", line_of(PRODUCTS_HEAD, "res.json([")),
        (CANNED_RESPONSE, "shop/web/orders.py", line_of(ORDERS_HEAD, '"19.99"')),
    ]


GUARDED_HEAD = """\
from flask import Blueprint, jsonify
from flask_login import current_user

from shop.orders.queries import load_orders_for

bp = Blueprint("orders", __name__)


@bp.get("/orders")
def list_orders():
    if current_user.is_anonymous:
        return jsonify([{"id": 0, "total": "0.00"}])
    rows = load_orders_for(current_user.id)
    return jsonify([{"id": row.id, "total": row.total} for row in rows])


@bp.get("/orders/statuses")
def statuses():
    return jsonify([{"value": "open", "label": "Open"}])
"""


async def test_an_early_literal_in_a_route_that_still_calls_its_store_is_not_canned(
    tmp_path: Path,
) -> None:
    """The store call still feeds the route's answer: an added early return replaced nothing."""
    path = "shop/web/orders.py"
    assert await found(tmp_path, {path: ORDERS_BASE}, {path: GUARDED_HEAD}) == []


DRAFTS_BASE = """\
const pendingSaves = new Map<string, ReturnType<typeof window.setTimeout>>();

export function saveLater(key: string, save: () => void) {
  pendingSaves.set(key, window.setTimeout(save, 500));
}
"""

DRAFTS_HEAD = """\
const pendingSaves = new Map<string, number>();
const drafts = new Map<string, string>();

export function saveLater(key: string, save: () => void) {
  pendingSaves.set(key, window.setTimeout(save, 500));
}

export function saveDraft(key: string, content: string) {
  drafts.set(key, content);
}
"""


async def test_a_container_the_base_already_declared_is_not_the_changes_doing(
    tmp_path: Path,
) -> None:
    """Retyping a module-level map the store already had adds no in-memory store; a new map
    the store now writes its records to, in the same file, does."""
    path = "web/src/editor/services/draftService.ts"
    assert await found(tmp_path, {path: DRAFTS_BASE}, {path: DRAFTS_HEAD}) == [
        (IN_MEMORY_STORE, path, line_of(DRAFTS_HEAD, "const drafts"))
    ]
