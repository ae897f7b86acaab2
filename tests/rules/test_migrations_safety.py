"""Kinds 3 and 11 of issue 9: migration safety judged in context, for every migration language.

Look-alikes: a table created earlier in the change, a view redefined, a shadow-table swap,
state-only operations, projections and constraints, keyword arguments that are no types, and
advice that does not hold for the project's database. Positives: the same operations on a table
the running code uses, on the database where the hazard is real.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.rules.migrations import sql
from tests.gitrepo import make_repo

Hit = tuple[str, str, int]
POSTGRES_SETTINGS = {
    "app/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n'
}
SQLITE_SETTINGS = {
    "app/settings.py": 'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3"}}\n'
}
SHOP_MODELS = """\
from django.db import models


class Order(models.Model):
    email = models.EmailField(null=True)
    quantity = models.PositiveIntegerField(default=1)
    note = models.CharField(max_length=200)
"""


def line_of(text: str, needle: str, nth: int = 0) -> int:
    return [n for n, line in enumerate(text.splitlines(), 1) if needle in line][nth]


async def hazards(tmp_path: Path, base: Mapping[str, str], head: Mapping[str, str]) -> list[Hit]:
    repo = make_repo(tmp_path / "r", base={"README.md": "x\n", **base}, head=head)
    snap = await repo.snapshot()
    return sorted((f.rule, f.path, f.line) for f in sql.check_dangerous(snap))


def django_migration(*operations: str) -> str:
    body = "".join(f"        {op},\n" for op in operations)
    return (
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("shop", "0001_initial")]\n'
        f"    operations = [\n{body}    ]\n"
    )


# ---- SQL: context within the change ----------------------------------------------------------

CLICKHOUSE_VIEW = """\
-- update materialized view
ALTER TABLE umami.website_event ADD COLUMN tag String AFTER event_name;
ALTER TABLE umami.website_event DROP PROJECTION website_event_url_path_projection;
DROP TABLE umami.website_event_stats_hourly_mv;

