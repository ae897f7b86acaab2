"""Dangerous operations in new migrations: raw SQL (Postgres, MySQL) and ORM migration calls.

Each hazard locks or rewrites a table, or breaks the code still running during the deploy. The
check reads the new migration files only; it never connects to a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from bot.diff.model import ChangedFile, FileStatus
from bot.rules import paths
from bot.rules.migrations.files import is_migration_file
from bot.rules.migrations.orm import PACK_ID, statement_end
from bot.rules.model import Finding, RuleContext, Severity, fingerprint

DROP_TABLE = "migrations/drop-table"
DROP_COLUMN = "migrations/drop-column"
RENAME = "migrations/rename"
NOT_NULL = "migrations/not-null-on-existing-table"
INDEX = "migrations/index-not-concurrent"
TYPE_CHANGE = "migrations/column-type-change"

RISKS = {
    DROP_TABLE: (
        "drops a table that the code still running during the deploy may read or write. Stop "
        "using it in one release, then drop it in a later one."
    ),
    DROP_COLUMN: (
        "drops a column that the code still running during the deploy may select or insert. "
        "Stop using it first (Rails `ignored_columns`, Django `SeparateDatabaseAndState`), "
        "then drop it in a later release."
    ),
    RENAME: (
        "renames a table or column, so the code still running during the deploy fails on the "
        "old name. Add the new one, write to both, backfill, switch reads, then drop the old one."
    ),
    NOT_NULL: (
        "makes a column of an existing table NOT NULL without a default: it fails on existing "
        "rows, or scans the table under an exclusive lock. Add it nullable or with a default, "
        "backfill, then add a `CHECK (...) NOT VALID` constraint and validate it."
    ),
    INDEX: (
        "builds an index without CONCURRENTLY, which blocks writes to the table on Postgres "
        "until it is done. Use `CREATE INDEX CONCURRENTLY` outside a transaction (Django "
        "`AddIndexConcurrently`, Rails `algorithm: :concurrently`, Alembic "
        "`postgresql_concurrently=True`)."
    ),
    TYPE_CHANGE: (
        "changes a column's type, which rewrites the table under an exclusive lock. Add a new "
        "column of the new type, backfill it in batches, then switch over."
    ),
}

_IDENT = r"[\"`\[]?(?:\w+[\"`\]]?\.[\"`\[]?)?(\w+)[\"`\]]?"
_CREATE_TABLE = re.compile(rf"\bCREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{_IDENT}", re.I)
_ALTER_TABLE = re.compile(
    rf"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?{_IDENT}\s+(.*)", re.I | re.S
)
_CREATE_INDEX = re.compile(
    rf"\bCREATE\s+(?:UNIQUE\s+)?INDEX\b(?P<rest>.*?)\bON\s+(?:ONLY\s+)?{_IDENT}", re.I | re.S
)
_MYSQL = re.compile(r"`|\bENGINE\s*=|\bAUTO_INCREMENT\b|\bMODIFY\s+COLUMN\b", re.I)
_KEEP = r"(?:CONSTRAINT|INDEX|KEY|DEFAULT|NOT\b|FOREIGN|PRIMARY|CHECK|PARTITION|IDENTITY|UNIQUE)"
_ACTIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (DROP_COLUMN, re.compile(rf"^DROP\s+(?:COLUMN\s+)?(?!{_KEEP})", re.I)),
    (RENAME, re.compile(r"^RENAME\b", re.I)),
    (
        TYPE_CHANGE,
        re.compile(
            r"^(?:ALTER\s+(?:COLUMN\s+)?\S+\s+(?:SET\s+DATA\s+)?TYPE\b|MODIFY\b|CHANGE\b)", re.I
        ),
    ),
    (NOT_NULL, re.compile(r"^ALTER\s+(?:COLUMN\s+)?\S+\s+SET\s+NOT\s+NULL\b", re.I)),
)
_ADD_COLUMN = re.compile(rf"^ADD\s+(?:COLUMN\s+)?(?!{_KEEP})", re.I)
_OPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        DROP_TABLE,
        re.compile(
            r"\b(?:DeleteModel|drop_table|dropTable|dropTableIfExists)\s*[(\s]|Schema::drop(?:IfExists)?\("
        ),
    ),
    (
        DROP_COLUMN,
        re.compile(
            r"\b(?:RemoveField|remove_columns?|remove_reference|remove_belongs_to|drop_column|dropColumns?|removeColumn)\s*[(\s]"
        ),
    ),
    (
        RENAME,
        re.compile(
            r"\b(?:RenameField|RenameModel|rename_column|rename_table|renameColumn|renameTable)\s*[(\s]|Schema::rename\(|\bnew_column_name\s*="
        ),
    ),
    (TYPE_CHANGE, re.compile(r"\bchange_column\s|\bchangeColumn\s*\(|\btype_\s*=")),
    (
        NOT_NULL,
        re.compile(
            r"\bchange_column_null\b.*,\s*false\b|\bop\.alter_column\(.*\bnullable\s*=\s*False"
        ),
    ),
)
_SQL = re.compile(r"\b(?:ALTER|DROP|RENAME)\s+TABLE\b|\bCREATE\s+(?:UNIQUE\s+)?INDEX\b", re.I)
_DOWN = re.compile(
    r"^\s*(?:def\s+(?:downgrade|down)\b|(?:public\s+)?(?:async\s+)?down\s*[(:]|exports\.down\b"
    r"|(?:public\s+)?function\s+down\b|async\s+down\b)"
)
_CLOSER = re.compile(r"^\s*(?:[})\]];?,?\s*)+$|^\s*end\b")
_ORM_ADD = re.compile(r"\b(?:add_column|op\.add_column)\b")
_ORM_NOT_NULL = re.compile(r"\bnull:\s*false\b|\bnullable\s*=\s*False\b")
_ORM_DEFAULT = re.compile(r"\bdefault:|\bserver_default\s*=")
_ORM_INDEX = re.compile(r"\b(?:AddIndex|add_index|op\.create_index)\b")
_ORM_CONCURRENT = re.compile(
    r"algorithm:\s*:concurrently|postgresql_concurrently\s*=\s*True|Concurrently"
)
_ORM_CREATED = re.compile(
    r"\b(?:create_table|op\.create_table|CreateModel)\b[\s(]*(?:name\s*=\s*)?[:\"']?(\w+)"
)
_ORM_TABLE = re.compile(
    r"(?:model_name\s*=\s*|\b(?:add_column|add_index|op\.add_column)[\s(]+:?)[\"']?(\w+)|op\.create_index\(\s*[^,]+,\s*[\"'](\w+)"
)


@dataclass(frozen=True)
class Hit:
    """One hazard at one line of a migration, with the text that shows it."""

    rule: str
    line: int
    text: str


async def check_dangerous(ctx: RuleContext) -> list[Finding]:
    """Flag new migrations that lock, rewrite or break tables the running code still uses."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if changed.binary or changed.status is not FileStatus.ADDED:
            continue
        if not await is_migration_file(ctx, changed):
            continue
        text = await ctx.contents.read(changed.path, "head")
        lines = text.splitlines() if text is not None else paths.from_diff(changed.added)
        hits = sql_hits(lines) if paths.suffix(changed.path) == ".sql" else orm_hits(lines)
        findings.extend(_finding(changed, hit) for hit in dict.fromkeys(hits))
    return findings


