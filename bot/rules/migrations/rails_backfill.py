"""Rails migrations that fill a column on every row before making it NOT NULL.

A backfill is read only where it provably reaches every row that lacks a value, every time the
migration runs forward:

- `Model.update_all(col: value)`, on `Model`, `.all`, `.unscoped`, `.in_batches` or
  `.where(col: nil)` of it (also as `Model.in_batches { |batch| batch.update_all(...) }`);
- a loop over every record (`Model.find_each`, `Model.all.each`) whose body writes the column
  with `record.update_columns(col: value)`, `update_column(:col, value)` or `update!(col: value)`;
- `change_column_null :table, :col, false, value`, whose fourth argument Rails writes into the
  NULL rows before it adds the constraint.

The call must run unconditionally (not under `if`, `rescue` or `dir.down`), and the value must be
one Ruby never turns into NULL: a literal other than `nil`, or a call on a class
(`SecureRandom.hex`, `Time.current`), as SQL's `gen_random_uuid()` is; a record's own attribute
may be nil. A model's table is the one its class in the migration names (`self.table_name =`),
else the Rails convention (`AccountUser` -> `account_users`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import tree_sitter

from bot.rules.migrations.ops import BACKFILL, Op, name
from bot.snapshot.trees import field_text, text_of, walk

# Blocks that run their body once when the migration runs forward.
_WRAPPERS = frozenset({"say_with_time", "transaction", "reversible", "up", "safety_assured"})
_BODIES = frozenset({"body_statement", "block_body", "do_block", "block"})
# Relation methods that keep every row of their receiver.
_WHOLE = frozenset({"all", "unscoped", "in_batches"})
# Options of a batch iteration that keep every row (`start:`/`finish:` do not).
_BATCH_OPTIONS = frozenset({"of", "batch_size", "load", "order", "use_ranges"})
_WRITES = frozenset({"update_columns", "update!"})
_VALUES = frozenset({
    "string", "simple_symbol", "delimited_symbol", "integer", "float", "rational", "true",
    "false", "hash", "array",
})  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

# (table, column) a relation is narrowed to the NULL rows of, or None for every row.
Rows = tuple[str, str | None]


def model_tables(root: tree_sitter.Node) -> dict[str, str]:
    """Map each class the file defines with `self.table_name = "t"` to its table."""
    found = {}
    for node in walk(root):
        if node.type != "class":
            continue
        body = node.child_by_field_name("body")
        for statement in body.named_children if body is not None else []:
            right = statement.child_by_field_name("right")
            if statement.type != "assignment" or right is None or right.type != "string":
                continue
            if field_text(statement, "left") == "self.table_name":
                found[field_text(node, "name")] = text_of(right).strip("\"'")
    return found


def backfills(call: tree_sitter.Node, models: Mapping[str, str]) -> Iterator[Op]:
    """The columns one call of a migration fills on every row lacking a value."""
    if not always(call):
        return
    line = call.start_point[0] + 1
    text = text_of(call).splitlines()[0].strip()
    method = field_text(call, "method")
    receiver = call.child_by_field_name("receiver")
    block = call.child_by_field_name("block")
    found: list[tuple[str, str]] = []
    if method == "update_all" and receiver is not None:
        found += _update_all(call, _rows(receiver, models))
    elif method == "change_column_null" and receiver is None:
        args = _arguments(call)
        symbols = [a for a in args[:2] if a.type in {"simple_symbol", "string"}]
        if len(args) > 3 and len(symbols) == 2 and args[2].type == "false" and _filled(args[3]):
            found.append((_symbol(symbols[0]), _symbol(symbols[1])))
    elif block is not None and receiver is not None:
        found += _loop(call, receiver, block, models)
    for table, column in found:
        yield Op(BACKFILL, name(table), line, text, column=name(column))


def always(node: tree_sitter.Node) -> bool:
    """Whether a statement runs every time its `change` or `up` method does."""
    child, parent = node, node.parent
    while parent is not None and parent.type != "method":
        if parent.type == "call":
            if child != parent.child_by_field_name("block"):
                return False
            if field_text(parent, "method") not in _WRAPPERS:
                return False
        elif parent.type not in _BODIES:
            return False
        child, parent = parent, parent.parent
    return parent is not None


def _loop(
    call: tree_sitter.Node,
    receiver: tree_sitter.Node,
    block: tree_sitter.Node,
    models: Mapping[str, str],
) -> Iterator[tuple[str, str]]:
    """Columns a block over every batch or every record writes in each."""
    param = _parameter(block)
    if param is None:
        return
    method = field_text(call, "method")
    batches = records = None
    if method == "in_batches":
        batches = _rows(receiver, models, _options(call))
    elif method == "each" and field_text(receiver, "method") == "in_batches":
        batches = _rows(receiver, models)
    elif method == "find_each":
        records = _rows(receiver, models, _options(call))
    elif method == "each" and receiver.type == "call":
        records = _rows(receiver, models)
    for statement in _statements(block):
        target = statement.child_by_field_name("receiver")
        if statement.type != "call" or target is None or text_of(target) != param:
            continue
        write = field_text(statement, "method")
        if batches is not None and write == "update_all":
            yield from _update_all(statement, batches)
        elif records is not None and write in _WRITES:
            yield from _update_all(statement, records)
        elif records is not None and write == "update_column":
            args = _arguments(statement)
            if len(args) == 2 and args[0].type in {"simple_symbol", "string"}:
                column = _symbol(args[0])
                if records[1] in {None, column} and _filled(args[1]):
                    yield records[0], column


def _update_all(call: tree_sitter.Node, rows: Rows | None) -> Iterator[tuple[str, str]]:
    """The columns a hash of new values gives every row of `rows`."""
    if rows is None:
        return
    table, narrowed = rows
    for key, value in _pairs(call):
        if narrowed in {None, key} and _filled(value):
            yield table, key


def _rows(
    node: tree_sitter.Node, models: Mapping[str, str], options: frozenset[str] = frozenset()
) -> Rows | None:
    """The table a relation reads, if it holds every row (or every row where one column is nil)."""
    if not options <= _BATCH_OPTIONS:
        return None
    if node.type in {"constant", "scope_resolution"}:
        return models.get(text_of(node)) or _tableize(text_of(node)), None
    receiver = node.child_by_field_name("receiver")
    if node.type != "call" or receiver is None or node.child_by_field_name("block") is not None:
        return None
    method = field_text(node, "method")
    inner = _rows(receiver, models)
    if inner is None:
        return None
    if method in _WHOLE and _options(node) <= _BATCH_OPTIONS:
        return inner if method == "in_batches" or not _arguments(node) else None
    pairs = _pairs(node)
    if method == "where" and inner[1] is None and len(pairs) == len(_arguments(node)) == 1:
        key, value = pairs[0]
        return (inner[0], key) if value.type == "nil" else None
    return None


def _filled(value: tree_sitter.Node) -> bool:
    """Whether a Ruby value is never nil: a literal, or a call on a class."""
    if value.type in _VALUES:
        return True
    if value.type == "unary":
        operand = value.child_by_field_name("operand")
        return operand is not None and operand.type in {"integer", "float"}
    if value.type != "call":
        return False
    root = value
    while root.type == "call" and root.child_by_field_name("receiver") is not None:
        root = root.child_by_field_name("receiver") or root
    return root.type in {"constant", "scope_resolution"} and all(
        _filled(a) for a in _arguments(value)
    )


def _tableize(constant: str) -> str:
    """Rails' table for a model class: `Billing::AccountUser` -> `account_users`."""
    word = _CAMEL.sub("_", constant.split("::")[-1]).lower()
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + ("es" if re.search(r"(?:s|x|z|ch|sh)$", word) else "s")


def _statements(block: tree_sitter.Node) -> list[tree_sitter.Node]:
    body = block.child_by_field_name("body")
    return list(body.named_children) if body is not None else []


def _parameter(block: tree_sitter.Node) -> str | None:
    params = block.child_by_field_name("parameters")
    names = params.named_children if params is not None else []
    return text_of(names[0]) if len(names) == 1 and names[0].type == "identifier" else None


def _arguments(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = call.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def _pairs(call: tree_sitter.Node) -> list[tuple[str, tree_sitter.Node]]:
    """The call's keyword arguments (`col: value`, `:col => value`, `{"col" => value}`)."""
    found = []
    for arg in _arguments(call):
        pairs = [arg] if arg.type == "pair" else arg.named_children if arg.type == "hash" else []
        for pair in pairs:
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is not None and value is not None:
                found.append((text_of(key).strip(":\"' "), value))
    return found


def _options(call: tree_sitter.Node) -> frozenset[str]:
    return frozenset(key for key, _ in _pairs(call))


def _symbol(node: tree_sitter.Node) -> str:
    return text_of(node).lstrip(":").strip("\"'")
