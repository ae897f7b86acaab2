"""Pack `migrations`: schema changes without their migration, and migrations that hurt a deploy.

Static analysis only: model files and migrations are read as text, never imported or run. Where
the repository must be consulted (does this project keep migrations? is the file on the base
branch?) the rules read the snapshot, and stay quiet or fall back when it cannot answer. Each
module declares its rules beside its checks, docs included (`bot.rules.model.gather`).
"""

from __future__ import annotations

from bot.rules.migrations.context import context_files
from bot.rules.migrations.edited import EDITED
from bot.rules.migrations.js_orms import SEQUELIZE, TYPEORM
from bot.rules.migrations.prisma import PRISMA
from bot.rules.migrations.python_orms import (
    DJANGO,
    SQLALCHEMY,
    alembic_ini_files,
    ci_workflows,
)
from bot.rules.migrations.rails import (
    MIGRATION_WITHOUT_SCHEMA,
    SCHEMA_WITHOUT_MIGRATION,
    schema_dumps,
)
from bot.rules.model import gather

__all__ = [
    "DJANGO",
    "EDITED",
    "MIGRATION_WITHOUT_SCHEMA",
    "PACK",
    "PRISMA",
    "SCHEMA_WITHOUT_MIGRATION",
    "SEQUELIZE",
    "SQLALCHEMY",
    "TYPEORM",
]

PACK = gather(
    "migrations",
    __name__,
    __path__,
    extras=(alembic_ini_files, schema_dumps, context_files, ci_workflows),
)
