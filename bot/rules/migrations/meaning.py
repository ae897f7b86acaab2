"""What a migration makes the database do, as comparable values: the edited-migration rule's lens.

Two versions of a migration with the same meaning run the same statements on every database.
Each language is read from the side's one parse (shared with every other rule), so layout and
comments never count:

- Python (`ast`): Django's `operations` list, or Alembic's `upgrade*`/`downgrade*` functions,
  plus every module-level function, class or constant they use (a `RunPython` function's body
  is what the database runs) and the imports of the names they use. Docstrings, type hints and
  unused imports are no part of it; a raw-string fix leaves the same string value.
- Ruby (tree-sitter): the tokens of the program, comments and optional punctuation aside, and
  `when` arms of a statement `case` that do nothing and can match nothing else (`ruby_case`).
- JS/TS (tree-sitter): the tokens, comments, imports, type annotations and `;`/`,` aside.
- SQL (sqlglot): each statement in sqlglot's own spelling.

Making an operation idempotent (`IF EXISTS`, `if_not_exists: true`, `if_exists=True`) leaves
every database as it was, so those options are no part of the meaning either, and neither is
a Rails migration's `disable_ddl_transaction!`: a transaction decides what a failure leaves,
not what runs.
"""

from __future__ import annotations

import ast
import copy
from collections import Counter
from collections.abc import Mapping

import tree_sitter

from bot.rules.migrations import python_ops, ruby_case, sqlscript
from bot.snapshot.model import Source
from bot.snapshot.trees import field_text, text_of

_IDEMPOTENT = frozenset({"if_exists", "if_not_exists"})
_JS_SKIPPED = frozenset({"comment", "import_statement", "type_annotation", "html_comment"})
_PUNCTUATION = frozenset({",", ";"})
# Whether a migration runs in one transaction changes what a failure leaves, not what it runs
# (the bang-less spelling is a no-op reader: fixing that typo is no edit either).
_TRANSACTION = frozenset({"disable_ddl_transaction!", "disable_ddl_transaction"})
# `change_table` block calls and the top-level call each stands for (verb, type argument).
_TABLE_VERBS = {
    "remove": ("remove_column", ""),
    "index": ("add_index", ""),
    "remove_index": ("remove_index", ""),
    "rename": ("rename_column", ""),
    "references": ("add_reference", ""),
    "belongs_to": ("add_reference", ""),
    "remove_references": ("remove_reference", ""),
    "timestamps": ("add_timestamps", ""),
    "change": ("change_column", ""),
    "change_default": ("change_column_default", ""),
    "change_null": ("change_column_null", ""),
    "column": ("add_column", ""),
}

Meaning = tuple[str, ...]
Span = tuple[int, int]


def meaning(side: Source, dialect: str | None) -> Meaning | None:
    """The meaning of one side of a migration, from its shared parse; None if it has none."""
    if side.text is None:
        return None
    if side.path.lower().endswith(".sql"):
        read = dialect or sqlscript.guess_dialect(side.text)
        return sqlscript.meaning(sqlscript.script(side, read), read)
    if side.language == "python":
        return _python(side.python) if side.python is not None else None
    if side.language in {"ruby", "javascript", "typescript", "tsx"}:
        parsed = side.tree
        if parsed is None or parsed.root_node.has_error:
            return None
        return tuple(tokens(parsed.root_node, str(side.language)))
    return None


def _python(tree: ast.Module) -> Meaning:
    roots: list[ast.AST] = [call for calls in python_ops.operation_lists(tree) for call in calls]
    if not roots:
        defs = definitions(tree)
        roots = [d for n, d in defs.items() if n.startswith(("upgrade", "downgrade"))] or [
            s for s in tree.body if not isinstance(s, ast.Import | ast.ImportFrom)
        ]
    return python_meaning(tree, roots)


def definitions(tree: ast.Module) -> dict[str, ast.stmt]:
    """The module's top-level functions, classes and assigned names, by name."""
    defs: dict[str, ast.stmt] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            defs[stmt.name] = stmt
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    defs[target.id] = stmt
    return defs


def python_meaning(tree: ast.Module, roots: list[ast.AST]) -> Meaning:
    """The roots in order, then what they use of the module (definitions, imports), sorted."""
    defs = definitions(tree)
    imports: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            module = stmt.module if isinstance(stmt, ast.ImportFrom) else ""
            for alias in stmt.names:
                imports[alias.asname or alias.name.split(".")[0]] = f"{module}:{alias.name}"
    found = [normalised(node) for node in roots]
    seen: set[str] = set()
    queue = [name for node in roots for name in _names(node)]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in imports:
            found.append(f"import {imports[name]} as {name}")
        elif name in defs and defs[name] not in roots:
            found.append(normalised(defs[name]))
            queue += _names(defs[name])
    return tuple(found[: len(roots)]) + tuple(sorted(found[len(roots) :]))


