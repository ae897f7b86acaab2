"""Kind 5 of issue 9: missing migrations, found wherever projects keep them and judged by effect.

Revisions live in Flask-Migrate's `migrations/versions/`, in folders named by a custom
`file_template`, or in a plugin's own folder; an abstract model is migrated in its concrete
models' apps; `output_field=` is no field; a TypeDecorator over the same type, `default=` and a
re-dumped or deleted schema file change no database. State-only Django options are a warning.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.rules.migrations import (
    DJANGO,
    MIGRATION_WITHOUT_SCHEMA,
    PACK,
    PRISMA,
    SCHEMA_WITHOUT_MIGRATION,
    SQLALCHEMY,
    TYPEORM,
)
from tests.gitrepo import make_repo

Hit = tuple[str, str, int, str]

MODELS = """\
from CTFd.models.types import SQLDateTime
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime

db = SQLAlchemy()


class Challenges(db.Model):
    __tablename__ = "challenges"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80))
    created = db.Column(DateTime, default=None)
"""
TYPES = """\
from sqlalchemy.types import DateTime, TypeDecorator


class SQLDateTime(TypeDecorator):
    impl = DateTime
    cache_ok = True
"""
FLASK_MIGRATE_INI = (
    "# A generic, single database configuration.\n\n[alembic]\n\n[loggers]\nkeys = root\n"
)
REVISION = '''\
"""add scheduled_at

Revision ID: 8275865e5992
Revises: 336b8c601b94
"""
from alembic import op
import sqlalchemy as sa

revision = "8275865e5992"
down_revision = "336b8c601b94"


def upgrade():
    op.add_column("challenges", sa.Column("scheduled_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("challenges", "scheduled_at")
'''
FLASK = {
    "CTFd/models/__init__.py": MODELS,
    "CTFd/models/types.py": TYPES,
    "migrations/alembic.ini": FLASK_MIGRATE_INI,
    "migrations/env.py": "from alembic import context\n",
    "migrations/versions/336b8c601b94_modules.py": REVISION.replace("8275865e5992", "336b8c601b94"),
}
WITH_COLUMN = MODELS.replace(
    "    name = db.Column(db.String(80))\n",
    "    name = db.Column(db.String(80))\n"
    "    scheduled_at = db.Column(db.DateTime, nullable=True)\n",
)


def line_of(text: str, needle: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


async def missing(
    tmp_path: Path, base: Mapping[str, str], head: Mapping[str, str | None]
) -> list[Hit]:
    repo = make_repo(tmp_path / "r", base=base, head=head)
    snap = await repo.snapshot()
    rules = {
        DJANGO,
        SQLALCHEMY,
        PRISMA,
        TYPEORM,
        SCHEMA_WITHOUT_MIGRATION,
        MIGRATION_WITHOUT_SCHEMA,
    }
    found = [f for check in PACK.checks for f in check(snap) if f.rule in rules]
    return sorted((f.rule, f.path, f.line, f.severity.value) for f in found)


async def test_flask_migrate_revisions_sit_beside_alembic_ini(tmp_path: Path) -> None:
    """`migrations/alembic.ini` without `script_location`: revisions are `migrations/versions/`."""
    head = {
        "CTFd/models/__init__.py": WITH_COLUMN,
        "migrations/versions/8275865e5992_sched.py": REVISION,
    }
    assert await missing(tmp_path / "a", FLASK, head) == []
    head = {"CTFd/models/__init__.py": WITH_COLUMN, "CTFd/versions/notes.py": "X = 1\n"}
    assert await missing(tmp_path / "b", FLASK, head) == [
        (SQLALCHEMY, "CTFd/models/__init__.py", line_of(WITH_COLUMN, "scheduled_at"), "error")
    ]


ALEMBIC_CHECK = """\
on: [pull_request]
jobs:
  server:
    runs-on: ubuntu-latest
    steps:
      - run: |
          uv sync
          {command}
