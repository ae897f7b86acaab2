"""Data access and endpoints that answer with literal records, mock constants or fixture data.

The base version decides the finding: a function whose answer was fed by a call (a query, a
client, any store function) and is now literal records replaced its data; literal records in a
data-access module with no such history are only suspicious. Both sides are judged from their
parse trees (`answers.py`); what a bare diff shows of a file is read line by line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules import paths
from bot.rules.code import (
    CODE_LANGUAGES,
    COMMENT_LINE,
    FUNCTION,
    JS_FUNCTIONS,
    OWNER,
    SCRIPT_LANGUAGES,
    enclosing,
    in_handler,
    indent,
    io_lines,
    is_data_access,
    make_finding,
    name,
    production_code,
    removed_in_function,
    shown,
    snippet,
)
from bot.rules.data_layer.answers import (
    MOCK_NAME,
    Answer,
    Answers,
    Focus,
    fed_names,
    named,
    python_answers,
    spanning,
)
from bot.rules.data_layer.fixtures import WORD, fixture_names
from bot.rules.data_layer.script_answers import script_answers
from bot.rules.gate import Gated
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot, Source

PACK_ID = "data-layer"
LITERAL_RECORDS = "data-layer/literal-records"
QUERY_REPLACED = "data-layer/query-replaced-by-literals"
CANNED_RESPONSE = "data-layer/canned-response"
CANNED_FALLBACK = "data-layer/canned-fallback"

# Words a literal record may contain besides keys, strings and numbers.
LITERAL_WORDS = frozenset(
    {"True", "False", "None", "true", "false", "null", "undefined", "as", "const", "new", "Date"}
    | {"datetime", "date", "Decimal"}
)
MAX_LITERAL_LINES = 400
DECORATOR_LINES = 8

# Searched on every added line of production code: gated on the literal each branch holds.
RETURN = Gated(
    re.compile(
        r"\breturn\s+|=>\s*(?=\[|\(\s*[\[{]|Promise\b)|\bresolve\(\s*(?=[\[{]|[A-Za-z_])"
        r"|\.catch\(\s*(?:\(\s*\w*\s*\)|\w+)\s*=>\s*"
        r"|\b(?:res|response|reply)\s*(?:\.status\(\s*\d+\s*\))?\.(?:json|send)\(\s*"
        r"|\bctx\.body\s*=\s*"
    ),
    ("return", "=>", "resolve(", ".catch(", ".json(", ".send(", "ctx.body"),
)
_WRAPPER = re.compile(
    r"""^\s*(?:await\s+)?(?:Promise\.resolve|of|resolve|structuredClone|list|tuple
    |(?:copy\.)?deepcopy|jsonify|JsonResponse|JSONResponse|Response|(?:Next)?Response\.json
    |web\.json_response)?\s*\(""",
    re.VERBOSE,
)
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`""")
_TRAILING_COMMENT = re.compile(r"(?:#|//).*$")
_KEY = re.compile(r"[A-Za-z_$][\w$]*\s*:")
_KWARG = re.compile(r"\b\w+\s*=(?!=)")
_ID_KEY = re.compile(r"""["']?\b(?:id|pk|uuid|guid|sku|email|\w+_id|\w+Id|\w+ID)\b["']?\s*:""")
# An explicit error response: a 4xx/5xx status next to the body, or an error body.
_ERROR_STATUS = (
    r"(?:[45]\d\d\b|[\w.]*(?:HTTP_[45]|BAD_REQUEST|NOT_FOUND|UNAUTHORI[SZ]ED|FORBIDDEN))"
)
_ERROR_RESPONSE = re.compile(
    rf"""\bstatus(?:_code|Code)?\s*[=:(]\s*{_ERROR_STATUS}|[)}}\]]\s*,\s*{_ERROR_STATUS}
    |\{{\s*["']?errors?["']?\s*:|["']?(?:success|ok)["']?\s*:\s*(?:False|false)\b""",
    re.VERBOSE,
)
_ROUTE_DECORATOR = re.compile(
    r"""^\s*@(?:\w+\.)*(?:get|post|put|patch|delete|route|api_route|websocket)\(
    |^\s*@(?:api_view|action|require_(?:GET|POST|safe|http_methods))\b""",
    re.VERBOSE,
)
_NEXT_ROUTE = re.compile(r"(?:^|/)(?:app/(?:.*/)?route\.[cm]?[jt]sx?$|pages/api/)")
_HTTP_VERB = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|handler)$")
# In a route handler any call on a module-level object (a repository, a client) fetched data.
_STORE_CALL = re.compile(
    r"(?<![\w.])(?!(?:self|request|req|res|response|json|JSON|jsonify|log|logger|logging|console"
    r"|Response|NextResponse|Math|Object|Array|Promise|router|app|bp)\b)[a-z_]\w*\.\w+\("
)
_DJANGO_VIEW = re.compile(r"^\s*(?:async\s+)?def\s+\w+\(\s*(?:self\s*,\s*)?request\b")


