"""What a migration does to the database, in a form every migration language shares.

Each parser (SQL via sqlglot, Django and Alembic via `ast`, Rails via tree-sitter, JS/TS by
lines) turns a new migration into a list of `Op`s in the order they run. The safety rules
(`sql.check_dangerous`) then judge each hazard in the context of every migration of the change:
a table created earlier is empty, a view dropped and created again is redefined, a table renamed
away and replaced is swapped, a column filled on every row can be made NOT NULL without failing.
"""

from __future__ import annotations

from dataclasses import dataclass

DROP_TABLE = "migrations/drop-table"
DROP_COLUMN = "migrations/drop-column"
RENAME = "migrations/rename"
NOT_NULL = "migrations/not-null-on-existing-table"
INDEX = "migrations/index-not-concurrent"
TYPE_CHANGE = "migrations/column-type-change"

# Context operations: not hazards themselves, they tell which tables are new or redefined.
CREATE_TABLE = "create-table"
CREATE_VIEW = "create-view"
# A column given a value on every row that lacks one (`UPDATE t SET c = 'x'`, Rails `update_all`).
BACKFILL = "backfill"

HAZARDS = (DROP_TABLE, DROP_COLUMN, RENAME, NOT_NULL, INDEX, TYPE_CHANGE)


@dataclass(frozen=True)
class Op:
    """One operation of a migration at one line.

    `table` is the lower-cased table (or Django model) name without its schema; `target` is the
    new name of a renamed table; `added` marks a NOT NULL that comes with a new column (as
    opposed to an existing column made NOT NULL), which some databases fill without failing;
    `column` is the lower-cased column a NOT NULL or a backfill is about, where it is read.
    """

    rule: str
    table: str | None
    line: int
    text: str
    target: str | None = None
    added: bool = False
    column: str | None = None


def name(raw: str | None) -> str | None:
    """Normalise a table name: unquoted, without schema or database, lower-cased."""
    if not raw:
        return None
    last = raw.strip().split(".")[-1]
    return last.strip("\"'`[] ").lower() or None
