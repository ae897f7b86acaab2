"""SQL migrations read with a real SQL parser (sqlglot): operations and meaning.

A script's statements and their trees are the snapshot's (`Source.sql`, parsed once per side
and dialect; bot/snapshot/trees.py says why sqlglot); a SQL string inside a migration
(`RunSQL`, `execute`, `knex.raw`) is parsed here. A statement sqlglot cannot parse falls back to
a few patterns on that statement alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import TYPE_CHECKING

from bot.lazy import lazy_module
from bot.rules.migrations.ops import (
    BACKFILL,
    CREATE_TABLE,
    CREATE_VIEW,
    DROP_COLUMN,
    DROP_TABLE,
    INDEX,
    NOT_NULL,
    RENAME,
    TYPE_CHANGE,
    Op,
    name,
)
from bot.snapshot.model import Source
from bot.snapshot.trees import SqlStatement, parse_sql

if TYPE_CHECKING:
    import sqlglot
else:  # parsed on first use: a change with no SQL never loads the parser (bot/lazy.py)
    sqlglot = lazy_module("sqlglot")

POSTGRES, MYSQL, SQLITE, CLICKHOUSE = "postgres", "mysql", "sqlite", "clickhouse"

_CLICKHOUSE = re.compile(
    r"\bENGINE\s*=\s*\w*MergeTree|\bLowCardinality\s*\(|\bPROJECTION\b|\bNullable\s*\(", re.I
)
_MYSQL = re.compile(r"`|\bENGINE\s*=\s*InnoDB\b|\bAUTO_INCREMENT\b|\bMODIFY\s+COLUMN\b", re.I)
_POSTGRES = re.compile(r"::\w|\bJSONB\b|\bTIMESTAMPTZ\b|\bCONCURRENTLY\b|\bSERIAL\b|\$\$", re.I)
_RENAME_TABLES = re.compile(r"^\s*RENAME\s+TABLES?\s+(.*)$", re.I | re.S)
_RENAME_PAIR = re.compile(r"([\w.`\"]+)\s+TO\s+([\w.`\"]+)", re.I)
_IDENT = r"[\"`\[]?(?:\w+[\"`\]]?\.[\"`\[]?)?(\w+)[\"`\]]?"
_ALTER_TABLE = re.compile(
    rf"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_IDENT}\s+(.*)", re.I | re.S
)
_KEEP = (
    r"(?:CONSTRAINT|INDEX|KEY|DEFAULT|NOT\b|FOREIGN|PRIMARY|CHECK|PARTITION|IDENTITY|UNIQUE"
    r"|PROJECTION)"
)
_ACTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DROP_COLUMN, re.compile(rf"^DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?!{_KEEP})\S", re.I)),
    (RENAME, re.compile(r"^RENAME\s+(?:COLUMN\b|(?!TO\b)\w)", re.I)),
    (TYPE_CHANGE, re.compile(r"^(?:ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b)", re.I)),
    (NOT_NULL, re.compile(r"^ALTER\s+(?:COLUMN\s+)?(\S+)\s+SET\s+NOT\s+NULL\b", re.I)),
)
# The clauses of an UPDATE that may stand beside SET and WHERE while it still reaches every row.
_WHOLE_UPDATE = frozenset({"this", "expressions", "where", "with_", "returning", "hint"})


@cache
def _filled() -> tuple[type[sqlglot.exp.Expr], ...]:
    """Constraints that give a new NOT NULL column a value in existing rows."""
    return (
        sqlglot.exp.DefaultColumnConstraint,
        sqlglot.exp.PrimaryKeyColumnConstraint,
        sqlglot.exp.GeneratedAsIdentityColumnConstraint,
    )


def guess_dialect(text: str) -> str | None:
    """Name the dialect a SQL text is written in from its own marks, or None when it shows none."""
    if _CLICKHOUSE.search(text):
        return CLICKHOUSE
    if _MYSQL.search(text):
        return MYSQL
    if _POSTGRES.search(text):
        return POSTGRES
    return None


def script(source: Source, dialect: str | None) -> tuple[SqlStatement, ...]:
    """Return a SQL file's statements, parsed once for the dialect (Postgres when unknown)."""
    return source.sql(dialect or POSTGRES)


def embedded(text: str, dialect: str | None) -> tuple[SqlStatement, ...]:
    """Parse SQL a migration runs from a string (`RunSQL`, `execute`, `knex.raw`)."""
    return parse_sql(text, dialect or POSTGRES)


