"""What JS/TS functions answer, read from tree-sitter trees (see `answers.py` for Python).

Answers are returns, an arrow's expression, `res.json(x)` / `res.send(x)` / `c.json(x, 404)` and
`ctx.body = x`; routes are Express/Hono registrations (`router.get("/path", handler)`) and Next.js
route handlers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

import tree_sitter

from bot.rules.code import (
    JS_WRAPPERS,
    js_callee,
    js_calls,
    js_function_name,
    js_qualname,
    js_walk,
)
from bot.rules.data_layer.answers import (
    ERROR_CALL,
    ERROR_STATUS,
    ID_KEY,
    LITERAL_CALLS,
    MOCK_NAME,
    ROUTE_VERBS,
    WRAPPERS,
    Answer,
    Answers,
    Focus,
    Payload,
    every,
    feeds,
    record_list,
)
from bot.snapshot.trees import text_of, walk

_NEXT_ROUTE = re.compile(r"(?:^|/)(?:app/(?:.*/)?route\.[cm]?[jt]sx?$|pages/api/)")
_NEXT_VERB = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|handler)$")
_RESPONSE_CALL = re.compile(r"^(?:res|response|reply|c|ctx)(?:\.status\(\))?\.(?:json|send)$")


def script_answers(
    functions: Sequence[tree_sitter.Node],
    path: str,
    imported: set[str],
    focus: Focus = every,
    traced: bool = True,
) -> Answers:
    """Read the returned or sent payloads of the `functions` in `focus` (a module's function
    nodes, outer before inner, as `Source.nodes(JS_FUNCTIONS)` gives them) and the calls that
    fed them; unless not `traced`, then `fed` is empty (tracing is most of the cost)."""
    found = Answers([], {})
    keys: dict[str, int] = {}
    for function in functions:
        name = js_function_name(function)
        key = ".".join(filter(None, [js_qualname(function), name or "<anonymous>"]))
        keys[key] = keys.get(key, 0) + 1
        key = key if keys[key] == 1 else f"{key}#{keys[key]}"  # same-named callbacks stay apart
        if not focus(key, function.start_point.row + 1, function.end_point.row + 1):
            continue
        assigned = _js_assigned(function) if traced else {}
        parameters = function.child_by_field_name("parameters") or function.child_by_field_name(
            "parameter"
        )
        params = {
            text_of(n)
            for n in (walk(parameters) if parameters else [])
            if n.type in ("identifier", "shorthand_property_identifier_pattern")
        }
        route = _js_route(path, function, name)
        fallback = _is_catch_callback(function)
        fed: list[tuple[str, int]] = []
        for value in _js_returned(function):
            fed += _js_fed(value, assigned, set()) if traced else []
            found.answers.append(
                Answer(
                    value.start_point.row + 1,
                    value.end_point.row + 1,
                    key,
                    route,
                    fallback or _in_catch(value, function),
                    _js_payload(value, params, imported),
                )
            )
        found.fed[key] = sorted(set(fed), key=lambda item: item[1])
    return found


def _js_returned(function: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Yield what a function answers: returns, an arrow's expression, `res.json(x)`, `ctx.body`."""
    body = function.child_by_field_name("body")
    if body is None:
        return
    if body.type != "statement_block":
        yield body
    for node in js_walk(body):
        if node.type == "return_statement":
            yield from (c for c in node.named_children if c.type != "comment")
        elif node.type == "call_expression" and _RESPONSE_CALL.match(js_callee(node)):
            yield node
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and text_of(left) == "ctx.body":
                yield right


def _js_assigned(function: tree_sitter.Node) -> dict[str, list[tree_sitter.Node]]:
    """Map the names a function binds to the expressions bound to them."""
    assigned: dict[str, list[tree_sitter.Node]] = {}
    for node in js_walk(function):
        if node.type == "variable_declarator":
            target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
        elif node.type == "assignment_expression":
            target, value = node.child_by_field_name("left"), node.child_by_field_name("right")
        else:
            continue
        if target is None or value is None:
            continue
        for named in walk(target):
            if named.type in ("identifier", "shorthand_property_identifier_pattern"):
                assigned.setdefault(text_of(named), []).append(value)
    return assigned


def _js_fed(
    value: tree_sitter.Node, assigned: Mapping[str, list[tree_sitter.Node]], seen: set[str]
) -> list[tuple[str, int]]:
    """Return the calls whose results reach `value`, directly or through the names it uses."""
    fed = [
        (callee, call.start_point.row + 1)
        for call in js_calls(value)
        if feeds(callee := js_callee(call))
    ]
    for node in walk(value):
        word = text_of(node)
        if node.type in ("identifier", "shorthand_property_identifier") and word not in seen:
            seen.add(word)
            for bound in assigned.get(word, []):
                fed += _js_fed(bound, assigned, seen)
    return fed


def _js_route(path: str, function: tree_sitter.Node, name: str | None) -> bool:
    """Tell whether a function answers HTTP requests (Express, Hono, Next.js route handlers)."""
    if _NEXT_ROUTE.search(path) and name and _NEXT_VERB.match(name):
        return True
    parent = function.parent
    while parent is not None and parent.type in JS_WRAPPERS:
        parent = parent.parent
    if parent is None or parent.type != "arguments" or parent.parent is None:
        return False
    first = parent.named_children[0]
    verb = js_callee(parent.parent).rsplit(".", 1)[-1]
    return (
        verb in ROUTE_VERBS and first.type == "string" and text_of(first).strip("'\"`")[:1] == "/"
    )


def _is_catch_callback(function: tree_sitter.Node) -> bool:
    parent = function.parent
    call = parent.parent if parent is not None and parent.type == "arguments" else None
    return call is not None and js_callee(call).endswith(".catch")


