"""Tell a module-level container that only paces the process's own log lines from a store.

A map from a reason to the time it was last logged (or how often, or whether it was), read and
written only inside functions that write a log line, throttles or deduplicates that logging: it
is meant to start empty in every process, and nothing but the logging decision reads it. A
store's container holds records (objects, rows, whatever the caller passed) or hands what it
holds back to its callers, so it stays a finding.

Judged from the parse trees, Python's `ast` and tree-sitter's for JS/TS, with the same test: every
use of the name is an index or a method call on it, in a function that logs, not in what the
function returns; and every value written to it is a clock reading, a number, a flag or a count
made from its own entries.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import tree_sitter

from bot.rules.code import JS_FUNCTIONS, JS_WRAPPERS, js_callee, js_calls, py_calls, py_name, words
from bot.snapshot.model import Source
from bot.snapshot.trees import text_of

# The last segment of a call that reads a clock: `Date.now()`, `time.monotonic()`, `utcnow()`.
CLOCKS = frozenset(
    {"now", "utcnow", "time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "hrtime"}
    | {"perf_counter_ns", "bigint", "getTime"}
)
# A log call: one of these methods on a receiver named like a logger (`logger.warn`,
# `console.error`, `self.log.info`, `logging.warning`, `warnings.warn`).
LOG_METHODS = frozenset(
    {"debug", "info", "warn", "warning", "error", "exception", "critical", "fatal", "trace", "log"}
)
LOG_WORDS = frozenset({"log", "logger", "logging", "console", "warnings"})
# Methods that read, drop or count entries without handing the entries themselves out.
READS = frozenset({"get", "has", "delete", "clear", "size", "length", "includes", "pop"})
# Methods that store a value, by the index of the argument that is the value.
JS_WRITES = {"set": 1, "push": 0, "unshift": 0}
PY_WRITES = {"setdefault": 1, "append": 0, "insert": 1}
_JS_LITERALS = frozenset({"number", "true", "false", "null", "undefined"})
_JS_ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "??", "||", "&&", "+=", "-=", "*=", "??="})
_JS_NAMES = frozenset({"identifier", "shorthand_property_identifier"})


def log_bookkeeping(source: Source, name: str) -> bool:
    """Tell whether a module-level container named `name` only paces this file's log lines."""
    if source.language == "python":
        module = source.python
        return module is not None and _python(module, name)
    if source.language in ("javascript", "typescript", "tsx"):
        return _script(source, name)
    return False


def is_log_call(callee: str) -> bool:
    """Tell whether a call, by dotted name, writes a log line (`logger.warn`, `console.error`)."""
    *receivers, method = callee.split(".")
    return method in LOG_METHODS and any(set(words(receiver)) & LOG_WORDS for receiver in receivers)


# --- JS/TS ----------------------------------------------------------------------------------------


def _script(source: Source, name: str) -> bool:
    tree = source.tree
    declarator = _js_declarator(tree.root_node, name) if tree is not None else None
    if declarator is None:
        return False
    value = declarator.child_by_field_name("value")
    constructor = value.child_by_field_name("constructor") if value is not None else None
    a_set = constructor is not None and text_of(constructor) == "Set"
    own = declarator.child_by_field_name("name")
    logs: dict[int, bool] = {}
    uses = [
        use
        for use in source.nodes(_JS_NAMES)
        if text_of(use) == name and (own is None or use.id != own.id)
    ]
    for use in uses:
        function = _js_function(use)
        if function is None:
            return False
        if function.id not in logs:
            body = function.child_by_field_name("body")
            logs[function.id] = body is not None and any(
                is_log_call(js_callee(call)) for call in js_calls(body)
            )
        if not logs[function.id] or not _js_use(use, function, name, a_set=a_set):
            return False
    return bool(uses)


def _js_declarator(root: tree_sitter.Node, name: str) -> tree_sitter.Node | None:
    """Return the module-level declarator of `name`; None when it is exported or absent."""
    for statement in root.named_children:
        if statement.type not in ("lexical_declaration", "variable_declaration"):
            continue
        for declarator in statement.named_children:
            bound = declarator.child_by_field_name("name")
            if bound is not None and text_of(bound) == name:
                return declarator
    return None


def _js_function(node: tree_sitter.Node) -> tree_sitter.Node | None:
    current = node.parent
    while current is not None and current.type not in JS_FUNCTIONS:
        current = current.parent
    return current