def ops(statements: Sequence[SqlStatement], at: int | None = None) -> list[Op]:
    """Return what a SQL script does, statement by statement; `at` pins every op to one line."""
    found: list[Op] = []
    typed: Typed = {}  # columns this script adds, with their type: a later MODIFY may restate it
    for statement in statements:
        where = at if at is not None else statement.line
        text = statement.text
        first = text.strip().splitlines()[0] if text.strip() else ""
        parsed = statement.tree
        if parsed is None or (isinstance(parsed, sqlglot.exp.Command) and not _rename(parsed)):
            found += _fallback(where, text, first)
        else:
            found += _ops(parsed, where, first, typed, shifted=at is None)
    return found


def meaning(statements: Sequence[SqlStatement], dialect: str | None) -> tuple[str, ...]:
    """What a script runs, comments and layout aside: each statement in sqlglot's own spelling.

    `IF EXISTS` / `IF NOT EXISTS` are dropped (making a migration idempotent leaves every
    database as it was), and so is MySQL's `ENGINE=InnoDB`, the engine MySQL uses anyway.
    """
    found = []
    for statement in statements:
        if statement.tree is None or isinstance(statement.tree, sqlglot.exp.Command):
            found.append(_tokens(statement.text, dialect))
            continue
        parsed = statement.tree.copy()  # the snapshot's tree is shared: edit a copy
        for node in parsed.walk():
            if node.args.get("exists") is True:
                node.set("exists", False)
            if isinstance(node, sqlglot.exp.EngineProperty) and node.name.lower() == "innodb":
                node.pop()
        found.append(parsed.sql(dialect=dialect or POSTGRES, comments=False))
    return tuple(found)


def _tokens(statement: str, dialect: str | None) -> str:
    try:
        return " ".join(t.text for t in sqlglot.tokenize(statement, read=dialect or POSTGRES))
    except sqlglot.errors.SqlglotError:
        return " ".join(statement.split())


def reads_or_writes_rows(parsed: sqlglot.exp.Expr | None) -> bool:
    """Tell whether a statement only reads or writes rows (INSERT, UPDATE, DELETE, SELECT)."""
    rows = (sqlglot.exp.Insert, sqlglot.exp.Update, sqlglot.exp.Delete, sqlglot.exp.Select)
    return isinstance(parsed, rows)


def _rename(parsed: sqlglot.exp.Command) -> list[tuple[str, str]]:
    """Read MySQL/ClickHouse `RENAME TABLE a TO b, c TO d` (sqlglot keeps it as a Command)."""
    match = _RENAME_TABLES.match(f"{parsed.this} {parsed.expression or ''}")
    if match is None:
        return []
    return [(a, b) for a, b in _RENAME_PAIR.findall(match.group(1))]


# (table, column) -> the column's type as this script added it, in sqlglot's spelling.
Typed = dict[tuple[str | None, str], str]


def _ops(
    parsed: sqlglot.exp.Expr, line: int, first: str, typed: Typed, *, shifted: bool = False
) -> Iterator[Op]:
    """The ops of one statement starting at `line`; `shifted`: each action of an ALTER TABLE
    spanning lines is placed on its own line (`DROP COLUMN plan`, not the `ALTER TABLE` line)."""
    if isinstance(parsed, sqlglot.exp.Command):
        for old, new in _rename(parsed):
            yield Op(RENAME, name(old), line, first, target=name(new))
        return
    if isinstance(parsed, sqlglot.exp.Create):
        yield from _create(parsed, line, first)
    elif isinstance(parsed, sqlglot.exp.Drop) and str(parsed.args.get("kind")).upper() == "TABLE":
        for table in parsed.expressions or parsed.args.get("tables") or []:
            yield Op(DROP_TABLE, name(table.name), line, first)
    elif isinstance(parsed, sqlglot.exp.Alter) and str(parsed.args.get("kind")).upper() == "TABLE":
        table = name(parsed.this.name) if parsed.this else None
        for action in parsed.args.get("actions") or []:
            here = line + _row(action) - 1 if shifted else line
            yield from _action(action, table, here, first, typed)
    elif isinstance(parsed, sqlglot.exp.Update):
        for column in _backfilled(parsed):
            yield Op(BACKFILL, name(parsed.this.name), line, first, column=column)


