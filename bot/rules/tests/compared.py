"""What an assertion checks, and what an equality check compares whole, read from a test's tree.

`expect({ status, data }).toEqual(expected)` checks `status` and `data` at once, as the two
checks it replaces did; `expect(await client.get(url)).toEqual(expected)` checks every part of
the answer the test once took apart (`const { status, data } = await client.get(url)`). So each
assertion carries the value it checks, and an equality check the values it compares whole: that
value and each one an object, array or tuple built to be compared holds. Both are spelt alike: a
name the test took from a value (`data` of `const { data } = answer`) is spelt as that part of
the value (`answer.data`), and `await` is left out. A negated check (`.not.toEqual`), a partial
one (`toMatchObject`) and one expecting an asymmetric matcher (`expect.any(String)`) somewhere
compare nothing whole.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator, Mapping

import tree_sitter

from bot.rules.tests.suites import normalise
from bot.snapshot.trees import nodes_of, text_of

# Matchers that hold only when the checked value equals the expected one, every part of it.
_JS_EQUAL = frozenset({"toEqual", "toStrictEqual", "eql"})
_JS_DEEP = frozenset({"deepEqual", "deepStrictEqual"})  # `assert.deepEqual(actual, expected)`
_JS_PATH = frozenset({"member_expression", "subscript_expression", "non_null_expression"})
_JS_BINDS = frozenset({"variable_declarator", "assignment_expression"})
_PY_EQUAL = frozenset({
    "assertEqual", "assertEquals", "assertDictEqual", "assertListEqual", "assertTupleEqual",
    "assert_equal",
})  # fmt: skip
# An expected value that holds an asymmetric matcher checks some part loosely, and which part
# the tree does not say once the value is built elsewhere.
_LOOSE = re.compile(r"\bexpect\.(?:any|anything|\w+Containing|stringMatching|closeTo|not)\b")


def part_of(value: str, whole: str) -> bool:
    """Tell whether a value is `whole` or a property of it (`answer.data.id`, `answer["id"]`):
    comparing `whole` equal to something checks it. A call's result (`answer.json()`) is not."""
    if not value or not whole or not value.startswith(whole):
        return False
    rest = value[len(whole) :]
    return not rest or (rest[0] in ".[?!" and "(" not in rest)


# --- JavaScript, TypeScript ---------------------------------------------------------------------


def js_bindings(node: tree_sitter.Node, grammar: str) -> dict[str, str]:
    """Spell each name a test declares once from a value (`const res = E`, `const { a, b: c } =
    E`) as that value or its part: res -> E, a -> E.a, c -> E.b."""
    found: dict[str, str] = {}
    seen: Counter[str] = Counter()
    for child in nodes_of(node, grammar, _JS_BINDS):
        if child.type == "assignment_expression":
            left = child.child_by_field_name("left")
            seen.update(bound for bound, _ in (_js_pattern(left, "") if left else ()))
            continue
        name, value = (child.child_by_field_name(f) for f in ("name", "value"))
        if name is None or value is None:
            continue
        for bound, spelt in _js_pattern(name, _js_plain(value)):
            seen[bound] += 1
            found[bound] = spelt
    # A name declared twice (in two blocks) or assigned again stands for two values: spelt as
    # itself.
    return {name: spelt for name, spelt in found.items() if seen[name] == 1}


def _js_pattern(pattern: tree_sitter.Node, value: str) -> Iterator[tuple[str, str]]:
    if pattern.type == "identifier":
        yield text_of(pattern), value
    elif pattern.type == "object_pattern":
        for child in pattern.named_children:
            key = child
            if child.type == "object_assignment_pattern":  # `{ items = [] }`
                key = child.child_by_field_name("left") or child
            if key.type == "shorthand_property_identifier_pattern":
                yield text_of(key), f"{value}.{text_of(key)}"
            elif key.type == "pair_pattern":
                prop, inner = key.child_by_field_name("key"), key.child_by_field_name("value")
                if prop is not None and inner is not None and prop.type == "property_identifier":
                    yield from _js_pattern(inner, f"{value}.{text_of(prop)}")
    elif pattern.type == "array_pattern":
        index = 0  # counted by commas: `[first, , third]` skips an item
        for child in pattern.children:
            if child.type == ",":
                index += 1
            elif child.is_named:
                yield from _js_pattern(child, f"{value}[{index}]")


def _js_plain(node: tree_sitter.Node) -> str:
    """Spell an expression as compared: whitespace and a leading `await` left out."""
    while node.type in {"await_expression", "parenthesized_expression"} and node.named_children:
        node = node.named_children[-1]
    return normalise(text_of(node))


def js_spelt(node: tree_sitter.Node, bound: Mapping[str, str]) -> str:
    """Spell a checked value with the test's names read as the values they were taken from."""
    text = _js_plain(node)
    root = node
    while root.type in {"await_expression", "parenthesized_expression", *_JS_PATH}:
        inner = root.child_by_field_name("object") or next(iter(root.named_children), None)
        if inner is None:
            break
        root = inner
    if root.type in {"identifier", "shorthand_property_identifier"}:
        name = text_of(root)
        if name in bound and text.startswith(name):
            return bound[name] + text[len(name) :]
    return text


