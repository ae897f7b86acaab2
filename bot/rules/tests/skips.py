"""Skips in context: what runs only under a condition, or has nothing to run, turns no test off.

A line regex finds skip markers (`markers.py`); the file's parse tree then tells whether one
really switches a test off. Not skipped tests: a skip behind a condition (`skipif(cond)`,
`xfail(cond)`, `test.skip(cond, "why")`, a skip inside an `if`, a ternary or an `except`), an
empty pending stub (`xit("todo")` or `xit "todo"` with no body), and a marker written in a string.
Not focused tests: RSpec's focus filter configured to run focused examples only when there are
some (`config.filter_run_when_matching :focus`).
The `tests/unconditional-skip` rule is here too: a test body that calls `pytest.skip()` or
`self.skipTest()` on every run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import tree_sitter

from bot.diff.model import ChangedFile
from bot.rules.code import make_finding
from bot.rules.model import Example, Finding, Rule, Severity
from bot.rules.tests.languages import is_test_file
from bot.rules.tests.stacks import PYTHON_STACK
from bot.snapshot.model import Snapshot, Source
from bot.snapshot.trees import py_touches, text_of

UNCONDITIONAL = "tests/unconditional-skip"
# Functions that run around every test of a class or module: a skip there skips them all.
SETUP = frozenset(
    {"setUp", "asyncSetUp", "setUpClass", "setup_method", "setup_class", "setup_module"}
)
_PY_MARKS = frozenset({"skip", "xfail", "skipif", "skipIf", "skipUnless", "expectedFailure"})
_PY_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_PY_CONDITIONAL = (ast.If, ast.IfExp, ast.BoolOp, ast.ExceptHandler, ast.match_case, ast.While)
_STRINGS = frozenset(
    {
        *("string", "string_fragment", "template_string", "comment", "string_content"),
        *("heredoc_body", "interpreted_string_literal", "raw_string_literal"),
    }
)
_SCRIPT = (
    frozenset({"if_statement", "ternary_expression", "switch_case", "switch_default"})
    | {"catch_clause"},
    frozenset({"arrow_function", "function_expression", "function", "function_declaration"})
    | {"method_definition", "generator_function", "generator_function_declaration"},
)
# Per language: (node types that run their children under a condition, function types).
_TREES = {
    **dict.fromkeys(("javascript", "typescript", "tsx"), _SCRIPT),
    "ruby": (
        frozenset({"if", "unless", "if_modifier", "unless_modifier", "conditional", "when"})
        | {"elsif", "else", "rescue", "rescue_modifier", "while", "until"},
        frozenset({"method", "singleton_method", "do_block", "block", "lambda"}),
    ),
    "go": (
        frozenset({"if_statement", "expression_case", "default_case", "type_case"})
        | {"communication_case"},
        frozenset({"function_declaration", "method_declaration", "func_literal"}),
    ),
}
_SHORT_CIRCUIT = frozenset({"&&", "||", "??", "and", "or"})
_JS_CALLBACKS = frozenset({"arrow_function", "function_expression", "function"})
_RB_STATEMENTS = frozenset({"skip", "pending"})
_RB_EXAMPLES = frozenset({"test", "it", "specify", "example", "scenario"})
_RB_GROUPS = frozenset(
    {"describe", "context", "feature", "shared_examples", "shared_context", "example_group"}
)
# RSpec's inclusion filters. `filter_run_when_matching` is ignored while nothing matches;
# `filter_run` (alias `filter_run_including`) is ignored so only with the deprecated
# `run_all_when_everything_filtered = true`, and otherwise runs no test when none is focused.
_RB_WHEN_MATCHING = "filter_run_when_matching"
_RB_FILTER_RUN = frozenset({"filter_run", "filter_run_including"})
_RB_RUN_ALL = re.compile(r"^\s*\w+\.run_all_when_everything_filtered\s*=\s*true\b", re.MULTILINE)


@dataclass(frozen=True)
class Spot:
    """Where a line regex found a marker: 1-based line, character span within that line."""

    line: int
    start: int
    end: int
    text: str = field(repr=False)


@dataclass(frozen=True, eq=False)
class Parsed:
    """One test file at head with its parse tree, to judge the markers found on its lines.

    `rebuilt` is True when only the diff was at hand: a tree with syntax errors then may lack
    a test's body or a block's `end`, so it cannot tell a pending stub from a test.
    """

    source: Source
    rebuilt: bool

    @classmethod
    def of(cls, snap: Snapshot, changed: ChangedFile) -> Parsed:
        return cls(snap.head_or_diff(changed), snap.read(changed.path, "head") is None)

    def turns_off(self, spot: Spot, skip: bool) -> bool:
        """Tell whether the marker at `spot` switches a test off (or focuses one).

        Without a tree the line regex is trusted, as it was before trees.
        """
        if self.source.language == "python":
            module = self.source.python
            return _python_turns_off(module, spot) if module is not None else True
        tree, kinds = self.source.tree, _TREES.get(str(self.source.language))
        if tree is None or kinds is None:
            return True
        return self._tree(tree.root_node, spot, skip, kinds)

    def _tree(
        self,
        root: tree_sitter.Node,
        spot: Spot,
        skip: bool,
        kinds: tuple[frozenset[str], frozenset[str]],
    ) -> bool:
        row = spot.line - 1
        node = root.descendant_for_point_range(
            (row, _bytes(spot.text, spot.start)), (row, _bytes(spot.text, spot.end))
        )
        if node is None:
            return True
        if node.type in _STRINGS or (node.parent is not None and node.parent.type in _STRINGS):
            return False
        ruby = self.source.language == "ruby"
        if not skip:
            return not (ruby and _focus_filter(node, self.source.text or ""))
        if ruby and text_of(node) in _RB_STATEMENTS and not _statement(node):
            return False  # `pending = create(:user)`: a variable, no marker
        complete = not (self.rebuilt and root.has_error)
        if _condition_form(node) or (complete and _stub(node)):
            return False
        return not _conditional(node, *kinds)


def check_unconditional_skips(snap: Snapshot) -> list[Finding]:
    """Flag a test, or its setup, that calls `pytest.skip()` or `skipTest()` on every run."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        path = PurePosixPath(changed.path)
        test_side = is_test_file(changed.path) or path.name == "conftest.py"
        if changed.binary or path.suffix != ".py" or not changed.added or not test_side:
            continue
        module = snap.head_or_diff(changed).python
        added = {line.number: line for line in changed.added}
        for call, function in unconditional_skips(module, sorted(added)) if module else ():
            if call.lineno not in added:
                continue
            where = f"`{function}`" if function else "every test in this module"
            message = (
                f"`{ast.unparse(call.func)}()` skips {where} every time it runs, so it no longer "
                "guards its behaviour and a regression there would pass CI. Fix the test, or "
                "put the skip behind the condition that makes it necessary."
            )
            findings.append(
                make_finding(
                    UNCONDITIONAL, changed.path, added[call.lineno], Severity.WARNING, message
                )
            )
    return findings