def _backfilled(update: sqlglot.exp.Update) -> Iterator[str]:
    """The columns an UPDATE gives a value on every row that has none.

    That holds when it reaches every row of one table (no join, FROM, LIMIT) or at least every
    row where the column is NULL (`WHERE c IS NULL`, or such a test ORed with others), and sets
    a value that is never NULL (`'free'`, `now()`, a `COALESCE` ending in a constant), not one
    read from another column or a bound parameter, which may be NULL.
    """
    target = update.this
    if not isinstance(target, sqlglot.exp.Table) or target.args.get("joins"):
        return
    if any(value for key, value in update.args.items() if key not in _WHOLE_UPDATE):
        return
    names = {target.name.lower(), target.alias_or_name.lower()}
    where = update.args.get("where")
    for assignment in update.expressions:
        column = assignment.this if isinstance(assignment, sqlglot.exp.EQ) else None
        if not isinstance(column, sqlglot.exp.Column) or not _ours(column, names):
            continue
        reached = where is None or _finds_nulls(where.this, column.name.lower(), names)
        if reached and _never_null(assignment.expression):
            yield column.name.lower()


def _ours(column: sqlglot.exp.Column, names: set[str]) -> bool:
    """Whether a column names the updated table's own column (unqualified or by its name)."""
    return not column.table or column.table.lower() in names


def _finds_nulls(condition: sqlglot.exp.Expr, column: str, names: set[str]) -> bool:
    """Whether a WHERE holds on every row whose `column` is NULL."""
    if isinstance(condition, sqlglot.exp.Paren):
        return _finds_nulls(condition.this, column, names)
    if isinstance(condition, sqlglot.exp.Or):
        return any(_finds_nulls(side, column, names) for side in condition.iter_expressions())
    is_null = isinstance(condition, sqlglot.exp.Is) and not condition.args.get("negate")
    tested = condition.this if is_null else None
    return (
        isinstance(tested, sqlglot.exp.Column)
        and isinstance(condition.expression, sqlglot.exp.Null)
        and tested.name.lower() == column
        and _ours(tested, names)
    )


def _never_null(value: sqlglot.exp.Expr) -> bool:
    """Whether an expression's value is never NULL whatever row it is computed on."""
    exp = sqlglot.exp
    if isinstance(value, exp.Literal | exp.Boolean | exp.DataType | exp.Var):
        return True
    if isinstance(value, exp.Coalesce):
        return any(_never_null(v) for v in value.iter_expressions())
    if isinstance(value, exp.Case):
        arms = [arm.args.get("true") for arm in value.args.get("ifs") or []]
        arms.append(value.args.get("default"))  # no ELSE: NULL where no arm matches
        return all(v is not None and _never_null(v) for v in arms)
    if isinstance(value, exp.If):
        arms = [value.args.get("true"), value.args.get("false")]
        return all(v is not None and _never_null(v) for v in arms)
    if isinstance(value, exp.Nullif | exp.TryCast):
        return False
    if isinstance(value, exp.Func | exp.Binary | exp.Unary):
        # A function of constants (`now()`, `gen_random_uuid()`, `md5(random()::text)`).
        return all(_never_null(v) for v in value.iter_expressions())
    return False  # a column, NULL, DEFAULT, a parameter, a subquery: possibly NULL


def _row(node: sqlglot.exp.Expr) -> int:
    """The 1-based row, within its statement, of a node's first name (sqlglot keeps each
    identifier's position in its `meta`); 1 when it has none."""
    rows = [i.meta["line"] for i in node.find_all(sqlglot.exp.Identifier) if "line" in i.meta]
    return min(rows, default=1)


def _create(parsed: sqlglot.exp.Create, line: int, first: str) -> Iterator[Op]:
    kind = str(parsed.args.get("kind")).upper()
    target = parsed.this
    if kind == "INDEX" and isinstance(target, sqlglot.exp.Index):
        table = target.args.get("table")
        if not parsed.args.get("concurrently"):
            yield Op(INDEX, name(table.name) if table else None, line, first)
    elif kind == "TABLE":
        table = target.this if isinstance(target, sqlglot.exp.Schema) else target
        yield Op(CREATE_TABLE, name(table.name) if table else None, line, first)
    elif "VIEW" in kind and target is not None:
        yield Op(CREATE_VIEW, name(target.name), line, first)


