"""Dangerous operations in new migrations, judged in the context of the whole change.

Every new migration is read from the snapshot's one parse of it (`sqlscript`, `python_ops`,
`rails_ops`; `code_ops` reads lines) into the operations it runs. A hazard is then weighed
against the change and the database:

- a table or view created earlier in the change (in the same migrations folder: one database)
  is new and empty: dropping, altering, renaming or indexing it blocks nothing the running
  code uses;
- a table renamed away and replaced under the same name in the same migration is swapped, and
  its old copy is no longer used, so dropping it is safe;
- a table dropped and created again as a view or materialized view is redefined;
- advice holds for the dialect: CONCURRENTLY only on Postgres, a MySQL `ADD COLUMN ... NOT NULL`
  fills existing rows with the type's default, ClickHouse alters columns as background mutations;
- a column the same migration first fills on every row lacking a value (an `UPDATE` of the whole
  table or of its NULL rows, Rails `update_all`, `change_column_null`'s default) can be made NOT
  NULL without failing: what remains is the lock while the database checks every row, a notice.

The check never connects to a database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.diff.model import ChangedFile, FileStatus
from bot.rules import paths
from bot.rules.migrations import code_ops, context, python_ops, rails_ops, sqlscript
from bot.rules.migrations.declare import dangerous, deploy_dependent
from bot.rules.migrations.files import is_migration_file
from bot.rules.migrations.ops import (
    BACKFILL,
    CREATE_TABLE,
    CREATE_VIEW,
    DROP_COLUMN,
    DROP_TABLE,
    HAZARDS,
    INDEX,
    NOT_NULL,
    RENAME,
    TYPE_CHANGE,
    Op,
)
from bot.rules.migrations.orm import PACK_ID
from bot.rules.migrations.sqlscript import CLICKHOUSE, MYSQL, POSTGRES, SQLITE
from bot.rules.migrations.stacks import (
    SQL_STACK,
)
from bot.rules.model import Example, Finding, Severity, fingerprint
from bot.snapshot.model import Snapshot, Source

__all__ = [
    "DROP_COLUMN",
    "DROP_TABLE",
    "INDEX",
    "NOT_NULL",
    "RENAME",
    "RISKS",
    "TYPE_CHANGE",
    "check_dangerous",
]

RISKS = {
    DROP_TABLE: (
        "drops a table that the previous release may still read or write: safe when the old "
        "version stops before migrations run, but with rolling deploys stop using it in one "
        "release, then drop it in a later one; `deploys: rolling` in `.github/readiness.yml` "
        "makes this a warning."
    ),
    DROP_COLUMN: (
        "drops a column that the previous release may still select or insert: safe when the old "
        "version stops before migrations run, but with rolling deploys ship the code that stops "
        "using the column first (Rails `ignored_columns`, Django `SeparateDatabaseAndState`) and "
        "drop it in a later release; `deploys: rolling` in `.github/readiness.yml` makes this a "
        "warning."
    ),
    RENAME: (
        "renames a table or column that the previous release still uses by its old name: safe "
        "when the old version stops before migrations run, but with rolling deploys add the new "
        "one, write to both, backfill and switch reads first, then drop the old one in a later "
        "release; `deploys: rolling` in `.github/readiness.yml` makes this a warning."
    ),
    NOT_NULL: (
        "makes a column of an existing table NOT NULL without a default: it fails on existing "
        "rows, or scans the table under an exclusive lock. Add it nullable or with a default, "
        "backfill, then add a `CHECK (...) NOT VALID` constraint and validate it."
    ),
    INDEX: (
        "builds an index without CONCURRENTLY, which blocks writes to the table on Postgres "
        "until it is done: harmless when the old version stops before migrations run, but with "
        "rolling deploys it serves meanwhile and its writes wait. Use `CREATE INDEX "
        "CONCURRENTLY` outside a transaction (Django `AddIndexConcurrently`, Rails "
        "`algorithm: :concurrently`, Alembic `postgresql_concurrently=True`); "
        "`deploys: rolling` in `.github/readiness.yml` makes this a warning."
    ),
    TYPE_CHANGE: (
        "changes a column's type, which rewrites or rescans the table under an exclusive lock. "
        "Add a new column of the new type, backfill it in batches, then switch over."
    ),
}
_FILLED_NOT_NULL = (
    "makes a column NOT NULL after filling it on every row earlier in the same migration, so no "
    "existing row fails; what remains is the check of every row (on Postgres a full scan under a "
    "lock that blocks reads and writes) and, with rolling deploys, inserts by the old code that "
    "leave the column out fail unless it has a default. On a large Postgres table, add a "
    "`CHECK (... IS NOT NULL) NOT VALID` constraint and validate it before setting NOT NULL "
    "(Postgres 12+ then skips the scan)."
)
_ADDED_NOT_NULL = (
    "adds a NOT NULL column without a database default to an existing table: it fails on "
    "existing rows, or (where a one-off default fills them and is then dropped, as Django's "
    "`preserve_default=False` does) every insert by the code still running during the deploy "
    "fails. Add it nullable or with a database default, backfill, then make it NOT NULL."
)
Position = tuple[int, int]
_FOLDERS = frozenset({"migrations", "migrate", "versions", "migration"})


@dataclass(frozen=True, eq=False)
class Script:
    """One new migration: its file, the database it runs on, and what it does."""

    changed: ChangedFile
    dialect: str | None
    ops: list[Op]


def check_dangerous(snap: Snapshot) -> list[Finding]:
    """Flag new migrations that lock, rewrite or break tables the running code still uses."""
    scripts = []
    for changed in sorted(snap.change.files, key=lambda f: f.path):
        if changed.binary or changed.status is not FileStatus.ADDED:
            continue
        if not is_migration_file(snap, changed):
            continue
        source = snap.head_or_diff(changed)
        dialect = context.dialect(snap, changed.path, source.text or "")
        scripts.append(Script(changed, dialect, _ops(snap, source, dialect)))
    # One finding per migration and hazard: a migration that drops five columns is one comment.
    grouped: dict[tuple[str, str, str], tuple[ChangedFile, list[Op]]] = {}
    for script, op in dict.fromkeys(_judge(scripts)):
        key = (script.changed.path, op.rule, _risk(op, script))
        grouped.setdefault(key, (script.changed, []))[1].append(op)
    return [_finding(changed, ops, risk) for (_, _, risk), (changed, ops) in grouped.items()]


def _ops(snap: Snapshot, source: Source, dialect: str | None) -> list[Op]:
    """Read one new migration from its shared parse in its language."""
    path, text = source.path, source.text or ""
    suffix = paths.suffix(path)
    if suffix == ".sql":
        return sqlscript.ops(sqlscript.script(source, dialect))
    if suffix == ".py":
        tree = source.python
        if tree is not None and python_ops.is_django(tree):
            return python_ops.django_ops(tree, text, context.base_fields(snap, path))
        if tree is not None:
            return python_ops.alembic_ops(tree, text, dialect)
    if suffix == ".rb":
        ruby = source.tree
        if ruby is not None:
            first = rails_ops.rails_ops(ruby, dialect, {})
            drops = sorted({op.table for op in first if op.rule == DROP_COLUMN and op.table})
            ignored = context.ignored(snap, path, drops)
            return rails_ops.rails_ops(ruby, dialect, ignored) if ignored else first
    return code_ops.ops(text.splitlines(), dialect)


def _judge(scripts: list[Script]) -> Iterator[tuple[Script, Op]]:
    """Yield each hazard that its context does not make safe."""
    born: dict[tuple[str, str], Position] = {}
    for index, script in enumerate(scripts):
        for op in script.ops:
            if op.rule in {CREATE_TABLE, CREATE_VIEW} and op.table:
                born.setdefault((_scope(script.changed.path), op.table), (index, op.line))
    for index, script in enumerate(scripts):
        for op in script.ops:
            if op.rule not in HAZARDS or not _applies(op, script.dialect):
                continue
            created = born.get((_scope(script.changed.path), op.table or ""))
            fresh = created is not None and created < (index, op.line)
            if not fresh and not _replaced(op, script):
                yield script, op


def _scope(path: str) -> str:
    """The migrations folder a migration belongs to: one database, one history.

    `db/postgresql/migrations/07_x/migration.sql` and `db/mysql/migrations/07_x/migration.sql`
    create tables of the same name in two databases; neither makes the other's table new.
    """
    parts = paths.parts(path)[:-1]
    for index in range(len(parts) - 1, -1, -1):
        if parts[index].lower() in _FOLDERS:
            return "/".join(parts[: index + 1])
    return "/".join(parts)


def _replaced(op: Op, script: Script) -> bool:
    """A table dropped then created again as a view, or renamed away then replaced: no loss."""
    later = [o for o in script.ops if o.line > op.line]
    if op.rule == DROP_TABLE:
        # The old copy of a swapped table (`x` renamed to `x_old`, `x_new` to `x`) is unused.
        earlier = [o for o in script.ops if o.line < op.line]
        swapped = any(o.target == op.table and _replaced(o, script) for o in earlier)
        return swapped or any(o.rule == CREATE_VIEW and o.table == op.table for o in later)
    if op.rule == RENAME and op.target is not None:
        return any(
            (o.rule in {CREATE_TABLE, CREATE_VIEW} and o.table == op.table) or o.target == op.table
            for o in later
        )
    return False


def _risk(op: Op, script: Script) -> str:
    """What a hazard risks: a NOT NULL's depends on whether the migration filled its rows."""
    if op.rule != NOT_NULL:
        return RISKS[op.rule]
    if op.added:
        return _ADDED_NOT_NULL
    return _FILLED_NOT_NULL if _filled(op, script) else RISKS[NOT_NULL]