CREATE MATERIALIZED VIEW umami.website_event_stats_hourly_mv
TO umami.website_event_stats_hourly
AS SELECT website_id, tag FROM umami.website_event;
"""

CLICKHOUSE_SWAP = """\
CREATE TABLE umami.session_new (id UUID, region LowCardinality(String))
ENGINE = MergeTree ORDER BY id;
INSERT INTO umami.session_new SELECT id, subdivision1 FROM umami.session;
RENAME TABLE umami.session TO umami.session_old;
RENAME TABLE umami.session_new TO umami.session;
DROP TABLE umami.session_old;
"""


async def test_view_redefined_projection_and_constraint_dropped_are_safe(tmp_path: Path) -> None:
    head = {
        "db/clickhouse/migrations/04_add_tag.sql": CLICKHOUSE_VIEW,
        "db/postgresql/migrations/04_x/migration.sql": (
            "ALTER TABLE accounts DROP CONSTRAINT accounts_plan_check;\n"
            "DROP VIEW IF EXISTS account_totals;\n"
            "CREATE VIEW account_totals AS SELECT plan, count(*) FROM accounts GROUP BY plan;\n"
        ),
    }
    assert await hazards(tmp_path, {}, head) == []


async def test_shadow_table_swap_is_safe_and_a_plain_drop_is_not(tmp_path: Path) -> None:
    path = "db/clickhouse/migrations/05_swap.sql"
    dropped = CLICKHOUSE_SWAP + "DROP TABLE umami.event_data;\n"
    assert await hazards(tmp_path, {}, {path: dropped}) == [
        (sql.DROP_TABLE, path, line_of(dropped, "DROP TABLE umami.event_data"))
    ]


async def test_each_action_of_an_alter_table_is_reported_on_its_own_line(tmp_path: Path) -> None:
    """The `DROP COLUMN` clause is where a reviewer comments, not the `ALTER TABLE` opening the
    statement three lines up; the `NOT NULL` of another action is on its own line too."""
    path = "db/migrations/V2__change.sql"
    script = (
        "ALTER TABLE accounts\n"
        "    ADD COLUMN tier text,\n"
        "    ALTER COLUMN email SET NOT NULL,\n"
        "    DROP COLUMN plan;\n"
    )
    assert await hazards(tmp_path, {}, {path: script}) == [
        (sql.DROP_COLUMN, path, line_of(script, "DROP COLUMN plan")),
        (sql.NOT_NULL, path, line_of(script, "SET NOT NULL")),
    ]


async def test_table_created_earlier_in_the_change_is_empty(tmp_path: Path) -> None:
    """A table created by an earlier migration of the same change: drops and indexes are safe."""
    create = 'CREATE TABLE "board" ("board_id" UUID NOT NULL, "slug" VARCHAR(100));\n'
    later = (
        'DROP INDEX IF EXISTS "board_slug_key";\n'
        'ALTER TABLE "board" DROP COLUMN IF EXISTS "slug";\n'
        'ALTER TABLE "board" ALTER COLUMN "board_id" SET DATA TYPE TEXT;\n'
        'CREATE INDEX "board_id_idx" ON "board"("board_id");\n'
        'ALTER TABLE "website" DROP COLUMN "share_id";\n'
    )
    head = {
        "prisma/migrations/16_boards/migration.sql": create,
        "prisma/migrations/19_drop_slug/migration.sql": later,
    }
    assert await hazards(tmp_path, {}, head) == [
        (sql.DROP_COLUMN, "prisma/migrations/19_drop_slug/migration.sql", 5)
    ]


async def test_another_database_s_new_table_is_not_this_one_s(tmp_path: Path) -> None:
    """db/mysql and db/postgresql keep separate histories: new in one is not new in the other."""
    head = {
        "db/mysql/migrations/07_tag/migration.sql": "CREATE TABLE `tag` (`id` INT);\n",
        "db/postgresql/migrations/07_tag/migration.sql": 'CREATE INDEX "tag_idx" ON "tag"("id");\n',
    }
    assert await hazards(tmp_path, {}, head) == [
        (sql.INDEX, "db/postgresql/migrations/07_tag/migration.sql", 1)
    ]


@pytest.mark.parametrize(
    ("provider", "expected"),
    [("postgresql", [(sql.INDEX, 1), (sql.NOT_NULL, 2)]), ("mysql", [])],
)
async def test_prisma_provider_decides_the_advice(
    tmp_path: Path, provider: str, expected: list[tuple[str, int]]
) -> None:
    """CONCURRENTLY is Postgres advice; MySQL fills a new NOT NULL column with a default."""
    migration = (
        "CREATE INDEX event_created_idx ON event(created_at);\n"
        "ALTER TABLE event ADD COLUMN kind INTEGER NOT NULL;\n"
    )
    path = "prisma/migrations/20_event/migration.sql"
    base = {"prisma/migrations/migration_lock.toml": f'provider = "{provider}"\n'}
    found = await hazards(tmp_path, base, {path: migration})
    assert found == sorted((rule, path, line) for rule, line in expected)


# ---- Alembic -----------------------------------------------------------------------------------

ALEMBIC_HEAD = '''\
"""cascade

