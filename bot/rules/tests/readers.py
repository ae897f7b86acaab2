"""Read a test file's suite from its syntax tree: Python with `ast`, JS/TS/TSX, Ruby, Go with
tree-sitter. Anything else (Java, Kotlin) or a side that does not parse reads as None, and the
callers fall back to the diff's lines.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property

import tree_sitter

from bot.rules.code import SCRIPT_LANGUAGES
from bot.rules.tests import compared
from bot.rules.tests.suites import Assertion, Checked, Suite, Test, normalise, resolve
from bot.snapshot.model import Source
from bot.snapshot.trees import field_text, nodes_of, text_of, walk


def read(source: Source) -> Suite | None:
    """Read a test file's tests from its syntax tree; None when it cannot (absent, unparsed)."""
    if source.text is None:
        return None
    if source.language == "python":
        module = source.python
        return _python(module, source.text) if module is not None else None
    tree = source.tree
    if tree is None or tree.root_node.has_error:
        return None
    language = str(source.language)
    if language in SCRIPT_LANGUAGES:
        return _javascript(tree.root_node, language)
    reader = _READERS.get(language)
    return reader(tree.root_node) if reader else None


# --- Python -------------------------------------------------------------------------------------

_PY_ASSERT_CALLS = frozenset({"raises", "warns", "expect", "fail"})