def _js_use(use: tree_sitter.Node, function: tree_sitter.Node, name: str, *, a_set: bool) -> bool:
    """Tell whether one use of the container keeps its entries inside the function."""
    body = function.child_by_field_name("body")
    if body is None or body.type != "statement_block" or _js_returned(use, function):
        return False
    if use.type != "identifier":
        return False  # `{ name }`: the container itself handed on
    access = _js_outer(use)
    parent = access.parent
    if parent is None:
        return False
    if parent.type == "binary_expression" and _js_operator(parent) == "in":
        return _same(parent.child_by_field_name("right"), access)
    if parent.type == "subscript_expression" and _same(
        parent.child_by_field_name("object"), access
    ):
        return _js_index(parent, function, name)
    if parent.type != "member_expression" or not _same(
        parent.child_by_field_name("object"), access
    ):
        return False
    method = text_of(parent.child_by_field_name("property") or parent)
    if method in READS:
        return True
    call = parent.parent
    if call is None or call.type != "call_expression":
        return False
    arguments = call.child_by_field_name("arguments")
    values = arguments.named_children if arguments is not None else []
    if method == "add" and a_set:
        return True
    if method not in JS_WRITES or len(values) <= JS_WRITES[method]:
        return False
    return all(_js_mark(v, function, name) for v in values[JS_WRITES[method] :])


def _js_index(index: tree_sitter.Node, function: tree_sitter.Node, name: str) -> bool:
    """Tell whether `name[key]` is read, or written with a mark."""
    target = _js_outer(index)
    parent = target.parent
    if parent is None or not _same(parent.child_by_field_name("left"), target):
        return True  # a read: a number the function compares
    if parent.type == "assignment_expression":
        value = parent.child_by_field_name("right")
        return value is not None and _js_mark(value, function, name)
    if parent.type == "augmented_assignment_expression":
        value = parent.child_by_field_name("right")
        return _js_operator(parent) in _JS_ARITHMETIC and (
            value is not None and _js_mark(value, function, name)
        )
    return True


def _js_mark(node: tree_sitter.Node, function: tree_sitter.Node, name: str, depth: int = 0) -> bool:
    """Tell whether a value is a clock reading, a number, a flag or a count of `name`'s own."""
    kind = node.type
    if kind in _JS_LITERALS or depth > 4:
        return kind in _JS_LITERALS
    if kind in JS_WRAPPERS or kind in ("non_null_expression", "unary_expression"):
        return all(_js_mark(c, function, name, depth + 1) for c in node.named_children)
    if kind == "update_expression":
        return True
    if kind == "new_expression":
        constructor = node.child_by_field_name("constructor")
        return constructor is not None and text_of(constructor) == "Date"
    if kind == "call_expression":
        callee = js_callee(node)
        return callee.rsplit(".", 1)[-1] in CLOCKS or _js_reads(node, name)
    if kind == "subscript_expression":
        return _js_reads(node, name)
    if kind == "binary_expression":
        return _js_operator(node) in _JS_ARITHMETIC and all(
            _js_mark(c, function, name, depth + 1) for c in node.named_children
        )
    if kind == "identifier":
        spelled = text_of(node)
        if spelled.isupper():
            return True
        bound = list(_js_bindings(function, spelled))
        return bool(bound) and all(_js_mark(v, function, name, depth + 1) for v in bound)
    return False


def _js_reads(node: tree_sitter.Node, name: str) -> bool:
    """Tell whether an expression is `name[key]` or `name.get(key)`."""
    if node.type == "subscript_expression":
        target = node.child_by_field_name("object")
        return target is not None and text_of(target) == name
    return js_callee(node) == f"{name}.get"


def _js_bindings(function: tree_sitter.Node, name: str) -> Iterator[tree_sitter.Node]:
    """Yield the values a function's own declarations bind to `name`."""
    stack = [function.child_by_field_name("body")]
    while stack:
        node = stack.pop()
        if node is None or node.type in JS_FUNCTIONS:
            continue
        if node.type == "variable_declarator":
            bound, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if bound is not None and value is not None and text_of(bound) == name:
                yield value
        stack.extend(node.named_children)


def _js_returned(node: tree_sitter.Node, function: tree_sitter.Node) -> bool:
    current = node.parent
    while current is not None and current.id != function.id:
        if current.type in ("return_statement", "yield_expression", "throw_statement"):
            return True
        current = current.parent
    return False


def _js_outer(node: tree_sitter.Node) -> tree_sitter.Node:
    """Climb the wrappers around an expression (`(x as T)`, `x!`)."""
    while node.parent is not None and (
        node.parent.type in JS_WRAPPERS or node.parent.type == "non_null_expression"
    ):
        node = node.parent
    return node


