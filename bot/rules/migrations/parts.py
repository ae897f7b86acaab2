"""A migration split in two: what a deploy runs, and what only a rollback runs.

The edited-migration rule compares the parts of both sides when their meanings differ:

- Rollback: Alembic's `downgrade*()`, Django's reverse code and SQL (`RunPython`'s second
  argument, `RunSQL`'s `reverse_sql`), a Rails migration's `down` and the `down` blocks of
  `reversible`, a JS migration's top-level `down` function, and a SQL script's `-- +goose Down`
  or `-- migrate:down` section or its `.down.sql` file. Every database reads it from the file
  when it rolls back, so an edit of it alone leaves no database behind.
- What a deploy runs: everything else, in order, but for index operations said one after the
  other (statements of Alembic's `upgrade()`, of a Rails `up` or `change`, Django's `AddIndex`
  operations, `CREATE`/`DROP INDEX` statements), which count as one unordered group. Adding or
  dropping an index changes no row and no other index, so two orders of such a run that both
  succeed leave the same schema. Reordering one is how a migration that failed on some
  databases (an index a foreign key needs, dropped before its replacement exists) gets fixed:
  those databases never recorded it, and the others end where the fixed order ends. An index
  moved past any other statement still counts (MySQL makes a foreign key's index itself when
  none exists, so there the order decides how many indexes a table ends with).

A side whose framework is not recognised has no parts (None): the edit is judged whole.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import tree_sitter

from bot.lazy import lazy_module
from bot.rules.migrations import python_ops, sqlscript
from bot.rules.migrations.meaning import Meaning, Span, normalised, python_meaning, tokens
from bot.snapshot.model import Source
from bot.snapshot.trees import field_text, text_of

if TYPE_CHECKING:
    import sqlglot
else:
    sqlglot = lazy_module("sqlglot")

_DJANGO_INDEXES = frozenset(
    {"AddIndex", "RemoveIndex", "AddIndexConcurrently", "RemoveIndexConcurrently"}
)
_ALEMBIC_INDEXES = frozenset({"create_index", "drop_index"})
_RAILS_INDEXES = frozenset({"add_index", "remove_index"})
# Django's reverse code: the operation's argument at this position, or this keyword.
_REVERSE = {"RunPython": (1, "reverse_code"), "RunSQL": (1, "reverse_sql")}
_SQL_DOWN = re.compile(r"^\s*--\s*(?:\+goose\s+down|migrate:down)\b", re.I | re.M)
_JS_FUNCTIONS = frozenset(
    {"function_declaration", "function_expression", "function", "arrow_function"}
)
_JS_SCOPES = _JS_FUNCTIONS | {"method_definition"}
_GROUP = "indexes:"
_END = "\x00"  # ends one statement's tokens where several are listed: no token is this

T = TypeVar("T")


@dataclass(frozen=True)
class Parts:
    """What a deploy runs, in order (runs of index operations as sorted groups); what a
    rollback runs."""

    forward: Meaning
    rollback: Meaning


def parts(side: Source, dialect: str | None) -> Parts | None:
    """The parts of one side of a migration, from its shared parse; None if it has none."""
    if side.text is None:
        return None
    if side.path.lower().endswith(".sql"):
        return _sql(side, dialect)
    if side.language == "python":
        return _python(side.python) if side.python is not None else None
    if side.language == "ruby":
        return _ruby(side)
    if side.language in {"javascript", "typescript", "tsx"}:
        return _js(side)
    return None


def _runs(items: Sequence[T], index: Callable[[T], bool]) -> list[list[T]]:
    """The items in order, each alone but for index operations one after the other, together."""
    found: list[list[T]] = []
    for item, previous in zip(items, [None, *items[:-1]], strict=True):
        if index(item) and previous is not None and index(previous):
            found[-1].append(item)
        else:
            found.append([item])
    return found


def _python(tree: ast.Module) -> Parts | None:
    operations = [call for calls in python_ops.operation_lists(tree) for call in calls]
    if operations:
        forward: list[ast.AST] = []
        rollback: list[ast.AST] = []
        for run in _runs(operations, lambda c: python_ops.callee(c) in _DJANGO_INDEXES):
            ahead, back = _reverse_apart(run[0]) if len(run) == 1 else (_group(run), [])
            forward.append(ahead)
            rollback += back
        return Parts(python_meaning(tree, forward), _python_rollback(tree, rollback))
    functions = [s for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)]
    upgrades = [f for f in functions if f.name.startswith("upgrade")]
    if not upgrades:
        return None
    forward = []
    for function in upgrades:
        forward.append(_signature(function))
        forward += [
            run[0] if len(run) == 1 else _group(run) for run in _runs(function.body, _alembic)
        ]
    downgrades: list[ast.AST] = [f for f in functions if f.name.startswith("downgrade")]
    return Parts(python_meaning(tree, forward), _python_rollback(tree, downgrades))


def _python_rollback(tree: ast.Module, roots: list[ast.AST]) -> Meaning:
    return python_meaning(tree, roots) if roots else ()


def _group(run: Sequence[ast.AST]) -> ast.AST:
    """Index operations one after the other, as one node whose order is theirs sorted."""
    calls = [r.value if isinstance(r, ast.Expr) else r for r in run]
    return ast.Set(elts=sorted((c for c in calls if isinstance(c, ast.expr)), key=normalised))


def _reverse_apart(call: ast.Call) -> tuple[ast.Call, list[ast.AST]]:
    """A Django operation without its reverse code, and that reverse code."""
    where = _REVERSE.get(python_ops.callee(call))
    if where is None:
        return call, []
    position, keyword = where
    ahead = copy.copy(call)
    ahead.args = call.args[:position]
    ahead.keywords = [k for k in call.keywords if k.arg != keyword]
    back = call.args[position : position + 1] + [k.value for k in call.keywords if k.arg == keyword]
    return ahead, list(back)


def _signature(function: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.AST:
    stub = copy.copy(function)
    stub.body = [ast.Pass()]
    return stub


def _alembic(stmt: ast.stmt) -> bool:
    """`op.create_index(...)` or `op.drop_index(...)` said on its own."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "op"
        and call.func.attr in _ALEMBIC_INDEXES
    )