Revision ID: e69a79ebffd3
Revises: 336b8c601b94
"""
from alembic import op
import sqlalchemy as sa

revision = "e69a79ebffd3"
down_revision = "336b8c601b94"


def upgrade():
    op.drop_constraint("files_solution_id_fkey", "files", type_="foreignkey")
    op.create_foreign_key("files_solution_id_fkey", "files", "solutions", ["solution_id"], ["id"])
    op.create_table("tags", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("tags", sa.Column("name", sa.String(80), nullable=False))
    op.create_index("tags_name", "tags", ["name"])
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("email", type_=sa.String(320))
    op.create_index("users_name", "users", ["name"], postgresql_concurrently=True)
    op.drop_column("users", "legacy")


def downgrade():
    op.drop_table("tags")
'''


async def test_alembic_keywords_new_tables_and_batches(tmp_path: Path) -> None:
    path = "migrations/versions/e69a79ebffd3_cascade.py"
    assert await hazards(tmp_path, {}, {path: ALEMBIC_HEAD}) == sorted(
        [
            (sql.DROP_COLUMN, path, line_of(ALEMBIC_HEAD, 'op.drop_column("users"')),
            (sql.TYPE_CHANGE, path, line_of(ALEMBIC_HEAD, "batch_op.alter_column")),
        ]
    )


# ---- Rails -------------------------------------------------------------------------------------

RAILS_INDEXES = """\
class AddAbiIndexes < ActiveRecord::Migration[8.1]
  disable_ddl_transaction!

  def up
    add_index :versions,
      %i[rubygem_id number platform],
      unique: true,
      name: "index_versions_number_platform",
      algorithm: :concurrently

    add_index :versions,
      %i[rubygem_id created_at],
      name: "index_versions_created"
  end

  def down
    remove_index :versions, name: "index_versions_number_platform"
  end
end
"""

RAILS_DROPS = """\
class DropOldColumns < ActiveRecord::Migration[8.1]
  def change
    safety_assured do
      remove_column(:organization_onboardings, :name_type, :string)
    end
    remove_column :users, :token, :string
    remove_column :ownerships, :notifier, :string
  end
