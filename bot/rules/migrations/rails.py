"""Rails: the schema dump and the migrations must change together.

A dump change is explained by any migration the change adds or deletes in that app (a revert
deletes migrations and re-dumps the schema); editing an old migration explains nothing. A dump
that only changes its version stamp or the order of its lines (Rails re-dumping columns sorted)
says the same schema: no finding. A new migration that only moves data (no schema statement of
Rails' `SchemaStatements`, no DDL in raw SQL) would move nothing in the dump but its version
stamp: a notice, not a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from bot.diff.model import Change, ChangedFile, FileStatus, Line, Ref
from bot.rules.migrations.declare import RAILS_LANGUAGES, missing
from bot.rules.migrations.files import RAILS_MIGRATION
from bot.rules.migrations.orm import PACK_ID
from bot.rules.migrations.stacks import (
    RAILS_STACK,
)
from bot.rules.model import Example, Finding, Rule, Severity, fingerprint
from bot.snapshot.model import Snapshot

SCHEMA_WITHOUT_MIGRATION = "migrations/rails-missing-migration"
MIGRATION_WITHOUT_SCHEMA = "migrations/rails-schema-not-updated"
DUMPS = ("db/schema.rb", "db/structure.sql")

_MIGRATION = re.compile(rf"(?:^|/){RAILS_MIGRATION}$")
_NOISE = re.compile(
    r"^\s*(?:#|--|$)|ActiveRecord::Schema(?:\[[\d.]+\])?\.define|schema_migrations"
    r"|^\s*\(?'\d+'\)?[,;]?\s*$"
)
_TABLE = re.compile(r"^\s*(?:create_table|CREATE TABLE)\s+[\"'`]?([\w.\"]+)")
# Calls that change the schema: ActiveRecord's SchemaStatements (create_table, add_column,
# add_index, change_column_null, add_foreign_key, rename_table, enable_extension, …), gems'
# look-alikes (scenic's create_view, fx's create_function) and `t.…` columns of a table block.
# Over-matching (a model method named add_…) only keeps the warning.
_SCHEMA_CALL = re.compile(
    r"^(?:create|drop|add|remove|rename|change|enable|disable|update_view|replace_view|"
    r"validate_(?:check_)?constraint|validate_foreign_key)_\w*$|^(?:change_table|create_table)$"
)
_RAW_SQL_CALLS = frozenset({"execute", "exec_query", "exec_update", "exec_delete", "exec_insert"})
_DDL = re.compile(r"\b(?:CREATE|ALTER|DROP|RENAME|COMMENT\s+ON|TRUNCATE)\b", re.IGNORECASE)


def check_rails(snap: Snapshot) -> list[Finding]:
    """Flag a schema dump edited by hand, and a migration whose schema dump was not updated."""
    added = [f.path for f in snap.change.files if f.status is FileStatus.ADDED]
    migrations = [path for path in added if _MIGRATION.search(path)]
    touched = [
        f.path
        for f in snap.change.files
        if _MIGRATION.search(f.path) and f.status in {FileStatus.ADDED, FileStatus.REMOVED}
    ]
    findings = []
    dumped: set[str] = set()
    reviewed = {f.path for f in snap.change.files}
    # A dump marked generated (Rails' own .gitattributes marks db/schema.rb so) is not reviewed,
    # but it still shows the migration was run and dumped.
    for changed in snap.whole.files:
        root = _root(changed.path)
        if root is None or changed.binary:
            continue
        dumped.add(root)
        if changed.path not in reviewed:
            continue
        if any(path.startswith(f"{root}db/migrate/") for path in touched):
            continue
        lines = [
            (line, side)
            for side, kept in ((True, changed.added), (False, changed.removed))
            for line in kept
            if not _NOISE.search(line.text)
        ]
        if lines and not _redumped(snap, changed):
            line, on_head = _first_edit(changed, lines)
            findings.append(_dump_finding(changed, on_head, line.number))
    for path in migrations:
        root = path[: path.index("db/migrate/")]
        if root in dumped:
            continue
        for dump in DUMPS:
            if snap.read(root + dump, "base") is not None:
                findings.append(_migration_finding(path, root + dump, _moves_data_only(snap, path)))
                break
    return findings


def _moves_data_only(snap: Snapshot, path: str) -> bool:
    """Whether a new Ruby migration calls no schema statement: it only reads and writes rows.

    Read from the head side's tree: every method call's name, and the text of raw SQL it runs.
    A migration that does not parse, or is not Ruby, is taken to change the schema.
    """
    side = snap.source(path, "head")
    tree = side.tree if side.language == "ruby" else None
    if tree is None or tree.root_node.has_error:
        return False
    for call in side.nodes(frozenset({"call"})):
        method = call.child_by_field_name("method")
        name = "" if method is None or method.text is None else method.text.decode()
        if _SCHEMA_CALL.match(name):
            return False
        if name in _RAW_SQL_CALLS and call.text is not None and _DDL.search(call.text.decode()):
            return False
    return True


def _redumped(snap: Snapshot, changed: ChangedFile) -> bool:
    """Both sides hold the same lines per table, order and version stamp aside."""
    before = snap.read(changed.old_path or changed.path, "base")
    after = snap.read(changed.path, "head")
    if before is not None and after is not None:
        return _content(before.splitlines()) == _content(after.splitlines())
    return _content(line.text for line in changed.removed) == _content(
        line.text for line in changed.added
    )


def _first_edit(changed: ChangedFile, lines: list[tuple[Line, bool]]) -> tuple[Line, bool]:
    """The first changed line (and whether it is added) that says something the other side
    does not: a line a newer server prints differently is there in both, an edited one is not."""
    said = {
        side: {_said(line.text) for line in kept}
        for side, kept in ((True, changed.added), (False, changed.removed))
    }
    return next(
        ((line, added) for line, added in lines if _said(line.text) not in said[not added]),
        lines[0],
    )


def _said(line: str) -> str:
    """A dump line as `_content` compares it: layout, trailing comma and printing aside."""
    return _deparsed(" ".join(line.split()).rstrip(","))


def _content(lines: Iterable[str]) -> Counter[tuple[str, str]]:
    """Each meaningful line with the table it sits in, layout and trailing commas aside, and
    written as any Postgres server prints it (`_deparsed`)."""
    found: Counter[tuple[str, str]] = Counter()
    table = ""
    for line in lines:
        if _NOISE.search(line):
            continue
        if match := _TABLE.match(line):
            table = match.group(1)
        found[(table, _said(line))] += 1
    return found


# What a newer Postgres prints differently for the same schema, in the expressions a dump copies
# from the server (a partial index's `where:`, a check constraint): casts placed elsewhere
# (`(ARRAY['a'::character varying])::text[]` and `ARRAY[('a'::character varying)::text]`), the
# parentheses around one operand, and the schema of a built-in extension (`pg_catalog.plpgsql`).
_CAST = re.compile(
    r"::(?:character varying|bit varying|double precision|(?:timestamp|time) with(?:out)? time zone"
    r"|\w+)(?:\[\])?"
)
_WRAPPED = re.compile(r"\(\s*(\w+|'[^']*'|ARRAY\[[^\]]*\])\s*\)")


def _deparsed(line: str) -> str:
    line = _CAST.sub("", line.replace('"pg_catalog.', '"'))
    while (unwrapped := _WRAPPED.sub(r"\1", line)) != line:
        line = unwrapped
    return line


def _root(path: str) -> str | None:
    """Return the Rails app's folder prefix of a schema dump (`""`, `api/`), else None."""
    for dump in DUMPS:
        if path == dump or path.endswith(f"/{dump}"):
            return path[: -len(dump)]
    return None