"""


@pytest.mark.parametrize(
    ("command", "severity"),
    [
        ("uv run alembic -c server/alembic.ini check", "notice"),
        ("flask --app CTFd db check", "notice"),
        ("uv run alembic check || true", "error"),
        ("uv run alembic upgrade head", "error"),
    ],
)
async def test_a_column_without_a_revision_defers_to_ci_s_alembic_check(
    tmp_path: Path, command: str, severity: str
) -> None:
    """`alembic check` compares the models with the revisions exactly: where CI gates pull
    requests on it, it decides whether a revision is due, and the finding is a notice naming it;
    a check allowed to fail, or none, leaves the error."""
    base = {**FLASK, ".github/workflows/ci.yml": ALEMBIC_CHECK.format(command=command)}
    found = await missing(tmp_path, base, {"CTFd/models/__init__.py": WITH_COLUMN})
    assert found == [
        (SQLALCHEMY, "CTFd/models/__init__.py", line_of(WITH_COLUMN, "scheduled_at"), severity)
    ]


async def test_revision_with_a_dated_file_name_or_in_a_plugin_folder(tmp_path: Path) -> None:
    base = {**FLASK, "migrations/alembic.ini": "[alembic]\nscript_location = migrations\n"}
    dated = "migrations/versions/2024-10-20-09.47.46_8275865e5992_add_scheduled_at.py"
    head = {"CTFd/models/__init__.py": WITH_COLUMN, dated: REVISION}
    assert await missing(tmp_path / "a", base, head) == []
    plugin = "CTFd/plugins/dynamic_challenges/migrations/8275865e5992_add_scheduled_at.py"
    head = {"CTFd/models/__init__.py": WITH_COLUMN, plugin: REVISION}
    assert await missing(tmp_path / "b", base, head) == []


async def test_type_decorator_over_the_same_type_and_python_defaults(tmp_path: Path) -> None:
    same = MODELS.replace(
        "db.Column(DateTime, default=None)", "db.Column(SQLDateTime, default=utcnow)"
    )
    assert await missing(tmp_path / "a", FLASK, {"CTFd/models/__init__.py": same}) == []
    other = MODELS.replace("db.Column(DateTime, default=None)", "db.Column(db.Date, default=None)")
    assert await missing(tmp_path / "b", FLASK, {"CTFd/models/__init__.py": other}) == [
        (SQLALCHEMY, "CTFd/models/__init__.py", line_of(other, "created ="), "error")
    ]


SHOP = """\
from django.db import models
from django.db.models import F, Value


class Order(models.Model):
    status = models.CharField(max_length=20, choices=[("new", "New")])
    total = models.DecimalField(max_digits=10, decimal_places=2)

    def with_label(self):
        return Order.objects.annotate(
            label=models.ExpressionWrapper(F("status"), output_field=models.CharField())
        )
"""
CORE = """\
from django.db import models


class Timestamped(models.Model):
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
"""


def django_app(app: str, models: str) -> dict[str, str]:
    return {
        f"{app}/__init__.py": "",
        f"{app}/models.py": models,
        f"{app}/migrations/__init__.py": "",
        f"{app}/migrations/0001_initial.py": "from django.db import migrations\n",
    }


DJANGO_BASE = {**django_app("shop", SHOP), **django_app("core", CORE)}


async def test_state_only_options_warn_and_database_changes_err(tmp_path: Path) -> None:
    state = SHOP.replace('choices=[("new", "New")]', 'choices=[("new", "New"), ("paid", "Paid")]')
    assert await missing(tmp_path / "a", DJANGO_BASE, {"shop/models.py": state}) == [
        (DJANGO, "shop/models.py", line_of(state, "status ="), "warning")
    ]
    schema = SHOP.replace("max_length=20,", "max_length=40,")
    assert await missing(tmp_path / "b", DJANGO_BASE, {"shop/models.py": schema}) == [
        (DJANGO, "shop/models.py", line_of(schema, "status ="), "error")
    ]


async def test_models_kept_in_a_package_belong_to_the_app_above_it(tmp_path: Path) -> None:
    """`extras/models/models.py` is the `extras` app's (NetBox keeps its models so): its
    migration sits in `extras/migrations/`, and the message names that app."""
    base = {"extras/models/__init__.py": "from .models import *\n", "extras/models/models.py": SHOP}
    schema = SHOP.replace("max_length=20,", "max_length=40,")
    migration = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
    head = {"extras/models/models.py": schema, "extras/migrations/0002_status.py": migration}
    assert await missing(tmp_path / "a", base, head) == []

    repo = make_repo(tmp_path / "b", base=base, head={"extras/models/models.py": schema})
    [finding] = [f for check in PACK.checks for f in check(await repo.snapshot())]
    assert finding.rule == DJANGO and finding.severity.value == "error"
    assert "no migration under `extras/migrations/`" in finding.message
    assert "makemigrations extras`" in finding.message

    # An app that merely sits in a folder named `models` is its own app.
    nested = {"src/models/shop/models.py": SHOP}
    moved = {
        "src/models/shop/models.py": schema,
        "src/models/shop/migrations/0002_status.py": migration,
    }
    assert await missing(tmp_path / "c", nested, moved) == []


async def test_state_only_message_says_what_fails(tmp_path: Path) -> None:
    state = SHOP.replace("max_length=20,", 'max_length=20, help_text="Where it is",')
    repo = make_repo(tmp_path / "r", base=DJANGO_BASE, head={"shop/models.py": state})
    [finding] = [f for check in PACK.checks for f in check(await repo.snapshot())]
    assert "The database does not change, but `makemigrations --check` fails" in finding.message
    assert "Run `python manage.py makemigrations shop`" in finding.message


async def test_a_comment_written_in_a_model_needs_no_migration(tmp_path: Path) -> None:
    """A comment above the first field sits in the model's header: nothing to migrate."""
    commented = SHOP.replace(
        "class Order(models.Model):\n",
        "class Order(models.Model):\n    # Deliberately not a NoSSRFURLField: never fetched.\n\n",
    )
    assert await missing(tmp_path / "a", DJANGO_BASE, {"shop/models.py": commented}) == []
    field = commented.replace("    status =", "    url = models.URLField()\n    status =")
    assert await missing(tmp_path / "b", DJANGO_BASE, {"shop/models.py": field}) == [
        (DJANGO, "shop/models.py", line_of(field, "url = models.URLField()"), "error")
    ]


