"""Error handlers as parsed: what each `except`, `catch` or `.catch(...)` guards and what it does.

Shared by the `cliff` rules on swallowed errors and on logging removed from error paths. Python is
read with `ast`, JS/TS with tree-sitter; Python that does not parse (what a bare diff shows of a
function) is read line by line, between `try:` and the handler.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import tree_sitter

from bot.diff.model import ChangedFile
from bot.rules.code import (
    COMMENT_LINE,
    FUNCTION,
    JS_FUNCTIONS,
    JS_FUNCTIONS_AND_CALLS,
    JS_WRAPPERS,
    SCRIPT_LANGUAGES,
    enclosing,
    indent,
    is_io_call,
    js_callee,
    js_calls,
    js_imports,
    js_local_io,
    js_qualname,
    js_walk,
    name,
    py_calls,
    py_imports,
    py_local_io,
    py_name,
    words,
)
from bot.snapshot.model import Source
from bot.snapshot.trees import text_of, walk

LOG_CALL = re.compile(
    r"""(?<![\w])(?:\w+\.)*(?:log|logger|logging|LOG|LOGGER|console|Sentry|sentry_sdk|structlog
    |statsd|metrics|newrelic|bugsnag|rollbar)\.\w+\(|\b(?:capture_exception|captureException
    |log_exception|report_error|reportError)\(""",
    re.VERBOSE,
)
# Words of a call that tells someone about the failure: a log, a metric, a toast, an error state.
REPORT_WORDS = frozenset(
    {
        *("log", "logger", "error", "errors", "warn", "warning", "exception", "report"),
        *("notify", "notification", "toast", "alert", "flash", "capture", "message", "show"),
        *("fail", "failure", "abort", "reject", "emit", "metric", "metrics", "increment"),
        *("sentry", "track"),
    }
)
LOG_WORDS = frozenset({"log", "logger", "logging"})  # `apiLogger.info`, `self.audit_log.error`
BROAD = frozenset({"Exception", "BaseException"})
# Names only code running in a browser page has: what a tracker embedded in a site uses.
BROWSER_GLOBALS = frozenset({"window", "document", "navigator"})
PROMISE_STEPS = (".then", ".catch", ".finally")
# A call named for a check answers yes or no; a falsy fallback is its "no" (`isValid`, `verify`).
VALIDATION_VERBS = frozenset(
    {"verify", "validate", "parse", "decode", "decrypt", "check", "is", "has", "can"}
)
_PY_HANDLER = re.compile(r"^(?P<indent>\s*)except\b(?P<what>[^:]*):\s*(?P<inline>.*)$")
_BROAD = re.compile(r"^\s*\(?\s*(?:Exception|BaseException)\s*\)?\s*(?:as\s+\w+)?\s*$")
_DEFAULT = re.compile(
    r"^(?:pass|\.\.\.|continue|return(?:\s+(?:None|null|undefined|\[\]|\{\}|False|false|0|''|\"\"))?"
    r"|\w+\s*=\s*(?:None|null|undefined|\[\]|\{\})|)\s*;?$"
)
_RAISE = re.compile(r"\b(?:raise|throw|reject|abort|next\(\s*\w+\s*\))\b")
_EMPTY_RETURN = re.compile(r"\breturn\s+(?:\[\s*\]|\{\s*\}|\(\s*\)|list\(\)|dict\(\))\s*;?$")
_CALL_TEXT = re.compile(r"(?<!\w)([A-Za-z_$][\w$.]*)\s*\(")
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
_TRY = re.compile(r"^\s*try\s*:\s*$")
_ANSWER = re.compile(r"^return\s+(?P<answer>True|False)\s*;?\s*(?:#.*)?$")
_RETURNS_BOOL = re.compile(r"\)\s*->\s*bool\s*:$")
_JS_FALSY = frozenset({"null", "undefined", "false"})
_PY_BOOLEAN_CALLS = frozenset({"bool", "isinstance", "issubclass", "callable", "hasattr"})
_JS_BOOLEAN_CALLS = frozenset(
    {"Boolean", "Array.isArray", "Number.isNaN", "Number.isFinite", "Number.isInteger"}
)
_JS_COMPARISONS = frozenset({"===", "!==", "==", "!=", "<", ">", "<=", ">=", "instanceof", "in"})
# A declared answer of yes or no: `: boolean`, `: Promise<boolean>`.
_JS_YES_NO = re.compile(r":\s*(?:Promise\s*<\s*boolean\s*>|boolean)\s*")


# Calls that read the local disk, whatever they are called on (pathlib's `read_text`), or on the
# file system module (`fs.readFileSync`, `fs.promises.readFile`, `readFile` from `fs/promises`).
FILE_READS = frozenset({"read_text", "read_bytes"})
FS_READS = frozenset(
    {
        *("readFileSync", "readFile", "existsSync", "statSync", "stat", "lstat", "lstatSync"),
        *("access", "accessSync", "readdir", "readdirSync", "readJson", "readJsonSync"),
    }
)
FS_RECEIVERS = frozenset({"fs", "promises", "fsp", "fse", "fsExtra", "fs_extra"})
FS_MODULES = frozenset({"fs", "node:fs", "fs/promises", "node:fs/promises", "fs-extra"})
# The first word of a call that changes files: with one guarded, `open` may be writing.
WRITE_VERBS = frozenset(
    {"write", "dump", "save", "put", "append", "mkdir", "makedirs", "unlink", "remove", "rm"}
)

_FLOW_DEPTH = 8  # nodes a promise's fallback may pass through to reach the `.then` that tests it


@dataclass(frozen=True)
class Handler:
    """One error handler as parsed: what it guards, what it catches and what its body does."""

    line: int  # the `except`, `catch` or `.catch(` line, where findings land
    end: int
    function: str  # dotted names of the functions and classes around it
    caught: str  # the exception as written; "" for a bare except or a JS catch
    bare: bool
    broad: bool
    guarded: frozenset[str]  # names of the calls in the guarded code
    io: bool  # the guarded code reads or writes a database, an API, a file or a queue
    raises: bool
    logs: tuple[int, ...]  # lines of the log and metric calls in its body
    reports: bool  # its body calls something that tells someone (log, toast, error state)
    silent: bool  # apart from logging: only pass, comments and falsy defaults
    empty: bool  # returns an empty collection
    checked: bool = False  # a promise's fallback is tested by the very next statement
    browser_send: bool = False  # it guards only requests a browser page sends (POST, beacon)
    keepalive: bool = False  # one of them is a beacon: `keepalive` or `navigator.sendBeacon`
    documented: bool = False  # its function's doc says what it answers on failure (`CONTRACT`)
    answers: bool | None = None  # the boolean it returns, when that (and logging) is all it does
    yes_no: bool = False  # that boolean is the answer of a function answering only yes or no
    local_read: bool = False  # all the I/O it guards reads local files (`fs.readFileSync`)
    cleanup: bool = False  # a step inside an outer handler that then rethrows the original error


def handlers_of(source: Source) -> list[Handler] | None:
    """Return a source's handlers; None when it is Python that does not parse.

    A file whose text never spells the handler's keyword (`except`, `catch`) has none: most
    files of a large change are skipped before their imports and functions are read.
    """
    if source.language == "python":
        if source.python is None:
            return None
        return python_handlers(source.python) if "except" in (source.text or "") else []
    if source.language in SCRIPT_LANGUAGES and "catch" in (source.text or ""):
        return script_handlers(source) if source.tree is not None else []
    return []


# --- Python ------------------------------------------------------------------------------------


def python_handlers(module: ast.Module) -> list[Handler]:
    """Return every `except` clause of a module with what its `try` guards."""
    imports = py_imports(module)
    local_io = py_local_io(module, imports)
    cleanups = _py_cleanups(module)
    found: list[Handler] = []
    for scope, node in _py_tries(module):
        guarded = frozenset(py_name(call.func) for call in py_calls(node.body))
        io_calls = [callee for callee in guarded if _io(callee, imports, local_io)]
        reads = local_read(guarded, io_calls, imports)
        found += [
            replace(
                _py_handler(handler, scope, guarded, bool(io_calls)),
                local_read=reads,
                cleanup=id(node) in cleanups,
            )
            for handler in node.handlers
        ]
    return found


def _py_cleanups(module: ast.Module) -> set[int]:
    """Return the ids of the `try` statements inside an `except` body that re-raises after them:
    a best-effort cleanup on the error path (`try: os.unlink(tmp)` / `except OSError: pass`,
    then `raise`). Its own failure may be dropped: the original error still propagates."""
    found: set[int] = set()
    for outer in ast.walk(module):
        if not isinstance(outer, ast.ExceptHandler):
            continue
        for index, statement in enumerate(outer.body):
            if any(_py_rethrows(later, outer.name) for later in outer.body[index + 1 :]):
                found.update(
                    id(n) for n in _py_nodes(statement) if isinstance(n, ast.Try | ast.TryStar)
                )
    return found


def _py_rethrows(statement: ast.stmt, caught: str | None) -> bool:
    """Tell whether a statement raises the error its handler caught: a bare `raise`, or one
    naming the caught error (`raise e`, `raise Wrapped(...) from e`)."""
    if not isinstance(statement, ast.Raise):
        return False
    if statement.exc is None:
        return True
    return caught is not None and any(
        isinstance(n, ast.Name) and n.id == caught for n in ast.walk(statement)
    )


@dataclass(frozen=True)
class _PyScope:
    """Where a Python `try` sits: the dotted name of its scope, the function (if any) whose
    `return` its handlers' returns are, and whether that function's docstring states what it
    answers on failure."""

    name: str
    function: ast.FunctionDef | ast.AsyncFunctionDef | None
    documented: bool


def _py_tries(module: ast.Module) -> Iterator[tuple[_PyScope, ast.Try | ast.TryStar]]:
    """Yield each `try` with its scope."""
    stack: list[tuple[_PyScope, ast.AST]] = [(_PyScope("", None, False), module)]
    while stack:
        scope, node = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Try | ast.TryStar):
                yield scope, child
            inner = scope
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                inner = _PyScope(
                    f"{scope.name}.{child.name}" if scope.name else child.name,
                    None if isinstance(child, ast.ClassDef) else child,
                    CONTRACT.search(ast.get_docstring(child) or "") is not None,
                )
            stack.append((inner, child))


def _py_handler(
    handler: ast.ExceptHandler, scope: _PyScope, guarded: frozenset[str], io: bool
) -> Handler:
    calls = list(py_calls(handler.body))
    nodes = [n for s in handler.body for n in _py_nodes(s)]
    rest = [s for s in handler.body if not _py_logs(s)]
    return Handler(
        line=handler.lineno,
        end=handler.end_lineno or handler.lineno,
        function=scope.name,
        caught=ast.unparse(handler.type) if handler.type else "",
        bare=handler.type is None,
        broad=_py_broad(handler.type),
        guarded=guarded,
        io=io,
        raises=any(isinstance(n, ast.Raise) for n in nodes),
        logs=tuple(c.lineno for c in calls if is_log(py_name(c.func))),
        reports=any(reports(py_name(c.func)) for c in calls),
        silent=all(_py_default(s) for s in rest),
        empty=any(isinstance(n, ast.Return) and _py_empty(n.value) for n in nodes),
        documented=scope.documented,
        answers=(answers := _py_answers(rest)),
        yes_no=answers is not None
        and scope.function is not None
        and _py_yes_no(scope.function, set(nodes)),
    )


def _py_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Yield a statement and everything in it, not entering functions it defines."""
    yield node
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield from _py_nodes(child)


def _py_answers(statements: Sequence[ast.stmt]) -> bool | None:
    """Return the boolean a handler's statements (its logging left out) answer, when they do
    nothing else: `return False`, beside `pass` or a string."""
    said = [
        s
        for s in statements
        if not isinstance(s, ast.Pass)
        and not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    answer = said[0].value if len(said) == 1 and isinstance(said[0], ast.Return) else None
    if isinstance(answer, ast.Constant) and isinstance(answer.value, bool):
        return answer.value
    return None


def _py_yes_no(function: ast.FunctionDef | ast.AsyncFunctionDef, inside: set[ast.AST]) -> bool:
    """Tell whether a function answers only yes or no: declared `-> bool`, or undeclared and
    returning a boolean (`True`, `not x`, `a == b`, `bool(x)`) at every `return`, at least one of
    them outside the handler (`inside`: its nodes), so that its success answers too."""
    if function.returns is not None:
        declared = function.returns
        if isinstance(declared, ast.Constant) and isinstance(declared.value, str):
            return declared.value.strip() == "bool"
        return isinstance(declared, ast.Name) and declared.id == "bool"
    returns = [n for s in function.body for n in _py_nodes(s) if isinstance(n, ast.Return)]
    outside = [n for n in returns if n not in inside]
    return bool(outside) and all(n.value is not None and _py_boolean(n.value) for n in returns)


def _py_boolean(value: ast.expr) -> bool:
    """Tell whether an expression is a boolean by its form: a literal, `not`, a comparison,
    `bool(...)`/`isinstance(...)`, or `and`/`or` of such."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, bool)
    if isinstance(value, ast.UnaryOp):
        return isinstance(value.op, ast.Not)
    if isinstance(value, ast.Compare):
        return True
    if isinstance(value, ast.BoolOp):
        return all(_py_boolean(v) for v in value.values)
    return isinstance(value, ast.Call) and py_name(value.func) in _PY_BOOLEAN_CALLS


def _py_broad(caught: ast.expr | None) -> bool:
    if caught is None:
        return True
    if isinstance(caught, ast.Tuple):
        return any(_py_broad(element) for element in caught.elts)
    return py_name(caught).rsplit(".", 1)[-1] in BROAD


def _py_logs(statement: ast.stmt) -> bool:
    value = statement.value if isinstance(statement, ast.Expr) else None
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and is_log(py_name(value.func))


def _py_default(statement: ast.stmt) -> bool:
    """Tell whether a statement only passes, or hands back or stores a falsy default."""
    if isinstance(statement, ast.Pass | ast.Continue | ast.Break):
        return True
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant)
    if isinstance(statement, ast.Return | ast.Assign | ast.AnnAssign):
        return statement.value is None or _py_falsy(statement.value)
    return False


def _py_falsy(value: ast.expr) -> bool:
    if isinstance(value, ast.Constant):
        return not value.value
    return _py_empty(value)


def _py_empty(value: ast.expr | None) -> bool:
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return not value.elts
    if isinstance(value, ast.Dict):
        return not value.keys
    return (
        isinstance(value, ast.Call)
        and py_name(value.func) in ("list", "dict", "set", "tuple")
        and not value.args
    )


# --- JavaScript and TypeScript -----------------------------------------------------------------


def script_handlers(source: Source) -> list[Handler]:
    """Return every `catch` clause and promise `.catch(callback)` of a JS/TS module (a source
    with a tree). The nodes looked at are found by tree-sitter queries, not a walk in Python."""
    tree = source.tree
    handlers = source.nodes(_HANDLER_KINDS)
    if tree is None or not handlers:
        return []
    imports = js_imports(tree)
    local_io = js_local_io(source.nodes(JS_FUNCTIONS_AND_CALLS), imports)
    browser = any(text_of(n) in BROWSER_GLOBALS for n in source.nodes(_IDENTIFIER))
    found: list[Handler] = []
    for node in handlers:
        parts = _js_parts(node)
        if parts is None:
            continue
        at, guarded_node, body = parts
        statements = body.named_children if body.type == "statement_block" else [body]
        # A promise's `.catch` also guards the callbacks of its chain (`.then(r => r.json())`).
        guarded_calls = _settled_aside(
            list(
                js_calls(guarded_node)
                if node.type == "catch_clause"
                else (n for n in walk(guarded_node) if n.type == "call_expression")
            )
        )
        guarded = frozenset(js_callee(call) for call in guarded_calls)
        # A promise's `.then` carries on the request it follows: it sends nothing itself.
        io_calls = [
            c
            for c in guarded_calls
            if _io(js_callee(c), imports, local_io) and not js_callee(c).endswith(PROMISE_STEPS)
        ]
        sends = [_send(call) for call in io_calls]
        reads = local_read(guarded, [js_callee(call) for call in io_calls], imports)
        calls = [js_callee(call) for call in js_calls(body)]
        answers = _js_answers(body, statements)
        found.append(
            Handler(
                line=at.start_point.row + 1,
                end=body.end_point.row + 1,
                function=js_qualname(node),
                caught="" if node.type == "catch_clause" else ".catch",
                bare=False,
                broad=True,
                guarded=guarded,
                io=any(_io(callee, imports, local_io) for callee in guarded),
                raises=any(n.type == "throw_statement" for n in js_walk(body)),
                logs=tuple(
                    call.start_point.row + 1 for call in js_calls(body) if is_log(js_callee(call))
                ),
                reports=any(reports(callee) for callee in calls),
                silent=all(_js_default(s) for s in statements if not _js_logs(s)),
                empty=any(_js_empty(n) for n in js_walk(body) if n.type == "return_statement")
                or (body.type != "statement_block" and _js_empty_value(body)),
                checked=node.type == "call_expression" and _checked(node),
                browser_send=browser and bool(sends) and all(sends),
                keepalive=any(send == "beacon" for send in sends),
                documented=_js_documented(node),
                answers=answers,
                yes_no=answers is not None and _js_answer_of_yes_no(node, body),
                local_read=reads,
                cleanup=_js_cleanup(node),
            )
        )
    return found


def _js_cleanup(node: tree_sitter.Node) -> bool:
    """Tell whether a handler sits in an outer `catch` that, after the statement holding it,
    throws the error the outer one caught (`throw error`, `throw new X(..., { cause: error })`):
    a best-effort cleanup on the error path, whose own failure may be dropped because the
    original failure still propagates."""
    inner, parent = node, node.parent
    while parent is not None and parent.type not in JS_FUNCTIONS:
        outer = parent.parent
        if parent.type == "statement_block" and outer is not None and outer.type == "catch_clause":
            caught = outer.child_by_field_name("parameter")
            if caught is None or caught.type != "identifier":
                return False
            pattern = re.compile(rf"(?<![\w$.]){re.escape(text_of(caught))}(?![\w$])")
            later = [s for s in parent.named_children if s.start_byte >= inner.end_byte]
            return any(
                s.type == "throw_statement" and pattern.search(text_of(s)) is not None
                for s in later
            )
        inner, parent = parent, outer
    return False


def _js_answers(body: tree_sitter.Node, statements: list[tree_sitter.Node]) -> bool | None:
    """Return the boolean a handler's body (its logging left out) answers, when it does nothing
    else: `return false;` beside comments, or an arrow's `() => false`."""
    values: list[tree_sitter.Node | None] = [body]
    if body.type == "statement_block":
        values = [
            _returned(s)
            for s in statements
            if s.type not in ("comment", "empty_statement") and not _js_logs(s)
        ]
    answer = _js_unwrapped(values[0]) if len(values) == 1 and values[0] is not None else None
    return (
        answer.type == "true" if answer is not None and answer.type in ("true", "false") else None
    )


def _returned(statement: tree_sitter.Node) -> tree_sitter.Node | None:
    """Return the value a `return` statement hands back; None for any other statement."""
    values = [c for c in statement.named_children if c.type != "comment"]
    return values[0] if statement.type == "return_statement" and values else None


def _js_answer_of_yes_no(node: tree_sitter.Node, body: tree_sitter.Node) -> bool:
    """Tell whether what a handler returns is the answer of a function answering only yes or no.

    A `catch` clause returns from the function around it. A promise's `.catch(() => false)`
    answers for a function only when that function returns the chain (`return p.catch(...)`,
    `async (): Promise<boolean> => p.catch(...)`).
    """
    if node.type == "catch_clause":
        return (function := _js_function_around(node)) is not None and _js_yes_no(function, body)
    holder = node
    while holder.parent is not None and holder.parent.type in JS_WRAPPERS:
        holder = holder.parent
    parent = holder.parent
    if parent is not None and parent.type == "return_statement":
        function = _js_function_around(parent)
        return function is not None and _js_yes_no(function, parent)
    return (
        parent is not None
        and parent.type == "arrow_function"
        and parent.child_by_field_name("body") == holder
        and _js_yes_no(parent, holder)
    )


def _js_function_around(node: tree_sitter.Node) -> tree_sitter.Node | None:
    function = node.parent
    while function is not None and function.type not in JS_FUNCTIONS:
        function = function.parent
    return function


def _js_yes_no(function: tree_sitter.Node, handler: tree_sitter.Node) -> bool:
    """Tell whether a function answers only yes or no: declared `boolean` or `Promise<boolean>`,
    or undeclared and returning a boolean (`true`, `!x`, `a === b`, `Boolean(x)`) at every
    `return` outside the `handler` node (its own answer), and at least once: its success
    answers too."""
    declared = function.child_by_field_name("return_type")
    if declared is not None:
        return _JS_YES_NO.fullmatch(text_of(declared)) is not None
    body = function.child_by_field_name("body")
    if body is None or body.type != "statement_block":
        return False
    outside = [
        _returned(n)
        for n in js_walk(body)
        if n.type == "return_statement"
        and not handler.start_byte <= n.start_byte < handler.end_byte
    ]
    return bool(outside) and all(value is not None and _js_boolean(value) for value in outside)


def _js_boolean(node: tree_sitter.Node) -> bool:
    """Tell whether an expression is a boolean by its form: a literal, `!x`, a comparison,
    `Boolean(x)`, or `&&`/`||` of such."""
    node = _js_unwrapped(node)
    if node.type in ("true", "false"):
        return True
    operator = node.child_by_field_name("operator")
    if node.type == "unary_expression" and operator is not None:
        return text_of(operator) == "!"
    if node.type == "binary_expression" and operator is not None:
        if text_of(operator) in ("&&", "||"):
            sides = (node.child_by_field_name("left"), node.child_by_field_name("right"))
            return all(side is not None and _js_boolean(side) for side in sides)
        return text_of(operator) in _JS_COMPARISONS
    return node.type == "call_expression" and js_callee(node) in _JS_BOOLEAN_CALLS


def _js_unwrapped(node: tree_sitter.Node) -> tree_sitter.Node:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node


# What a function promises on failure, in its doc: "Returns null … on any error", "never throws",
# "best effort". Its callers were told: a handler keeping that promise swallows nothing.
CONTRACT = re.compile(
    r"\b(?:null|none|undefined|false|empty|nothing|\[\])\b[^.]*?\b(?:on|upon|when|if|for)\b"
    r"[^.]*?\b(?:error|errors|exception|exceptions|failure|failures|fails?|failed)\b"
    r"|\bnever\s+(?:throws|raises|rejects|fails)\b|\bbest[- ]effort\b",
    re.IGNORECASE,
)
# Where a function's doc comment sits: before the statement that declares it.
_DECLARES = frozenset(
    {"export_statement", "lexical_declaration", "variable_declaration", "variable_declarator"}
)


def _js_documented(node: tree_sitter.Node) -> bool:
    """Tell whether the function around a handler says in its doc comment what it answers on
    failure (`CONTRACT`)."""
    function = node.parent
    while function is not None and function.type not in JS_FUNCTIONS:
        function = function.parent
    if function is None:
        return False
    declared = function
    while declared.parent is not None and declared.parent.type in _DECLARES:
        declared = declared.parent
    comment = declared.prev_named_sibling
    return (
        comment is not None
        and comment.type == "comment"
        and (CONTRACT.search(text_of(comment)) is not None)
    )


def _settled_aside(calls: list[tree_sitter.Node]) -> list[tree_sitter.Node]:
    """Leave out the calls made in the arguments of `Promise.allSettled`: their failures are
    its results, never thrown, so a handler around it guards none of them."""
    settled = [
        arguments
        for call in calls
        if js_callee(call) == "Promise.allSettled"
        and (arguments := call.child_by_field_name("arguments")) is not None
    ]
    return [
        call
        for call in calls
        if not any(
            inside.start_byte <= call.start_byte and call.end_byte <= inside.end_byte
            for inside in settled
        )
    ]


# A `catch` clause, or a call that may be a promise's `.catch(callback)`.
_HANDLER_KINDS = frozenset({"catch_clause", "call_expression"})
# A module runs in a browser page when an identifier names `window`, `document`, `navigator`.
_IDENTIFIER = frozenset({"identifier"})


def _send(call: tree_sitter.Node) -> str:
    """Tell what kind of request a call sends: "beacon" (`keepalive`, `navigator.sendBeacon`),
    "post" (a `fetch` that posts), or "" for anything else (a read, a database call)."""
    callee = js_callee(call)
    if callee.endswith("sendBeacon"):
        return "beacon"
    arguments = call.child_by_field_name("arguments")
    options = arguments.named_children[1:2] if callee == "fetch" and arguments else []
    if not options or options[0].type != "object":
        return ""
    keys = {
        text_of(key).strip("'\"")
        for pair in options[0].named_children
        if (
            key := pair.child_by_field_name("key")
            or (pair if pair.type.endswith("identifier") else None)
        )
    }
    if "keepalive" in keys:
        return "beacon"
    method = next(
        (
            text_of(value).strip("'\"`").upper()
            for pair in options[0].named_children
            if pair.type == "pair"
            and (key := pair.child_by_field_name("key")) is not None
            and text_of(key).strip("'\"") == "method"
            and (value := pair.child_by_field_name("value")) is not None
        ),
        "",
    )
    return "post" if method == "POST" else ""


def _js_parts(
    node: tree_sitter.Node,
) -> tuple[tree_sitter.Node, tree_sitter.Node, tree_sitter.Node] | None:
    """Return (where it starts, what it guards, its body) for a `catch` clause or `.catch(cb)`."""
    if node.type == "catch_clause" and node.parent and node.parent.type == "try_statement":
        guarded = node.parent.child_by_field_name("body")
        body = node.child_by_field_name("body")
        return (node, guarded, body) if guarded and body else None
    callback = _promise_callback(node)
    function = node.child_by_field_name("function") if callback else None
    if callback is None or function is None:
        return None
    guarded = function.child_by_field_name("object")
    at = function.child_by_field_name("property")
    body = callback.child_by_field_name("body")
    return (at, guarded, body) if at and guarded and body else None


def _promise_callback(node: tree_sitter.Node) -> tree_sitter.Node | None:
    """Return the callback of `promise.catch(callback)`, when node is such a call."""
    function = node.child_by_field_name("function") if node.type == "call_expression" else None
    prop = function.child_by_field_name("property") if function else None
    if function is None or function.type != "member_expression" or prop is None:
        return None
    arguments = node.child_by_field_name("arguments")
    first = arguments.named_children[0] if arguments and arguments.named_children else None
    if text_of(prop) != "catch" or first is None:
        return None
    return first if first.type in ("arrow_function", "function_expression", "function") else None


def _js_logs(statement: tree_sitter.Node) -> bool:
    target = statement
    if statement.type == "expression_statement" and statement.named_children:
        target = statement.named_children[0]
    while target.type in JS_WRAPPERS and target.named_children:
        target = target.named_children[0]
    return target.type == "call_expression" and is_log(js_callee(target))


def _js_default(statement: tree_sitter.Node) -> bool:
    """Tell whether a statement only passes, or hands back or stores a falsy default."""
    kind = statement.type
    if kind in ("comment", "empty_statement", "break_statement", "continue_statement"):
        return True
    values = [c for c in statement.named_children if c.type != "comment"]
    if kind == "return_statement":
        return not values or _js_falsy(values[0])
    if kind == "expression_statement" and values and values[0].type == "assignment_expression":
        right = values[0].child_by_field_name("right")
        return right is not None and _js_falsy(right)
    return _js_falsy(statement)  # an arrow's expression body: `.catch(() => null)`


def _js_falsy(node: tree_sitter.Node) -> bool:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    if node.type in _JS_FALSY or (node.type == "identifier" and text_of(node) == "undefined"):
        return True
    if node.type == "number":
        return text_of(node) == "0"
    if node.type == "unary_expression":
        return text_of(node).startswith("void")
    return node.type in ("string", "template_string", "array", "object") and not [
        c for c in node.named_children if c.type != "comment"
    ]


def _js_empty(statement: tree_sitter.Node) -> bool:
    values = [c for c in statement.named_children if c.type != "comment"]
    return bool(values) and _js_empty_value(values[0])


def _js_empty_value(node: tree_sitter.Node) -> bool:
    while node.type == "parenthesized_expression" and node.named_children:
        node = node.named_children[0]
    return node.type in ("array", "object") and not node.named_children


def _checked(call: tree_sitter.Node) -> bool:
    """Tell whether a promise's fallback is an outcome the code branches on.

    `x = await p.catch(() => null)` followed by a test of `x` (`if (!x)`); `p.then(() =>
    true).catch(() => false)`, a success flag; or a fallback that flows (through a ternary, an
    array, `Promise.race`) into a `.then((x) => ...)` that tests `x`.
    """
    return _assigned_then_tested(call) or _success_flag(call) or _tested_by_then(call)


def _success_flag(call: tree_sitter.Node) -> bool:
    """Tell whether `p.then(() => true).catch(() => false)` turns the outcome into a flag."""
    promise = _callee_object(call)
    if promise is None or promise.type != "call_expression":
        return False
    function = promise.child_by_field_name("function")
    prop = function.child_by_field_name("property") if function else None
    if prop is None or text_of(prop) != "then":
        return False
    return _returns(promise) == "true" and _returns(call) == "false"


def _tested_by_then(call: tree_sitter.Node) -> bool:
    """Tell whether a fallback flows into a later `.then((x) => ...)` that tests `x`."""
    node = call
    for _ in range(_FLOW_DEPTH):
        parent = node.parent
        if parent is None or parent.type in JS_FUNCTIONS:
            return False
        if (
            parent.type == "member_expression"
            and text_of(parent.child_by_field_name("property") or parent) == "then"
        ):
            then = parent.parent
            args = then.child_by_field_name("arguments") if then is not None else None
            callback = args.named_children[0] if args and args.named_children else None
            if callback is None or callback.type not in JS_FUNCTIONS:
                return False
            params = callback.child_by_field_name("parameters") or callback.child_by_field_name(
                "parameter"
            )
            names = [text_of(n) for n in walk(params) if n.type == "identifier"] if params else []
            body = callback.child_by_field_name("body")
            return bool(names) and body is not None and _tests(names[0], text_of(body))
        node = parent
    return False


def _tests(name: str, code: str) -> bool:
    """Tell whether code branches on a value: `x ?`, `if (x`, `!x`, `x &&`, `x ||`."""
    n = re.escape(name)
    return (
        re.search(
            rf"(?<![\w$.])(?:{n}\s*(?:\?(?!\.)|&&|\|\|)|!\s*{n}(?![\w$])|if\s*\(\s*{n}(?![\w$]))",
            code,
        )
        is not None
    )


def _callee_object(call: tree_sitter.Node) -> tree_sitter.Node | None:
    function = call.child_by_field_name("function")
    return function.child_by_field_name("object") if function is not None else None


def _returns(call: tree_sitter.Node) -> str | None:
    """Return the literal an arrow callback `(…) => literal` of a call gives, as written."""
    args = call.child_by_field_name("arguments")
    callback = args.named_children[0] if args and args.named_children else None
    body = callback.child_by_field_name("body") if callback is not None else None
    return text_of(body) if body is not None and body.type in ("true", "false", "null") else None


def _assigned_then_tested(call: tree_sitter.Node) -> bool:
    """Tell whether `x = await p.catch(() => null)` is followed by a test of `x` (`if (!x)`)."""
    node = call
    while node.parent is not None and node.parent.type in JS_WRAPPERS:
        node = node.parent
    holder = node.parent
    if holder is None or holder.type not in ("variable_declarator", "assignment_expression"):
        return False
    bound = holder.child_by_field_name("name" if holder.type == "variable_declarator" else "left")
    following = _next_statement(holder.parent)
    condition = following.child_by_field_name("condition") if following else None
    if bound is None or following is None or following.type != "if_statement" or not condition:
        return False
    pattern = rf"(?<![\w$.]){re.escape(text_of(bound))}(?![\w$])"
    return re.search(pattern, text_of(condition)) is not None


def _next_statement(statement: tree_sitter.Node | None) -> tree_sitter.Node | None:
    """Return the statement that runs next: the following sibling, or after the enclosing block."""
    while statement is not None and statement.type not in JS_FUNCTIONS:
        following = statement.next_named_sibling
        while following is not None and following.type == "comment":
            following = following.next_named_sibling
        if following is not None:
            return following
        statement = statement.parent
    return None


# --- Lines, for Python that does not parse (a bare diff shows part of a function) --------------


def line_handlers(lines: Sequence[str], changed: ChangedFile) -> list[Handler]:
    """Read `except` clauses from lines: their body by indentation, what they guard up to `try:`."""
    found: list[Handler] = []
    for line in changed.added:
        match = _PY_HANDLER.match(line.text)
        if match is None or COMMENT_LINE.match(line.text):
            continue
        index = line.number - 1
        body = [match["inline"]] if match["inline"].strip() else _indented_body(lines, index)
        code = [t.strip() for t in body if t.strip() and not COMMENT_LINE.match(t)]
        guarded = frozenset(
            callee
            for text in _guarded_lines(lines, index)
            for callee in _CALL_TEXT.findall(_STRING.sub('""', text))
        )
        header = enclosing(lines, index, FUNCTION, inclusive=False)
        said = [t for t in code if not LOG_CALL.search(t) and t != "pass"]
        answer = _ANSWER.match(said[0]) if len(said) == 1 else None
        found.append(
            Handler(
                line=line.number,
                end=line.number + len(body),
                function=(name(header[1]) if header else None) or "",
                caught=match["what"].strip(),
                bare=not match["what"].strip(),
                broad=not match["what"].strip() or bool(_BROAD.match(match["what"])),
                guarded=guarded,
                io=any(_io(callee, {}, frozenset()) for callee in guarded),
                raises=any(_RAISE.search(t) for t in code),
                logs=tuple(line.number + i + 1 for i, t in enumerate(body) if LOG_CALL.search(t)),
                reports=any(LOG_CALL.search(t) for t in code),
                silent=all(_DEFAULT.match(t) for t in code if not LOG_CALL.search(t)),
                empty=any(_EMPTY_RETURN.search(t) for t in code),
                answers=answer["answer"] == "True" if answer else None,
                yes_no=answer is not None
                and header is not None
                and _declares_bool(lines, header[0], index),
            )
        )
    return found


def _declares_bool(lines: Sequence[str], start: int, stop: int) -> bool:
    """Tell whether the `def` starting at line `start` (up to `stop`) declares `-> bool`."""
    signature = ""
    for text in lines[start:stop]:
        signature += " " + text.split("#", 1)[0].strip()
        if signature.endswith(":"):
            break
    return _RETURNS_BOOL.search(signature) is not None


def _indented_body(lines: Sequence[str], index: int) -> list[str]:
    """Return the lines indented under the header at `index`."""
    depth = indent(lines[index])
    body: list[str] = []
    for text in lines[index + 1 :]:
        if text.strip() and indent(text) <= depth:
            break
        body.append(text)
    return body


def _guarded_lines(lines: Sequence[str], index: int) -> list[str]:
    """Return the lines between the handler at `index` and its `try:`, if the diff shows it."""
    depth = indent(lines[index])
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if text.strip() and indent(text) < depth:
            return []
        if indent(text) == depth and _TRY.match(text):
            return list(lines[above + 1 : index])
    return []


def local_read(callees: Iterable[str], io_calls: Sequence[str], imports: Mapping[str, str]) -> bool:
    """Tell whether every I/O call a handler guards reads the local disk: an optional state or
    config file read with a fallback, whose absence (a first run) is the expected failure, not
    an outage hidden from anyone. `open` counts only when nothing guarded writes."""
    writes = any(
        not WRITE_VERBS.isdisjoint(words(callee.replace("()", "").rsplit(".", 1)[-1])[:1])
        for callee in callees
    )
    return bool(io_calls) and all(_file_read(callee, imports, writes) for callee in io_calls)


def _file_read(callee: str, imports: Mapping[str, str], writes: bool) -> bool:
    """Tell whether a call reads a local file (`fs.readFileSync`, `Path(p).read_text`, `open`);
    a method called on what one returned (`fs.readFileSync(p).toString`) is judged by it."""
    if "()." in callee and _file_read(callee.split("().", 1)[0], imports, writes):
        return True
    *receivers, method = [s for s in callee.replace("()", "").split(".") if s] or [""]
    if method in FILE_READS:
        return True
    if method == "open" and not receivers:
        return not writes
    if method not in FS_READS:
        return False
    if receivers:
        return all(receiver in FS_RECEIVERS for receiver in receivers)
    return imports.get(method) in FS_MODULES


def _io(callee: str, imports: Mapping[str, str], local_io: frozenset[str]) -> bool:
    """Tell whether a guarded call is I/O; a check by name (`verifyPasskey`) is a validation."""
    checks = words(callee.replace("()", "").rsplit(".", 1)[-1])[:1]
    return not (set(checks) & VALIDATION_VERBS) and is_io_call(callee, imports, local_io)


def is_log(callee: str) -> bool:
    """Tell whether a call (by its dotted name) logs, or records a metric or an error report."""
    *receivers, _ = callee.replace("()", "").split(".")
    named = {word for receiver in receivers for word in words(receiver)}
    return LOG_CALL.search(f"{callee}(") is not None or bool(named & LOG_WORDS)


def reports(callee: str) -> bool:
    """Tell whether a call tells someone about a failure: a log, a metric, a toast, error state."""
    last = callee.replace("()", "").rsplit(".", 1)[-1]
    return is_log(callee) or bool(set(words(last)) & REPORT_WORDS)
