"""A migration already on the base branch has run somewhere: editing what it runs misses it.

Only an edit of what the database runs counts (`meaning`): reordered imports, type hints,
formatting, comments, docstrings, raw-string fixes, `dependencies` re-pointed at a squashed
migration, an operation made idempotent, a `change_table` block spelled as `add_column` calls,
a `when` arm that does nothing dropped from a Ruby `case` whose value is unused, a Rails
`disable_ddl_transaction!` added, dropped or its typo fixed, index operations said one after the
other put in another order, Django operations moved only past ones they commute with (models
dropped in another order, fields added to unrelated models: `meaning.reordered`), a name the
migration imports renamed because the same change renames it in production code (`_renames`),
or a data step put before the schema step it lets succeed (a repaired migration) leave every
database that ran it as it was. An edit of the rollback alone
(`parts`: `downgrade()`, `down`, reverse code) is a notice: every database reads it from the
file. When a side does not parse (or a bare diff shows only the changed lines), the changed
lines are compared instead, less comments and imports, so a pure reorder or re-wrap still says
nothing.

Not told apart: a hotfix that makes a migration succeed where it failed by running something
else there (an optional extension, a fallback index). Databases where the old version failed
never recorded it, but whether those that ran it would run the same now depends on facts of
each database (which extensions it has) that no tree shows: such an edit stays an error.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from enum import Enum

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules.migrations import context
from bot.rules.migrations.files import is_migration_file
from bot.rules.migrations.meaning import (
    data_only,
    definitions,
    meaning,
    references,
    renamed,
    reordered,
    repair_step,
    same,
)
from bot.rules.migrations.orm import PACK_ID
from bot.rules.migrations.parts import parts
from bot.rules.migrations.rails import DUMPS
from bot.rules.migrations.stacks import (
    ALEMBIC_STACK,
    PRISMA_STACK,
)
from bot.rules.model import Example, Finding, Rule, Severity, fingerprint
from bot.snapshot.model import Snapshot

EDITED = "migrations/edited-migration"
_RUNS = (
    "This edits what a migration that is already on the base branch runs: databases that ran "
    "it will never run the change, so environments drift apart. Revert the edit and add a new "
    "migration instead."
)
_ROLLBACK = (
    "This edits only the rollback of a migration that is already on the base branch: what "
    "databases ran is unchanged, and any that rolls back reads the new version. Check that it "
    "still undoes exactly what the migration does."
)
_COMMENTS = ("#", "--", "//", "/*", "*")
_IMPORT = re.compile(
    r"^\s*(?:import\s|from\s+\S+\s+import\s|require[\s(]|(?:const|let|var)\s.*=\s*require\()"
)


class Edit(Enum):
    """What an edit of a committed migration changes."""

    NOTHING = "nothing"
    ROLLBACK = "rollback"  # only what a rollback runs: every database reads it from the file
    RUNS = "runs"


def check_edited(snap: Snapshot) -> list[Finding]:
    """Flag edits of what a committed migration runs: databases that ran it never see them."""
    findings = _deleted(snap)
    for changed in snap.change.files:
        if changed.binary or changed.status is not FileStatus.MODIFIED:
            continue
        if not is_migration_file(snap, changed):
            continue
        edit = _edit(snap, changed)
        if edit is Edit.NOTHING:
            continue
        everything = [line for line in (*changed.added, *changed.removed) if line.text.strip()]
        lines = [line for line in everything if _code(line)]
        if edit is None and (not lines or _only_moved(changed)):
            continue
        if not everything:
            continue
        first = (lines or everything)[0]
        rollback = edit is Edit.ROLLBACK
        findings.append(
            Finding(
                rule=EDITED,
                pack=PACK_ID,
                path=changed.path,
                line=first.number,
                severity=Severity.NOTICE if rollback else Severity.ERROR,
                message=_ROLLBACK if rollback else _RUNS,
                fingerprint=fingerprint(EDITED, changed.path, "rollback" if rollback else "edited"),
                side="RIGHT" if first in changed.added else "LEFT",
            )
        )
    return findings


def _deleted(snap: Snapshot) -> list[Finding]:
    """Flag committed migrations deleted without a migration that reverses them.

    A revert that deletes shipped migrations and rolls the schema dump back leaves every
    database that ran them with their tables and columns, and the dump disagrees with them: an
    error. Deleting old Rails migrations whose effect stays in the dump is a known cleanup, and
    a change that adds a migration (a squash, a reversal) is judged by the other rules: neither
    is reported here; any other deletion is a warning.
    """
    removed = [
        f
        for f in snap.change.files
        if f.status is FileStatus.REMOVED and not f.binary and is_migration_file(snap, f)
    ]
    if not removed:
        return []
    # Companions count though generated (not reviewed): a re-dumped schema.rb, a new migration.
    added = [f for f in snap.whole.files if f.status is FileStatus.ADDED]
    if any(is_migration_file(snap, f) for f in added):
        return []  # a new migration may well reverse or squash them: other rules judge it
    dumps = {f.path for f in snap.whole.files if f.path.endswith(DUMPS)}
    groups: dict[str, list[ChangedFile]] = {}
    rolled: dict[str, bool] = {}
    for changed in removed:
        before = snap.source(changed.old_path or changed.path, "base").python
        if before is not None and changed.path.endswith(".py") and data_only(before):
            continue  # a data step (clamp, backfill) leaves no schema to reverse
        root = changed.path.split("db/migrate/")[0] if "db/migrate/" in changed.path else None
        rolled_back = root is not None and any(root + dump in dumps for dump in DUMPS)
        if root is not None and not rolled_back:
            continue  # old Rails migrations pruned; the schema dump still holds their effect
        key = root if root is not None else changed.path.rsplit("/", 1)[0]
        groups.setdefault(key, []).append(changed)
        rolled[key] = rolled_back
    findings = []
    for key, files in groups.items():
        first_file = files[0]
        first = next((line for line in first_file.removed if _code(line)), None)
        what = (
            "a migration that is"
            if len(files) == 1
            else f"{len(files)} migrations (`{first_file.path}` and the next) that are"
        )
        findings.append(
            Finding(
                rule=EDITED,
                pack=PACK_ID,
                path=first_file.path,
                line=first.number if first else 1,
                severity=Severity.ERROR if rolled[key] else Severity.WARNING,
                message=(
                    f"This deletes {what} already on the base branch"
                    + (" and rolls the schema dump back" if rolled[key] else "")
                    + ": databases that ran them keep their changes, so they no longer match the "
                    "code. Keep the migrations and add a new one that reverses them."
                ),
                fingerprint=fingerprint(EDITED, key, "deleted"),
                side="LEFT",
            )
        )
    return findings


def _edit(snap: Snapshot, changed: ChangedFile) -> Edit | None:
    """What the edit changes; None when either side cannot be read or parsed."""
    before = snap.source(changed.old_path or changed.path, "base")
    after = snap.source(changed.path, "head")
    if before.text is None or after.text is None:
        return None
    dialect = context.dialect(snap, changed.path, after.text)
    old, new = meaning(before, dialect), meaning(after, dialect)
    if old is None or new is None:
        return None
    if old == new:
        return Edit.NOTHING
    old_tree, new_tree = before.python, after.python
    if old_tree is not None and new_tree is not None:
        old_tree = renamed(old_tree, _renames(snap, old_tree, new_tree))
        if same(old_tree, new_tree) or reordered(old_tree, new_tree):
            return Edit.NOTHING
        if repair_step(old_tree, new_tree):
            return Edit.NOTHING
    old_parts, new_parts = parts(before, dialect), parts(after, dialect)
    if old_parts is None or new_parts is None or old_parts.forward != new_parts.forward:
        return Edit.RUNS
    return Edit.NOTHING if old_parts.rollback == new_parts.rollback else Edit.ROLLBACK


def _renames(
    snap: Snapshot, old_tree: ast.Module, new_tree: ast.Module
) -> dict[tuple[str, str], str]:
    """The production renames a migration's edit follows: `(module, old name)` to the new one.

    A name the old migration takes from a module and the new one no longer does, where the same
    change renames it there: the module's file (found by its dotted path) defined the old name
    on the base branch and defines the new one instead on head, and the old one is gone. One
    such pair per module; a rename the production code does not make is an edit.
    """
    old_refs, new_refs = references(old_tree), references(new_tree)
    gone, came = old_refs - new_refs, new_refs - old_refs
    found: dict[tuple[str, str], str] = {}
    for module in {m for m, _ in gone}:
        olds = {n for m, n in gone if m == module}
        news = {n for m, n in came if m == module}
        if len(olds) != 1 or len(news) != 1:
            continue
        defined = _module_names(snap, module)
        if defined is None:
            continue
        (old,), (new,) = olds, news
        base, head = defined
        if old in base and old not in head and new in head and new not in base:
            found[(module, old)] = new
    return found


def _module_names(snap: Snapshot, module: str) -> tuple[set[str], set[str]] | None:
    """The top-level names a changed Python module defines on base and on head."""
    tail = "/" + module.replace(".", "/")
    for changed in snap.whole.files:
        path = "/" + changed.path
        if changed.status is not FileStatus.MODIFIED or not (
            path.endswith(tail + ".py") or path.endswith(tail + "/__init__.py")
        ):
            continue
        base = snap.source(changed.old_path or changed.path, "base").python
        head = snap.source(changed.path, "head").python
        if base is None or head is None:
            return None
        return set(definitions(base)), set(definitions(head))
    return None


def _code(line: Line) -> bool:
    text = line.text.strip()
    return bool(text) and not text.startswith(_COMMENTS) and not _IMPORT.match(line.text)


def _only_moved(changed: ChangedFile) -> bool:
    """The diff's code lines, layout aside, are the same on both sides: a reorder or re-wrap."""

    def code(lines: tuple[Line, ...]) -> Counter[str]:
        return Counter("".join(line.text.split()).rstrip(",") for line in lines if _code(line))

    return code(changed.added) == code(changed.removed)


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        EDITED,
        Severity.ERROR,
        "Migration already on the base branch edited so that its operations change.",
        "Databases that ran the old version never see the edit: add a new migration instead.",
        why="Databases that already ran the migration never run it again: the edit reaches new "
        "environments only, and environments drift apart silently. An edit of the rollback "
        "alone (`downgrade()`, `down`) is a notice: every database reads it from the file.",
        flagged=Example(
            title="An applied Prisma migration.sql is edited",
            base=(*PRISMA_STACK,),
            head=(
                (
                    "prisma/migrations/20260101000000_init/migration.sql",
                    """\
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" TEXT,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
""",
                ),
            ),
        ),
        quiet=Example(
            title='A shipped revision gets its docstring header and a raw string for the regex its SQL already used (`"\\s"` and `r"\\s"` are the same text): the database runs the same statement',  # noqa: E501
            base=(
                *ALEMBIC_STACK,
                (
                    "db/versions/3c4d5e6f7a8b_strip_number_spaces.py",
                    (
                        "import sqlalchemy as sa\n"
                        "from alembic import op\n"
                        "\n"
                        'revision = "3c4d5e6f7a8b"\n'
                        'down_revision = "1a2b3c4d5e6f"\n'
                        "\n"
                        "\n"
                        "def upgrade():\n"
                        "    op.execute(\"UPDATE invoices SET number = regexp_replace(number, '\\s+', '', 'g')\")\n"  # noqa: E501
                        "\n"
                        "\n"
                        "def downgrade():\n"
                        "    pass\n"
                    ),
                ),
            ),
            head=(
                (
                    "db/versions/3c4d5e6f7a8b_strip_number_spaces.py",
                    (
                        '"""Strip spaces from invoice numbers.\n'
                        "\n"
                        "Revision ID: 3c4d5e6f7a8b\n"
                        "Revises: 1a2b3c4d5e6f\n"
                        '"""\n'
                        "\n"
                        "from alembic import op\n"
                        "\n"
                        'revision = "3c4d5e6f7a8b"\n'
                        'down_revision = "1a2b3c4d5e6f"\n'
                        "\n"
                        "\n"
                        "def upgrade() -> None:\n"
                        "    op.execute(r\"UPDATE invoices SET number = regexp_replace(number, '\\s+', '', 'g')\")\n"  # noqa: E501
                        "\n"
                        "\n"
                        "def downgrade() -> None:\n"
                        "    pass\n"
                    ),
                ),
            ),
        ),
    ),
)
CHECKS = {check_edited: (EDITED,)}