def repair_step(old_tree: ast.Module, new_tree: ast.Module) -> bool:
    """Whether a Django migration only gained data steps, each placed just before a schema step.

    That is the shape of a fix to a migration that fails on some databases (clamp or clean the
    rows an `AlterField` would reject, then alter): where it already ran, the schema is the one
    the fixed migration gives, and a new migration could not come before the failing one.
    """
    old = [c for ops in python_ops.operation_lists(old_tree) for c in ops]
    new = [c for ops in python_ops.operation_lists(new_tree) for c in ops]
    if not old or len(new) <= len(old) or Counter(_python(old_tree)) - Counter(_python(new_tree)):
        return False
    kept = 0
    for index, call in enumerate(new):
        if kept < len(old) and normalised(call) == normalised(old[kept]):
            kept += 1
            continue
        following = new[index + 1] if index + 1 < len(new) else None
        if not _data_step(call) or following is None or _data_step(following):
            return False
    return kept == len(old)


def data_only(tree: ast.Module) -> bool:
    """Whether a Django migration only runs data steps: deleting it leaves no schema behind."""
    calls = [c for ops in python_ops.operation_lists(tree) for c in ops]
    return bool(calls) and all(_data_step(call) for call in calls)


def _data_step(call: ast.Call) -> bool:
    """A `RunPython`, or a `RunSQL` that only reads or writes rows."""
    kind = python_ops.callee(call)
    if kind == "RunPython":
        return True
    if kind != "RunSQL" or not call.args:
        return False
    sql = call.args[0]
    text = sql.value if isinstance(sql, ast.Constant) and isinstance(sql.value, str) else ""
    parsed = [statement.tree for statement in sqlscript.embedded(text, None)]
    return bool(parsed) and all(sqlscript.reads_or_writes_rows(p) for p in parsed)


def _names(node: ast.AST) -> list[str]:
    return [n.id for n in ast.walk(_stripped(node)) if isinstance(n, ast.Name)]


def normalised(node: ast.AST) -> str:
    """The node as a comparable string, without what no database runs (`_Strip`)."""
    return ast.dump(_stripped(node))


def _stripped(node: ast.AST) -> ast.AST:
    """A copy without docstrings, bare string statements, type hints or idempotency options."""
    stripped: ast.AST = _Strip().visit(copy.deepcopy(node))
    return stripped


class _Strip(ast.NodeTransformer):
    def generic_visit(self, node: ast.AST) -> ast.AST:
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                kept = [s for s in body if not _bare_string(s)]
                setattr(node, field, kept or [ast.Pass()])
        return super().generic_visit(node)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None
        return self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        node.returns = None
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        if node.value is None:
            return None
        return self.generic_visit(ast.Assign(targets=[node.target], value=node.value, lineno=0))

    def visit_Call(self, node: ast.Call) -> ast.AST:
        kept = [k for k in node.keywords if k.arg not in _IDEMPOTENT]
        # Keyword order means nothing (`**kwargs` keeps its place: it may override).
        node.keywords = (
            sorted(kept, key=lambda k: k.arg or "") if all(k.arg for k in kept) else kept
        )
        return self.generic_visit(node)