def check_literal_records(snap: Snapshot) -> list[Finding]:
    """Flag data access and endpoints that now return literal records, mocks or fixture data."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed):
            continue
        candidates = [
            line
            for line in changed.added
            if RETURN.search(line.text) and not COMMENT_LINE.match(line.text)
        ]
        if not candidates:
            continue
        head = snap.head_lines(changed)
        imported = fixture_names(head, paths.suffix(changed.path))
        after = snap.source(changed.path, "head")
        rows = sorted(line.number for line in changed.added)
        # What fed each answer is traced only for the functions that answer a literal.
        parsed = (
            _answers(after, imported, spanning(rows), traced=False)
            if after.text is not None
            else None
        )
        if parsed is None:
            base = snap.read(changed.old_path or changed.path, "base")
            findings += [
                finding
                for line in candidates
                if (finding := _literal_return(changed, line, head, base, imported)) is not None
            ]
            continue
        judged = _judged(changed, parsed)
        if not judged:
            continue
        before = snap.source(changed.old_path or changed.path, "base")
        known = changed.status is not FileStatus.ADDED and before.text is not None
        functions = named({answer.function for answer, _ in judged})
        traced = _answers(after, imported, functions)
        assert traced is not None  # the side parsed a moment ago
        findings += _judge_answers(
            judged, traced, _answers(before, set(), functions) if known else None, changed, before
        )
    return findings


def _answers(
    source: Source, imported: set[str], focus: Focus, traced: bool = True
) -> Answers | None:
    """Parse one side's answers in `focus` (with what fed them, when `traced`); None when it
    does not parse (Python) or is no code we read."""
    if source.python is not None:
        return python_answers(source.python, source.path, imported, focus, traced)
    if source.language in SCRIPT_LANGUAGES and source.tree is not None:
        return script_answers(source.nodes(JS_FUNCTIONS), source.path, imported, focus, traced)
    return None


def _judged(changed: ChangedFile, head: Answers) -> list[tuple[Answer, Line]]:
    """The literal answers on added lines, each with its first added line (one per line)."""
    added = {line.number: line for line in changed.added}
    judged: list[tuple[Answer, Line]] = []
    seen: set[int] = set()
    for answer in head.answers:
        spanned = range(answer.first, answer.last + 1)
        line = next((added[n] for n in spanned if n in added), None)
        if answer.payload is None or line is None or line.number in seen:
            continue
        seen.add(line.number)
        judged.append((answer, line))
    return judged


def _judge_answers(
    judged: list[tuple[Answer, Line]],
    head: Answers,
    base: Answers | None,
    changed: ChangedFile,
    before: Source,
) -> list[Finding]:
    """Judge each literal answer on an added line against the function's answers at base."""
    findings: list[Finding] = []
    for answer, line in judged:
        lost = [] if base is None else _lost(answer.function, head, base)
        query = before.lines[lost[0] - 1] if lost and lost[0] <= len(before.lines) else None
        finding = _decide(changed.path, line, answer, query)
        if finding is not None:
            findings.append(finding)
    return findings


def _lost(function: str, head: Answers, base: Answers) -> list[int]:
    """Return the base lines of calls that fed the function's answers and feed none at head."""
    kept = fed_names(head.fed, function)
    return [number for callee, number in base.fed.get(function, []) if callee not in kept]


def _decide(path: str, line: Line, answer: Answer, query: str | None) -> Finding | None:
    """Pick the rule for a literal answer from where it sits and what fed it at base."""
    assert answer.payload is not None
    detail, has_id, canned = answer.payload.detail, answer.payload.has_id, answer.payload.canned
    if answer.handler:
        return _fallback(path, line, detail) if canned or has_id else None
    owner, _, function = answer.function.rpartition(".")
    if not answer.route and not is_data_access(path, owner or None):
        return None
    label = shown(function)
    if query is not None:
        make = _canned_response if answer.route else _query_replaced
        return make(path, line, label, query, detail)
    if not has_id or (answer.route and not canned):
        return None
    return _literal_records(path, line, label, detail)


