"""Rails: the schema dump and the migrations must change together."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from bot.diff.model import ChangedFile, FileStatus
from bot.rules.migrations.orm import PACK_ID
from bot.rules.model import Finding, RuleContext, Severity, fingerprint

SCHEMA_WITHOUT_MIGRATION = "migrations/rails-missing-migration"
MIGRATION_WITHOUT_SCHEMA = "migrations/rails-schema-not-updated"
DUMPS = ("db/schema.rb", "db/structure.sql")

_MIGRATION = re.compile(r"(?:^|/)db/migrate/\d+_\w+\.rb$")
_NOISE = re.compile(r"^\s*(?:#|--|$)|ActiveRecord::Schema(?:\[[\d.]+\])?\.define|schema_migrations")


async def check_rails(ctx: RuleContext) -> list[Finding]:
    """Flag a schema dump edited by hand, and a migration whose schema dump was not updated."""
    added = [f.path for f in ctx.change.files if f.status is FileStatus.ADDED]
    migrations = [path for path in added if _MIGRATION.search(path)]
    findings = []
    dumped: set[str] = set()
    for changed in ctx.change.files:
        root = _root(changed.path)
        if root is None or changed.binary:
            continue
        dumped.add(root)
        if any(path.startswith(f"{root}db/migrate/") for path in migrations):
            continue
        lines = [
            line for line in (*changed.added, *changed.removed) if not _NOISE.search(line.text)
        ]
        if lines:
            findings.append(_dump_finding(changed, lines[0] in changed.added, lines[0].number))
    for path in migrations:
        root = path[: path.index("db/migrate/")]
        if root in dumped:
            continue
        for dump in DUMPS:
            if await ctx.contents.read(root + dump, "base") is not None:
                findings.append(_migration_finding(path, root + dump))
                break
    return findings


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


def _migration_finding(path: str, dump: str) -> Finding:
    return Finding(
        rule=MIGRATION_WITHOUT_SCHEMA,
        pack=PACK_ID,
        path=path,
        line=1,
        severity=Severity.WARNING,
        message=(
            f"This adds a migration but does not update `{dump}`, so new environments and the "
            "test database are built from a schema without it. Run `bin/rails db:migrate` and "
            "commit the updated dump."
        ),
        fingerprint=fingerprint(MIGRATION_WITHOUT_SCHEMA, path, dump),
    )