def js_checked(call: tree_sitter.Node) -> tree_sitter.Node | None:
    """Return the value an assertion call checks: `x` of `expect(x)`, `assert.equal(x, y)`,
    `x.should`."""
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "member_expression":
        prop = callee.child_by_field_name("property")
        if prop is not None and text_of(prop) == "should":
            return callee.child_by_field_name("object")
    args = call.child_by_field_name("arguments")
    named = [a for a in args.named_children if a.type != "comment"] if args else []
    return named[0] if named else None


def js_compares_whole(call: tree_sitter.Node, top: tree_sitter.Node) -> bool:
    """Tell whether an assertion chain checks its value equal to another, every part of it."""
    callee = call.child_by_field_name("function")
    if callee is not None and callee.type == "member_expression":
        prop = callee.child_by_field_name("property")
        if prop is not None and text_of(prop) in _JS_DEEP:
            return True
    links = []
    node = call
    while node != top and node.parent is not None:
        node = node.parent
        prop = node.child_by_field_name("property") if node.type == "member_expression" else None
        links.extend([text_of(prop)] if prop is not None else [])
    # `.rejects.toEqual(error)` compares the error a promise rejects with, not the value.
    if not links or {"not", "rejects"} & set(links):
        return False
    if _LOOSE.search(text_of(top).replace(text_of(call), "", 1)):
        return False
    return links[-1] in _JS_EQUAL or (links[-1] == "equal" and "deep" in links)


def js_parts(node: tree_sitter.Node, bound: Mapping[str, str]) -> tuple[str, ...]:
    """Return a value compared whole and every value an object or array literal of it holds."""
    found = [js_spelt(node, bound)]
    if node.type == "object":
        for child in node.named_children:
            if child.type == "shorthand_property_identifier":
                found.append(js_spelt(child, bound))
            elif child.type == "pair" and (value := child.child_by_field_name("value")):
                found.extend(js_parts(value, bound))
    elif node.type == "array":
        for child in node.named_children:
            if child.type != "spread_element":
                found.extend(js_parts(child, bound))
    return tuple(found)


# --- Python -------------------------------------------------------------------------------------


def py_bindings(function: ast.AST) -> dict[str, str]:
    """Spell each name a test assigns once (`res = E`, `status, body = E`) as that value or its
    item: res -> E, body -> E[1]."""
    found: dict[str, str] = {}
    # A name stored twice (assigned again, a loop's variable) stands for two values.
    seen = Counter(
        node.id
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    )
    for node in ast.walk(function):
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            continue
        value, target = _py_plain(node.value), node.targets[0]
        pairs = [(target, value)]
        if isinstance(target, ast.Tuple | ast.List):
            pairs = [(item, f"{value}[{index}]") for index, item in enumerate(target.elts)]
        found.update((name.id, spelt) for name, spelt in pairs if isinstance(name, ast.Name))
    return {name: spelt for name, spelt in found.items() if seen[name] == 1}


def _py_plain(node: ast.AST) -> str:
    while isinstance(node, ast.Await):
        node = node.value
    return normalise(ast.unparse(node))


def py_spelt(node: ast.AST, bound: Mapping[str, str]) -> str:
    """Spell a checked value with the test's names read as the values they were taken from."""
    text = _py_plain(node)
    root = node
    while isinstance(root, ast.Attribute | ast.Subscript | ast.Await):
        root = root.value
    if isinstance(root, ast.Name) and root.id in bound and text.startswith(root.id):
        return bound[root.id] + text[len(root.id) :]
    return text


def py_compared(node: ast.AST, bound: Mapping[str, str]) -> tuple[str, ...]:
    """Return what an equality assertion compares whole, either side (`assert a == b`,
    `assertEqual(a, b)`), with every item of a tuple, list or dict built to be compared."""
    sides: list[ast.expr] = []
    if isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare):
        test = node.test
        if len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq):
            sides = [test.left, *test.comparators]
    elif isinstance(node, ast.Call) and len(node.args) >= 2:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        sides = node.args[:2] if name in _PY_EQUAL else []
    return tuple(part for side in sides for part in _py_parts(side, bound))


def _py_parts(node: ast.expr, bound: Mapping[str, str]) -> Iterator[str]:
    yield py_spelt(node, bound)
    items: list[ast.expr] = []
    if isinstance(node, ast.Tuple | ast.List):
        items = [item for item in node.elts if not isinstance(item, ast.Starred)]
    elif isinstance(node, ast.Dict):  # a `**spread` (no key) is not compared whole
        items = [value for key, value in zip(node.keys, node.values, strict=True) if key]
    for item in items:
        yield from _py_parts(item, bound)