def _ruby(side: Source) -> Parts | None:
    parsed = side.tree
    if parsed is None or parsed.root_node.has_error:
        return None
    classes = side.nodes(frozenset({"class"}))
    migration = next((n for n in classes if "Migration" in field_text(n, "superclass")), None)
    if migration is None:
        return None
    body = next((c for c in migration.named_children if c.type == "body_statement"), None)
    rollback: list[tree_sitter.Node] = []
    instead: dict[Span, list[str]] = {}
    for member in body.named_children if body is not None else []:
        if member.type not in {"method", "singleton_method"}:
            continue
        name = field_text(member, "name")
        if name == "down":
            rollback.append(member)
        elif name in {"up", "change"}:
            steps = next((c for c in member.named_children if c.type == "body_statement"), None)
            for run in _runs(steps.named_children if steps is not None else [], _rails_index):
                if len(run) > 1:
                    said = sorted((*tokens(n, "ruby"), _END) for n in run)
                    group = [_GROUP, *(t for one in said for t in one)]
                    instead |= {_span(n): [] for n in run[1:]} | {_span(run[0]): group}
            rollback += _reversible_downs(member)
    instead |= {_span(n): [] for n in rollback}
    return Parts(
        forward=tuple(tokens(parsed.root_node, "ruby", instead)),
        rollback=tuple(t for n in rollback for t in (*tokens(n, "ruby"), _END)),
    )


def _rails_index(statement: tree_sitter.Node) -> bool:
    return (
        statement.type == "call"
        and statement.child_by_field_name("receiver") is None
        and statement.child_by_field_name("block") is None
        and field_text(statement, "method") in _RAILS_INDEXES
    )


def _reversible_downs(method: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The `dir.down { ... }` calls of the `reversible do |dir|` blocks in a method."""
    found: list[tree_sitter.Node] = []
    for node in _descendants(method):
        block = node.child_by_field_name("block") if node.type == "call" else None
        if block is None or field_text(node, "method") != "reversible":
            continue
        params = next((c for c in block.named_children if c.type == "block_parameters"), None)
        alias = text_of(params.named_children[0]) if params and params.named_children else None
        found += [
            inner
            for inner in _descendants(block)
            if inner.type == "call"
            and field_text(inner, "method") == "down"
            and field_text(inner, "receiver") == alias
        ]
    return found


def _js(side: Source) -> Parts | None:
    parsed = side.tree
    if parsed is None or parsed.root_node.has_error:
        return None
    language = str(side.language)
    downs = [n for n in _descendants(parsed.root_node) if _js_down(n)]
    return Parts(
        forward=tuple(tokens(parsed.root_node, language, {_span(n): [] for n in downs})),
        rollback=tuple(t for n in downs for t in (*tokens(n, language), _END)),
    )


def _js_down(node: tree_sitter.Node) -> bool:
    """A module's `down` function: a method, a declaration, or a function assigned to `down`."""
    if any(a.type in _JS_SCOPES for a in _ancestors(node)):
        return False  # a `down` inside a function is that function's business
    if node.type in {"method_definition", "function_declaration"}:
        return field_text(node, "name") == "down"
    value_field, name = {
        "pair": ("value", field_text(node, "key").strip("'\"")),
        "variable_declarator": ("value", field_text(node, "name")),
        "assignment_expression": ("right", field_text(node, "left").removeprefix("module.")),
    }.get(node.type, ("", ""))
    value = node.child_by_field_name(value_field) if value_field else None
    wanted = "exports.down" if node.type == "assignment_expression" else "down"
    return name == wanted and value is not None and value.type in _JS_FUNCTIONS


def _sql(side: Source, dialect: str | None) -> Parts:
    text = side.text or ""
    read = dialect or sqlscript.guess_dialect(text)
    statements = sqlscript.script(side, read)
    said = sqlscript.meaning(statements, read)
    marker = _SQL_DOWN.search(text)
    down = 1 if side.path.lower().endswith(".down.sql") else None
    down = text.count("\n", 0, marker.start()) + 1 if marker and down is None else down
    ahead = [n for n, s in enumerate(statements) if down is None or s.line < down]
    forward = [
        said[run[0]] if len(run) == 1 else _END.join([_GROUP, *sorted(said[n] for n in run)])
        for run in _runs(ahead, lambda n: _sql_index(statements[n].tree))
    ]
    rollback = [said[n] for n in range(len(statements)) if n not in ahead]
    return Parts(tuple(forward), tuple(rollback))


def _sql_index(tree: sqlglot.exp.Expr | None) -> bool:
    """`CREATE INDEX` or `DROP INDEX`."""
    kinds = (sqlglot.exp.Create, sqlglot.exp.Drop)
    return isinstance(tree, kinds) and str(tree.args.get("kind") or "").upper() == "INDEX"


def _span(node: tree_sitter.Node) -> Span:
    return (node.start_byte, node.end_byte)


def _descendants(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    """The node and all its named descendants, in source order."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        found.append(current)
        stack += reversed(current.named_children)
    return found


def _ancestors(node: tree_sitter.Node) -> list[tree_sitter.Node]:
    found, current = [], node.parent
    while current is not None:
        found.append(current)
        current = current.parent
    return found
