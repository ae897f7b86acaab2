"""Pack `migrations`: schema changes without their migration, and migrations that hurt a deploy.

Static analysis only: model files and migrations are read as text, never imported or run. Where
the repository must be consulted (does this project keep migrations? is the file on the base
branch?) the rules read the snapshot, and stay quiet or fall back when it cannot answer.
"""

from __future__ import annotations

from bot.rules.code import SCRIPT_LANGUAGES
from bot.rules.migrations import examples, sql
from bot.rules.migrations.context import context_files
from bot.rules.migrations.edited import EDITED, check_edited
from bot.rules.migrations.js_orms import SEQUELIZE, TYPEORM, check_sequelize, check_typeorm
from bot.rules.migrations.prisma import PRISMA, check_prisma
from bot.rules.migrations.python_orms import (
    DJANGO,
    SQLALCHEMY,
    alembic_ini_files,
    check_django,
    check_sqlalchemy,
    django_workflows,
)
from bot.rules.migrations.rails import (
    MIGRATION_WITHOUT_SCHEMA,
    SCHEMA_WITHOUT_MIGRATION,
    check_rails,
    schema_dumps,
)
from bot.rules.model import Pack, Rule, Severity, documented

PYTHON = frozenset({"python"})
SCRIPTS = SCRIPT_LANGUAGES
# A Rails app's migrations, and its schema dump: db/schema.rb or db/structure.sql.
RAILS = frozenset({"ruby", "sql"})
MISSING_FIX = (
    "Generate the migration with the framework's own command (makemigrations, alembic revision "
    "--autogenerate, rails generate migration, prisma migrate dev, …) and commit it."
)
DANGEROUS_FIX = (
    "Split it into steps that old and new code both survive (expand, deploy, contract), or say in "
    "the pull request why the table is small or unused."
)
ROLLING_FIX = (
    "Nothing, when the old version stops before migrations run. With rolling deploys, stop using "
    "the column or name in one release and migrate in the next (expand, deploy, contract)."
)


def missing(rule: str, description: str, languages: frozenset[str]) -> Rule:
    return Rule(rule, Severity.ERROR, description, MISSING_FIX, languages)


# The rules on new and edited migrations declare no languages: a migration is judged in whatever
# language it is written (Laravel's PHP, Ecto's Elixir, goose's Go in a folder the config names),
# by its lines where no parser of ours knows it.
def dangerous(rule: str, description: str) -> Rule:
    return Rule(rule, Severity.WARNING, description, DANGEROUS_FIX)


def deploy_dependent(rule: str, description: str) -> Rule:
    """Declare a rule that breaks only the old version while it serves during a rolling deploy."""
    return Rule(rule, Severity.WARNING, description, ROLLING_FIX, rolling=True)


__all__ = [
    "DJANGO",
    "EDITED",
    "PACK",
    "PRISMA",
    "SCHEMA_WITHOUT_MIGRATION",
    "SEQUELIZE",
    "SQLALCHEMY",
    "TYPEORM",
]

PACK = Pack(
    id="migrations",
    extras=(alembic_ini_files, schema_dumps, context_files, django_workflows),
    checks={
        check_django: (DJANGO,),
        check_sqlalchemy: (SQLALCHEMY,),
        check_rails: (SCHEMA_WITHOUT_MIGRATION, MIGRATION_WITHOUT_SCHEMA),
        check_prisma: (PRISMA,),
        check_typeorm: (TYPEORM,),
        check_sequelize: (SEQUELIZE,),
        check_edited: (EDITED,),
        sql.check_dangerous: (
            sql.DROP_TABLE,
            sql.DROP_COLUMN,
            sql.RENAME,
            sql.NOT_NULL,
            sql.INDEX,
            sql.TYPE_CHANGE,
        ),
    },
    rules=(
        missing(DJANGO, "Django model fields or table options change without a migration.", PYTHON),
        missing(
            SQLALCHEMY,
            "SQLAlchemy columns or tables change without a new Alembic revision.",
            PYTHON,
        ),
        missing(
            SCHEMA_WITHOUT_MIGRATION,
            "Rails schema.rb or structure.sql edited with no migration.",
            RAILS,
        ),
        missing(
            PRISMA,
            "Prisma model or enum changes without a new migrations/*/migration.sql.",
            frozenset({"prisma"}),
        ),
        missing(
            TYPEORM, "TypeORM entity columns or tables change without a new migration.", SCRIPTS
        ),
        missing(SEQUELIZE, "Sequelize model attributes change without a new migration.", SCRIPTS),
        Rule(
            MIGRATION_WITHOUT_SCHEMA,
            Severity.WARNING,
            "Rails migration added without updating the schema dump.",
            "Run the migration and commit the regenerated db/schema.rb or structure.sql.",
            RAILS,
        ),
        Rule(
            EDITED,
            Severity.ERROR,
            "Migration already on the base branch edited so that its operations change.",
            "Databases that ran the old version never see the edit: add a new migration instead.",
        ),
        dangerous(sql.DROP_TABLE, "New migration drops a table the running code may still use."),
        deploy_dependent(
            sql.DROP_COLUMN, "New migration drops a column the previous release may still use."
        ),
        deploy_dependent(
            sql.RENAME, "New migration renames a table or column the previous release may use."
        ),
        dangerous(
            sql.NOT_NULL,
            "New migration makes a column of an existing table NOT NULL without default.",
        ),
        dangerous(
            sql.INDEX,
            "New migration builds a Postgres index without CONCURRENTLY, blocking writes.",
        ),
        dangerous(
            sql.TYPE_CHANGE,
            "New migration changes a column's type, rewriting the table under lock.",
        ),
    ),
)
PACK = documented(PACK, examples.WHY, examples.EXAMPLES)