def returned_mock_names(
    lines: Sequence[str], candidates: Sequence[Line], imported: set[str]
) -> set[str]:
    """Return the fixture-imported or mock-named identifiers that added lines hand back."""
    names: set[str] = set()
    for line in candidates:
        for match in RETURN.finditer(line.text):
            words = WORD.findall(_STRING.sub('""', line.text[match.end() :]))
            names |= {w for w in words if w in imported or MOCK_NAME.fullmatch(w)}
    return names


def _literal_return(
    changed: ChangedFile, line: Line, head: Sequence[str], base: str | None, imported: set[str]
) -> Finding | None:
    """Judge one added line holding a `return`; escalate when the function's query was removed."""
    index = line.number - 1
    header = enclosing(head, index, FUNCTION, inclusive=True)
    parameters = set(WORD.findall(head[header[0]])) if header else set()
    returned = _returned(head, index, imported, parameters)
    if returned is None:
        return None
    detail, has_id, canned = returned
    path = changed.path
    if in_handler(head, index) or ".catch(" in line.text:
        return _fallback(path, line, detail) if canned or has_id else None
    function = name(header[1]) if header else None
    owner = enclosing(head, header[0], OWNER, inclusive=False) if header else None
    route = (
        header is not None and function is not None and _is_route(path, head, header[0], function)
    )
    if not route and not is_data_access(path, name(owner[1]) if owner else None):
        return None
    removed = removed_in_function(changed, line, function, base)
    queries = io_lines(removed) or (
        [r.text for r in removed if _STORE_CALL.search(r.text)] if route else []
    )
    label = shown(function) if function else "This function"
    if queries:
        make = _canned_response if route else _query_replaced
        return make(path, line, label, queries[0], detail)
    if not has_id or (route and not canned):
        return None
    return _literal_records(path, line, label, detail)


def _fallback(path: str, line: Line, detail: str) -> Finding:
    message = (
        f"When the real call fails, this now answers with {detail}: users see plausible "
        "records instead of an error, so an outage looks like data and nobody is alerted. "
        "Let the error propagate (or return an explicit error state) and log it; keep "
        "canned records in tests."
    )
    return make_finding(CANNED_FALLBACK, path, line, Severity.WARNING, message)


def _canned_response(path: str, line: Line, label: str, query: str, detail: str) -> Finding:
    message = (
        f"The endpoint {label} used to read its data (`{snippet(query)}`) and now "
        f"answers with {detail}: every user gets the same records, whoever asks and whatever "
        "the database holds, and nothing is read from it any more. Restore the store call; "
        "keep canned payloads in tests or a mock server."
    )
    return make_finding(CANNED_RESPONSE, path, line, Severity.WARNING, message)


def _query_replaced(path: str, line: Line, label: str, query: str, detail: str) -> Finding:
    message = (
        f"{label} used to read its data (`{snippet(query)}`) and now returns {detail}: "
        "every caller gets the same literal records, and nothing is read from the database or "
        "API any more. Restore the query; keep sample records in tests, fixtures or a seed "
        "script."
    )
    return make_finding(QUERY_REPLACED, path, line, Severity.WARNING, message)


def _literal_records(path: str, line: Line, label: str, detail: str) -> Finding:
    message = (
        f"{label} returns {detail} from data-access code: every caller gets the same literal "
        "records and nothing is read from the database or API, so real data never shows up. "
        "Read the records from the data source; keep sample records in tests, fixtures or a "
        "seed script."
    )
    return make_finding(LITERAL_RECORDS, path, line, Severity.WARNING, message)


def _is_route(path: str, lines: Sequence[str], header: int, function: str) -> bool:
    """Tell whether a function answers HTTP requests (Flask, FastAPI, Django, Express, Next.js)."""
    if function.endswith(("'", '"', "`")):  # an Express route registration
        return True
    if _NEXT_ROUTE.search(path) and _HTTP_VERB.match(function):
        return True
    if "views" in paths.parts(path)[-1] and _DJANGO_VIEW.match(lines[header]):
        return True
    depth = indent(lines[header])
    for text in reversed(lines[max(0, header - DECORATOR_LINES) : header]):
        outside = indent(text) < depth or (
            indent(text) == depth and not text.lstrip().startswith(("@", ")"))
        )
        if not text.strip() or outside:
            return False
        if _ROUTE_DECORATOR.match(text):
            return True
    return False


