"""Django and Alembic migrations read with `ast`: the operations they run, in order.

Django: each call of a `Migration.operations` list. `SeparateDatabaseAndState` runs only its
`database_operations`; its `state_operations` are the safe way to stop using a field or model
before dropping it, so they are no hazard. `AlterField` is judged against the field as the app's
models declare it on the base branch, or as the migration's own earlier operations left it (a
field renamed in, altered twice): dropping `null=True` makes a column NOT NULL, and a field class
of another database type rewrites the column. One that keeps the type and moves `db_column` only
renames it.

Alembic: the `op.*` and `batch_op.*` calls of `upgrade()`. Keyword arguments such as
`type_="foreignkey"` of `op.drop_constraint` are no column type; `downgrade()` runs only on
rollback.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from bot.rules.migrations import sqlscript
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

# The database type family of Django's built-in fields; a field class not here is not judged.
_FAMILY = {
    **dict.fromkeys(("AutoField", "IntegerField", "PositiveIntegerField"), "integer"),
    **dict.fromkeys(("SmallAutoField", "SmallIntegerField", "PositiveSmallIntegerField"), "small"),
    **dict.fromkeys(("BigAutoField", "BigIntegerField", "PositiveBigIntegerField"), "bigint"),
    **dict.fromkeys(("CharField", "SlugField", "EmailField", "URLField"), "varchar"),
    **dict.fromkeys(("FileField", "ImageField", "FilePathField"), "varchar"),
    **dict.fromkeys(("BooleanField", "NullBooleanField"), "boolean"),
    **dict.fromkeys(("ForeignKey", "OneToOneField"), "key"),
    "TextField": "text",
    "DateField": "date",
    "DateTimeField": "timestamp",
    "TimeField": "time",
    "DurationField": "interval",
    "DecimalField": "numeric",
    "FloatField": "float",
    "UUIDField": "uuid",
    "JSONField": "json",
    "BinaryField": "binary",
    "GenericIPAddressField": "inet",
}
# Type changes no database rewrites a table for: varchar to text.
_FREE = {("varchar", "text")}
Fields = Mapping[tuple[str, str], ast.Call]


def is_django(tree: ast.Module) -> bool:
    return any(True for _ in operation_lists(tree))


def django_ops(tree: ast.Module, text: str, base_fields: Fields) -> list[Op]:
    """What a Django migration runs, given the base branch's fields by (model, field).

    The field an `AlterField` changes is the one the migration's own earlier operations left
    (`_State`), not always the model's declaration on the base branch: a field removed and
    replaced by a renamed one, or altered twice, is judged against what came before it here.
    """
    lines = text.splitlines()
    found: list[Op] = []
    for operations in operation_lists(tree):
        state = _State(base_fields)
        for call in operations:
            found += _django_op(call, lines, state)
    return found


class _State:
    """The fields as a migration's operations so far leave them, over the base branch's.

    A field this migration removed, or renamed from one the base branch does not declare, is
    unknown (None): nothing is judged against it. Each field also says whether its column holds
    the table's existing rows (a base-branch field, altered or renamed here) or was added here.
    """

    def __init__(self, base: Fields) -> None:
        self.base = base
        self.own: dict[tuple[str, str], tuple[ast.Call | None, bool]] = {}

    def before(self, table: str | None, column: str | None) -> tuple[ast.Call | None, bool, bool]:
        """The field as it stands, whether this migration's operations gave it, and whether its
        column is one the base branch's table already had."""
        key = (table or "", column or "")
        if key in self.own:
            return *self.own[key], True
        field = self.base.get(key) or self.base.get(("", column or ""))
        return field, field is not None, False

    def set(self, table: str | None, column: str | None, field: object, existed: bool) -> None:
        kept = field if isinstance(field, ast.Call) else None
        self.own[(table or "", column or "")] = (kept, existed and kept is not None)

    def step(self, kind: str, call: ast.Call, kw: dict[str, ast.expr], table: str | None) -> None:
        """Apply one operation's effect on the fields."""
        column = _arg(call, kw, 1, "name")
        if kind == "AlterField":
            existed = self.before(table, column)[1]
            self.set(table, column, kw.get("field") or _nth(call, 2), existed)
        elif kind == "AddField":
            self.set(table, column, kw.get("field") or _nth(call, 2), False)
        elif kind == "RemoveField":
            self.set(table, column, None, False)
        elif kind == "RenameField":
            old, new = _arg(call, kw, 1, "old_name"), _arg(call, kw, 2, "new_name")
            field, existed, _ = self.before(table, old)
            self.set(table, new, field, existed)
            self.set(table, old, None, False)
        elif kind in {"CreateModel", "DeleteModel", "RenameModel"}:
            self.own = {k: v for k, v in self.own.items() if k[0] != (table or "")}
            self.base = {k: v for k, v in self.base.items() if k[0] != (table or "")}
            if kind == "CreateModel":
                fields = kw.get("fields") or _nth(call, 1)
                for pair in fields.elts if isinstance(fields, ast.List | ast.Tuple) else []:
                    if isinstance(pair, ast.Tuple) and len(pair.elts) == 2:
                        self.set(table, _string(pair.elts[0]), pair.elts[1], False)