def sql_hits(lines: list[str]) -> list[Hit]:
    """Find hazards in a SQL script, statement by statement."""
    statements = list(_statements(lines))
    created = {m.group(1).lower() for _, s in statements if (m := _CREATE_TABLE.search(s))}
    mysql = any(_MYSQL.search(s) for _, s in statements)
    return [hit for line, s in statements for hit in _sql_statement(line, s, created, mysql)]


def orm_hits(lines: list[str]) -> list[Hit]:
    """Find hazards in a migration written in code: ORM calls and the SQL strings it executes."""
    text = "\n".join(lines)
    created = {m.group(1).lower() for m in _ORM_CREATED.finditer(text)}
    created |= {m.group(1).lower() for m in _CREATE_TABLE.finditer(text)}
    hits = []
    down = _down_lines(lines)
    for index, raw in enumerate(lines):
        code = raw.split("#", 1)[0] if not raw.lstrip().startswith("//") else ""
        if not code.strip() or index in down:
            continue
        call = " ".join(lines[index : statement_end(lines, index) + 1])
        number = index + 1
        table = _ORM_TABLE.search(call)
        fresh = table is not None and (table.group(1) or table.group(2) or "").lower() in created
        hits += [Hit(rule, number, raw) for rule, pattern in _OPS if pattern.search(code)]
        if (
            _ORM_ADD.search(code)
            and _ORM_NOT_NULL.search(call)
            and not _ORM_DEFAULT.search(call)
            and not fresh
        ):
            hits.append(Hit(NOT_NULL, number, raw))
        if _ORM_INDEX.search(code) and not _ORM_CONCURRENT.search(call) and not fresh:
            hits.append(Hit(INDEX, number, raw))
        if _SQL.search(code):
            hits += _sql_statement(number, call, created, bool(_MYSQL.search(call)))
    return hits


