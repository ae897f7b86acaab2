"""Pack `migrations`: schema changes without their migration, and migrations that hurt a deploy.

Static analysis only: model files and migrations are read as text, never imported or run. Where
the repository must be consulted (does this project keep migrations? is the file on the base
branch?) the rules ask `ctx.contents`, and stay quiet or fall back when it cannot answer.
"""

from __future__ import annotations

from bot.rules.migrations import sql
from bot.rules.migrations.edited import EDITED, check_edited
from bot.rules.migrations.js_orms import SEQUELIZE, TYPEORM, check_sequelize, check_typeorm
from bot.rules.migrations.prisma import PRISMA, check_prisma
from bot.rules.migrations.python_orms import (
    DJANGO,
    SQLALCHEMY,
    check_django,
    check_sqlalchemy,
)
from bot.rules.migrations.rails import (
    MIGRATION_WITHOUT_SCHEMA,
    SCHEMA_WITHOUT_MIGRATION,
    check_rails,
)
from bot.rules.model import Pack

__all__ = ["DJANGO", "PACK", "SQLALCHEMY"]

PACK = Pack(
    id="migrations",
    checks=(
        check_django,
        check_sqlalchemy,
        check_rails,
        check_prisma,
        check_typeorm,
        check_sequelize,
        check_edited,
        sql.check_dangerous,
    ),
    rules={
        DJANGO: "Django model fields or table options change without a migration for the app.",
        SQLALCHEMY: "SQLAlchemy columns or tables change without a new Alembic revision.",
        SCHEMA_WITHOUT_MIGRATION: "Rails schema.rb or structure.sql edited with no new migration.",
        MIGRATION_WITHOUT_SCHEMA: "Rails migration added without updating the schema dump.",
        PRISMA: "Prisma model or enum changes without a new migrations/*/migration.sql.",
        TYPEORM: "TypeORM entity columns or tables change without a new migration.",
        SEQUELIZE: "Sequelize model attributes change without a new migration.",
        EDITED: "Migration already on the base branch edited instead of adding a new one.",
        sql.DROP_TABLE: "New migration drops a table (SQL, Django, Rails, Alembic, Knex, Laravel).",
        sql.DROP_COLUMN: "New migration drops a column the running code may still use.",
        sql.RENAME: "New migration renames a table or column under the running code.",
        sql.NOT_NULL: "New migration makes a column of an existing table NOT NULL without default.",
        sql.INDEX: "New migration builds a Postgres index without CONCURRENTLY, blocking writes.",
        sql.TYPE_CHANGE: "New migration changes a column's type, rewriting the table under lock.",
    },
)
