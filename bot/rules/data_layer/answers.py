"""What each function answers, read from parse trees: the payloads it returns or sends, and the
calls whose results fed them.

`data-layer` rules compare a function's answers at base and head: an endpoint whose answer was fed
by a call (any call: a repository, a client, a helper) and is now a literal list of records serves
canned data. An explicit error response (`return {...}, 400`, `res.status(422).json(...)`,
`NextResponse.json(..., { status: 400 })`) is an answer about the request, never canned data.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.rules import paths
from bot.rules.code import (
    LOCAL_ROOTS,
    py_calls,
    py_name,
    words,
)

MOCK_NAME = re.compile(
    r"\b(?:MOCK|FAKE|SAMPLE|DUMMY|STUB)(?:_[A-Z0-9]+)+\b|\b(?:mock|fake|dummy|stub|sample)[A-Z]\w*"
)
ID_KEY = re.compile(r"id|pk|uuid|guid|sku|email|\w+_id|\w+Id|\w+ID")
ROUTE_VERBS = frozenset({"get", "post", "put", "patch", "delete", "route", "api_route", "all"})
HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
VIEW_DECORATORS = frozenset(
    {"api_view", "action", "require_GET", "require_POST", "require_safe", "require_http_methods"}
)
VIEW_BASES = ("Resource", "View", "ViewSet", "APIView", "MethodView", "Handler")
# Calls that shape an answer without reading anything: response wrappers, builtins, copies.
WRAPPERS = frozenset(
    {
        *("jsonify", "JsonResponse", "JSONResponse", "ORJSONResponse", "UJSONResponse"),
        *("Response", "HttpResponse", "make_response", "json_response", "list", "tuple"),
        *("deepcopy", "copy", "resolve", "of", "structuredClone", "json", "send", "stringify"),
    }
)
# Builtins called by bare name that only shape a value.
_BUILTINS = WRAPPERS | {
    *("len", "str", "int", "float", "bool", "dict", "set", "sorted", "reversed", "enumerate"),
    *("zip", "range", "isinstance", "getattr", "min", "max", "sum", "any", "all", "render"),
    *("render_template", "redirect", "url_for", "abort", "format", "String", "Number"),
    *("Boolean", "structuredClone"),
}
# Methods that only wrap or answer: `res.status(...)`, `Promise.resolve(...)`, `JSON.stringify`.
_ANSWERING = frozenset({"json", "send", "status", "resolve", "reject", "stringify", "jsonify"})
LITERAL_CALLS = frozenset({"datetime", "date", "time", "timedelta", "Decimal", "UUID", "Date"})
ERROR_STATUS = re.compile(
    r"(?:^|_)[45]\d\d(?:_|$)|BAD_REQUEST|UNAUTHORI[SZ]ED|FORBIDDEN|NOT_FOUND|NOT_ALLOWED|CONFLICT"
    r"|GONE|UNPROCESSABLE|TOO_MANY|INTERNAL|UNAVAILABLE|ERROR",
    re.IGNORECASE,
)
# Response helpers that are errors by name: `HttpResponseBadRequest`, `notFound()`, `badRequest()`.
ERROR_CALL = re.compile(
    r"bad_?request|not_?found|unauthori[sz]ed|forbidden|server_?error|not_?allowed|conflict"
    r"|unprocessable|too_?many|error",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Payload:
    """A literal answer: what it is, whether its records carry ids, whether it is mock data."""

    detail: str
    has_id: bool
    canned: bool


@dataclass(frozen=True)
class Answer:
    """One payload a function returns or sends."""

    first: int  # 1-based lines the returned expression spans
    last: int
    function: str  # dotted names of the classes and functions it sits in, itself last
    route: bool  # the function answers HTTP requests
    handler: bool  # it sits in an error handler (`except`, `catch`, `.catch(() => ...)`)
    payload: Payload | None  # None unless literal (or fixture, or mock) and not an error


@dataclass
class Answers:
    """A module's answers, and for each function the calls (name, line) that fed them."""

    answers: list[Answer]
    fed: dict[str, list[tuple[str, int]]]


def fed_names(fed: Mapping[str, list[tuple[str, int]]], function: str) -> set[str]:
    return {callee for callee, _ in fed.get(function, [])}


# Which functions a reading covers, by key and first and last line (1-based): a review judges only
# the functions its added lines touch, and at base only those, so the rest of a large module is
# never walked.
Focus = Callable[[str, int, int], bool]


