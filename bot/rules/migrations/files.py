"""Recognise migration files of every supported stack by their conventional paths."""

from __future__ import annotations

import re

from bot.diff.model import ChangedFile
from bot.rules import paths
from bot.snapshot.model import Snapshot

# A Rails migration; one an engine installed (`rails railties:install:migrations`) carries the
# engine's name before `.rb`: `20250225111255_create_console1984_tables.console1984.rb`.
RAILS_MIGRATION = r"db/migrate/\d+_\w+(?:\.\w+)?\.rb"
_MIGRATION = re.compile(
    r"""(?:^|/)(?:
      migrations/\d{4}_\w+\.py                          # Django
      |(?:alembic|migrations)/versions/\w+\.py          # Alembic, conventional folders
      |"""
    + RAILS_MIGRATION
    + r"""                                             # Rails
      |migrations/[^/]+/migration\.sql                  # Prisma
      |priv/repo/migrations/\w+\.exs                    # Ecto
      |database/migrations/\w+\.php                     # Laravel
      |V\d+(?:[._]\d+)*__\w+\.sql                       # Flyway
    )$""",
    re.VERBOSE,
)
# Knex, Sequelize, TypeORM, node-pg-migrate, goose, golang-migrate, plain SQL: a runner applies
# a folder's files in the order of the number in their names (a timestamp, `001_`), and keeps
# a history of the ones it ran. A file with no number has no place in that order.
_NUMBERED = re.compile(r"(?:^|/)migrations?/[^/]*\d[^/]*\.(?:sql|[cm]?[jt]s)$")
# Folders of scripts a person runs by hand (`scripts/migrations/backfill-x.ts`): no deploy applies
# them and no history records them, so they are no migrations (the config can still name them).
_HAND_RUN = frozenset({"script", "scripts"})


_ALEMBIC = re.compile(r"(?:^|/)versions/\w+\.py$")
_REVISION = re.compile(r"^down_revision\b", re.MULTILINE)


def is_migration_file(snap: Snapshot, changed: ChangedFile) -> bool:
    """Tell whether a changed file is a migration; an Alembic one may live in any `versions/`,
    and the repository's config may name folders of its own."""
    if is_migration(changed.path):
        return True
    if snap.layout.migration(changed.path) and not paths.is_test(changed.path):
        return True
    if not _ALEMBIC.search(changed.path) or paths.is_test(changed.path):
        return False
    text = snap.read(changed.path, "head")
    if text is None:
        text = "\n".join(line.text for line in (*changed.added, *changed.removed))
    return bool(_REVISION.search(text))


def is_migration(path: str) -> bool:
    """Tell whether a path is a schema migration that a deploy runs once, in order."""
    if paths.is_test(path) or paths.is_fixture(path):
        return False
    if _MIGRATION.search(path):
        return True
    folders = path.lower().split("/")[:-1]
    return bool(_NUMBERED.search(path)) and not _HAND_RUN.intersection(folders)