def _bare_string(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


def tokens(
    node: tree_sitter.Node, language: str, instead: Mapping[Span, list[str]] | None = None
) -> list[str]:
    """Leaf tokens in order, without comments and punctuation a formatter adds or removes.

    A node whose byte span is a key of `instead` is spelled as its value (a reader's own view of
    it: left out, or grouped with its neighbours).
    """
    if instead and (node.start_byte, node.end_byte) in instead:
        return instead[(node.start_byte, node.end_byte)]
    if node.type in _JS_SKIPPED:
        return []
    if language == "ruby" and _transaction(node):
        return []
    if node.type == "pair" and (_idempotent(node) or _option(node) == "bulk"):
        return []
    block = node.child_by_field_name("block") if node.type == "call" else None
    if block is not None and language == "ruby" and field_text(node, "method") == "change_table":
        return _change_table(node, block)
    if node.type in {"string", "template_string"} and language != "ruby":
        return [f"str:{text_of(node)[1:-1]}"]
    if node.type == "string" and language == "ruby":
        return [f"str:{''.join(text_of(c) for c in node.named_children)}"]
    if node.type in {"string_array", "symbol_array"}:  # `%w(a b)` is `%w[a b]`: words only
        return [node.type, *(t for c in node.named_children for t in tokens(c, language, instead))]
    if node.type == "case" and language == "ruby":
        dead = ruby_case.dead_arms(node)
        kept = [c for c in node.children if (c.start_byte, c.end_byte) not in dead]
        return [token for child in kept for token in tokens(child, language, instead)]
    if not node.children:
        text = text_of(node)
        parent = node.parent.type if node.parent is not None else ""
        if text in _PUNCTUATION or (text in {"(", ")"} and parent == "argument_list"):
            return []
        return [text]
    return [token for child in node.children for token in tokens(child, language, instead)]


def _transaction(node: tree_sitter.Node) -> bool:
    """A Rails migration class's `disable_ddl_transaction!`: it runs the same statements."""
    body = node.parent
    return (
        node.type in {"identifier", "call"}
        and text_of(node) in _TRANSACTION
        and body is not None
        and body.type == "body_statement"
        and body.parent is not None
        and body.parent.type == "class"
    )


def _change_table(call: tree_sitter.Node, block: tree_sitter.Node) -> list[str]:
    """Spell `change_table :t do |t| t.string :x end` as `add_column :t, :x, :string`.

    Both run the same statements (`bulk: true` only folds them into one ALTER TABLE), so a
    migration rewritten from one form to the other runs the same.
    """
    args = call.child_by_field_name("arguments")
    table = [t for a in args.named_children[:1] for t in tokens(a, "ruby")] if args else []
    params = next((c for c in block.named_children if c.type == "block_parameters"), None)
    alias = text_of(params.named_children[0]) if params and params.named_children else None
    found: list[str] = []
    body = block.named_children
    for inner in (
        c for b in body if b.type in {"body_statement", "block_body"} for c in b.named_children
    ):
        receiver = inner.child_by_field_name("receiver")
        if inner.type != "call" or receiver is None or text_of(receiver) != alias:
            found += tokens(inner, "ruby")
            continue
        method = field_text(inner, "method")
        inner_args = inner.child_by_field_name("arguments")
        parts = list(inner_args.named_children) if inner_args is not None else []
        names = [p for p in parts if p.type in {"simple_symbol", "string"}]
        rest = [t for p in parts if p not in names for t in tokens(p, "ruby")]
        verb, kind = _TABLE_VERBS.get(method, ("add_column", f":{method}"))
        columns: list[tree_sitter.Node | None] = [*names] or [None]
        for column in columns:
            column_tokens = tokens(column, "ruby") if column is not None else []
            found += [verb, *table, *column_tokens, *([kind] if kind else []), *rest]
    return found


def _option(pair: tree_sitter.Node) -> str:
    key = pair.child_by_field_name("key")
    return text_of(key).strip(":\"' ") if key is not None else ""


def _idempotent(pair: tree_sitter.Node) -> bool:
    key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
    if key is None or value is None:
        return False
    return text_of(key).strip(":\"' ") in _IDEMPOTENT and text_of(value) == "true"


# Django operations whose effect is a schema change the operation itself names: what they touch
# is read from their arguments. Data steps (`RunPython`, `RunSQL`) and anything else may read or
# write anything, so they never change places with another operation.
_SCHEMA_OPS = frozenset({
    "CreateModel", "DeleteModel", "AddField", "RemoveField", "AlterField", "RenameField",
    "AddIndex", "RemoveIndex", "AddConstraint", "RemoveConstraint", "AlterUniqueTogether",
    "AlterIndexTogether", "AlterModelOptions", "AlterModelTable", "AlterModelManagers",
})  # fmt: skip
# Removals: once all of them ran, everything they name is gone, in whichever order they ran.
_REMOVALS = frozenset({"DeleteModel", "RemoveField", "RemoveIndex", "RemoveConstraint"})
_MODEL_KEYS = frozenset({"model_name", "name", "to", "old_name", "new_name"})


def reordered(old_tree: ast.Module, new_tree: ast.Module) -> bool:
    """Whether a Django migration's edit only moves operations past ones they commute with.

    Every database that recorded the migration ran all of its operations, so one that ran them
    in the old order holds what the new order gives when no two operations whose order matters
    changed places (`_commute`): removals (all gone at the end, whichever went first), or
    schema operations on models neither names. A fix that drops a referencing model before the
    model it references (an order that failed on fresh databases) is such an edit.
    """
    old_lists = list(python_ops.operation_lists(old_tree))
    new_lists = list(python_ops.operation_lists(new_tree))
    if not old_lists or len(old_lists) != len(new_lists):
        return False
    if sorted(_python(old_tree)) != sorted(_python(new_tree)):
        return False  # not the same operations and definitions
    return all(_same_trace(o, n) for o, n in zip(old_lists, new_lists, strict=True))


def _same_trace(old: list[ast.Call], new: list[ast.Call]) -> bool:
    """The new order keeps the relative order of every pair of operations that do not commute."""

    def keyed(calls: list[ast.Call]) -> list[tuple[str, int]]:
        seen: Counter[str] = Counter()
        keys = []
        for call in calls:
            text = normalised(call)
            keys.append((text, seen[text]))
            seen[text] += 1
        return keys

    old_keys, new_keys = keyed(old), keyed(new)
    if sorted(old_keys) != sorted(new_keys):
        return False
    where = {key: index for index, key in enumerate(new_keys)}
    for i, first in enumerate(old):
        for j in range(i + 1, len(old)):
            moved = where[old_keys[i]] > where[old_keys[j]]
            if moved and not _commute(first, old[j]):
                return False
    return True


def _commute(first: ast.Call, second: ast.Call) -> bool:
    """Whether two operations leave the same schema in either order (see `reordered`)."""
    kinds = {python_ops.callee(first), python_ops.callee(second)}
    if not kinds <= _SCHEMA_OPS:
        return False
    if kinds <= _REMOVALS:
        return True
    names, others = _models(first), _models(second)
    return "?" not in names | others and not names & others


def _models(call: ast.Call) -> set[str]:
    """Every name an operation's arguments give (its model, fields, `to=` targets), lower-cased.

    More names only make fewer operations commute; a name given by an expression is "?".
    """
    given: list[ast.expr] = list(call.args[:1])
    for node in ast.walk(call):
        if isinstance(node, ast.keyword) and node.arg in _MODEL_KEYS:
            given.append(node.value)
        elif isinstance(node, ast.Call) and python_ops.callee(node) in _RELATIONS:
            given += node.args[:1]
    found = set()
    for value in given:
        text = value.value if isinstance(value, ast.Constant) else None
        found.add(text.rsplit(".", 1)[-1].lower() if isinstance(text, str) else "?")
    return found or {"?"}


_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})