def _in_catch(node: tree_sitter.Node, function: tree_sitter.Node) -> bool:
    current = node.parent
    while current is not None and current is not function:
        if current.type == "catch_clause":
            return True
        current = current.parent
    return False


def _js_payload(value: tree_sitter.Node, params: set[str], imported: set[str]) -> Payload | None:
    """Describe an answered expression when it is literal records, fixture or mock data."""
    inner, error = _js_unwrap(value)
    if error or inner is None:
        return None
    # Walking the value for its names (a component's whole JSX) is skipped when its text holds
    # no mock name and the module imports no fixture.
    mocked = imported or MOCK_NAME.search(text_of(inner))
    names = sorted({text_of(n) for n in walk(inner) if n.type == "identifier"} if mocked else ())
    if fixture := [n for n in names if n in imported]:
        return Payload(f"`{fixture[0]}`, imported from fixture code", True, True)
    if mock := [n for n in names if MOCK_NAME.fullmatch(n)]:
        return Payload(f"the mock data `{mock[0]}`", True, True)
    if not _js_literal(inner, params) or _js_error_payload(inner):
        return None
    has_id = any(
        n.type == "pair"
        and (key := n.child_by_field_name("key")) is not None
        and ID_KEY.fullmatch(text_of(key).strip("'\"`"))
        for n in walk(inner)
    )
    if inner.type == "array":
        return record_list(sum(child.type == "object" for child in inner.named_children), has_id)
    pairs = [c for c in inner.named_children if c.type in ("pair", "shorthand_property_identifier")]
    return Payload("a literal record", has_id, False) if len(pairs) >= 2 else None


def _js_unwrap(value: tree_sitter.Node) -> tuple[tree_sitter.Node | None, bool]:
    """Strip awaits, casts and response wrappers; tell whether the status is an error."""
    error = False
    current: tree_sitter.Node | None = value
    while current is not None:
        if current.type in JS_WRAPPERS or current.type == "non_null_expression":
            current = current.named_children[0] if current.named_children else None
            continue
        if current.type not in ("call_expression", "new_expression"):
            break
        last = _callee_of(current).replace("()", "").rsplit(".", 1)[-1]
        if ERROR_CALL.search(last):
            return None, True
        if last not in WRAPPERS:
            break
        arguments = current.child_by_field_name("arguments")
        given = [c for c in arguments.named_children if c.type != "comment"] if arguments else []
        error = error or any(_js_error_status(a) for a in given[1:]) or _status_in_chain(current)
        current = given[0] if given else None
    return current, error


def _callee_of(node: tree_sitter.Node) -> str:
    """Name what a call or a `new` expression calls: `NextResponse.json`, `Response`."""
    if node.type == "call_expression":
        return js_callee(node)
    constructor = node.child_by_field_name("constructor")
    return text_of(constructor) if constructor is not None else "?"


def _js_error_status(node: tree_sitter.Node) -> bool:
    """Tell whether an argument is an error status: `404`, `{ status: 400 }`."""
    if node.type == "number":
        return text_of(node).isdigit() and int(text_of(node)) >= 400
    if node.type != "object":
        return False
    for pair in node.named_children:
        key, item = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if key is not None and item is not None and text_of(key) in ("status", "statusCode"):
            return _js_error_status(item) or bool(ERROR_STATUS.search(text_of(item)))
    return False


def _status_in_chain(call: tree_sitter.Node) -> bool:
    """Tell whether `res.status(4xx).json(...)` set an error status earlier in the chain."""
    function = call.child_by_field_name("function")
    target = function.child_by_field_name("object") if function is not None else None
    while target is not None and target.type == "call_expression":
        if js_callee(target).endswith(".status"):
            arguments = target.child_by_field_name("arguments")
            return bool(arguments and any(_js_error_status(a) for a in arguments.named_children))
        function = target.child_by_field_name("function")
        target = function.child_by_field_name("object") if function is not None else None
    return False


def _js_error_payload(node: tree_sitter.Node) -> bool:
    if node.type != "object":
        return False
    for pair in node.named_children:
        key, item = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        label = text_of(key).strip("'\"`") if key is not None else ""
        if label in ("error", "errors") or (
            label in ("success", "ok") and item is not None and item.type == "false"
        ):
            return True
        if label in ("status", "statusCode") and item is not None and _js_error_status(item):
            return True  # `{ status: 404, body: {...} }` (ts-rest, Lambda responses)
    return False


def _js_literal(node: tree_sitter.Node, params: set[str]) -> bool:
    """Tell whether an expression is written out in the code (echoing parameters is allowed)."""
    kind = node.type
    if kind in ("string", "number", "true", "false", "null", "undefined", "comment"):
        return True
    if kind in ("identifier", "shorthand_property_identifier"):
        return text_of(node) in params or text_of(node) == "undefined"
    if kind == "template_string":
        return all(
            c.type != "template_substitution"
            or all(_js_literal(e, params) for e in c.named_children)
            for c in node.named_children
        )
    if kind in ("array", "object", "unary_expression", "parenthesized_expression"):
        return all(_js_literal(c, params) for c in node.named_children)
    if kind == "pair":
        key, item = node.child_by_field_name("key"), node.child_by_field_name("value")
        return (
            key is not None
            and key.type != "computed_property_name"
            and (item is not None and _js_literal(item, params))
        )
    if kind in ("as_expression", "satisfies_expression"):
        return bool(node.named_children) and _js_literal(node.named_children[0], params)
    if kind == "new_expression":
        constructor = node.child_by_field_name("constructor")
        arguments = node.child_by_field_name("arguments")
        return (
            constructor is not None
            and text_of(constructor) in LITERAL_CALLS
            and all(_js_literal(a, params) for a in (arguments.named_children if arguments else []))
        )
    return False