def _python(module: ast.Module, text: str) -> Suite:
    lines = text.splitlines()
    tests: list[Test] = []
    helpers: dict[str, tuple[int, tuple[str, ...]]] = {}
    bodies: dict[str, str] = {}
    for scope, node in _python_functions(module.body, ""):
        found = tuple(_python_assertions(node, compared.py_bindings(node)))
        calls = tuple(_python_calls(node))
        if not node.name.startswith("test"):
            helpers[node.name] = (len(found), calls)
            bodies[node.name] = ast.unparse(node)
            continue
        start = min([d.lineno for d in node.decorator_list] + [node.lineno])
        end = node.end_lineno or node.lineno
        source = "\n".join(lines[start - 1 : end])
        tests.append(
            Test(
                key=f"{scope}{node.name}",
                name=node.name,
                line=node.lineno,
                start=start,
                end=end,
                body=source.replace(node.name, " ", 1),
                assertions=found,
                calls=calls,
            )
        )
    imports: set[str] = set()
    for child in ast.walk(module):
        if isinstance(child, ast.Import):
            imports.update(alias.name for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.module:
            imports.add(child.module)
            imports.update(f"{child.module}.{alias.name}" for alias in child.names)
    return Suite(tuple(tests), resolve(helpers), frozenset(imports), bodies)


def _python_functions(
    body: Sequence[ast.stmt], scope: str
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield scope, node
        elif isinstance(node, ast.ClassDef):
            yield from _python_functions(node.body, f"{scope}{node.name}.")


def _python_assertions(node: ast.AST, bound: Mapping[str, str]) -> Iterator[Assertion]:
    for child in ast.walk(node):
        if isinstance(child, ast.Assert) or (
            isinstance(child, ast.Call)
            and (_callee(child).startswith("assert") or _callee(child) in _PY_ASSERT_CALLS)
        ):
            checked = _python_subject(child)
            yield Assertion(
                child.lineno,
                normalise(ast.unparse(child)),
                normalise(ast.unparse(checked)),
                _py_checked(child, checked, bound),
            )


def _py_checked(node: ast.AST, checked: ast.AST, bound: Mapping[str, str]) -> Checked:
    return lambda: (compared.py_spelt(checked, bound), compared.py_compared(node, bound))


def _python_subject(node: ast.AST) -> ast.AST:
    """Return what an assertion checks: the left side of a comparison, a call's first argument."""
    if isinstance(node, ast.Assert):
        test = node.test
        return test.left if isinstance(test, ast.Compare) else test
    if isinstance(node, ast.Call) and node.args:
        return node.args[0]
    return node


def _python_calls(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and _callee(child):
            yield _callee(child)


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


# --- tree-sitter: shared walking ----------------------------------------------------------------


def _line(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


def _string(node: tree_sitter.Node | None) -> str | None:
    """Return a string literal's content (a template's raw text), or None for anything else."""
    if node is None or node.type not in {"string", "template_string"}:
        return None
    return text_of(node)[1:-1]


def _chain_top(node: tree_sitter.Node, links: frozenset[str]) -> tree_sitter.Node:
    """Climb from an assertion call to the whole chain it starts (`expect(x).not.toBe(y)`)."""
    while node.parent is not None and node.parent.type in links:
        node = node.parent
    return node


def _arguments(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = call.child_by_field_name("arguments")
    return [child for child in args.named_children if child.type != "comment"] if args else []


def _test(
    key: str, name: str, node: tree_sitter.Node, found: list[Assertion], calls: list[str]
) -> Test:
    return Test(
        key=key,
        name=name,
        line=_line(node),
        start=_line(node),
        end=node.end_point[0] + 1,
        body=text_of(node).replace(name, " ", 1),
        assertions=tuple(found),
        calls=tuple(calls),
    )


# --- JavaScript, TypeScript, TSX ----------------------------------------------------------------

_JS_TESTS = frozenset({"it", "test", "specify", "xit", "fit", "xtest", "xspecify"})
_JS_SUITES = frozenset({"describe", "context", "suite", "fdescribe", "xdescribe"})
_JS_MODIFIERS = frozenset({
    "only", "skip", "each", "concurrent", "failing", "todo", "fixme", "slow", "fails",
    "sequential", "runIf", "skipIf", "serial",
})  # fmt: skip
_JS_ASSERTS = frozenset({"expect", "expectTypeOf", "assert"})
# Asymmetric matchers: values an assertion compares with (`expect.objectContaining({...})` in
# `toContainEqual(...)`), no assertion of their own.
_JS_MATCHERS = frozenset({
    "objectContaining", "arrayContaining", "stringContaining", "stringMatching", "any",
    "anything", "closeTo",
})  # fmt: skip
_JS_CHAIN = frozenset(
    {"member_expression", "call_expression", "await_expression", "subscript_expression"}
)
_JS_FUNCTIONS = frozenset({"arrow_function", "function_expression", "function"})


def _js_path(callee: tree_sitter.Node) -> list[str]:
    """Name a callee as a path: `it.only` -> [it, only]; `it.each(table)` -> [it, each]."""
    if callee.type == "identifier":
        return [text_of(callee)]
    if callee.type == "member_expression":
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        if obj is None or prop is None:
            return []
        return [*_js_path(obj), text_of(prop)]
    if callee.type == "call_expression":
        inner = callee.child_by_field_name("function")
        return _js_path(inner) if inner is not None else []
    return []


def _js_kind(call: tree_sitter.Node) -> str | None:
    """Tell a test call (`it`, `test.each(...)`) or a suite call (`describe`) from any other."""
    callee = call.child_by_field_name("function")
    path = _js_path(callee) if callee is not None else []
    if not path:
        return None
    if path[0] in _JS_SUITES or (path[0] == "test" and path[1:2] == ["describe"]):
        return "suite"
    if path[0] in _JS_TESTS and all(part in _JS_MODIFIERS for part in path[1:]):
        return "test"
    return None


def _js_is_assertion(call: tree_sitter.Node) -> bool:
    callee = call.child_by_field_name("function")
    if callee is None:
        return False
    if callee.type == "identifier":
        return text_of(callee) in _JS_ASSERTS
    if callee.type == "member_expression":
        obj, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
        root = obj.type == "identifier" and text_of(obj) in _JS_ASSERTS if obj else False
        if root and prop is not None and text_of(prop) in _JS_MATCHERS:
            return False
        return root or (prop is not None and text_of(prop) == "should")
    return False


def _js_callee_name(call: tree_sitter.Node) -> str:
    callee = call.child_by_field_name("function")
    if callee is None:
        return ""
    if callee.type == "identifier":
        return text_of(callee)
    prop = callee.child_by_field_name("property") if callee.type == "member_expression" else None
    return text_of(prop) if prop is not None else ""


# The nodes a JS/TS test file's reader looks at, found by a query rather than a walk of every
# node (most of a large change's time in this pack): calls (tests, suites, assertions, helpers'
# calls, `require`), imports, and what may define a helper.
_JS_CALL = frozenset({"call_expression"})
_JS_READ = frozenset({
    "call_expression", "import_statement", "function_declaration", "method_definition",
    "generator_function_declaration", "variable_declarator", "pair",
})  # fmt: skip


class _Calls:
    """A file's call expressions, outer before inner, found by the one query of its reader.

    The calls of a test or a helper are a slice of them: a query per body read nested bodies
    (a helper inside a test inside a suite) again and again.
    """

    def __init__(self, nodes: Sequence[tree_sitter.Node]) -> None:
        self._calls = [node for node in nodes if node.type in _JS_CALL]
        self._starts = [node.start_byte for node in self._calls]

    def under(self, node: tree_sitter.Node) -> list[tree_sitter.Node]:
        """Return the calls of `node`'s subtree, itself included, as `nodes_of` orders them."""
        low = bisect_left(self._starts, node.start_byte)
        high = bisect_left(self._starts, node.end_byte, low)
        return [call for call in self._calls[low:high] if call.end_byte <= node.end_byte]


def _js_body(
    node: tree_sitter.Node, grammar: str, every: _Calls
) -> tuple[list[Assertion], list[str]]:
    found, calls = [], []
    bindings = _Bindings(node, grammar)
    for child in every.under(node):
        if _js_is_assertion(child):
            top = _chain_top(child, _JS_CHAIN)
            callee = child.child_by_field_name("function")
            should = callee is not None and callee.type == "member_expression"
            subject = callee.child_by_field_name("object") if should and callee else None
            shown = subject if subject is not None and _js_callee_name(child) == "should" else child
            found.append(
                Assertion(
                    _line(child),
                    normalise(text_of(top)),
                    normalise(text_of(shown)),
                    _js_checked(child, top, bindings),
                )
            )
        elif name := _js_callee_name(child):
            calls.append(name)
    return found, calls


class _Bindings:
    """A test body's names and the values they were declared from (`compared.js_bindings`),
    read once, when a check of the body is first asked what it checks."""

    def __init__(self, body: tree_sitter.Node, grammar: str) -> None:
        self._body, self._grammar = body, grammar

    @cached_property
    def names(self) -> dict[str, str]:
        return compared.js_bindings(self._body, self._grammar)


def _js_checked(assertion: tree_sitter.Node, top: tree_sitter.Node, bindings: _Bindings) -> Checked:
    def read() -> tuple[str, tuple[str, ...]]:
        checked = compared.js_checked(assertion)
        if checked is None:
            return "", ()
        whole = compared.js_compares_whole(assertion, top)
        parts = compared.js_parts(checked, bindings.names) if whole else ()
        return compared.js_spelt(checked, bindings.names), parts

    return read


def _js_helper_name(node: tree_sitter.Node) -> str | None:
    """Name a function a test may call: a declaration, a `const f = () =>`, a Cypress command."""
    if node.type in {"function_declaration", "method_definition", "generator_function_declaration"}:
        name = node.child_by_field_name("name")
        return text_of(name) if name is not None else None
    if node.type in {"variable_declarator", "pair"}:
        name = node.child_by_field_name("name") or node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        if name is not None and value is not None and value.type in _JS_FUNCTIONS:
            return text_of(name).strip("'\"")
    if node.type == "call_expression":
        callee = node.child_by_field_name("function")
        # Most calls are no command: their callee's path is worked out only when it may be.
        if callee is None or b"Commands" not in (callee.text or b""):
            return None
        path = _js_path(callee)
        args = _arguments(node)
        if path[-2:] in (["Commands", "add"], ["Commands", "overwrite"]) and args:
            return _string(args[0])
    return None


def _javascript(root: tree_sitter.Node, grammar: str) -> Suite:
    tests: list[Test] = []
    helpers: dict[str, tuple[int, tuple[str, ...]]] = {}
    bodies: dict[str, str] = {}
    imports: set[str] = set()
    nodes = nodes_of(root, grammar, _JS_READ)
    every = _Calls(nodes)
    for node in nodes:
        if node.type == "import_statement":
            spec = _string(node.child_by_field_name("source"))
            imports.update([spec] if spec else [])
        if node.type == "call_expression" and _js_callee_name(node) == "require":
            spec = _string(next(iter(_arguments(node)), None))
            imports.update([spec] if spec else [])
        helper = _js_helper_name(node)
        if helper:
            found, calls = _js_body(node, grammar, every)
            helpers[helper] = (len(found), tuple(calls))
            bodies[helper] = text_of(node)
        if node.type != "call_expression" or _js_kind(node) != "test":
            continue
        args = _arguments(node)
        name = _string(args[0]) if args else None
        if name is None:
            continue
        suites = [
            _string(next(iter(_arguments(up)), None)) or ""
            for up in _ancestors(node)
            if up.type == "call_expression" and _js_kind(up) == "suite"
        ]
        found, calls = _js_body(node, grammar, every)
        key = " > ".join([*reversed(suites), name])
        tests.append(_test(key, name, node, found, calls))
    return Suite(tuple(_outermost(tests)), resolve(helpers), frozenset(imports), bodies)


def _ancestors(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _outermost(tests: list[Test]) -> list[Test]:
    """Drop a `test` call nested in another (Playwright's steps): the outer one is the test."""
    kept: list[Test] = []
    for test in sorted(tests, key=lambda t: (t.start, -t.end)):
        if kept and kept[-1].start <= test.start and test.end <= kept[-1].end:
            continue
        kept.append(test)
    return kept


# --- Ruby ---------------------------------------------------------------------------------------

_RB_TESTS = frozenset({
    "it", "specify", "example", "scenario", "test", "its",
    "xit", "fit", "xspecify", "fspecify", "xexample", "fexample", "xscenario", "fscenario",
})  # fmt: skip
_RB_SUITES = frozenset({"describe", "context", "feature", "shared_examples", "xdescribe"})
_RB_CHAIN = frozenset({"call"})


def _rb_is_assertion(node: tree_sitter.Node) -> bool:
    if node.type != "call":
        return False
    method = field_text(node, "method")
    receiver = node.child_by_field_name("receiver")
    own = method.startswith(("assert", "refute", "must_", "wont_"))
    return own or (receiver is None and method in {"expect", "is_expected", "should"})


def _rb_body(node: tree_sitter.Node) -> tuple[list[Assertion], list[str]]:
    found, calls = [], []
    for child in walk(node, named=False):
        if _rb_is_assertion(child):
            top = _chain_top(child, _RB_CHAIN)
            args = _arguments(child)
            subject = child if field_text(child, "method") == "expect" or not args else args[-1]
            found.append(
                Assertion(_line(child), normalise(text_of(top)), normalise(text_of(subject)))
            )
        elif child.type == "call":
            calls.append(field_text(child, "method"))
        elif child.type == "identifier" and child.parent and child.parent.type == "body_statement":
            calls.append(text_of(child))
    return found, calls


def _rb_string_arg(call: tree_sitter.Node) -> str | None:
    args = _arguments(call)
    first = args[0] if args else None
    if first is None or first.type not in {"string", "constant", "scope_resolution"}:
        return None
    return text_of(first).strip("\"'")


def _ruby(root: tree_sitter.Node) -> Suite:
    tests: list[Test] = []
    helpers: dict[str, tuple[int, tuple[str, ...]]] = {}
    bodies: dict[str, str] = {}
    imports: set[str] = set()
    for node in walk(root, named=False):
        if node.type == "method":
            name_node = node.child_by_field_name("name")
            name = text_of(name_node) if name_node is not None else ""
            found, calls = _rb_body(node)
            if not name.startswith("test_"):
                helpers[name] = (len(found), tuple(calls))
                bodies[name] = text_of(node)
                continue
            scope = [text_of(n) for up in _ancestors(node) if (n := up.child_by_field_name("name"))]
            key = ".".join([*reversed(scope), name])
            tests.append(_test(key, name, node, found, calls))
            continue
        if node.type != "call":
            continue
        method = field_text(node, "method")
        if method in {"require", "require_relative"}:
            imports.update([s] if (s := _rb_string_arg(node)) else [])
            continue
        has_block = node.child_by_field_name("block") is not None
        if method not in _RB_TESTS or node.child_by_field_name("receiver") or not has_block:
            continue
        args = _arguments(node)
        title = _string(args[0]) if args else None
        if title is None:
            continue
        suites = [
            _rb_string_arg(up) or ""
            for up in _ancestors(node)
            if up.type == "call" and field_text(up, "method") in _RB_SUITES
        ]
        found, calls = _rb_body(node)
        key = " > ".join([*reversed(suites), title])
        tests.append(_test(key, title, node, found, calls))
    return Suite(tuple(_outermost(tests)), resolve(helpers), frozenset(imports), bodies)


# --- Go -----------------------------------------------------------------------------------------

_GO_FAILS = frozenset({"Error", "Errorf", "Fatal", "Fatalf", "Fail", "FailNow"})
_GO_HANDLE = re.compile(r"\*\s*testing\.(?:T|B|F|TB)\b|^testing\.TB$")
_GO_PACKAGES = frozenset({"assert", "require"})


def _go_callee(call: tree_sitter.Node) -> tuple[str, str]:
    """Return (operand, name) of a call: `t.Errorf` -> (t, Errorf); `check` -> ("", check)."""
    callee = call.child_by_field_name("function")
    if callee is None:
        return "", ""
    if callee.type == "selector_expression":
        operand, name = callee.child_by_field_name("operand"), callee.child_by_field_name("field")
        return (text_of(operand) if operand else "", text_of(name) if name else "")
    return "", text_of(callee)


def _go(root: tree_sitter.Node) -> Suite:
    """Read `TestX` functions and their subtests: `t.Run("name", func(t *testing.T) {...})` is a
    test of its own (`go test -run 'TestX/name'`), keyed `TestX > name`, and its assertions are
    its own, not its parent's: renaming or rewriting one subtest leaves its siblings alone."""
    tests: list[Test] = []
    helpers: dict[str, tuple[int, tuple[str, ...]]] = {}
    bodies: dict[str, str] = {}
    handles = _go_handles(root)
    for node in root.named_children:
        if node.type not in {"function_declaration", "method_declaration"}:
            continue
        name_node = node.child_by_field_name("name")
        name = text_of(name_node) if name_node is not None else ""
        is_test = node.type == "function_declaration" and name.startswith("Test")
        subtests = list(_go_subtests(node)) if is_test else []
        inside = [(sub.start_byte, sub.end_byte) for _, sub in subtests]
        found, calls = _go_body(node, inside, handles)
        if is_test:
            tests.append(_test(name, name, node, found, calls))
            for title, sub in subtests:
                sub_found, sub_calls = _go_body(sub, [], handles)
                tests.append(_test(f"{name} > {title}", title, sub, sub_found, sub_calls))
        else:
            helpers[name] = (len(found), tuple(calls))
            bodies[name] = text_of(node)
    return Suite(tuple(tests), resolve(helpers), bodies=bodies)


def _go_subtests(test: tree_sitter.Node) -> Iterator[tuple[str, tree_sitter.Node]]:
    """Yield (name, call) for each `t.Run` with a literal name directly in a test's body (one
    nested in another subtest belongs to that subtest)."""
    end = -1
    for call in walk(test):
        if call.type != "call_expression" or _go_callee(call)[1] != "Run":
            continue
        if call.start_byte < end:
            continue
        arguments = call.child_by_field_name("arguments")
        first = arguments.named_children[0] if arguments and arguments.named_children else None
        if first is not None and first.type in {"interpreted_string_literal", "raw_string_literal"}:
            end = call.end_byte
            yield text_of(first)[1:-1], call


def _go_handles(root: tree_sitter.Node) -> frozenset[str]:
    """Name the parameters of type `*testing.T` (or B, F, TB): only their `Error`, `Fatal`, …
    fail a test; `err.Error()` reads an error's message."""
    return frozenset(
        text_of(name)
        for node in walk(root)
        if node.type == "parameter_declaration"
        and (kind := node.child_by_field_name("type")) is not None
        and _GO_HANDLE.search(text_of(kind))
        for name in node.children_by_field_name("name")
    )


def _go_body(
    node: tree_sitter.Node, skip: Sequence[tuple[int, int]], handles: frozenset[str]
) -> tuple[list[Assertion], list[str]]:
    """Return the assertions and calls of a function or subtest, leaving out the `skip` spans:
    a `require`/`assert` call, or a failing call on a test handle (`t.Errorf`)."""
    found: list[Assertion] = []
    calls: list[str] = []
    for child in walk(node, named=False):
        if child.type != "call_expression":
            continue
        if any(start <= child.start_byte and child.end_byte <= end for start, end in skip):
            continue
        operand, callee = _go_callee(child)
        if (callee in _GO_FAILS and operand in handles) or operand in _GO_PACKAGES:
            text = normalise(text_of(child))
            found.append(Assertion(_line(child), text, text))
        elif callee:
            calls.append(callee)
    return found, calls


_READERS = {"ruby": _ruby, "go": _go}