def _action(
    action: sqlglot.exp.Expr, table: str | None, line: int, first: str, typed: Typed
) -> Iterator[Op]:
    if isinstance(action, sqlglot.exp.ColumnDef):
        if action.args.get("kind") is not None:
            typed[(table, action.name.lower())] = action.args["kind"].sql()
        kinds = [c.args.get("kind") for c in action.constraints]
        required = any(
            isinstance(k, sqlglot.exp.NotNullColumnConstraint) and not k.args.get("allow_null")
            for k in kinds
        )
        filled = any(isinstance(k, _filled()) for k in kinds)
        if required and not filled:
            yield Op(NOT_NULL, table, line, first, added=True)
    elif isinstance(action, sqlglot.exp.Drop):
        if str(action.args.get("kind")).upper() == "COLUMN":
            yield Op(DROP_COLUMN, table, line, first)
    elif isinstance(action, sqlglot.exp.RenameColumn):
        yield Op(RENAME, table, line, first)
    elif isinstance(action, sqlglot.exp.AlterRename):
        yield Op(RENAME, table, line, first, target=name(action.this.name))
    elif isinstance(action, sqlglot.exp.AlterColumn):
        if action.args.get("dtype") is not None:
            yield Op(TYPE_CHANGE, table, line, first)
        if action.args.get("allow_null") is False and not action.args.get("drop"):
            yield Op(NOT_NULL, table, line, first, column=name(action.this.name))
    elif isinstance(action, sqlglot.exp.ModifyColumn):
        renamed = action.args.get("rename_from")
        if renamed is not None and renamed.name.lower() != action.this.name.lower():
            yield Op(RENAME, table, line, first)
        column = action.this
        kind = column.args.get("kind") if isinstance(column, sqlglot.exp.ColumnDef) else None
        if kind is None or typed.get((table, column.name.lower())) != kind.sql():
            yield Op(TYPE_CHANGE, table, line, first)
        elif any(
            isinstance(c.args.get("kind"), sqlglot.exp.NotNullColumnConstraint)
            and not c.args["kind"].args.get("allow_null")
            for c in column.constraints
        ):
            # The same type restated, as MySQL's MODIFY must: only NOT NULL changes.
            yield Op(NOT_NULL, table, line, first, column=name(column.name))
    elif isinstance(action, sqlglot.exp.Command):
        yield from _fallback_action(f"{action.this} {action.expression or ''}", table, line, first)


def _fallback(line: int, statement: str, first: str) -> Iterator[Op]:
    """Patterns for a statement sqlglot cannot parse: only the plain, unambiguous forms."""
    head = statement.strip()
    if re.match(r"^DROP\s+TABLE\b", head, re.I):
        tables = re.sub(r"^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?", "", head, flags=re.I)
        for table in tables.split(","):
            yield Op(DROP_TABLE, name(table.split()[0]) if table.split() else None, line, first)
    if match := _RENAME_TABLES.match(head):
        for old, new in _RENAME_PAIR.findall(match.group(1)):
            yield Op(RENAME, name(old), line, first, target=name(new))
    index = re.match(
        rf"^CREATE\s+(?:UNIQUE\s+)?INDEX\b(.*?)\bON\s+(?:ONLY\s+)?{_IDENT}", head, re.I | re.S
    )
    if index and "CONCURRENTLY" not in index.group(1).upper():
        yield Op(INDEX, name(index.group(2)), line, first)
    if match := re.match(
        rf"^CREATE\s+(?:OR\s+REPLACE\s+)?(?:MATERIALIZED\s+)?VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?{_IDENT}",
        head,
        re.I,
    ):
        yield Op(CREATE_VIEW, name(match.group(1)), line, first)
    elif match := re.match(
        rf"^CREATE\s+(?:TEMP\w*\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_IDENT}", head, re.I
    ):
        yield Op(CREATE_TABLE, name(match.group(1)), line, first)
    if alter := _ALTER_TABLE.match(head):
        for action in _split(alter.group(2)):
            yield from _fallback_action(action, name(alter.group(1)), line, first)


def _fallback_action(action: str, table: str | None, line: int, first: str) -> Iterator[Op]:
    action = action.strip()
    for rule, pattern in _ACTIONS:
        if found := pattern.search(action):
            column = name(found.group(1)) if rule == NOT_NULL else None
            yield Op(rule, table, line, first, column=column)
    if re.match(r"^(?:MODIFY|CHANGE)\b", action, re.I):
        yield Op(TYPE_CHANGE, table, line, first)
    added = re.match(rf"^ADD\s+(?:COLUMN\s+)?(?!{_KEEP})", action, re.I)
    required = re.search(r"\bNOT\s+NULL\b", action, re.I)
    if added and required and not re.search(r"\bDEFAULT\b", action, re.I):
        yield Op(NOT_NULL, table, line, first, added=True)


def _split(actions: str) -> list[str]:
    """Split an ALTER TABLE's comma-separated actions, ignoring commas inside brackets."""
    found, depth, current = [], 0, ""
    for char in actions:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            found.append(current.strip())
            current = ""
        else:
            current += char
    return [*found, current.strip()]