def _nth(call: ast.Call, index: int) -> ast.expr | None:
    return call.args[index] if len(call.args) > index else None


def alembic_ops(tree: ast.Module, text: str, dialect: str | None) -> list[Op]:
    """What an Alembic revision's `upgrade()` runs."""
    lines = text.splitlines()
    found: list[Op] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("upgrade"):
            found += _alembic_body(node.body, {}, lines, dialect)
    return found


def operation_lists(tree: ast.Module) -> Iterator[list[ast.Call]]:
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        for stmt in cls.body:
            # `operations = [...]`, or annotated: `operations: ClassVar[list[...]] = [...]`
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
            if any(
                isinstance(t, ast.Name) and t.id == "operations" for t in targets
            ) and isinstance(value, ast.List | ast.Tuple):
                yield [e for e in value.elts if isinstance(e, ast.Call)]


def _django_op(call: ast.Call, lines: list[str], state: _State) -> Iterator[Op]:
    kind = callee(call)
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    text = lines[call.lineno - 1].strip() if call.lineno <= len(lines) else kind
    model = _arg(call, kw, 0, "model_name", "name", "old_name")
    table = name(model)
    yield from _django_effects(kind, call, kw, table, text, lines, state)
    state.step(kind, call, kw, table)


def _django_effects(
    kind: str,
    call: ast.Call,
    kw: dict[str, ast.expr],
    table: str | None,
    text: str,
    lines: list[str],
    state: _State,
) -> Iterator[Op]:
    if kind == "SeparateDatabaseAndState":
        database = kw.get("database_operations") or (call.args[0] if call.args else None)
        for inner in database.elts if isinstance(database, ast.List | ast.Tuple) else []:
            if isinstance(inner, ast.Call):
                yield from _django_op(inner, lines, state)
    elif kind == "CreateModel":
        yield Op(CREATE_TABLE, table, call.lineno, text)
    elif kind == "DeleteModel":
        yield Op(DROP_TABLE, table, call.lineno, text)
    elif kind == "RemoveField":
        yield Op(DROP_COLUMN, table, call.lineno, text)
    elif kind in {"RenameField", "RenameModel"}:
        target = name(_string(kw.get("new_name"))) if kind == "RenameModel" else None
        yield Op(RENAME, table, call.lineno, text, target=target)
    elif kind == "AddIndex":
        yield Op(INDEX, table, call.lineno, text)
    elif kind == "AddField":
        field = kw.get("field")
        if _preserve_default_false(kw) and isinstance(field, ast.Call) and _required(field):
            yield Op(NOT_NULL, table, _field_line(call), text, added=True)
    elif kind == "AlterField":
        yield from _alter_field(call, kw, table, text, state)
    elif kind == "RunSQL":
        sql = kw.get("sql") or (call.args[0] if call.args else None)
        for statement in _strings(sql):
            dialect = sqlscript.guess_dialect(statement)
            yield from sqlscript.ops(sqlscript.embedded(statement, dialect), at=call.lineno)


def _alter_field(
    call: ast.Call, kw: dict[str, ast.expr], table: str | None, text: str, state: _State
) -> Iterator[Op]:
    field = kw.get("field")
    column = _string(kw.get("name")) or (_string(call.args[1]) if len(call.args) > 1 else None)
    before, existed, own = state.before(table, column)
    if not isinstance(field, ast.Call) or before is None:
        return
    # A column this migration added is judged where it is added (`AddField`), not here.
    if existed and _nullable(before) and _required(field):
        yield Op(NOT_NULL, table, _field_line(call), text)
    old, new = _FAMILY.get(callee(before)), _FAMILY.get(callee(field))
    # A key column has its target's key type, which the migration does not say: turning a
    # column this migration gave a type (a UUID swapped in for a key) into a key is no rewrite
    # that can be told.
    if own and "key" in {old, new}:
        return
    if old and new and old != new and (old, new) not in _FREE:
        yield Op(TYPE_CHANGE, table, _field_line(call), text)


def _field_line(call: ast.Call) -> int:
    """Name the line of an operation's `field=`: what an AddField or AlterField does to the
    column is in that argument (a field without `null=True`, of another type), not in the call."""
    return next((k.lineno for k in call.keywords if k.arg == "field"), call.lineno)


def _required(field: ast.Call) -> bool:
    """A NOT NULL column without a database default (Django keeps defaults in Python)."""
    kw = {k.arg: k.value for k in field.keywords if k.arg}
    if callee(field) == "ManyToManyField" or "db_default" in kw:
        return False
    return not _nullable(field)


def _nullable(field: ast.Call) -> bool:
    value = next((k.value for k in field.keywords if k.arg == "null"), None)
    return isinstance(value, ast.Constant) and value.value is True