end
"""


async def test_rails_calls_read_whole_over_several_lines(tmp_path: Path) -> None:
    path = "db/migrate/20260818000002_add_abi_indexes.rb"
    base = {"config/database.yml": "production:\n  adapter: postgresql\n"}
    assert await hazards(tmp_path, base, {path: RAILS_INDEXES}) == [
        (sql.INDEX, path, line_of(RAILS_INDEXES, "add_index :versions", 1))
    ]


async def test_rails_index_advice_is_postgres_only(tmp_path: Path) -> None:
    path = "db/migrate/20260818000002_add_abi_indexes.rb"
    base = {"config/database.yml": "production:\n  adapter: mysql2\n"}
    assert await hazards(tmp_path, base, {path: RAILS_INDEXES}) == []


async def test_rails_safety_assured_and_ignored_columns_are_the_safe_path(tmp_path: Path) -> None:
    path = "db/migrate/20260708153052_drop_old_columns.rb"
    base = {
        "app/models/user.rb": (
            "class User < ApplicationRecord\n  self.ignored_columns += [:token]\nend\n"
        ),
        "app/models/ownership.rb": "class Ownership < ApplicationRecord\nend\n",
    }
    assert await hazards(tmp_path, base, {path: RAILS_DROPS}) == [
        (sql.DROP_COLUMN, path, line_of(RAILS_DROPS, "remove_column :ownerships"))
    ]


# ---- Django (kind 11) -------------------------------------------------------------------------


def shop(models: str = SHOP_MODELS, **more: str) -> dict[str, str]:
    return {
        "shop/__init__.py": "",
        "shop/models.py": models,
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": django_migration(),
        **POSTGRES_SETTINGS,
        **more,
    }


DJANGO_CASES: list[tuple[str, list[str], list[str]]] = [
    (
        "AlterField drops null=True on an existing table",
        ['migrations.AlterField(model_name="order", name="email", field=models.EmailField())'],
        [sql.NOT_NULL],
    ),
    (
        "AlterField to a smaller integer type rewrites the column",
        [
            'migrations.AlterField(model_name="order", name="quantity", '
            "field=models.PositiveSmallIntegerField(default=1))"
        ],
        [sql.TYPE_CHANGE],
    ),
    (
        "AlterField varchar to text is free; keeping null=True is no NOT NULL",
        [
            'migrations.AlterField(model_name="order", name="note", field=models.TextField())',
            'migrations.AlterField(model_name="order", name="email", '
            'field=models.EmailField(null=True, help_text="x"))',
        ],
        [],
    ),
    (
        "AddField NOT NULL with a one-off default",
        [
            'migrations.AddField(model_name="order", name="code", '
            'field=models.CharField(default="x", max_length=8), preserve_default=False)'
        ],
        [sql.NOT_NULL],
    ),
    (
        "AddField nullable, or with a database default, is safe",
        [
            'migrations.AddField(model_name="order", name="code", '
            "field=models.CharField(null=True, max_length=8), preserve_default=False)",
            'migrations.AddField(model_name="order", name="kind", '
            'field=models.CharField(db_default="a", max_length=8), preserve_default=False)',
        ],
        [],
    ),
    (
        "RemoveField, DeleteModel, RenameField",
        [
            'migrations.RemoveField(model_name="order", name="note")',
            'migrations.DeleteModel(name="Coupon")',
            'migrations.RenameField(model_name="order", old_name="email", new_name="mail")',
        ],
        [sql.DROP_COLUMN, sql.DROP_TABLE, sql.RENAME],
    ),
    (
        "state_operations of SeparateDatabaseAndState run on no database",
        [
            "migrations.SeparateDatabaseAndState(state_operations=["
            'migrations.RemoveField(model_name="order", name="note")])'
        ],
        [],
    ),
    (
        "AddIndex without AddIndexConcurrently on Postgres",
        [
            'migrations.AddIndex(model_name="order", '
            'index=models.Index(fields=["email"], name="order_email_idx"))',
            'AddIndexConcurrently(model_name="order", '
            'index=models.Index(fields=["note"], name="order_note_idx"))',
        ],
        [sql.INDEX],
    ),
    (
        "AlterField of a field renamed in from one the base never declared only moves its column",
        [
            'migrations.RemoveField(model_name="order", name="note")',
            'migrations.RenameField(model_name="order", old_name="note_tmp", new_name="note")',
            'migrations.AlterField(model_name="order", name="note", '
            'field=models.UUIDField(db_column="note_id", null=True))',
            'migrations.AlterField(model_name="order", name="note", '
            'field=models.ForeignKey(to="shop.Coupon", on_delete=models.CASCADE, null=True))',
        ],
        [sql.DROP_COLUMN, sql.RENAME],
    ),
    (
        "AlterField of a field renamed from a base field of another type rewrites it",
        [
            'migrations.RenameField(model_name="order", old_name="quantity", new_name="qty")',
            'migrations.AlterField(model_name="order", name="qty", '
            "field=models.CharField(max_length=8))",
        ],
        [sql.RENAME, sql.TYPE_CHANGE],
    ),
    (
        "operations on a model created earlier in the same migration",
        [
            'migrations.CreateModel(name="Coupon", '
            'fields=[("id", models.BigAutoField(primary_key=True))])',
            'migrations.AddIndex(model_name="coupon", '
            'index=models.Index(fields=["id"], name="coupon_idx"))',
            'migrations.RemoveField(model_name="coupon", name="code")',
        ],
        [],
    ),
]


@pytest.mark.parametrize(
    ("operations", "rules"), [c[1:] for c in DJANGO_CASES], ids=[c[0] for c in DJANGO_CASES]
)
async def test_django_operations(tmp_path: Path, operations: list[str], rules: list[str]) -> None:
    path = "shop/migrations/0002_change.py"
    migration = django_migration(*operations)
    found = await hazards(tmp_path, shop(), {path: migration})
    expected = [
        (rule, path, line_of(migration, operations[index].split("(")[0]))
        for index, rule in enumerate(rules)
    ]
    assert found == sorted(expected)


async def test_a_column_made_nullable_then_required_is_not_null(tmp_path: Path) -> None:
    """The base declares the column nullable; the first AlterField keeps it so, the second drops
    `null=True`: existing rows may hold NULL."""
    path = "shop/migrations/0002_change.py"
    migration = django_migration(
        'migrations.AlterField(model_name="order", name="email", '
        'field=models.EmailField(null=True, help_text="mail"))',
        'migrations.AlterField(model_name="order", name="email", '
        'field=models.EmailField(help_text="mail"))',
    )
    found = await hazards(tmp_path, shop(), {path: migration})
    assert found == [(sql.NOT_NULL, path, line_of(migration, "AlterField", 1))]


async def test_a_column_added_here_and_renamed_over_an_old_one_is_no_not_null(
    tmp_path: Path,
) -> None:
    """A nullable column added, the old one dropped, the new renamed to its name and made
    required: the column the AlterField changes is this migration's own (judged by AddField)."""
    path = "shop/migrations/0002_change.py"
    migration = django_migration(
        'migrations.AddField(model_name="order", name="email_tmp", '
        "field=models.EmailField(null=True))",
        'migrations.RemoveField(model_name="order", name="email")',
        'migrations.RenameField(model_name="order", old_name="email_tmp", new_name="email")',
        'migrations.AlterField(model_name="order", name="email", field=models.EmailField())',
    )
    found = await hazards(tmp_path, shop(), {path: migration})
    assert found == [
        (sql.DROP_COLUMN, path, line_of(migration, "RemoveField")),
        (sql.RENAME, path, line_of(migration, "RenameField")),
    ]


