"""Read source code for the `data-layer` and `cliff` packs: calls, imports, functions, I/O.

Rules judge parsed code (Python's `ast`, tree-sitter for JS/TS) through the helpers at the end of
this module: what a call's name is, whether it reads or writes a database, an API, a file or a
queue, and which function it sits in. The line helpers above them remain for what a bare diff
shows of a file, where no parser sees the whole function.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import PurePosixPath

import tree_sitter

from bot.diff.model import ChangedFile, Line
from bot.redaction import scrub
from bot.rules import paths
from bot.rules.model import Finding, Severity, Side, finding
from bot.snapshot.trees import text_of, walk

CODE_SUFFIXES = paths.PYTHON_SUFFIXES | paths.SCRIPT_SUFFIXES
DATA_ACCESS_WORDS = frozenset(
    {
        *("repository", "repositories", "repo", "repos", "dao", "daos", "dal", "db", "database"),
        *("store", "stores", "model", "models", "service", "services", "api", "apis"),
        *("client", "clients", "gateway", "gateways", "datasource", "datasources"),
    }
)
MAX_SNIPPET = 60

COMMENT_LINE = re.compile(r"^\s*(?:#|//|/?\*)")
FUNCTION = re.compile(
    r"""^(?P<indent>\s*)(?:(?:export|default|public|private|protected|static|async|override)\s+)*
    (?:def\s+(?P<def>\w+)
      |function\*?\s*(?P<function>\w+)
      |(?P<route>\w+\.(?:get|post|put|patch|delete|all)\(\s*["'`][^"'`]+["'`])
      |(?:(?:const|let|var)\s+)?(?P<arrow>\w+)\s*(?::[^=]*?)?[:=]\s*(?:async\s*)?
        (?:function\b|\([^)]*\)\s*(?::[^=]*)?=>|\w+\s*=>)
      |(?P<method>\w+)\s*(?:<[^>]*>)?\((?:[^)]*\)\s*(?::\s*[^{=]+)?\{|[^)]*$))""",
    re.VERBOSE,
)
OWNER = re.compile(
    r"""^(?P<indent>\s*)(?:export\s+)?(?:default\s+)?
    (?:(?:abstract\s+)?class\s+(?P<cls>\w+)|(?:const|let|var)\s+(?P<obj>\w+)\s*(?::[^=]*)?=\s*\{)""",
    re.VERBOSE,
)
HANDLER = re.compile(r"^\s*(?:except\b|\}?\s*catch\b|rescue\b)")
IO = re.compile(
    r"""\.objects\.|\bsession\.(?:query|execute|scalars?|get)\b|\bselect\(|\bfetch\(|\baxios\b
    |\bdb\.|\bcursor\.|\.execute\(|\brequests\.|\bhttpx\.|\baiohttp\.|\bprisma\.|\bknex\b
    |\.query\(|\.find(?:One|Many|All|Unique|First|By\w*)?\(|\bget_object_or_404\(
    |\b(?:http|client|api)\.(?:get|post)\(|(?i:\bselect\b.*\bfrom\b)
    |\b\w*(?:[Rr]epository|[Rr]epo|[Ss]tore|[Dd]ao|[Ss]ervice)\.\w+\(""",
    re.VERBOSE,
)
_NOT_FUNCTIONS = frozenset(
    {"if", "for", "while", "switch", "catch", "with", "return", "elif", "super"}
)
_SPLIT_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_JS_NAMES = frozenset(
    {"identifier", "property_identifier", "this", "super", "private_property_identifier"}
)
_NAME_WORDS = re.compile(r"[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+")


def enclosing(
    lines: Sequence[str], index: int, pattern: re.Pattern[str], *, inclusive: bool
) -> tuple[int, re.Match[str]] | None:
    """Find the nearest line above `index` that matches `pattern` and is indented less."""
    if inclusive and (match := pattern.match(lines[index])) and name(match):
        return index, match
    above = outline(lines).headers(pattern)[index]
    found = pattern.match(lines[above]) if above >= 0 else None
    return (above, found) if found else None


def name(match: re.Match[str] | None) -> str | None:
    """Return the function or owner name a header match captured, unless it is a keyword."""
    found = next((g for g in match.groups()[1:] if g), None) if match else None
    return found if found not in _NOT_FUNCTIONS else None


def shown(function: str) -> str:
    """Quote a function name, or an Express route registration, for a message."""
    return f"`{function})`" if function.endswith(("'", '"', "`")) else f"`{function}`"


def in_handler(lines: Sequence[str], index: int) -> bool:
    """Tell whether the line at `index` sits in an `except`, `catch` or `rescue` block."""
    parent = outline(lines).parents[index]
    return parent >= 0 and bool(HANDLER.match(lines[parent]))


class Outline:
    """The blocks of one file's lines by indentation, each lookup table built in one pass.

    Rules ask, for many lines of a long file, which function or class a line sits in and
    whether it is in an error handler. Walking up from each line costs the lines above it:
    quadratic in the file. Here a stack of the open blocks (indentation strictly increasing;
    a line closes every block indented as much or more) answers every line in one pass.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self.lines = lines
        self._headers: dict[re.Pattern[str], list[int]] = {}

    @cached_property
    def parents(self) -> list[int]:
        """For each line, the index of the nearest non-blank line above it indented less
        (-1: none)."""
        return self._nearest(lambda text: bool(text.strip()))

    def headers(self, pattern: re.Pattern[str]) -> list[int]:
        """For each line, the index of the nearest line above it indented less that matches
        `pattern` with a name (`name`), or -1."""
        if pattern not in self._headers:
            self._headers[pattern] = self._nearest(
                lambda text: bool(text.strip()) and name(pattern.match(text)) is not None
            )
        return self._headers[pattern]

    def _nearest(self, opens: Callable[[str], bool]) -> list[int]:
        nearest: list[int] = []
        stack: list[tuple[int, int]] = []  # (indentation, index) of the blocks still open
        for index, text in enumerate(self.lines):
            depth = indent(text)
            # The open blocks indented less than this line are the bottom of the stack.
            top = len(stack)
            while top and stack[top - 1][0] >= depth:
                top -= 1
            nearest.append(stack[top - 1][1] if top else -1)
            if opens(text):
                del stack[top:]
                stack.append((depth, index))
        return nearest


_OUTLINES: dict[int, Outline] = {}
MAX_OUTLINES = 8  # the files a rule is looking at, base and head, at one time


def outline(lines: Sequence[str]) -> Outline:
    """Return the Outline of these lines, built on first use and kept while they are looked up.

    Kept by the list's identity (each Outline holds its list, so the identity is not reused while
    it is kept): rules pass each file's lines as one list (Source.lines, Snapshot.head_lines) that
    nobody changes.
    """
    found = _OUTLINES.get(id(lines))
    if found is None:
        if len(_OUTLINES) >= MAX_OUTLINES:
            del _OUTLINES[next(iter(_OUTLINES))]
        found = _OUTLINES[id(lines)] = Outline(lines)
    return found


def function_span(lines: Sequence[str], function: str | None) -> tuple[int, int] | None:
    """Return the (header, end) line indexes of the function named `function`, end exclusive."""
    start = next(
        (i for i, text in enumerate(lines) if function and name(FUNCTION.match(text)) == function),
        None,
    )
    if start is None:
        return None
    depth = indent(lines[start])
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].strip()
            and indent(lines[i]) <= depth
            and not lines[i].lstrip().startswith(")")
        ),
        len(lines),
    )
    return start, end


def removed_in_function(
    changed: ChangedFile, line: Line, function: str | None, base_text: str | None
) -> list[Line]:
    """Return the removed lines of the function around `line`: by name in base, else by hunk."""
    if base_text is None:
        return removed_before(changed, line)
    span = function_span(base_text.splitlines(), function)
    if span is None:
        return []
    return [r for r in changed.removed if span[0] < r.number <= span[1]]


def removed_before(changed: ChangedFile, line: Line) -> list[Line]:
    """Walk the hunk back from an added line to the nearest changed function header (diff only)."""
    hunks = zip(changed.new_ranges, changed.old_ranges, strict=False)
    old, new = next(((o[0], n[0]) for n, o in hunks if n[0] <= line.number <= n[1]), (0, 0))
    if len(changed.new_ranges) != len(changed.old_ranges) or not old:
        return []
    added = {a.number: a for a in changed.added}
    removed = {r.number: r for r in changed.removed}
    # Rebuild the hunk's order: git lists a block's removed lines before its added ones.
    walked: list[tuple[Line, bool]] = []
    while new < line.number or old in removed:
        if old in removed:
            walked.append((removed[old], True))
            old += 1
        elif new in added:
            walked.append((added[new], False))
            new += 1
        else:
            old, new = old + 1, new + 1
    found: list[Line] = []
    for previous, is_removed in reversed(walked):
        header = FUNCTION.match(previous.text)
        if header and name(header) and indent(previous.text) < indent(line.text):
            break
        if is_removed:
            found.insert(0, previous)
    return found


def is_data_access(path: str, owner: str | None) -> bool:
    """Tell whether a module or class is named like a repository, DAO, store, service or client."""
    names = [*PurePosixPath(path).with_suffix("").parts, owner or ""]
    words = {w.lower() for part in names for w in _SPLIT_WORDS.findall(part)}
    return bool(words & DATA_ACCESS_WORDS)


def io_lines(lines: Sequence[Line]) -> list[str]:
    """Return the texts of the lines that read or write a database, an API or a store."""
    return [r.text for r in lines if IO.search(r.text) and not COMMENT_LINE.match(r.text)]


def production_code(changed: ChangedFile, suffixes: frozenset[str] = CODE_SUFFIXES) -> bool:
    """Tell whether a changed file is code (Python or JS/TS by default) that ships to users."""
    return paths.suffix(changed.path) in suffixes and paths.is_production(changed.path)


def snippet(text: str) -> str:
    """Shorten a quoted line of code so the message stays readable.

    Credentials are masked first: cut short, a secret would no longer match its detector.
    """
    text = scrub(text.strip())
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def make_finding(
    rule: str,
    path: str,
    line: Line,
    severity: Severity,
    message: str,
    side: Side = "RIGHT",
) -> Finding:
    """Build a finding whose fingerprint hangs on the line's text, never its number."""
    return finding(rule, path, line.number, severity, message, line.text, side)


# --- Parsed code -------------------------------------------------------------------------------

SCRIPT_LANGUAGES = frozenset({"javascript", "typescript", "tsx"})
PYTHON = frozenset({"python"})
CODE_LANGUAGES = PYTHON | SCRIPT_LANGUAGES  # the languages of CODE_SUFFIXES
# Receivers, roots and modules whose calls reach a database, an HTTP API, a file store or a queue.
IO_WORDS = frozenset(
    {
        *("requests", "httpx", "aiohttp", "urllib", "urllib3", "axios", "superagent", "fetch"),
        *("prisma", "knex", "sequelize", "mongoose", "typeorm", "drizzle", "supabase", "firestore"),
        *("db", "database", "cursor", "conn", "connection", "session", "engine", "objects"),
        *("query", "pool", "client", "http", "api", "repository", "repositories", "repo"),
        *("dao", "gateway", "redis", "s3", "boto3", "bucket", "fs", "queue", "producer"),
        *("publisher", "smtp", "smtplib", "mailer", "kafka", "sqs", "sns", "stripe"),
    }
)
# Words of an imported module that make what it exports an I/O call (`from shop.payments import
# charge`, `import { getUser } from "@/queries"`).
IO_MODULE_WORDS = IO_WORDS | {
    *("payments", "payment", "billing", "queries", "sql", "orm", "storage"),
    *("clients", "repos", "daos", "gateways", "datasource", "webhooks"),
}
# Call names that are I/O whatever they are called on.
IO_FUNCTIONS = frozenset({"fetch", "open", "urlopen", "get_object_or_404", "get_list_or_404"})
IO_METHODS = frozenset(
    {
        *("query", "execute", "executemany", "commit", "raise_for_status", "bulk_create"),
        *("get_or_create", "update_or_create", "findmany", "findunique", "findfirst", "findone"),
        *("insertone", "insertmany", "updateone", "updatemany", "deleteone", "deletemany"),
        *("upsert", "read_text", "write_text", "read_bytes", "write_bytes", "readfile"),
        *("writefile", "urlopen", "sendmail", "send_mail", "publish"),
    }
)
IO_VERBS = frozenset({"fetch", "execute", "upload", "download", "publish"})
# Roots whose calls never leave the process: the request being answered, the browser, builtins.
LOCAL_ROOTS = frozenset(
    {
        *("request", "req", "res", "response", "resp", "ctx", "window", "document", "navigator"),
        *("localStorage", "sessionStorage", "console", "JSON", "Math", "Object", "Array"),
        *("Promise", "Intl", "Date", "URL", "String", "Number", "str", "int", "dict", "list"),
    }
)
# Local variables often carry these names without being a connection (`query.searcher`).
NAMED_LIKE_IO = frozenset({"query"})
JS_FUNCTIONS = frozenset(
    {
        *("function_declaration", "generator_function_declaration", "function_expression"),
        *("function", "generator_function", "arrow_function", "method_definition"),
    }
)
_JS_CLASSES = frozenset({"class_declaration", "class", "abstract_class_declaration"})
JS_WRAPPERS = frozenset(
    {"parenthesized_expression", "as_expression", "satisfies_expression", "await_expression"}
)


def words(name: str) -> list[str]:
    """Split an identifier or a module path into lower-case words (`getUser`: get, user)."""
    return [w.lower() for w in _NAME_WORDS.findall(name)]


def is_io_call(
    callee: str, imports: Mapping[str, str] | None = None, local_io: frozenset[str] = frozenset()
) -> bool:
    """Tell whether a call (by dotted name) reads or writes a database, an API, a file or a queue.

    `imports` maps names bound by imports to their module; `local_io` names the module's own
    functions that do I/O themselves (without leading underscores), so `self._load()` counts
    when `_load` queries.
    """
    segments = [s.strip("_$") for s in re.sub(r"\(\)|\[\]", "", callee).split(".") if s.strip("_$")]
    own = segments[:1] in (["self"], ["this"], ["cls"])
    if own:
        segments = segments[1:]
    if not segments or segments[0] in LOCAL_ROOTS:
        return False
    *receivers, method = segments
    if receivers and receivers[0] in NAMED_LIKE_IO:
        receivers = receivers[1:]
    verbs = words(method)
    if (
        (not receivers and method in IO_FUNCTIONS)
        or any(set(words(receiver)) & IO_WORDS for receiver in receivers)
        or method.lower() in IO_METHODS
        or (verbs[:1] and verbs[0] in IO_VERBS)
        or ((own or not receivers) and method in local_io)
    ):
        return True
    module = (imports or {}).get(segments[0])
    return module is not None and bool(set(words(module)) & IO_MODULE_WORDS)


def py_name(node: ast.expr) -> str:
    """Return an expression's dotted name: `db.session.commit`, `connection().fetch_all`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{py_name(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{py_name(node.func)}()"
    if isinstance(node, ast.Subscript):
        return f"{py_name(node.value)}[]"
    if isinstance(node, ast.Await):
        return py_name(node.value)
    return "?"


def py_calls(nodes: Sequence[ast.AST]) -> Iterator[ast.Call]:
    """Yield the calls made by these statements, not those of functions they define."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def py_imports(module: ast.Module) -> dict[str, str]:
    """Map each name a module imports to the module it comes from."""
    found: dict[str, str] = {}
    for node in ast.walk(module):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            origin = "." * node.level + (node.module or "")
            for alias in node.names:
                found[alias.asname or alias.name] = f"{origin}.{alias.name}"
    return found


def py_local_io(module: ast.Module, imports: Mapping[str, str]) -> frozenset[str]:
    """Name the module's functions and methods that call I/O themselves."""
    return frozenset(
        function.name.strip("_")
        for function in ast.walk(module)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        if any(is_io_call(py_name(call.func), imports) for call in py_calls(function.body))
    )


def js_name(node: tree_sitter.Node) -> str:
    """Return a JS/TS expression's dotted name: `prisma.user.findMany`, `fetch().then`."""
    kind = node.type
    if kind in (
        "identifier",
        "property_identifier",
        "this",
        "super",
        "private_property_identifier",
    ):
        return text_of(node)
    if kind == "member_expression":
        target, field = node.child_by_field_name("object"), node.child_by_field_name("property")
        return f"{js_name(target) if target else '?'}.{text_of(field) if field else '?'}"
    if kind == "call_expression":
        function = node.child_by_field_name("function")
        return f"{js_name(function) if function else '?'}()"
    if kind == "subscript_expression":
        target = node.child_by_field_name("object")
        return f"{js_name(target) if target else '?'}[]"
    if kind in JS_WRAPPERS or kind == "non_null_expression":
        inner = node.named_children[0] if node.named_children else None
        return js_name(inner) if inner else "?"
    return "?"


def js_walk(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Yield a node and what is under it, in source order, not entering functions defined inside."""
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type in JS_FUNCTIONS and current is not node:
            continue
        yield current
        stack.extend(reversed(current.named_children))


def js_calls(node: tree_sitter.Node) -> Iterator[tree_sitter.Node]:
    """Yield the call expressions under a node, not those of functions defined inside it."""
    return (n for n in js_walk(node) if n.type == "call_expression")


def js_callee(call: tree_sitter.Node) -> str:
    function = call.child_by_field_name("function")
    return js_name(function) if function is not None else "?"


def js_imports(tree: tree_sitter.Tree) -> dict[str, str]:
    """Map each name a module imports (`import`, `require`) to the module it comes from."""
    found: dict[str, str] = {}
    for statement in tree.root_node.named_children:
        if statement.type == "import_statement":
            source = statement.child_by_field_name("source")
            origin = text_of(source).strip("'\"`") if source else ""
            for child in walk(statement):
                if child.type == "identifier" and child.parent and child.parent.type != "string":
                    found[text_of(child)] = origin
        elif statement.type in ("lexical_declaration", "variable_declaration"):
            for declarator in statement.named_children:
                value = declarator.child_by_field_name("value")
                target = declarator.child_by_field_name("name")
                if value is None or target is None or not text_of(value).startswith("require("):
                    continue
                origin = text_of(value)[len("require(") :].strip(")'\"` ")
                for child in walk(target):
                    if child.type in ("identifier", "shorthand_property_identifier_pattern"):
                        found[text_of(child)] = origin
    return found


def js_function_name(node: tree_sitter.Node) -> str | None:
    """Name a function node: its own name, the variable or key it is bound to, or its route."""
    named = node.child_by_field_name("name")
    if named is not None:
        return text_of(named)
    parent = node.parent
    while parent is not None and parent.type in JS_WRAPPERS:
        parent = parent.parent
    if parent is None:
        return None
    if parent.type == "variable_declarator":
        bound = parent.child_by_field_name("name")
        return text_of(bound) if bound else None
    if parent.type in ("pair", "public_field_definition", "field_definition"):
        key = parent.child_by_field_name("key") or parent.child_by_field_name("name")
        return text_of(key) if key else None
    if parent.type == "assignment_expression":
        left = parent.child_by_field_name("left")
        return text_of(left) if left else None
    if parent.type == "arguments" and parent.parent is not None:
        # A callback is named after what its call is bound to (`findAll: withAuth(async () =>`),
        # else after the call and its path (`router.get("/orders")`).
        binder = _binding(parent.parent)
        first = parent.named_children[0] if parent.named_children else None
        path = text_of(first) if first is not None and first.type == "string" else ""
        return binder or f"{js_callee(parent.parent)}({path})"
    return None


def _binding(node: tree_sitter.Node) -> str | None:
    """Return the variable, key or target an expression is bound to, if any."""
    parent = node.parent
    while parent is not None and parent.type in JS_WRAPPERS:
        parent = parent.parent
    field = {"variable_declarator": "name", "pair": "key", "assignment_expression": "left"}
    target = (
        parent.child_by_field_name(field[parent.type]) if parent and parent.type in field else None
    )
    return text_of(target) if target is not None else None


def js_qualname(node: tree_sitter.Node) -> str:
    """Return the dotted names of the classes and functions around a node, innermost last."""
    names: list[str] = []
    current = node.parent
    while current is not None:
        if current.type in JS_FUNCTIONS:
            names.append(js_function_name(current) or "<anonymous>")
        elif current.type in _JS_CLASSES:
            named = current.child_by_field_name("name")
            names.append(text_of(named) if named else "<class>")
        current = current.parent
    return ".".join(reversed(names))


# What `js_local_io` is given: a module's functions and its calls, found by one query.
JS_FUNCTIONS_AND_CALLS = JS_FUNCTIONS | {"call_expression"}


def js_local_io(nodes: Sequence[tree_sitter.Node], imports: Mapping[str, str]) -> frozenset[str]:
    """Name those of a module's functions and methods that call I/O themselves.

    `nodes` are the module's JS_FUNCTIONS_AND_CALLS nodes, outer before inner (as
    `Source.nodes` gives them): each function's calls are a slice of them, where a walk of
    every function's body in Python was most of a large change's handlers.
    """
    starts = [node.start_byte for node in nodes]
    found = set()
    for function in (node for node in nodes if node.type in JS_FUNCTIONS):
        name = js_function_name(function)
        body = function.child_by_field_name("body")
        if not name or body is None:
            continue
        calls = _calls_in(body, nodes, starts)
        if any(is_io_call(js_callee(c), imports) for c in calls):
            found.add(name.strip("_$"))
    return frozenset(found)


def _calls_in(
    body: tree_sitter.Node, nodes: Sequence[tree_sitter.Node], starts: Sequence[int]
) -> Iterator[tree_sitter.Node]:
    """Yield the calls of `nodes` under `body`, not those of functions defined inside it (the
    calls `js_calls(body)` yields, in the same order)."""
    low = bisect_left(starts, body.start_byte)
    high = bisect_left(starts, body.end_byte, low)
    inner_end = -1  # the end of the function defined inside, whose nodes are skipped
    for node in nodes[low:high]:
        if node.end_byte > body.end_byte or node.start_byte < inner_end:
            continue  # around the body (starting where it starts), or in an inner function
        if node.type == "call_expression":
            yield node
        elif (node.start_byte, node.end_byte) != (body.start_byte, body.end_byte):
            inner_end = node.end_byte  # a function defined inside; the body itself is walked