def _dump_finding(changed: ChangedFile, right: bool, line: int) -> Finding:
    name = PurePosixPath(changed.path).name
    return Finding(
        rule=SCHEMA_WITHOUT_MIGRATION,
        pack=PACK_ID,
        path=changed.path,
        line=line,
        severity=Severity.ERROR,
        message=(
            f"`{name}` changes but no migration is added under `db/migrate/`: the dump is "
            "regenerated from migrations, so this edit is lost and production never gets it. "
            "Write a migration (`bin/rails generate migration ...`) and re-dump the schema."
        ),
        fingerprint=fingerprint(SCHEMA_WITHOUT_MIGRATION, changed.path, "no migration"),
        side="RIGHT" if right else "LEFT",
    )


def _migration_finding(path: str, dump: str, data_only: bool) -> Finding:
    message = (
        f"This adds a migration but does not update `{dump}`, so new environments and the "
        "test database are built from a schema without it. Run `bin/rails db:migrate` and "
        "commit the updated dump."
    )
    if data_only:
        message = (
            f"This adds a migration that only changes data, and `{dump}` is not updated: the "
            "schema is the same, but the dump's version stamp stays behind, so a database "
            "loaded from it counts this migration as pending (tests that call "
            "`maintain_test_schema!` stop on it). Commit the re-dumped version stamp if that "
            "matters here."
        )
    return Finding(
        rule=MIGRATION_WITHOUT_SCHEMA,
        pack=PACK_ID,
        path=path,
        line=1,
        severity=Severity.NOTICE if data_only else Severity.WARNING,
        message=message,
        fingerprint=fingerprint(MIGRATION_WITHOUT_SCHEMA, path, dump),
    )