def every(key: str, first: int, last: int) -> bool:
    return True


def spanning(rows: Sequence[int]) -> Focus:
    """Read the functions whose lines include one of `rows` (sorted 1-based line numbers)."""

    def touches(key: str, first: int, last: int) -> bool:
        index = bisect_left(rows, first)
        return index < len(rows) and rows[index] <= last

    return touches


def named(keys: Collection[str]) -> Focus:
    """Read the functions of these keys (as `Answer.function` names them)."""
    return lambda key, first, last: key in keys


# --- Python ------------------------------------------------------------------------------------


def python_answers(
    module: ast.Module, path: str, imported: set[str], focus: Focus = every, traced: bool = True
) -> Answers:
    """Read the returned payloads of every function in `focus` and the calls that fed them
    (unless not `traced`: then `fed` is empty)."""
    found = Answers([], {})
    for function, node, owner in _py_defs(module):
        if not focus(function, node.lineno, node.end_lineno or node.lineno):
            continue
        returns: list[tuple[ast.Return, bool]] = []
        assigned: dict[str, list[ast.expr]] = {}
        _py_visit(node.body, False, returns, assigned)
        params = {a.arg for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]}
        route = _py_route(path, node, owner)
        fed: list[tuple[str, int]] = []
        for statement, handler in returns:
            value = statement.value
            if value is None:
                continue
            fed += _py_fed(value, assigned, set()) if traced else []
            found.answers.append(
                Answer(
                    statement.lineno,
                    statement.end_lineno or statement.lineno,
                    function,
                    route,
                    handler,
                    _py_payload(value, params, imported),
                )
            )
        found.fed[function] = sorted(set(fed), key=lambda item: item[1])
    return found


def _py_defs(
    module: ast.Module,
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef, ast.ClassDef | None]]:
    stack: list[tuple[str, ast.AST, ast.ClassDef | None]] = [("", module, None)]
    while stack:
        prefix, node, owner = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                qualified = f"{prefix}{child.name}"
                if isinstance(child, ast.ClassDef):
                    stack.append((f"{qualified}.", child, child))
                else:
                    yield qualified, child, owner
                    stack.append((f"{qualified}.", child, None))
            else:
                stack.append((prefix, child, owner))


def _py_visit(
    nodes: Sequence[ast.AST],
    handler: bool,
    returns: list[tuple[ast.Return, bool]],
    assigned: dict[str, list[ast.expr]],
) -> None:
    """Collect a function's returns (and whether in a handler) and what its names are bound to."""
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return):
            returns.append((node, handler))
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr):
            targets, value = [node.target], node.value
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            targets, value = [node.target], node.iter
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets, value = [node.optional_vars], node.context_expr
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name) and value is not None:
                    assigned.setdefault(name.id, []).append(value)
        inside = handler or isinstance(node, ast.ExceptHandler)
        _py_visit(list(ast.iter_child_nodes(node)), inside, returns, assigned)


def _py_fed(
    value: ast.expr, assigned: Mapping[str, list[ast.expr]], seen: set[str]
) -> list[tuple[str, int]]:
    """Return the calls whose results reach `value`, directly or through the names it uses."""
    fed = [
        (callee, call.lineno) for call in py_calls([value]) if feeds(callee := py_name(call.func))
    ]
    for node in ast.walk(value):
        if isinstance(node, ast.Name) and node.id not in seen:
            seen.add(node.id)
            for bound in assigned.get(node.id, []):
                fed += _py_fed(bound, assigned, seen)
    return fed