async def test_query_expression_output_field_is_no_model_field(tmp_path: Path) -> None:
    head = SHOP.replace("output_field=models.CharField()", "output_field=models.TextField()")
    assert await missing(tmp_path, DJANGO_BASE, {"shop/models.py": head}) == []


async def test_abstract_model_is_migrated_in_any_concrete_app(tmp_path: Path) -> None:
    core = CORE.replace("(auto_now_add=True)", "(auto_now_add=True, db_index=True)")
    migration = (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n    operations = []\n"
    )
    head = {"core/models.py": core, "shop/migrations/0002_order_created_idx.py": migration}
    assert await missing(tmp_path / "a", DJANGO_BASE, head) == []
    assert await missing(tmp_path / "b", DJANGO_BASE, {"core/models.py": core}) == [
        (DJANGO, "core/models.py", line_of(core, "created ="), "error")
    ]


SCHEMA_RB = """\
ActiveRecord::Schema[8.1].define(version: 2026_08_17_080444) do
  create_table "versions", force: :cascade do |t|
    t.string "number"
    t.string "platform"
    t.integer "rubygem_id"
  end
end
"""


async def test_schema_dump_redumped_or_reverted_with_its_migrations(tmp_path: Path) -> None:
    redumped = SCHEMA_RB.replace("2026_08_17_080444", "2026_08_18_000001").replace(
        '    t.string "number"\n    t.string "platform"\n',
        '    t.string "platform"\n    t.string "number"\n',
    )
    assert (
        await missing(tmp_path / "a", {"db/schema.rb": SCHEMA_RB}, {"db/schema.rb": redumped}) == []
    )
    migration = "db/migrate/20260818000001_add_ruby_abi.rb"
    base = {
        "db/schema.rb": SCHEMA_RB.replace(
            '    t.integer "rubygem_id"\n', '    t.integer "rubygem_id"\n    t.string "ruby_abi"\n'
        ),
        migration: "class AddRubyAbi < ActiveRecord::Migration[8.1]\nend\n",
    }
    reverted = {"db/schema.rb": SCHEMA_RB, migration: None}
    assert await missing(tmp_path / "b", base, reverted) == []
    edited = SCHEMA_RB.replace(
        '    t.integer "rubygem_id"\n', '    t.integer "rubygem_id"\n    t.string "sha"\n'
    )
    assert await missing(tmp_path / "c", {"db/schema.rb": SCHEMA_RB}, {"db/schema.rb": edited}) == [
        (SCHEMA_WITHOUT_MIGRATION, "db/schema.rb", line_of(edited, '"sha"'), "error")
    ]