def schema_dumps(
    change: Change, listings: Mapping[Ref, frozenset[str] | None]
) -> list[tuple[str, Ref]]:
    """Name the base schema dumps of the Rails apps that gain a migration, for the snapshot."""
    roots = {
        f.path[: f.path.index("db/migrate/")] for f in change.files if _MIGRATION.search(f.path)
    }
    return [(root + dump, "base") for root in sorted(roots) for dump in DUMPS]


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

# The examples' migration, and the dump it writes (the rules' docs show them in three ways).
_ADD_NAME = (
    "db/migrate/20260201000000_add_name_to_users.rb",
    """\
class AddNameToUsers < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :name, :string
  end
end
""",
)
_NAME_DUMPED = (
    "db/schema.rb",
    """\
ActiveRecord::Schema[7.1].define(version: 2026_02_01_000000) do
  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.string "name"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end
end
""",
)
# Both rules stay quiet on it: the migration and the dump it wrote change together.
_WITH_ITS_DUMP = Example(
    title="Migration and schema dump change together",
    base=(*RAILS_STACK,),
    head=(_ADD_NAME, _NAME_DUMPED),
)

RULES = (
    missing(
        SCHEMA_WITHOUT_MIGRATION,
        "Rails schema.rb or structure.sql edited with no migration.",
        RAILS_LANGUAGES,
        why="The schema dump says the database changed, but no migration makes the change: other "
        "environments never get it and the dump no longer matches them.",
        flagged=Example(
            title="schema.rb is edited by hand",
            base=(*RAILS_STACK,),
            head=(
                (
                    "db/schema.rb",
                    """\
ActiveRecord::Schema[7.1].define(version: 2026_01_01_000000) do
  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.string "name"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end
end
""",
                ),
            ),
        ),
        quiet=_WITH_ITS_DUMP,
    ),
    Rule(
        MIGRATION_WITHOUT_SCHEMA,
        Severity.WARNING,
        "Rails migration added without updating the schema dump.",
        "Run the migration and commit the regenerated db/schema.rb or structure.sql.",
        RAILS_LANGUAGES,
        why="The schema dump is what new environments and tests load: without the migration in "
        "it, they run against a schema production does not have.",
        flagged=Example(
            title="A migration is added but schema.rb is not re-dumped",
            base=(*RAILS_STACK,),
            head=(_ADD_NAME,),
        ),
        quiet=_WITH_ITS_DUMP,
    ),
)
CHECKS = {
    check_rails: (
        SCHEMA_WITHOUT_MIGRATION,
        MIGRATION_WITHOUT_SCHEMA,
    )
}