def _filled(op: Op, script: Script) -> bool:
    """Whether the migration gives the column a value on every row lacking one before `op`."""
    if op.table is None or op.column is None:
        return False
    earlier = script.ops[: script.ops.index(op)]
    return any(o.rule == BACKFILL and (o.table, o.column) == (op.table, op.column) for o in earlier)


def _applies(op: Op, dialect: str | None) -> bool:
    """Whether the hazard exists on this database at all."""
    if op.rule == INDEX:
        return dialect in {POSTGRES, None}
    if op.rule == TYPE_CHANGE:
        return dialect not in {CLICKHOUSE, SQLITE}
    if op.rule == NOT_NULL:
        return dialect != CLICKHOUSE and not (dialect == MYSQL and op.added)
    return True


def _finding(changed: ChangedFile, ops: list[Op], risk: str) -> Finding:
    op = ops[0]
    others = sorted({o.line for o in ops[1:]} - {op.line})
    also = f" The same holds on line(s) {', '.join(map(str, others))}." if others else ""
    # Only a lock is left of a NOT NULL on filled rows: worth knowing, not a warning.
    severity = Severity.NOTICE if risk == _FILLED_NOT_NULL else Severity.WARNING
    return Finding(
        rule=op.rule,
        pack=PACK_ID,
        path=changed.path,
        line=op.line,
        severity=severity,
        message=f"This migration {risk}{also}",
        fingerprint=fingerprint(op.rule, changed.path, op.text),
    )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    dangerous(
        DROP_TABLE,
        "New migration drops a table the running code may still use.",
        why="During a rolling deploy the old code still serves while the migration runs: it "
        "queries the dropped table and fails until every instance is replaced. An upgrade that "
        "stops the old version before migrating is not hurt (dropping the data is what the "
        "change means to do).",
        flagged=Example(
            title="A table is dropped",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
DROP TABLE accounts;
""",
                ),
            ),
        ),
        quiet=Example(
            title="A materialized view dropped and created again is a redefinition, and a projection or a constraint dropped is no column: no drop-table, no drop-column (ClickHouse)",  # noqa: E501
            base=(),
            head=(
                (
                    "db/clickhouse/migrations/04_add_tag.sql",
                    """\
ALTER TABLE analytics.events ADD COLUMN tag String AFTER name;
ALTER TABLE analytics.events DROP PROJECTION events_by_url;
ALTER TABLE analytics.events DROP CONSTRAINT events_name_check;
DROP TABLE analytics.events_hourly_mv;
CREATE MATERIALIZED VIEW analytics.events_hourly_mv TO analytics.events_hourly
AS SELECT site_id, tag, count() AS views FROM analytics.events GROUP BY site_id, tag;
""",
                ),
            ),
        ),
        rolling=True,
    ),
    deploy_dependent(
        DROP_COLUMN,
        "New migration drops a column the previous release may still use.",
        why="During a rolling deploy the old code still serves while the migration runs, and still "
        "selects or inserts the column (Rails caches a table's columns, so even code that no "
        "longer names it does): its queries fail until every instance is replaced. An upgrade "
        "that stops the old version before migrating is not hurt.",
        flagged=Example(
            title="A column is dropped",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts DROP COLUMN plan;
""",
                ),
            ),
        ),
        quiet=Example(
            title="A dangerous statement in a comment is not run",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
-- Next release: ALTER TABLE accounts DROP COLUMN plan;
ALTER TABLE accounts ADD COLUMN tier text;
""",
                ),
            ),
        ),
    ),
    deploy_dependent(
        RENAME,
        "New migration renames a table or column the previous release may use.",
        why="During a rolling deploy the old code still serves while the migration runs, and still "
        "uses the old name: every query on it fails until every instance is replaced. An "
        "upgrade that stops the old version before migrating is not hurt.",
        flagged=Example(
            title="A table is renamed",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts RENAME TO customers;
""",
                ),
            ),
        ),
        quiet=Example(
            title="Renaming an index breaks no query",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER INDEX accounts_email_idx RENAME TO accounts_email_index;
""",
                ),
            ),
        ),
    ),
    dangerous(
        NOT_NULL,
        "New migration makes a column of an existing table NOT NULL without default.",
        why="Existing rows have no value for the column: the migration fails, or rewrites and "
        "locks the whole table while it fills them. Where the same migration first gives the "
        "column a value on every row lacking one (an `UPDATE` of the whole table or of its NULL "
        "rows, Rails `update_all` or a loop writing every record, `change_column_null`'s "
        "default), nothing fails: a notice names the lock that is left.",
        flagged=Example(
            title="An existing column becomes NOT NULL",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;
""",
                ),
            ),
        ),
        quiet=Example(
            title="A nullable column is safe",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts ADD COLUMN region text;
""",
                ),
            ),
        ),
    ),
    dangerous(
        INDEX,
        "New migration builds a Postgres index without CONCURRENTLY, blocking writes.",
        why="A plain CREATE INDEX locks the table against writes for as long as the build takes: "
        "minutes on a large table, during which the inserts and updates of the version still "
        "serving wait. CONCURRENTLY exists only for them: when the old version stops before "
        "migrations run, nothing is blocked, and a concurrent build merely takes longer.",
        flagged=Example(
            title="A blocking index build",
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
CREATE INDEX accounts_email_idx ON accounts (email);
""",
                ),
            ),
        ),
        quiet=Example(
            title="MySQL builds secondary indexes online; CONCURRENTLY does not exist there",
            base=(
                (
                    "migrations/001_create_users.sql",
                    """\
CREATE TABLE `users` (`id` int NOT NULL AUTO_INCREMENT, `email` varchar(255), PRIMARY KEY (`id`)) ENGINE=InnoDB;
""",  # noqa: E501
                ),
            ),
            head=(
                (
                    "migrations/002_index_email.sql",
                    """\
CREATE INDEX `users_email_idx` ON `users` (`email`);
""",
                ),
            ),
        ),
        rolling=True,
    ),
    dangerous(
        TYPE_CHANGE,
        "New migration changes a column's type, rewriting the table under lock.",
        why="Changing a column's type rewrites the whole table under an exclusive lock: reads "
        "and writes wait until it is done, and old code may not read the new type.",
        flagged=Example(
            title="A MySQL column type change with MODIFY COLUMN",
            base=(
                (
                    "migrations/001_create_users.sql",
                    """\
CREATE TABLE `users` (`id` int NOT NULL AUTO_INCREMENT, `email` varchar(255), PRIMARY KEY (`id`)) ENGINE=InnoDB;
""",  # noqa: E501
                ),
            ),
            head=(
                (
                    "migrations/002_widen_email.sql",
                    """\
ALTER TABLE `users` MODIFY COLUMN `email` varchar(320) NOT NULL;
""",
                ),
            ),
        ),
        quiet=Example(
            title="A table created by an earlier migration of the same change is new and empty: dropping one of its columns, changing its type or indexing it blocks nothing",  # noqa: E501
            base=(*SQL_STACK,),
            head=(
                (
                    "db/migrations/V2__create_boards.sql",
                    """\
CREATE TABLE boards (id bigserial PRIMARY KEY, slug varchar(100), owner_id bigint);
""",
                ),
                (
                    "db/migrations/V3__drop_board_slug.sql",
                    """\
ALTER TABLE boards DROP COLUMN slug;
ALTER TABLE boards ALTER COLUMN owner_id TYPE text;
CREATE INDEX boards_owner_idx ON boards (owner_id);
""",
                ),
            ),
        ),
    ),
)
CHECKS = {
    check_dangerous: (
        DROP_TABLE,
        DROP_COLUMN,
        RENAME,
        NOT_NULL,
        INDEX,
        TYPE_CHANGE,
    )
}