def _preserve_default_false(kw: dict[str, ast.expr]) -> bool:
    value = kw.get("preserve_default")
    return isinstance(value, ast.Constant) and value.value is False


def _alembic_body(
    body: list[ast.stmt],
    batches: dict[str, str],
    lines: list[str],
    dialect: str | None,
    *,
    always: bool = True,
) -> list[Op]:
    """Walk statements in order; `with op.batch_alter_table("t") as b:` binds `b` to `t`.

    `always`: the statements run whenever `upgrade()` does (not under `if`, `for` or `try`), so
    a column an UPDATE of theirs fills is filled for sure.
    """
    found: list[Op] = []
    for stmt in body:
        if isinstance(stmt, ast.With):
            inner = dict(batches)
            for item in stmt.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and callee(call) == "batch_alter_table"
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    inner[item.optional_vars.id] = (
                        _string(call.args[0] if call.args else None) or ""
                    )
            found += _alembic_body(stmt.body, inner, lines, dialect, always=always)
            continue
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.stmt):
                found += _alembic_body([child], batches, lines, dialect, always=False)
        for node in _own_calls(stmt):
            ops = _alembic_op(node, batches, lines, dialect)
            found += [op for op in ops if op.rule != BACKFILL or always]
    return found


def _own_calls(stmt: ast.stmt) -> Iterator[ast.Call]:
    """The calls of a statement itself, not of the statements nested in it."""
    stack: list[ast.AST] = [c for c in ast.iter_child_nodes(stmt) if not isinstance(c, ast.stmt)]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Call):
            yield node
        stack += [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.stmt)]


def _alembic_op(
    call: ast.Call, batches: dict[str, str], lines: list[str], dialect: str | None
) -> Iterator[Op]:
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return
    receiver, kind = func.value.id, func.attr
    batch = batches.get(receiver)
    if receiver != "op" and batch is None:
        return
    args = ([ast.Constant(batch)] if batch is not None else []) + list(call.args)
    kw = {k.arg: k.value for k in call.keywords if k.arg}
    text = lines[call.lineno - 1].strip() if call.lineno <= len(lines) else kind
    table = name(_string(args[0]) if args else _string(kw.get("table_name")))
    if kind == "create_table":
        yield Op(CREATE_TABLE, table, call.lineno, text)
    elif kind == "drop_table":
        yield Op(DROP_TABLE, table, call.lineno, text)
    elif kind == "drop_column":
        yield Op(DROP_COLUMN, table, call.lineno, text)
    elif kind == "rename_table":
        target = name(_string(args[1]) if len(args) > 1 else _string(kw.get("new_table_name")))
        yield Op(RENAME, table, call.lineno, text, target=target)
    elif kind == "alter_column":
        if "new_column_name" in kw:
            yield Op(RENAME, table, call.lineno, text)
        if "type_" in kw:
            yield Op(TYPE_CHANGE, table, call.lineno, text)
        if _false(kw.get("nullable")):
            named = _string(args[1]) if len(args) > 1 else _string(kw.get("column_name"))
            yield Op(NOT_NULL, table, call.lineno, text, column=name(named))
    elif kind == "add_column":
        column = next((a for a in args[1:] if isinstance(a, ast.Call)), kw.get("column"))
        if isinstance(column, ast.Call) and _required_column(column):
            yield Op(NOT_NULL, table, call.lineno, text, added=True)
    elif kind == "create_index":
        if batch is None:
            table = name(_string(args[1]) if len(args) > 1 else _string(kw.get("table_name")))
        if not _true(kw.get("postgresql_concurrently")):
            yield Op(INDEX, table, call.lineno, text)
    elif kind == "execute" and batch is None:
        for statement in _strings(args[0] if args else kw.get("sqltext")):
            read = dialect or sqlscript.guess_dialect(statement)
            yield from sqlscript.ops(sqlscript.embedded(statement, read), at=call.lineno)


def _required_column(column: ast.Call) -> bool:
    kw = {k.arg: k.value for k in column.keywords if k.arg}
    if "server_default" in kw or _true(kw.get("primary_key")):
        return False
    return _false(kw.get("nullable"))


def _strings(node: ast.expr | None) -> list[str]:
    """The SQL text of `"..."`, `sa.text("...")` or a list of them; nothing for computed SQL."""
    if isinstance(node, ast.Call) and callee(node) == "text" and node.args:
        node = node.args[0]
    if isinstance(node, ast.List | ast.Tuple):
        return [s for e in node.elts for s in _strings(e)]
    text = _string(node)
    return [text] if text else []


def _arg(call: ast.Call, kw: dict[str, ast.expr], index: int, *keys: str) -> str | None:
    for key in keys:
        if key in kw:
            return _string(kw[key])
    return _string(call.args[index]) if len(call.args) > index else None


def callee(call: ast.expr) -> str:
    if not isinstance(call, ast.Call):
        return ""
    func = call.func
    return (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is False