def _down_lines(lines: list[str]) -> set[int]:
    """Return the indexes of the rollback half (`downgrade`, `down`): it runs only on rollback."""
    down: set[int] = set()
    for index, text in enumerate(lines):
        if not _DOWN.match(text):
            continue
        indent = _indent(text)
        for inner in range(index + 1, len(lines)):
            if lines[inner].strip() and _indent(lines[inner]) <= indent:
                if _CLOSER.match(lines[inner]):
                    down.add(inner)
                break
            down.add(inner)
    return down


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _sql_statement(line: int, statement: str, created: set[str], mysql: bool) -> Iterator[Hit]:
    first = statement.strip().splitlines()[0] if statement.strip() else ""
    if re.search(r"\bDROP\s+TABLE\b", statement, re.I):
        yield Hit(DROP_TABLE, line, first)
    if re.search(r"\bRENAME\s+TABLE\b", statement, re.I):
        yield Hit(RENAME, line, first)
    index = _CREATE_INDEX.search(statement)
    concurrent = index is not None and "CONCURRENTLY" in index.group("rest").upper()
    if index and not mysql and not concurrent and index.group(2).lower() not in created:
        yield Hit(INDEX, line, first)
    alter = _ALTER_TABLE.search(statement)
    if alter is None or alter.group(1).lower() in created:
        return
    for action in _split(alter.group(2)):
        for rule, pattern in _ACTIONS:
            if pattern.search(action):
                yield Hit(rule, line, first)
        required = re.search(r"\bNOT\s+NULL\b", action, re.I)
        if _ADD_COLUMN.search(action) and required and not re.search(r"\bDEFAULT\b", action, re.I):
            yield Hit(NOT_NULL, line, first)


def _statements(lines: list[str]) -> Iterator[tuple[int, str]]:
    """Split a SQL script at semicolons; yield each statement with the line it starts on."""
    start, parts = 0, []
    for number, raw in enumerate(lines, start=1):
        code = raw.split("--", 1)[0]
        for piece in code.split(";")[:-1] if ";" in code else []:
            parts.append(piece)
            yield from _emit(start or number, parts)
            start, parts = 0, []
        tail = code.split(";")[-1]
        if tail.strip():
            start = start or number
            parts.append(tail)
    yield from _emit(start, parts)


def _emit(start: int, parts: list[str]) -> Iterator[tuple[int, str]]:
    text = "\n".join(parts)
    if text.strip():
        yield start, text


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


def _finding(changed: ChangedFile, hit: Hit) -> Finding:
    return Finding(
        rule=hit.rule,
        pack=PACK_ID,
        path=changed.path,
        line=hit.line,
        severity=Severity.WARNING,
        message=f"This migration {RISKS[hit.rule]}",
        fingerprint=fingerprint(hit.rule, changed.path, hit.text),
    )
