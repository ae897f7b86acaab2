"""Django and SQLAlchemy models read with `ast`: each field or table option as one statement.

A statement has two keys. `key` is the whole definition, layout and comments aside: a statement
whose key is unchanged was only moved or re-wrapped. `db_key` keeps only what the database sees:
a change that alters `key` but not `db_key` touches Django's migration state only (`choices`,
`help_text`, `ordering`, … — `makemigrations --check` fails, the database does not change) or,
for SQLAlchemy, Python alone (`default=`, `onupdate=`, a TypeDecorator over the same type).

Only class-level assignments of model classes count: a query expression's `output_field=` or a
form field inside a method is not a model field. An abstract model or a mixin (`class Meta:
abstract = True`, a class that is not a model) is marked `anywhere`: its columns live in the
tables of the concrete models that inherit it, in whatever app they are.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from bot.snapshot import trees

# Field options Django records in migrations but never sends to the database.
DJANGO_STATE_ONLY = frozenset(
    {
        *("choices", "help_text", "verbose_name", "validators", "blank", "editable"),
        *("error_messages", "default", "related_name", "related_query_name"),
        *("limit_choices_to", "on_delete", "auto_now", "auto_now_add", "upload_to"),
        *("storage", "serialize", "unique_for_date", "unique_for_month", "unique_for_year"),
        *("width_field", "height_field", "path", "match", "recursive", "allow_files"),
        *("allow_folders", "form_class", "encoder", "decoder", "swappable"),
    }
)
# Meta options of `AlterModelOptions`: a migration records them, the database never sees them.
DJANGO_META_STATE = frozenset(
    {
        *("ordering", "verbose_name", "verbose_name_plural", "permissions"),
        *("default_permissions", "get_latest_by", "default_related_name"),
        *("base_manager_name", "default_manager_name", "select_on_save"),
    }
)
# Meta options that no migration records at all.
DJANGO_META_IGNORED = frozenset({"app_label", "required_db_features", "required_db_vendor"})
_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField", "ParentalKey"})

# Column options SQLAlchemy applies in Python; Alembic has nothing to migrate for them.
SQLALCHEMY_PYTHON_ONLY = frozenset(
    {
        *("default", "onupdate", "doc", "info", "init", "repr", "kw_only", "default_factory"),
        *("compare", "hash", "sort_order", "deferred", "deferred_group", "deferred_raiseload"),
        *("active_history", "insert_default", "use_existing_column", "dataclass_metadata"),
        *("key", "quote", "system"),
    }
)
_COLUMNS = frozenset({"Column", "mapped_column"})


@dataclass(frozen=True)
class PyStatement:
    """One schema statement of a model module: where it is and what it means."""

    model: str | None
    name: str
    first: int
    last: int
    key: str
    db_key: str
    anywhere: bool = False


def parse(lines: Sequence[str]) -> ast.Module | None:
    return trees.parse_python("\n".join(lines)) if lines else None


def django(tree: ast.Module) -> list[PyStatement]:
    """Every field, Meta option and concrete model of a Django models module."""
    found: list[PyStatement] = []
    for cls in _classes(tree):
        model_like = any(_base_is_model(base) for base in cls.bases)
        meta = _meta(cls)
        abstract = _abstract(meta) or not model_like
        fields = [(n, c, s) for n, c, s in _assigned_calls(cls) if _is_django_field(c)]
        if not fields and not model_like:
            continue
        if not abstract:
            header = cls.body[0].lineno - 1 if cls.body else cls.lineno
            found.append(
                PyStatement(
                    cls.name, cls.name, cls.lineno, max(cls.lineno, header), *_pair(cls.name)
                )
            )
        for field, call, stmt in fields:
            found.append(_stmt(cls.name, field, stmt, *django_field_keys(call), abstract))
        for option, value, stmt in _meta_options(meta):
            if option in DJANGO_META_IGNORED:
                continue
            full = f"Meta.{option}={_dump(value)}"
            db = f"Meta.{option}" if option in DJANGO_META_STATE else full
            found.append(_stmt(cls.name, f"Meta.{option}", stmt, full, db, abstract))
    return found


def django_field_keys(call: ast.Call) -> tuple[str, str]:
    """Keys of one Django field definition: all of it, and what the database sees."""
    kind = _callee(call)
    args = [_dump(arg) for arg in call.args]
    kwargs = {k.arg: _dump(k.value) for k in call.keywords if k.arg}
    full = f"{kind}({','.join(args)};{_kw(kwargs)})"
    # Positional: a relation's target, then on_delete; any other field's verbose_name first.
    db_args = args[:1] if kind in _RELATIONS else args[1:]
    db_kwargs = {k: v for k, v in kwargs.items() if k not in DJANGO_STATE_ONLY}
    return full, f"{kind}({','.join(db_args)};{_kw(db_kwargs)})"


def django_fields(tree: ast.Module) -> dict[tuple[str, str], ast.Call]:
    """Map (lower-cased model, field) to its field call, as migrations name them."""
    return {
        (cls.name.lower(), name): call
        for cls in _classes(tree)
        for name, call, _ in _assigned_calls(cls)
        if _is_django_field(call)
    }


def lone_fields(line: str) -> dict[tuple[str, str], ast.Call]:
    """A one-line field definition seen alone (a bare diff), keyed by ("", field name)."""
    tree = trees.parse_python(line.strip())
    stmt = tree.body[0] if tree is not None and len(tree.body) == 1 else None
    target, value, _ = _assignment(stmt) if stmt is not None else (None, None, None)
    if target is None or not isinstance(value, ast.Call) or not _is_django_field(value):
        return {}
    return {("", target): value}


def sqlalchemy(tree: ast.Module, aliases: Mapping[str, str]) -> list[PyStatement]:
    """Every column, table option and Core table of a SQLAlchemy module.

    `aliases` maps a TypeDecorator's name to the type it wraps (`impl`): swapping a column's
    type for a decorator over the same type changes nothing in the database.
    """
    found: list[PyStatement] = []
    for cls in _classes(tree):
        for stmt in cls.body:
            target, value, annotation = _assignment(stmt)
            if target is None:
                continue
            if target in {"__tablename__", "__table_args__"}:
                dumped = _dump(value)
                found.append(_stmt(cls.name, target, stmt, dumped, dumped))
                continue
            keys = _column_keys(value, annotation, aliases)
            if keys is not None:
                found.append(_stmt(cls.name, target, stmt, *keys))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _callee(node) == "Table" and node.args:
            found += _core_table(node, aliases)
    return found


def type_aliases(tree: ast.Module) -> dict[str, str]:
    """Map each `class X(TypeDecorator)` of a module to the name of its `impl` type."""
    found = {}
    for cls in _classes(tree):
        if not any(_name(base) == "TypeDecorator" for base in cls.bases):
            continue
        for stmt in cls.body:
            target, value, _ = _assignment(stmt)
            if target == "impl" and value is not None:
                found[cls.name] = _type_name(value, {})
    return found


def _core_table(call: ast.Call, aliases: Mapping[str, str]) -> Iterator[PyStatement]:
    """A Core `Table("name", metadata, Column(...))`: a statement per column, one for the rest."""
    table = _string(call.args[0]) or "?"
    rest = []
    for arg in call.args[1:]:
        keys = _column_keys(arg, None, aliases) if isinstance(arg, ast.Call) else None
        column = _string(arg.args[0]) if isinstance(arg, ast.Call) and arg.args else None
        if keys is not None and column is not None and _callee(arg) == "Column":
            key, db_key = (f"{table}:{k}" for k in keys)
            yield PyStatement(table, column, arg.lineno, arg.end_lineno or arg.lineno, key, db_key)
        else:
            rest.append(_dump(arg))
    options = f"{table}:Table({','.join(rest[1:])};{_kw(_kwargs(call))})"
    yield PyStatement(table, table, call.lineno, call.lineno, options, options)


def _column_keys(
    value: ast.expr | None, annotation: ast.expr | None, aliases: Mapping[str, str]
) -> tuple[str, str] | None:
    mapped = _mapped(annotation)
    if isinstance(value, ast.Call):
        if _callee(value) not in _COLUMNS:
            return None
    elif value is not None or mapped is None:
        return None
    hint = _dump(mapped) if mapped is not None else ""
    if not isinstance(value, ast.Call):
        return f"Mapped[{hint}]", f"Mapped[{hint}]"
    args = [_type_name(arg, aliases) if _is_type(arg) else _dump(arg) for arg in value.args]
    kwargs = {k.arg: _dump(k.value) for k in value.keywords if k.arg}
    if "type_" in kwargs:
        kwargs["type_"] = _type_name(
            next(k.value for k in value.keywords if k.arg == "type_"), aliases
        )
    raw = [_dump(arg) for arg in value.args]
    full = f"{_callee(value)}[{hint}]({','.join(raw)};{_kw(_kwargs(value))})"
    db_kwargs = {k: v for k, v in kwargs.items() if k not in SQLALCHEMY_PYTHON_ONLY}
    return full, f"column[{hint}]({','.join(args)};{_kw(db_kwargs)})"


def _type_name(node: ast.expr, aliases: Mapping[str, str]) -> str:
    """Spell a column type one way however written: `sa.DateTime`, `DateTime()`, a decorator."""
    if isinstance(node, ast.Call) and not node.args and not node.keywords:
        node = node.func
    if isinstance(node, ast.Call):
        return f"{aliases.get(_callee(node), _callee(node))}({_dump_args(node)})"
    name = _name(node)
    return aliases.get(name, name) if name else _dump(node)


def _is_type(node: ast.expr) -> bool:
    """Tell a positional type argument (`String(32)`, `sa.DateTime`) from a name or a ForeignKey."""
    name = (_callee(node) if isinstance(node, ast.Call) else _name(node)) or ""
    return name[:1].isupper() and name not in {"ForeignKey", "Sequence", "Identity"}


def _classes(tree: ast.Module) -> list[ast.ClassDef]:
    return [node for node in tree.body if isinstance(node, ast.ClassDef)]


def _meta(cls: ast.ClassDef) -> ast.ClassDef | None:
    return next((n for n in cls.body if isinstance(n, ast.ClassDef) and n.name == "Meta"), None)


def _abstract(meta: ast.ClassDef | None) -> bool:
    return any(
        option == "abstract" and isinstance(value, ast.Constant) and value.value is True
        for option, value, _ in _meta_options(meta)
    )


def _meta_options(meta: ast.ClassDef | None) -> Iterator[tuple[str, ast.expr, ast.stmt]]:
    for stmt in meta.body if meta else []:
        target, value, _ = _assignment(stmt)
        if target is not None and value is not None:
            yield target, value, stmt


def _assigned_calls(cls: ast.ClassDef) -> Iterator[tuple[str, ast.Call, ast.stmt]]:
    for stmt in cls.body:
        target, value, _ = _assignment(stmt)
        if target is not None and isinstance(value, ast.Call):
            yield target, value, stmt


def _assignment(stmt: ast.stmt) -> tuple[str | None, ast.expr | None, ast.expr | None]:
    """Read `name = value` or `name: annotation [= value]` of a class body."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        return (target.id, stmt.value, None) if isinstance(target, ast.Name) else (None, None, None)
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id, stmt.value, stmt.annotation
    return None, None, None


