"""Rails migrations read with tree-sitter: the schema calls of `change`/`up`, in order.

A call spread over several lines (`add_index :versions,\\n  [...],\\n  algorithm: :concurrently`)
is one node, so its options are read wherever they are. `safety_assured { ... }` (the
strong_migrations gem) is the project saying a block is safe; `dir.down` and `def down` run only
on rollback. A column the model already ignores on the base branch (`self.ignored_columns`) is
no longer read by the running code: dropping it is the safe second step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

import tree_sitter

from bot.rules.migrations import rails_backfill, sqlscript
from bot.rules.migrations.ops import (
    BACKFILL,
    CREATE_TABLE,
    DROP_COLUMN,
    DROP_TABLE,
    INDEX,
    NOT_NULL,
    RENAME,
    TYPE_CHANGE,
    Op,
    name,
)
from bot.snapshot.trees import field_text, text_of, walk

_DROPS = frozenset({"remove_column", "remove_columns", "remove_reference", "remove_belongs_to"})
_TABLE_DROPS = frozenset({"remove", "remove_references", "remove_belongs_to"})
_COLUMN_TYPES = frozenset(
    {
        *("string", "text", "integer", "bigint", "float", "decimal", "numeric", "datetime"),
        *("timestamp", "time", "date", "binary", "boolean", "json", "jsonb", "uuid", "column"),
    }
)
_IGNORED = re.compile(r"ignored_columns\s*\+?=\s*(.+)")
_WORD = re.compile(r"[:\"']?(\w+)")


def rails_ops(
    tree: tree_sitter.Tree, dialect: str | None, ignored: Mapping[str, frozenset[str]]
) -> list[Op]:
    """What a Rails migration's `change` or `up` runs."""
    root = tree.root_node
    heredocs = sorted(_all(root, "heredoc_body"), key=lambda n: n.start_byte)
    models = rails_backfill.model_tables(root)
    found: list[Op] = []
    for method in _all(root, "method", "singleton_method"):
        named = method.child_by_field_name("name")
        if named is not None and text_of(named) in {"change", "up"}:
            found += _walk(method, None, None, dialect, ignored, heredocs, models)
    return found


def ignored_columns(model: str) -> frozenset[str]:
    """Columns a Rails model's source tells ActiveRecord to ignore."""
    found: set[str] = set()
    for match in _IGNORED.finditer(model):
        found.update(w for w in _WORD.findall(match.group(1)) if w not in {"w", "i", "self"})
    return frozenset(found)


def _walk(
    node: tree_sitter.Node,
    alias: str | None,
    table: str | None,
    dialect: str | None,
    ignored: Mapping[str, frozenset[str]],
    heredocs: list[tree_sitter.Node],
    models: Mapping[str, str],
) -> list[Op]:
    found: list[Op] = []
    for child in node.named_children:
        if child.type != "call":
            found += _walk(child, alias, table, dialect, ignored, heredocs, models)
            continue
        method = field_text(child, "method")
        receiver = child.child_by_field_name("receiver")
        block = child.child_by_field_name("block")
        if method == "safety_assured" or (method == "down" and receiver is not None):
            continue
        found += rails_backfill.backfills(child, models)
        if receiver is None or (alias and text_of(receiver) == alias):
            ops = _op(
                child, method, table if receiver is not None else None, dialect, ignored, heredocs
            )
            # SQL run under a condition fills no column for sure (`execute "UPDATE ..." if x`).
            always = rails_backfill.always(child)
            found += [op for op in ops if op.rule != BACKFILL or always]
        if method == "create_table":
            continue  # a new table's columns and indexes are all safe
        if block is not None:
            inner_alias, inner_table = alias, table
            if method == "change_table":
                inner_alias, inner_table = _parameter(block), _first(child)
            found += _walk(block, inner_alias, inner_table, dialect, ignored, heredocs, models)
    return found