def _returned(
    lines: Sequence[str], index: int, imported: set[str], parameters: set[str]
) -> tuple[str, bool, bool] | None:
    """Describe what `index` returns: (detail, has an id key, is fixture or mock data).

    Records may echo the function's parameters (`{id: "inv-1", accountId}`) and stay literal.
    """
    text = lines[index]
    for match in RETURN.finditer(text):
        start = match.end()
        expression = _STRING.sub('""', text[start:])
        if fixture := next((w for w in WORD.findall(expression) if w in imported), None):
            return f"`{fixture}`, imported from fixture code", True, True
        if mock := MOCK_NAME.search(expression):
            return f"the mock data `{mock.group(0)}`", True, True
        literal = _literal(lines, index, start)
        if literal is None:
            continue
        skeleton, raw = literal
        if _ERROR_RESPONSE.search(text[:start] + raw):
            continue
        while wrapper := _WRAPPER.match(skeleton):
            skeleton = skeleton[wrapper.end() :]
        skeleton = skeleton.strip()
        words = (
            set(WORD.findall(_KWARG.sub("", _KEY.sub("", skeleton)))) - LITERAL_WORDS - parameters
        )
        if words or not skeleton.startswith(("[", "{")):
            continue
        has_id = bool(_ID_KEY.search(raw))
        records, keys = _shape(skeleton)
        if skeleton.startswith("[") and records:
            plural = "s" if records > 1 else ""
            return f"a list of {records} literal record{plural}", has_id, False
        if skeleton.startswith("{") and keys >= 2:
            return "a literal record", has_id, False
    return None


def _literal(lines: Sequence[str], index: int, column: int) -> tuple[str, str] | None:
    """Return the bracketed expression at (index, column), strings blanked, and its raw text."""
    code: list[str] = []
    raw: list[str] = []
    depth = 0
    for offset, text in enumerate(lines[index : index + MAX_LITERAL_LINES]):
        part = text[column:] if offset == 0 else text
        blanked = _TRAILING_COMMENT.sub("", _STRING.sub('""', part))
        raw.append(part)
        for position, char in enumerate(blanked):
            depth += (char in "([{") - (char in ")]}")
            if depth <= 0 and char in ")]}":
                code.append(blanked[: position + 1])
                return "\n".join(code), "\n".join(raw)  # raw keeps the line's tail: `}, 400`
        if depth == 0:
            return None
        code.append(blanked)
    return None


def _shape(skeleton: str) -> tuple[int, int]:
    """Count the records of a list literal and the keys of an object literal (top level)."""
    depth = records = keys = 0
    for char in skeleton:
        if char in "([{":
            depth += 1
            records += depth == 2 and char == "{"
        elif char in ")]}":
            depth -= 1
        elif char == ":" and depth == 1:
            keys += 1
    return records, keys


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        LITERAL_RECORDS,
        Severity.WARNING,
        "A data-access function returns hard-coded records or a mock constant.",
        "Query the real store, or move the records to a seed or a test fixture.",
        CODE_LANGUAGES,
        why="A data-access function that returns hard-coded records makes every screen look "
        "populated while nothing is read from a real store.",
        flagged=Example(
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
        quiet=Example(
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
    Rule(
        QUERY_REPLACED,
        Severity.WARNING,
        "A data-access function that queried its data now returns literal records.",
        "Restore the query; if the data is static, say so in a constant named for it.",
        CODE_LANGUAGES,
        why="The function still has its name and callers, but it no longer reads the store: "
        "every caller now gets the same literal records.",
        flagged=Example(
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
        quiet=Example(
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
    Rule(
        CANNED_RESPONSE,
        Severity.WARNING,
        "A route handler that called a store now answers with a literal payload.",
        "Answer from the store again, or return an explicit error response.",
        CODE_LANGUAGES,
        why="The route answers the same literal payload to everyone: it looks done in a demo, "
        "but nothing the user does is stored or read back.",
        flagged=Example(
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
        quiet=Example(
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
    Rule(
        CANNED_FALLBACK,
        Severity.WARNING,
        "An error handler falls back to canned records instead of failing.",
        "Let the error surface (or return an error response) instead of fake data.",
        CODE_LANGUAGES,
        why="When the real call fails, users are shown canned records as if they were real: the "
        "outage is hidden, and decisions are taken on fake data.",
        flagged=Example(
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
        quiet=Example(
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
)
CHECKS = {
    check_literal_records: (
        LITERAL_RECORDS,
        QUERY_REPLACED,
        CANNED_RESPONSE,
        CANNED_FALLBACK,
    )
}