def _js_operator(node: tree_sitter.Node) -> str:
    operator = node.child_by_field_name("operator")
    return text_of(operator) if operator is not None else ""


def _same(node: tree_sitter.Node | None, other: tree_sitter.Node) -> bool:
    return node is not None and node.id == other.id


# --- Python ---------------------------------------------------------------------------------------


def _python(module: ast.Module, name: str) -> bool:
    declared = next(
        (
            statement
            for statement in module.body
            if isinstance(statement, ast.Assign | ast.AnnAssign)
            and any(
                isinstance(t, ast.Name) and t.id == name
                for t in (
                    statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                )
            )
        ),
        None,
    )
    if declared is None:
        return False
    parents = {child: node for node in ast.walk(module) for child in ast.iter_child_nodes(node)}
    own = set(ast.walk(declared))
    logs: dict[int, bool] = {}
    uses = [
        use
        for use in ast.walk(module)
        if isinstance(use, ast.Name) and use.id == name and use not in own
    ]
    for use in uses:
        function = _py_function(use, parents)
        if function is None:
            return False
        if id(function) not in logs:
            logs[id(function)] = any(is_log_call(py_name(c.func)) for c in py_calls(function.body))
        if not logs[id(function)] or not _py_use(use, function, parents, name):
            return False
    return bool(uses)


def _py_function(
    node: ast.AST, parents: dict[ast.AST, ast.AST]
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    current = parents.get(node)
    while current is not None:
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            return current
        if isinstance(current, ast.Lambda | ast.ClassDef):
            return None
        current = parents.get(current)
    return None


def _py_use(use: ast.Name, function: ast.AST, parents: dict[ast.AST, ast.AST], name: str) -> bool:
    """Tell whether one use of the container keeps its entries inside the function."""
    current = parents.get(use)
    while current is not None and current is not function:
        if isinstance(current, ast.Return | ast.Yield | ast.YieldFrom | ast.Raise):
            return False
        current = parents.get(current)
    parent = parents.get(use)
    if isinstance(parent, ast.Compare) and use in parent.comparators:
        at = parent.comparators.index(use)
        return isinstance(parent.ops[at], ast.In | ast.NotIn)
    if isinstance(parent, ast.Subscript) and parent.value is use:
        return _py_index(parent, function, parents, name)
    if not isinstance(parent, ast.Attribute) or parent.value is not use:
        return False
    call = parents.get(parent)
    if parent.attr in READS:
        return True
    if not isinstance(call, ast.Call) or call.func is not parent or parent.attr not in PY_WRITES:
        return False
    values = call.args[PY_WRITES[parent.attr] :]
    return bool(values) and all(_py_mark(v, function, name) for v in values)


def _py_index(
    index: ast.Subscript, function: ast.AST, parents: dict[ast.AST, ast.AST], name: str
) -> bool:
    """Tell whether `name[key]` is read, deleted, or written with a mark."""
    if not isinstance(index.ctx, ast.Store):
        return True
    statement = parents.get(index)
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.AnnAssign):
        return statement.value is not None and _py_mark(statement.value, function, name)
    return False


def _py_mark(node: ast.expr, function: ast.AST, name: str, depth: int = 0) -> bool:
    """Tell whether a value is a clock reading, a number, a flag or a count of `name`'s own."""
    if isinstance(node, ast.Constant):
        return node.value is None or isinstance(node.value, int | float | bool)
    if depth > 4:
        return False
    if isinstance(node, ast.Call):
        callee = py_name(node.func)
        return callee.rsplit(".", 1)[-1] in CLOCKS or callee == f"{name}.get"
    if isinstance(node, ast.Subscript):
        return isinstance(node.value, ast.Name) and node.value.id == name
    if isinstance(node, ast.UnaryOp):
        return _py_mark(node.operand, function, name, depth + 1)
    if isinstance(node, ast.BinOp):
        return all(_py_mark(v, function, name, depth + 1) for v in (node.left, node.right))
    if isinstance(node, ast.BoolOp):
        return all(_py_mark(v, function, name, depth + 1) for v in node.values)
    if isinstance(node, ast.Name):
        if node.id.isupper():
            return True
        bound = list(_py_bindings(function, node.id))
        return bool(bound) and all(_py_mark(v, function, name, depth + 1) for v in bound)
    return False


def _py_bindings(function: ast.AST, name: str) -> Iterator[ast.expr]:
    """Yield the values a function's own assignments bind to `name`."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                yield node.value
        stack.extend(ast.iter_child_nodes(node))