async def test_a_dump_marked_generated_still_counts_as_redumped(tmp_path: Path) -> None:
    """Rails' .gitattributes marks db/schema.rb generated: unreviewed, but still re-dumped."""
    migration = "db/migrate/20260818000001_add_ruby_abi.rb"
    base = {".gitattributes": "db/schema.rb linguist-generated\n", "db/schema.rb": SCHEMA_RB}
    redumped = SCHEMA_RB.replace(
        '    t.integer "rubygem_id"\n', '    t.integer "rubygem_id"\n    t.string "ruby_abi"\n'
    )
    body = (
        "class AddRubyAbi < ActiveRecord::Migration[8.1]\n"
        "  def change\n    add_column :versions, :ruby_abi, :string\n  end\nend\n"
    )

    dumped = await missing(tmp_path / "a", base, {"db/schema.rb": redumped, migration: body})
    forgotten = await missing(tmp_path / "b", base, {migration: body})

    assert dumped == []
    assert forgotten == [(MIGRATION_WITHOUT_SCHEMA, migration, 1, "warning")]


DATA_ONLY = """\
class BackfillFulfilledRequests < ActiveRecord::Migration[8.0]
  disable_ddl_transaction!

  def up
    Request.where(status: "fulfilled").find_each do |request|
      request.update_columns(fulfilled_at: request.updated_at)
    end
    execute "UPDATE kits SET active = TRUE WHERE active IS NULL"
  end
end
"""


@pytest.mark.parametrize(
    ("schema_call", "severity"),
    [
        ("", "notice"),
        ("    add_column :requests, :fulfilled_at, :datetime\n", "warning"),
        ("    safety_assured { remove_column :kits, :legacy }\n", "warning"),
        ("    change_table(:kits) { |t| t.boolean :visible }\n", "warning"),
        ('    execute "ALTER TABLE kits ADD COLUMN visible boolean"\n', "warning"),
        ("    create_view :fulfilled_requests\n", "warning"),
    ],
)
async def test_a_migration_that_only_moves_data_leaves_the_dump_as_it_was(
    tmp_path: Path, schema_call: str, severity: str
) -> None:
    """Re-dumping after a data-only migration would move nothing but the version stamp: a
    notice; any schema statement, in a block or in raw SQL, keeps the warning."""
    migration = "db/migrate/20250826223940_backfill_fulfilled_requests.rb"
    body = DATA_ONLY.replace("  def up\n", "  def up\n" + schema_call)
    found = await missing(tmp_path, {"db/schema.rb": SCHEMA_RB}, {migration: body})
    assert found == [(MIGRATION_WITHOUT_SCHEMA, migration, 1, severity)]


async def test_deleted_prisma_schema_needs_no_migration(tmp_path: Path) -> None:
    schema = 'datasource db {\n  provider = "mysql"\n}\n\nmodel User {\n  id String @id\n}\n'
    base = {
        "db/mysql/schema.prisma": schema,
        "db/mysql/migrations/01_init/migration.sql": "SELECT 1;\n",
    }
    assert await missing(tmp_path / "a", base, {"db/mysql/schema.prisma": None}) == []
    changed = schema.replace("  id String @id\n", "  id String @id\n  name String\n")
    assert await missing(tmp_path / "b", base, {"db/mysql/schema.prisma": changed}) == [
        (PRISMA, "db/mysql/schema.prisma", line_of(changed, "name String"), "error")
    ]


async def test_prisma_client_side_attributes_need_no_migration(tmp_path: Path) -> None:
    """`@updatedAt` and `@default(uuid())` are applied by Prisma Client: the table is unchanged."""
    schema = "model Report {\n  id String @id\n  updatedAt DateTime?\n  name String\n}\n"
    base = {
        "prisma/schema.prisma": schema,
        "prisma/migrations/01_init/migration.sql": "CREATE TABLE report (id text);\n",
    }
    client_side = schema.replace("DateTime?", "DateTime? @updatedAt").replace(
        "@id", "@id @default(uuid())"
    )
    assert await missing(tmp_path / "a", base, {"prisma/schema.prisma": client_side}) == []
    typed = schema.replace("name String", "name String @db.VarChar(50)")
    assert await missing(tmp_path / "b", base, {"prisma/schema.prisma": typed}) == [
        (PRISMA, "prisma/schema.prisma", line_of(typed, "name String"), "error")
    ]


USER_ENTITY = """\
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  email: string;
}
"""
TYPEORM_BASE = {
    "package.json": '{"name": "api", "dependencies": {"typeorm": "0.3.20"}}\n',
    "src/entity/User.ts": USER_ENTITY,
    "src/migrations/1700000000000-CreateUsers.ts": "export class CreateUsers1700000000000 {}\n",
}


