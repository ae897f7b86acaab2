"""Migrations written in code we read by lines: Knex, Sequelize, TypeORM, Laravel, Ecto.

Each call is read whole (up to its closing bracket); the SQL strings a call runs
(`queryRunner.query(\\`ALTER TABLE ...\\`)`, `knex.raw("...")`) go through the SQL parser. The
rollback half (`down`, `downgrade`) runs only on rollback and is skipped.
"""

from __future__ import annotations

import re

from bot.rules.migrations import sqlscript
from bot.rules.migrations.ops import (
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
from bot.rules.migrations.orm import statement_end

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
            r"\b(?:RemoveField|remove_columns?|remove_reference|remove_belongs_to|drop_column"
            r"|dropColumns?|removeColumn)\s*[(\s]"
        ),
    ),
    (
        RENAME,
        re.compile(
            r"\b(?:RenameField|RenameModel|rename_column|rename_table|renameColumn|renameTable)"
            r"\s*[(\s]|Schema::rename\(|\bnew_column_name\s*="
        ),
    ),
    (TYPE_CHANGE, re.compile(r"\bchange_column\s|\bchangeColumn\s*\(")),
    (NOT_NULL, re.compile(r"\bchange_column_null\b.*,\s*false\b")),
)
_SQL = re.compile(r"\b(?:ALTER|DROP|RENAME)\s+TABLE\b|\bCREATE\s+(?:UNIQUE\s+)?INDEX\b", re.I)
_STRING = re.compile(r"`((?:\\.|[^`\\])*)`|\"((?:\\.|[^\"\\])*)\"|'((?:\\.|[^'\\])*)'", re.S)
_DOWN = re.compile(
    r"^\s*(?:def\s+(?:downgrade|down)\b|(?:public\s+)?(?:async\s+)?down\s*[(:]|exports\.down\b"
    r"|(?:public\s+)?function\s+down\b|async\s+down\b)"
)
_CLOSER = re.compile(r"^\s*(?:[})\]];?,?\s*)+$|^\s*end\b")
_ADD = re.compile(r"\b(?:add_column|addColumn)\b")
_REQUIRED = re.compile(r"\bnull:\s*false\b|\ballowNull:\s*false\b")
_DEFAULT = re.compile(r"\bdefault:|\bdefaultValue:")
_INDEX = re.compile(r"\b(?:add_index|addIndex)\b")
_CONCURRENT = re.compile(r"algorithm:\s*:concurrently|concurrently:\s*true|Concurrently", re.I)
_CREATED = re.compile(
    r"\b(?:create_table|createTable|CreateModel)\b[\s(]*(?:name\s*=\s*)?[:\"'`]?(\w+)"
)
_TABLE = re.compile(
    r"(?:model_name\s*=\s*|\b(?:add_column|add_index|addColumn|addIndex|removeColumn|changeColumn|renameColumn)[\s(]+:?)[\"'`]?(\w+)"
)


def ops(lines: list[str], dialect: str | None) -> list[Op]:
    """Find what a migration written in code does, call by call."""
    found: list[Op] = []
    down = _down_lines(lines)
    for index, raw in enumerate(lines):
        code = raw.split("#", 1)[0] if not raw.lstrip().startswith("//") else ""
        if not code.strip() or index in down:
            continue
        call = " ".join(lines[index : statement_end(lines, index) + 1])
        number = index + 1
        table_match = _TABLE.search(call)
        table = name(table_match.group(1)) if table_match else None
        text = raw.strip()
        if created := _CREATED.search(code):
            found.append(Op(CREATE_TABLE, name(created.group(1)), number, text))
        found += [Op(rule, table, number, text) for rule, pattern in _OPS if pattern.search(code)]
        if _ADD.search(code) and _REQUIRED.search(call) and not _DEFAULT.search(call):
            found.append(Op(NOT_NULL, table, number, text, added=True))
        if _INDEX.search(code) and not _CONCURRENT.search(call):
            found.append(Op(INDEX, table, number, text))
        if _SQL.search(code):
            for match in _STRING.finditer(call):
                sql = next(group for group in match.groups() if group is not None)
                if _SQL.search(sql):
                    read = dialect or sqlscript.guess_dialect(sql)
                    found += sqlscript.ops(sqlscript.embedded(sql, read), at=number)
    return found


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