def unconditional_skips(
    module: ast.Module, rows: Sequence[int]
) -> Iterator[tuple[ast.Call, str | None]]:
    """Yield each skip call on `rows` (sorted) a test, its setup or the module makes every run."""
    stack: list[tuple[ast.AST, str | None, bool]] = [(module, None, False)]
    while stack:
        node, function, conditional = stack.pop()
        if not py_touches(node, rows):
            continue
        if isinstance(node, ast.Call) and not conditional and _skips(node, function):
            yield node, function
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function, conditional = node.name, False
        elif isinstance(node, ast.Lambda):
            function, conditional = "<lambda>", False
        elif isinstance(node, _PY_CONDITIONAL):
            conditional = True
        stack.extend((child, function, conditional) for child in ast.iter_child_nodes(node))


def _skips(call: ast.Call, function: str | None) -> bool:
    func = call.func
    if not isinstance(func, ast.Attribute):
        return False
    value = func.value
    pytest_skip = func.attr == "skip" and isinstance(value, ast.Name) and value.id == "pytest"
    if function is None:
        return pytest_skip and any(
            kw.arg == "allow_module_level" and _truthy(kw.value) for kw in call.keywords
        )
    runs_tests = function.startswith("test") or function in SETUP
    return runs_tests and (pytest_skip or func.attr == "skipTest")


def _python_turns_off(module: ast.Module, spot: Spot) -> bool:
    found = _python_mark(module, spot)
    if found is None:
        return False  # the text sits in a string or a docstring: no marker
    node, ancestors = found
    call = ancestors[-1] if ancestors else None
    if isinstance(call, ast.Call) and call.func is node and _conditional_mark(node, call):
        return False
    child: ast.AST = node
    for parent in reversed(ancestors):
        if isinstance(parent, _PY_CONDITIONAL):
            return False
        if isinstance(parent, _PY_FUNCTIONS):
            if child not in getattr(parent, "decorator_list", ()):
                return True
            if _empty(parent):
                return False  # a pending stub: nothing written yet that a skip could turn off
        child = parent
    return True