def _py_route(
    path: str, function: ast.FunctionDef | ast.AsyncFunctionDef, owner: ast.ClassDef | None
) -> bool:
    """Tell whether a function answers HTTP requests (Flask, FastAPI, Django, DRF, RESTX)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        last = py_name(target).rsplit(".", 1)[-1]
        if last in VIEW_DECORATORS or (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and last in ROUTE_VERBS
        ):
            return True
    names = [a.arg for a in function.args.args]
    names = names[1:] if names[:1] == ["self"] else names
    if "views" in paths.parts(path)[-1] and names[:1] == ["request"]:
        return True
    return (
        owner is not None
        and function.name in HTTP_METHODS
        and any(py_name(base).endswith(VIEW_BASES) for base in owner.bases)
    )


def _py_payload(value: ast.expr, params: set[str], imported: set[str]) -> Payload | None:
    """Describe a returned expression when it is literal records, fixture or mock data."""
    inner, error = _py_unwrap(value)
    if error or inner is None:
        return None
    names = sorted({n.id for n in ast.walk(inner) if isinstance(n, ast.Name)})
    if fixture := [n for n in names if n in imported]:
        return Payload(f"`{fixture[0]}`, imported from fixture code", True, True)
    if mock := [n for n in names if MOCK_NAME.fullmatch(n)]:
        return Payload(f"the mock data `{mock[0]}`", True, True)
    if not _py_literal(inner, params) or _py_error_payload(inner):
        return None
    has_id = any(
        isinstance(key, ast.Constant) and isinstance(key.value, str) and ID_KEY.fullmatch(key.value)
        for node in ast.walk(inner)
        if isinstance(node, ast.Dict)
        for key in node.keys
    )
    if isinstance(inner, ast.List | ast.Tuple):
        return record_list(sum(isinstance(element, ast.Dict) for element in inner.elts), has_id)
    if isinstance(inner, ast.Dict) and len(inner.keys) >= 2:
        return Payload("a literal record", has_id, False)
    return None


def record_list(count: int, has_id: bool) -> Payload | None:
    """Describe a list literal holding `count` records."""
    plural = "s" if count > 1 else ""
    return Payload(f"a list of {count} literal record{plural}", has_id, False) if count else None


def _py_unwrap(value: ast.expr) -> tuple[ast.expr | None, bool]:
    """Strip response wrappers and `(body, status)`; tell whether the status is an error."""
    status: ast.expr | None = None
    current: ast.expr | None = value
    while current is not None:
        if isinstance(current, ast.Await):
            current = current.value
        elif (
            isinstance(current, ast.Tuple)
            and len(current.elts) in (2, 3)
            and isinstance(current.elts[1], ast.Constant | ast.Name | ast.Attribute)
        ):
            status, current = current.elts[1], current.elts[0]
        elif isinstance(current, ast.Call) and (
            (name := py_name(current.func).rsplit(".", 1)[-1]) in WRAPPERS
            or name.startswith("HttpResponse")
        ):
            if ERROR_CALL.search(name.removeprefix("HttpResponse") or "-"):
                return None, True
            for keyword in current.keywords:
                if keyword.arg in ("status", "status_code"):
                    status = keyword.value
            bodies = [k.value for k in current.keywords if k.arg in ("content", "data", "body")]
            current = current.args[0] if current.args else (bodies[0] if bodies else None)
        else:
            break
    return current, status is not None and _py_error_status(status)


def _py_error_status(status: ast.expr) -> bool:
    if isinstance(status, ast.Constant):
        return isinstance(status.value, int) and status.value >= 400
    return bool(ERROR_STATUS.search(py_name(status)))


def _py_error_payload(value: ast.expr) -> bool:
    """Tell whether a dict is an error body: an `error(s)` key, or `success`/`ok` set to False."""
    if not isinstance(value, ast.Dict):
        return False
    for key, item in zip(value.keys, value.values, strict=True):
        label = key.value if isinstance(key, ast.Constant) else None
        if label in ("error", "errors") or (
            label in ("success", "ok") and isinstance(item, ast.Constant) and item.value is False
        ):
            return True
        if label in ("status", "status_code", "statusCode") and _py_error_status(item):
            return True
    return False


def _py_literal(node: ast.expr, params: set[str]) -> bool:
    """Tell whether an expression is written out in the code (echoing parameters is allowed)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in params
    if isinstance(node, ast.UnaryOp):
        return _py_literal(node.operand, params)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(_py_literal(e, params) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(
            k is not None and _py_literal(k, params) and _py_literal(v, params)
            for k, v in zip(node.keys, node.values, strict=True)
        )
    if isinstance(node, ast.JoinedStr):
        return all(
            _py_literal(v.value if isinstance(v, ast.FormattedValue) else v, params)
            for v in node.values
        )
    return (
        isinstance(node, ast.Call)
        and py_name(node.func).rsplit(".", 1)[-1] in LITERAL_CALLS
        and all(_py_literal(a, params) for a in node.args)
    )


def feeds(callee: str) -> bool:
    """Tell whether a call's result is data from somewhere, not a wrapper, builtin or logger."""
    parts = callee.replace("()", "").split(".")
    logger = {"log", "logger", "logging", "console"} & set(words(parts[0]))
    shaped = parts[-1] in (_BUILTINS if len(parts) == 1 else _ANSWERING)
    return parts[0] not in LOCAL_ROOTS and not shaped and not logger