async def test_a_second_alter_field_is_judged_against_the_first(tmp_path: Path) -> None:
    """The base declares a CharField; the first AlterField keeps it (a `db_column` alone), the
    second makes it an integer: that one rewrites the column."""
    path = "shop/migrations/0002_change.py"
    migration = django_migration(
        'migrations.AlterField(model_name="order", name="note", '
        'field=models.CharField(max_length=200, db_column="note_text"))',
        'migrations.AlterField(model_name="order", name="note", '
        "field=models.IntegerField(null=True))",
    )
    found = await hazards(tmp_path, shop(), {path: migration})
    assert found == [(sql.TYPE_CHANGE, path, line_of(migration, "IntegerField"))]


FIELD_HAZARDS = django_migration(
    """migrations.AlterField(
            model_name="order",
            name="email",
            field=models.EmailField(max_length=254),
        )""",
    """migrations.AlterField(
            model_name="order",
            name="quantity",
            field=models.PositiveSmallIntegerField(default=1),
        )""",
    """migrations.AddField(
            model_name="order",
            name="code",
            field=models.CharField(default="x", max_length=8),
            preserve_default=False,
        )""",
)
OPERATION_HAZARDS = django_migration(
    """migrations.RemoveField(
            model_name="order",
            name="note",
        )""",
    """migrations.RenameField(
            model_name="order",
            old_name="email",
            new_name="mail",
        )""",
    """migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["quantity"], name="order_quantity_idx"),
        )""",
    """migrations.DeleteModel(
            name="Coupon",
        )""",
)


async def test_a_django_field_hazard_is_named_by_its_field_argument(tmp_path: Path) -> None:
    """As `makemigrations` writes them, AlterField and AddField span lines; what they do to the
    column (NOT NULL, another type) is in `field=`, so that is the line a finding names."""
    path = "shop/migrations/0002_change.py"
    migration = FIELD_HAZARDS
    assert await hazards(tmp_path, shop(), {path: migration}) == sorted(
        [
            (sql.NOT_NULL, path, line_of(migration, "field=models.EmailField(max_length=254)")),
            (sql.TYPE_CHANGE, path, line_of(migration, "field=models.PositiveSmallIntegerField")),
            (sql.NOT_NULL, path, line_of(migration, 'field=models.CharField(default="x"')),
        ]
    )


