"""Prisma: a model change in `schema.prisma` needs a new `migrations/*/migration.sql`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from bot.rules.migrations.declare import missing
from bot.rules.migrations.orm import Dialect, Migrated, ModelSide, Statement, check, statement
from bot.rules.migrations.stacks import (
    PRISMA_STACK,
)
from bot.rules.model import Example, Finding
from bot.snapshot.model import Snapshot

PRISMA = "migrations/prisma-missing-migration"

_BLOCK = re.compile(r"^\s*(?:model|enum|view|type)\s+(\w+)\s*\{")
_EVERYTHING = re.compile(r"")
# Attributes Prisma Client applies itself, which leave the database schema as it is (Prisma's
# schema reference: `@updatedAt`, and `@default` of `uuid()`, `cuid()`, `nanoid()`, `ulid()`).
_CLIENT_ONLY = re.compile(
    r"\s*@updatedAt\b|\s*@default\(\s*(?:uuid|cuid|nanoid|ulid)\([^)]*\)\s*\)"
)


def check_prisma(snap: Snapshot) -> list[Finding]:
    """Flag Prisma model and enum changes that come without a new migration."""
    return check(snap, _PRISMA)


def _statements(side: ModelSide) -> dict[int, Statement]:
    """Map each line inside a model/enum block to itself: in Prisma, one line is one field."""
    found: dict[int, Statement] = {}
    model: str | None = None
    for number, text in enumerate(side.lines, start=1):
        header = _BLOCK.match(text)
        code = _CLIENT_ONLY.sub("", text.split("//", 1)[0]).strip()
        if header:
            model = header.group(1)
            found[number] = statement(model, model, [code])
        elif model and code == "}":
            model = None
        elif model and code:
            found[number] = statement(model, code.split()[0], [code])
    return found


def _schema_folder(path: str) -> str | None:
    """Return the folder holding a Prisma schema (`prisma/schema.prisma` or `prisma/schema/*`)."""
    posix = PurePosixPath(path)
    if posix.suffix != ".prisma":
        return None
    folder = posix.parent.parent if posix.parent.name == "schema" else posix.parent
    return str(folder)


def _migrations(snap: Snapshot) -> Migrated:
    """Accept a new `migration.sql`; a project without migrations (`db push`) needs none."""
    base = snap.listing("base")

    def migrated(created: Sequence[str], folder: str) -> bool:
        prefix = f"{folder}/migrations/" if folder not in {"", "."} else "migrations/"
        if base is not None and not any(p.startswith(prefix) for p in base):
            return True
        return any(p.startswith(prefix) and p.endswith("/migration.sql") for p in created)

    return migrated


def _message(labels: str, path: str, folder: str) -> str:
    return (
        f"{labels} changed in `{path}`, but this change adds no `migration.sql` under "
        f"`{folder}/migrations/`. `prisma migrate deploy` will leave the database as it was, so "
        "the new client's queries fail on missing columns or tables. Run `npx prisma migrate dev "
        '--name "<what changed>"` and commit the migration.'
    )


# A deleted schema file takes a whole database out of the project (dropping MySQL support, say):
# there is nothing left to migrate.
_PRISMA = Dialect(
    PRISMA,
    _statements,
    _EVERYTHING,
    True,
    _schema_folder,
    _migrations,
    _message,
    removal_counts=False,
)


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    missing(
        PRISMA,
        "Prisma model or enum changes without a new migrations/*/migration.sql.",
        frozenset({"prisma"}),
        why="`prisma migrate deploy` only applies migration files: without one, production keeps "
        "the old schema and the new client's queries fail.",
        flagged=Example(
            title="A field is added to a Prisma model without a migration",
            base=(*PRISMA_STACK,),
            head=(
                (
                    "prisma/schema.prisma",
                    """\
generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id    Int     @id @default(autoincrement())
  email String  @unique
  name  String?
  role  String  @default("member")
}
""",
                ),
            ),
        ),
        quiet=Example(
            title="A project that uses `prisma db push` keeps no migrations folder",
            base=(
                (
                    "prisma/schema.prisma",
                    """\
model Post {
  id    Int    @id @default(autoincrement())
  title String
}
""",
                ),
            ),
            head=(
                (
                    "prisma/schema.prisma",
                    """\
model Post {
  id    Int    @id @default(autoincrement())
  title String
  body  String?
}
""",
                ),
            ),
        ),
    ),
)
CHECKS = {check_prisma: (PRISMA,)}