def _op(
    call: tree_sitter.Node,
    method: str,
    table: str | None,
    dialect: str | None,
    ignored: Mapping[str, frozenset[str]],
    heredocs: list[tree_sitter.Node],
) -> Iterator[Op]:
    line = call.start_point[0] + 1
    text = text_of(call).splitlines()[0].strip()
    symbols = _symbols(call)
    options = _options(call)
    in_block = table is not None
    table = table or (name(symbols[0]) if symbols else None)
    columns = symbols[1:] if not in_block else symbols
    if method == "create_table" and not in_block:
        yield Op(CREATE_TABLE, table, line, text)
    elif method == "drop_table" and not in_block:
        yield Op(DROP_TABLE, table, line, text)
    elif (method in _DROPS and not in_block) or (method in _TABLE_DROPS and in_block):
        names = (
            [c for c in columns if c not in _COLUMN_TYPES]
            if method != "remove_column"
            else columns[:1]
        )
        if not names or not set(names) <= ignored.get(table or "", frozenset()):
            yield Op(DROP_COLUMN, table, line, text)
    elif method in {"rename_column", "rename"}:
        yield Op(RENAME, table, line, text)
    elif method == "rename_table" and not in_block:
        yield Op(RENAME, table, line, text, target=name(symbols[1]) if len(symbols) > 1 else None)
    elif method in {"change_column", "change"}:
        yield Op(TYPE_CHANGE, table, line, text)
    elif method == "change_column_null" and not in_block:
        if any(text_of(a) == "false" for a in _arguments(call)):
            yield Op(NOT_NULL, table, line, text, column=name(columns[0]) if columns else None)
    elif (method == "add_column" and not in_block) or (in_block and method in _COLUMN_TYPES):
        if options.get("null") == "false" and "default" not in options:
            yield Op(NOT_NULL, table, line, text, added=True)
    elif (method == "add_index" and not in_block) or (method == "index" and in_block):
        if options.get("algorithm") != ":concurrently":
            yield Op(INDEX, table, line, text)
    elif method == "execute" and not in_block:
        for sql in _sql(call, heredocs):
            read = dialect or sqlscript.guess_dialect(sql)
            yield from sqlscript.ops(sqlscript.embedded(sql, read), at=line)


def _sql(call: tree_sitter.Node, heredocs: list[tree_sitter.Node]) -> Iterator[str]:
    for arg in _arguments(call):
        if arg.type == "string":
            yield "".join(text_of(c) for c in arg.named_children if c.type == "string_content")
        elif arg.type == "heredoc_beginning":
            body = next((h for h in heredocs if h.start_byte > call.start_byte), None)
            if body is not None:
                yield "".join(
                    text_of(c) for c in body.named_children if c.type == "heredoc_content"
                )


def _arguments(call: tree_sitter.Node) -> list[tree_sitter.Node]:
    args = call.child_by_field_name("arguments")
    return list(args.named_children) if args is not None else []


def _symbols(call: tree_sitter.Node) -> list[str]:
    """The call's plain symbol and string arguments (`:users`, `"users"`), in order."""
    found = []
    for arg in _arguments(call):
        if arg.type in {"simple_symbol", "string"}:
            found.append(text_of(arg).lstrip(":").strip("\"'"))
    return found


def _first(call: tree_sitter.Node) -> str | None:
    symbols = _symbols(call)
    return name(symbols[0]) if symbols else None


def _options(call: tree_sitter.Node) -> dict[str, str]:
    """The call's keyword options (`null: false`, `algorithm: :concurrently`) as text."""
    found = {}
    for arg in _arguments(call):
        pairs = [arg] if arg.type == "pair" else arg.named_children if arg.type == "hash" else []
        for pair in pairs:
            key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
            if key is not None and value is not None:
                found[text_of(key).strip(":\"' ")] = text_of(value)
    return found


def _parameter(block: tree_sitter.Node) -> str | None:
    params = next((c for c in block.named_children if c.type == "block_parameters"), None)
    first = params.named_children[0] if params is not None and params.named_children else None
    return text_of(first) if first is not None else None


def _all(node: tree_sitter.Node, *types: str) -> list[tree_sitter.Node]:
    return [n for n in walk(node, named=False) if n.type in types]