async def test_a_django_operation_hazard_is_named_by_the_operation(tmp_path: Path) -> None:
    """Dropping, renaming, indexing or deleting is the operation itself: its first line."""
    path = "shop/migrations/0002_change.py"
    migration = OPERATION_HAZARDS
    assert await hazards(tmp_path, shop(), {path: migration}) == sorted(
        [
            (sql.DROP_COLUMN, path, line_of(migration, "migrations.RemoveField(")),
            (sql.RENAME, path, line_of(migration, "migrations.RenameField(")),
            (sql.INDEX, path, line_of(migration, "migrations.AddIndex(")),
            (sql.DROP_TABLE, path, line_of(migration, "migrations.DeleteModel(")),
        ]
    )


async def test_django_index_advice_is_postgres_only(tmp_path: Path) -> None:
    path = "shop/migrations/0002_change.py"
    migration = django_migration(
        'migrations.AddIndex(model_name="order", index=models.Index(fields=["email"], name="e"))'
    )
    base = {**shop(), **SQLITE_SETTINGS}
    assert await hazards(tmp_path, base, {path: migration}) == []


async def test_django_runsql_is_parsed(tmp_path: Path) -> None:
    path = "shop/migrations/0002_change.py"
    migration = django_migration(
        'migrations.RunSQL("ALTER TABLE shop_order DROP COLUMN note", reverse_sql="")'
    )
    assert await hazards(tmp_path, shop(), {path: migration}) == [
        (sql.DROP_COLUMN, path, line_of(migration, "RunSQL"))
    ]


async def test_one_migration_dropping_several_columns_is_one_finding(tmp_path: Path) -> None:
    """One comment per migration and hazard, naming every line: the review stays readable."""
    migration = (
        "ALTER TABLE session DROP COLUMN subdivision2;\n"
        "ALTER TABLE session DROP COLUMN hostname;\n"
        "ALTER TABLE session DROP COLUMN city;\n"
    )
    path = "db/postgresql/migrations/09_regions/migration.sql"
    repo = make_repo(tmp_path / "r", base={"README.md": "x\n"}, head={path: migration})
    found = sql.check_dangerous(await repo.snapshot())
    assert [(f.rule, f.path, f.line) for f in found] == [(sql.DROP_COLUMN, path, 1)]
    assert found[0].message.endswith("The same holds on line(s) 2, 3.")


async def test_a_rails_project_s_database_yml_template_names_its_database(tmp_path: Path) -> None:
    """Projects that commit `database.yml.sample` get advice for the database it names."""
    migration = (
        "class IndexStories < ActiveRecord::Migration[8.0]\n"
        "  def change\n    add_index :stories, :title\n  end\nend\n"
    )
    path = "db/migrate/20260801000000_index_stories.rb"
    for adapter, expected in (("sqlite3", []), ("postgresql", [(sql.INDEX, path, 3)])):
        sample = {"config/database.yml.sample": f"production:\n  adapter: {adapter}\n"}
        found = await hazards(tmp_path / adapter, sample, {path: migration})
        assert found == expected, adapter


async def test_mysql_modify_restating_a_new_column_s_type_only_adds_not_null(
    tmp_path: Path,
) -> None:
    """MySQL's MODIFY restates the whole column: the same type is no type change."""
    migration = (
        "ALTER TABLE website_event ADD COLUMN visit_id VARCHAR(36) NULL;\n"
        "UPDATE website_event SET visit_id = session_id;\n"
        "ALTER TABLE website_event MODIFY visit_id VARCHAR(36) NOT NULL;\n"
        "ALTER TABLE website_event MODIFY referrer VARCHAR(100) NULL;\n"
    )
    path = "db/mysql/migrations/05_add_visit_id/migration.sql"
    found = await hazards(tmp_path, {}, {path: migration})
    assert found == [(sql.TYPE_CHANGE, path, 4), (sql.NOT_NULL, path, 3)]