def renamed(tree: ast.Module, renames: Mapping[tuple[str, str], str]) -> ast.Module:
    """The module with each `(module, name)` it imports or spells out renamed as `renames` says.

    A change that renames a class or function in production code and follows the rename in a
    migration that imports it (`bases=(models.Model, app.helpers.Old)`) leaves the migration
    doing what it did: compared after this, such an edit is no edit.
    """
    copied = copy.deepcopy(tree)
    bound = _bound(copied)
    local: dict[str, str] = {}
    for node in ast.walk(copied):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                new = renames.get((node.module, alias.name))
                if new is not None:
                    if alias.asname is None:
                        local[alias.name] = new
                    alias.name = new
    for node in ast.walk(copied):
        if isinstance(node, ast.Attribute):
            new = renames.get((_module(node.value, bound) or "", node.attr))
            if new is not None:
                node.attr = new
        elif isinstance(node, ast.Name) and node.id in local:
            node.id = local[node.id]
    return copied


def references(tree: ast.Module) -> set[tuple[str, str]]:
    """Each `(module, name)` the module imports from a module or spells as `module.name`.

    A spelled-out name counts only under a module the file imports (`import app.helpers`, or
    `from app import helpers`), read as that module's full dotted path.
    """
    bound = _bound(tree)
    found: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found |= {(node.module, alias.name) for alias in node.names}
        elif isinstance(node, ast.Attribute) and (module := _module(node.value, bound)):
            found.add((module, node.attr))
    return found


def _bound(tree: ast.Module) -> dict[str, str]:
    """The module each top-level import binds to a local name."""
    found: dict[str, str] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    found[alias.asname] = alias.name
                else:
                    root = alias.name.split(".")[0]
                    found[root] = root
        elif isinstance(stmt, ast.ImportFrom) and stmt.module and not stmt.level:
            for alias in stmt.names:
                found[alias.asname or alias.name] = f"{stmt.module}.{alias.name}"
    return found


def _module(node: ast.expr, bound: Mapping[str, str]) -> str | None:
    """The full dotted module path an expression spells, its root bound by an import."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        prefix = _module(node.value, bound)
        return f"{prefix}.{node.attr}" if prefix else None
    return None


def same(old_tree: ast.Module, new_tree: ast.Module) -> bool:
    """Whether two parses of a migration mean the same (see `_python`)."""
    return _python(old_tree) == _python(new_tree)