def _empty(function: ast.AST) -> bool:
    """Tell whether a test's body is only `pass`, `...`, a docstring or NotImplementedError."""
    body = getattr(function, "body", None)
    return isinstance(body, list) and all(
        isinstance(statement, ast.Pass)
        or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        or (isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement))
        for statement in body
    )


def _python_mark(
    module: ast.Module, spot: Spot
) -> tuple[ast.Attribute | ast.Name, list[ast.AST]] | None:
    """Find the marker's name node at `spot` with its ancestors, visiting only nodes that span
    the spot's line."""
    start, end = _bytes(spot.text, spot.start), _bytes(spot.text, spot.end)
    stack: list[tuple[ast.AST, list[ast.AST]]] = [(module, [])]
    while stack:
        node, ancestors = stack.pop()
        if not py_touches(node, [spot.line]):
            continue
        if (
            isinstance(node, (ast.Attribute, ast.Name))
            and _mark_name(node) in _PY_MARKS
            and node.lineno == spot.line
            and node.col_offset <= end
            and (node.end_col_offset or 0) >= start
        ):
            return node, ancestors
        stack.extend((child, [*ancestors, node]) for child in ast.iter_child_nodes(node))
    return None


def _mark_name(node: ast.Attribute | ast.Name) -> str:
    return node.attr if isinstance(node, ast.Attribute) else node.id


def _conditional_mark(node: ast.Attribute | ast.Name, call: ast.Call) -> bool:
    """`skipif(cond)`, `skipIf(cond)`, `skipUnless(cond)` and `xfail(cond)` depend on `cond`."""
    name = _mark_name(node)
    condition = call.args[0] if call.args else None
    condition = next((k.value for k in call.keywords if k.arg == "condition"), condition)
    if name in ("skipif", "skipIf", "xfail"):
        return condition is not None and not _truthy(condition)
    if name == "skipUnless":
        return condition is not None and not (
            isinstance(condition, ast.Constant) and not condition.value
        )
    return False