async def test_a_typeorm_column_is_named_by_its_property_not_its_decorators(
    tmp_path: Path,
) -> None:
    """A new column is one statement from `@Column()` to `name: string;`: the finding names the
    property, as a reviewer would (a removed one too, on the base side); the same column with its
    migration needs nothing."""
    entity = USER_ENTITY.replace(
        "  email: string;\n",
        "  email: string;\n\n  @Column({ nullable: true })\n  @Index()\n  name: string;\n",
    )
    path = "src/entity/User.ts"
    assert await missing(tmp_path / "a", TYPEORM_BASE, {path: entity}) == [
        (TYPEORM, path, line_of(entity, "name: string;"), "error")
    ]
    migration = "src/migrations/1700000000001-AddName.ts"
    head = {path: entity, migration: "export class AddName1700000000001 {}\n"}
    assert await missing(tmp_path / "b", TYPEORM_BASE, head) == []
    dropped = USER_ENTITY.replace("  @Column({ unique: true })\n  email: string;\n", "")
    assert await missing(tmp_path / "c", TYPEORM_BASE, {path: dropped}) == [
        (TYPEORM, path, line_of(USER_ENTITY, "email: string;"), "error")
    ]


async def test_a_typeorm_decorator_changed_alone_is_named_by_its_own_line(tmp_path: Path) -> None:
    """When only `@Column(...)` changes, the property is not in the change: the decorator is the
    line that shows the problem."""
    entity = USER_ENTITY.replace("@Column({ unique: true })", "@Column({ unique: false })")
    path = "src/entity/User.ts"
    assert await missing(tmp_path, TYPEORM_BASE, {path: entity}) == [
        (TYPEORM, path, line_of(entity, "@Column({ unique: false })"), "error")
    ]


PARTIAL_INDEX = """\
ActiveRecord::Schema[8.0].define(version: 2026_08_17_080444) do
  enable_extension "plpgsql"

  create_table "lock_events", force: :cascade do |t|
    t.string "event_name", null: false
    t.string "key", null: false
    t.index ["event_name", "key"], name: "index_lock_events_on_event_name_and_key", unique: true, where: "((event_name)::text = ANY ((ARRAY['start'::character varying, 'complete'::character varying])::text[]))"
  end
end
"""  # noqa: E501


async def test_a_dump_a_newer_postgres_prints_is_a_redump(tmp_path: Path) -> None:
    """A newer Postgres prints the same partial index with its casts elsewhere and the built-in
    extension with its schema: nothing the database runs differs, no migration is due. A
    changed condition still is a schema edit."""
    printed = PARTIAL_INDEX.replace('"plpgsql"', '"pg_catalog.plpgsql"').replace(
        "ANY ((ARRAY['start'::character varying, 'complete'::character varying])::text[])",
        "ANY (ARRAY[('start'::character varying)::text, ('complete'::character varying)::text])",
    )
    base = {"db/schema.rb": PARTIAL_INDEX}
    assert await missing(tmp_path / "a", base, {"db/schema.rb": printed}) == []
    narrowed = printed.replace(", ('complete'::character varying)::text", "")
    assert await missing(tmp_path / "b", base, {"db/schema.rb": narrowed}) == [
        (SCHEMA_WITHOUT_MIGRATION, "db/schema.rb", line_of(narrowed, "t.index"), "error")
    ]


async def test_a_migration_an_engine_installed_is_the_dump_s_migration(tmp_path: Path) -> None:
    """`rails railties:install:migrations` names a copied migration after its engine
    (`….console1984.rb`): it is the migration of the dump's new tables."""
    dumped = SCHEMA_RB.replace(
        "end\nend\n",
        'end\n\n  create_table "console1984_sessions", force: :cascade do |t|\n'
        '    t.text "reason"\n  end\nend\n',
    )
    body = "class CreateConsole1984Tables < ActiveRecord::Migration[7.0]\nend\n"
    engine = "db/migrate/20250225111255_create_console1984_tables.console1984.rb"
    base = {"db/schema.rb": SCHEMA_RB}
    assert await missing(tmp_path / "a", base, {"db/schema.rb": dumped, engine: body}) == []
    assert await missing(tmp_path / "b", base, {"db/schema.rb": dumped}) == [
        (SCHEMA_WITHOUT_MIGRATION, "db/schema.rb", line_of(dumped, "console1984_sessions"), "error")
    ]