def _is_django_field(call: ast.Call) -> bool:
    kind = _callee(call)
    return kind.endswith("Field") or kind in _RELATIONS


def _base_is_model(base: ast.expr) -> bool:
    name = _name(base) or ""
    return name.endswith("Model") or name.startswith("Abstract")


def _mapped(annotation: ast.expr | None) -> ast.expr | None:
    if isinstance(annotation, ast.Subscript) and _name(annotation.value) == "Mapped":
        return annotation.slice
    return None


def _stmt(
    model: str, name: str, stmt: ast.stmt, key: str, db_key: str, anywhere: bool = False
) -> PyStatement:
    end = stmt.end_lineno or stmt.lineno
    return PyStatement(
        model, name, stmt.lineno, end, f"{model}:{key}", f"{model}:{db_key}", anywhere
    )


def _pair(name: str) -> tuple[str, str]:
    return f"class:{name}", f"class:{name}"


def _callee(call: ast.expr) -> str:
    return (_name(call.func) or "") if isinstance(call, ast.Call) else ""


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _string(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _kwargs(call: ast.Call) -> dict[str, str]:
    return {k.arg or "**": _dump(k.value) for k in call.keywords}


def _kw(kwargs: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(kwargs.items()))


def _dump_args(call: ast.Call) -> str:
    return ",".join([*(_dump(a) for a in call.args), _kw(_kwargs(call))])


def _dump(node: ast.AST | None) -> str:
    """Dump a node without positions, so layout and comments never count."""
    return ast.dump(node) if node is not None else ""