def _truthy(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and bool(node.value)


def _call_of(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """Return the call whose callee (or, in Ruby, whose method) the marker is."""
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "call_expression" and parent.child_by_field_name("function") == node:
        return parent
    if parent.type == "call" and parent.child_by_field_name("method") == node:
        return parent
    return None


def _condition_form(node: tree_sitter.Node) -> bool:
    """Playwright's `test.skip(condition, "why")` skips only when the condition holds.

    `test.skip()` with nothing, `test.skip(true)` and `test.skip(title, fn)` always skip.
    """
    call = _call_of(node)
    if call is None or node.type != "member_expression" or call.type != "call_expression":
        return False
    arguments = call.child_by_field_name("arguments")
    named = [a for a in arguments.named_children if a.type != "comment"] if arguments else []
    if not named or named[0].type in ("string", "template_string", "true"):
        return False
    return not any(a.type in _JS_CALLBACKS for a in named[1:])


def _stub(node: tree_sitter.Node) -> bool:
    """A pending stub: `xit("todo")`, `it.skip("todo", () => {})`, RSpec `xit "todo"` or a
    group's `pending "todo"` with no block."""
    call = _call_of(node)
    if call is None:
        return False
    if call.type == "call":  # Ruby: `xit "todo"`; the example's body is its block
        name = text_of(node)
        # `skip` and `pending` declare an example at group level, and skip one inside it.
        if name in _RB_STATEMENTS and _alone_in_example(call):
            return True  # `test "x" do skip "later" end`: nothing written yet to turn off
        if not (name.startswith("x") or (name in _RB_STATEMENTS and _in_group(call))):
            return False
        block = call.child_by_field_name("block")
        return block is None or block.child_by_field_name("body") is None
    arguments = call.child_by_field_name("arguments")
    if arguments is None:
        return False
    named = [a for a in arguments.named_children if a.type != "comment"]
    if not named or named[0].type not in ("string", "template_string"):
        return False
    callback = next((a for a in named if a.type in _JS_CALLBACKS), None)
    body = callback.child_by_field_name("body") if callback else None
    if body is None:
        return callback is None
    statements = [s for s in body.named_children if s.type != "comment"]
    return body.type == "statement_block" and not statements


def _alone_in_example(call: tree_sitter.Node) -> bool:
    """Tell whether a Ruby `skip "..."` is the whole body of a `test`/`it` block, comments aside."""
    body = call.parent
    block = body.parent if body is not None and body.type == "body_statement" else None
    owner = block.parent if block is not None and block.type in ("do_block", "block") else None
    method = owner.child_by_field_name("method") if owner is not None else None
    if method is None or text_of(method) not in _RB_EXAMPLES or body is None:
        return False
    return [n for n in body.named_children if n.type != "comment"] == [call]


def _in_group(call: tree_sitter.Node) -> bool:
    """Tell whether a Ruby call sits directly in a `describe` or `context` block."""
    block = call.parent.parent if call.parent is not None else None
    owner = block.parent if block is not None and block.type in ("do_block", "block") else None
    method = owner.child_by_field_name("method") if owner is not None else None
    return method is not None and text_of(method) in _RB_GROUPS


def _focus_filter(node: tree_sitter.Node, text: str) -> bool:
    """Tell whether a Ruby focus marker configures RSpec's filter for focused examples (the
    stock opt-in setup), rather than focusing an example or group."""
    call = node.parent
    while call is not None and call.type != "call":
        call = call.parent
    method = call.child_by_field_name("method") if call is not None else None
    name = text_of(method) if method is not None else None
    return name == _RB_WHEN_MATCHING or (
        name in _RB_FILTER_RUN and _RB_RUN_ALL.search(text) is not None
    )


def _statement(node: tree_sitter.Node) -> bool:
    """Tell whether Ruby's `skip`/`pending` is called, rather than a variable of that name."""
    parent = node.parent
    return _call_of(node) is not None or (
        parent is not None
        and parent.type in ("body_statement", "block_body", "then", "else", "program")
    )


def _conditional(
    node: tree_sitter.Node, conditional: frozenset[str], functions: frozenset[str]
) -> bool:
    """Tell whether the marker runs under a condition within its function (or file)."""
    parent = node.parent
    while parent is not None and parent.type not in functions:
        operator = parent.child_by_field_name("operator")
        if parent.type in conditional or (
            parent.type in ("binary_expression", "binary")
            and operator is not None
            and text_of(operator) in _SHORT_CIRCUIT
        ):
            return True
        parent = parent.parent
    return False


def _bytes(text: str, index: int) -> int:
    """Turn a character offset within a line into tree-sitter's and ast's byte column."""
    return len(text[:index].encode("utf-8"))


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        UNCONDITIONAL,
        Severity.WARNING,
        "Test that calls pytest.skip()/skipTest() unconditionally.",
        "Skip only under a condition, or fix the test.",
        frozenset({"python"}),
        why="A skip called unconditionally turns the test off for good while it still appears in "
        "the suite, so no one notices it checks nothing.",
        flagged=Example(
            title="A test is switched off from inside its body with an unconditional pytest.skip()",
            base=(*PYTHON_STACK,),
            head=(
                (
                    "tests/test_payments.py",
                    """\
from decimal import Decimal

import pytest

from app.payments import charge, refund


def test_charge_succeeds():
    payment = charge(Decimal("9.99"))
    assert payment["status"] == "succeeded"
    assert payment["currency"] == "EUR"


def test_charge_rejects_zero():
    with pytest.raises(ValueError):
        charge(Decimal("0"))


def test_refund_marks_payment():
    pytest.skip("refunds are flaky on the sandbox")
    payment = refund(charge(Decimal("5")))
    assert payment["status"] == "refunded"
""",
                ),
            ),
        ),
        quiet=Example(
            title="pytest.skip() inside an `if` that checks the environment skips only where it must",  # noqa: E501
            base=(*PYTHON_STACK,),
            head=(
                (
                    "tests/test_payments.py",
                    """\
from decimal import Decimal

import pytest

from app.payments import charge, refund


def test_charge_succeeds():
    payment = charge(Decimal("9.99"))
    assert payment["status"] == "succeeded"
    assert payment["currency"] == "EUR"


def test_charge_rejects_zero():
    with pytest.raises(ValueError):
        charge(Decimal("0"))


def test_refund_marks_payment():
    if not hasattr(Decimal, "quantize"):
        pytest.skip("needs decimal quantize")
    payment = refund(charge(Decimal("5")))
    assert payment["status"] == "refunded"
""",
                ),
            ),
        ),
    ),
)
CHECKS = {check_unconditional_skips: (UNCONDITIONAL,)}
