"""Kind 2 of issue 9: an edited migration is an error only when what it runs changes.

Each look-alike keeps a committed migration's operations and changes only what no database runs
(imports, type hints, comments, docstrings, raw strings, dependencies, idempotency options,
spelling); each positive changes an operation and names the line reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.migrations import EDITED, PACK
from bot.rules.model import Finding
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

ALEMBIC = '''\
"""add position to challenges

Revision ID: 48d8250d19bd
Revises: 4fe3eeed9a9d
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "48d8250d19bd"
down_revision = "4fe3eeed9a9d"


def upgrade():
    op.add_column("challenges", sa.Column("position", sa.Integer(), nullable=True))
    op.execute("UPDATE challenges SET position = id WHERE name ~ '\\\\d+'")


def downgrade():
    op.drop_column("challenges", "position")
'''

DJANGO = '''\
from __future__ import annotations

from typing import Any

from django.apps.registry import Apps
from django.db import migrations, models


def fill_code(apps: Apps, schema_editor: Any) -> None:
    """Give every notification a code."""
    Notification = apps.get_model("api", "Notification")
    for n in Notification.objects.filter(code=None):
        n.code = n.id
        n.save()


class Migration(migrations.Migration):
    dependencies = [("api", "0103_notification_code")]

    operations = [
        migrations.RunPython(fill_code, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notification",
            name="code",
            field=models.CharField(max_length=32, unique=True),
        ),
    ]
'''

RAILS = """\
# frozen_string_literal: true

class RemoveOldIndexes < ActiveRecord::Migration[8.1]
  disable_ddl_transaction!

  def up
    remove_index :versions,
      name: "index_versions_on_number",
      algorithm: :concurrently
  end

  def down
    add_index :versions, :number, name: "index_versions_on_number", algorithm: :concurrently
  end
end
"""

RAILS_BLOCK = """\
class AddResetToken < ActiveRecord::Migration[8.1]
  def change
    change_table :users, bulk: true do |t|
      t.string :reset_token_digest
      t.datetime :reset_token_expires_at
    end
  end
end
"""

MYSQL_INIT = """\
-- CreateTable
CREATE TABLE `user` (
    `user_id` VARCHAR(36) NOT NULL,
    `username` VARCHAR(255) NOT NULL,
    PRIMARY KEY (`user_id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- CreateIndex
CREATE INDEX `user_username_idx` ON `user`(`username`);
"""

ALEMBIC_PATH = "migrations/versions/48d8250d19bd_add_position_to_challenges.py"
DJANGO_PATH = "hc/api/migrations/0104_fill_notification_code.py"
RAILS_PATH = "db/migrate/20260818000003_remove_old_indexes.rb"
RAILS_BLOCK_PATH = "db/migrate/20260814000000_add_reset_token.rb"
MYSQL_PATH = "db/mysql/migrations/01_init/migration.sql"
RAILS_ARRAY_PATH = "db/migrate/20190106184413_remove_code_from_promotions.rb"
RAILS_ARRAY = """\
class RemoveCodeFromPromotions < ActiveRecord::Migration[5.1]
  class Promotion < ActiveRecord::Base
    self.table_name = 'spree_promotions'
    self.ignored_columns = %w(type)
  end

  def up
    Promotion.where.not(code: [nil, '']).update_all(kind: %i(coded).first)
    remove_column :spree_promotions, :code
  end
end
"""

BASE = {
    ALEMBIC_PATH: ALEMBIC,
    DJANGO_PATH: DJANGO,
    RAILS_PATH: RAILS,
    RAILS_BLOCK_PATH: RAILS_BLOCK,
    MYSQL_PATH: MYSQL_INIT,
    RAILS_ARRAY_PATH: RAILS_ARRAY,
}


def edited(findings: list[Finding]) -> list[tuple[str, int, str, str]]:
    return sorted((f.path, f.line, f.severity.value, f.side) for f in findings if f.rule == EDITED)


def line_of(text: str, needle: str) -> int:
    [number] = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return number


async def run(tmp_path: Path, path: str, text: str) -> list[tuple[str, int, str, str]]:
    repo = make_repo(tmp_path / "r", base=BASE, head={path: text})
    snap = await repo.snapshot()
    return edited([f for check in PACK.checks for f in check(snap)])


LOOK_ALIKES = [
    (
        "alembic imports reordered by a formatter",
        ALEMBIC_PATH,
        ALEMBIC.replace(
            "from alembic import op\nimport sqlalchemy as sa\n",
            "\nimport sqlalchemy as sa\nfrom alembic import op\n",
        ),
    ),
    (
        "alembic raw-string fix, docstring and comment edits",
        ALEMBIC_PATH,
        ALEMBIC.replace(
            "\"UPDATE challenges SET position = id WHERE name ~ '\\\\d+'\"",
            "r\"UPDATE challenges SET position = id WHERE name ~ '\\d+'\"",
        )
        .replace("add position to challenges", "Add a position column")
        .replace("# revision identifiers, used by Alembic.", "# identifiers"),
    ),
    (
        "django type hints and their import swapped",
        DJANGO_PATH,
        DJANGO.replace(
            "from django.apps.registry import Apps\nfrom django.db import migrations, models\n",
            "from django.db import migrations, models\n"
            "from django.db.migrations.state import StateApps\n",
        ).replace("apps: Apps", "apps: StateApps"),
    ),
    (
        "django dependencies re-pointed at a squashed migration, operations re-wrapped",
        DJANGO_PATH,
        DJANGO.replace("0103_notification_code", "0001_squashed_0103").replace(
            "            field=models.CharField(max_length=32, unique=True),\n",
            "            field=models.CharField(\n"
            "                unique=True, max_length=32\n"
            "            ),\n",
        ),
    ),
    (
        "django data step put before the schema step it lets succeed",
        DJANGO_PATH,
        DJANGO.replace(
            "        migrations.AlterField(",
            '        migrations.RunSQL("UPDATE api_notification SET code = LEFT(code, 32)"),\n'
            "        migrations.AlterField(",
        ),
    ),
    (
        "rails operations made idempotent",
        RAILS_PATH,
        RAILS.replace(
            '      name: "index_versions_on_number",\n',
            '      name: "index_versions_on_number",\n      if_exists: true,\n',
        ),
    ),
    (
        "rails change_table block rewritten as add_column calls",
        RAILS_BLOCK_PATH,
        RAILS_BLOCK.replace(
            "    change_table :users, bulk: true do |t|\n"
            "      t.string :reset_token_digest\n"
            "      t.datetime :reset_token_expires_at\n"
            "    end\n",
            "    # Strong Migrations cannot inspect change_table blocks.\n"
            "    add_column :users, :reset_token_digest, :string\n"
            "    add_column(:users, :reset_token_expires_at, :datetime)\n",
        ),
    ),
    (
        "rails quote style and percent-literal delimiters (standardrb)",
        RAILS_ARRAY_PATH,
        RAILS_ARRAY.replace("'", '"')
        .replace("%w(type)", "%w[type]")
        .replace("%i(coded)", "%i[coded]"),
    ),
    (
        "mysql: the default engine spelled out, index made idempotent",
        MYSQL_PATH,
        MYSQL_INIT.replace(") DEFAULT CHARACTER", ") ENGINE=InnoDB DEFAULT CHARACTER").replace(
            "-- CreateIndex", "-- CreateIndex (guarded)"
        ),
    ),
]


@pytest.mark.parametrize(
    ("path", "text"), [c[1:] for c in LOOK_ALIKES], ids=[c[0] for c in LOOK_ALIKES]
)
async def test_edits_that_run_the_same_are_quiet(tmp_path: Path, path: str, text: str) -> None:
    assert BASE[path] != text
    assert await run(tmp_path, path, text) == []


def changed(path: str, old: str, new: str) -> tuple[str, str, int]:
    """The edited text and its first line that differs from the base."""
    text = BASE[path].replace(old, new)
    assert text != BASE[path]
    pairs = zip(BASE[path].splitlines(), text.splitlines(), strict=False)
    first = next(n for n, (a, b) in enumerate(pairs, 1) if a != b)
    return path, text, first


POSITIVES = [
    (
        "alembic upgrade adds another column",
        *changed(
            ALEMBIC_PATH,
            "    op.execute(",
            '    op.add_column("challenges", sa.Column("rank", sa.Integer()))\n    op.execute(',
        ),
    ),
    (
        "alembic data statement changed",
        *changed(ALEMBIC_PATH, "SET position = id", "SET position = 0"),
    ),
    (
        "django RunPython function body changed",
        *changed(DJANGO_PATH, "n.code = n.id", "n.code = str(n.id)"),
    ),
    (
        "django field option changed",
        *changed(DJANGO_PATH, "max_length=32, unique=True", "max_length=64, unique=True"),
    ),
    (
        "django backfill appended after the schema step",
        *changed(
            DJANGO_PATH,
            "    ]\n",
            "        migrations.RunPython(fill_code, migrations.RunPython.noop),\n    ]\n",
        ),
    ),
    (
        "rails change_table column type changed",
        *changed(
            RAILS_BLOCK_PATH, "t.datetime :reset_token_expires_at", "t.date :reset_token_expires_at"
        ),
    ),
    (
        "rails percent-literal array given another element",
        *changed(RAILS_ARRAY_PATH, "%w(type)", "%w(type code)"),
    ),
    (
        "sql column length changed",
        *changed(MYSQL_PATH, "`username` VARCHAR(255)", "`username` VARCHAR(100)"),
    ),
]


@pytest.mark.parametrize(
    ("path", "text", "line"), [c[1:] for c in POSITIVES], ids=[c[0] for c in POSITIVES]
)
async def test_edits_of_what_runs_are_errors(
    tmp_path: Path, path: str, text: str, line: int
) -> None:
    assert await run(tmp_path, path, text) == [(path, line, "error", "RIGHT")]


async def test_bare_diff_reorder_is_quiet_and_real_edit_is_not(tmp_path: Path) -> None:
    """Without both sides' text, the changed lines decide: a pure reorder says nothing."""
    from bot.snapshot.model import Snapshot

    reorder = ALEMBIC.replace(
        "from alembic import op\nimport sqlalchemy as sa\n",
        "import sqlalchemy as sa\nfrom alembic import op\n",
    )
    repo = make_repo(tmp_path / "a", base=BASE, head={ALEMBIC_PATH: reorder})
    snap = Snapshot(repo.change)
    assert edited([f for check in PACK.checks for f in check(snap)]) == []
    edit = ALEMBIC.replace("SET position = id", "SET position = 0")
    repo = make_repo(tmp_path / "b", base=BASE, head={ALEMBIC_PATH: edit})
    snap = Snapshot(repo.change)
    found = edited([f for check in PACK.checks for f in check(snap)])
    assert found == [(ALEMBIC_PATH, line_of(edit, "SET position = 0"), "error", "RIGHT")]


def pack_findings(snap: Snapshot) -> list[Finding]:
    return [f for check in PACK.checks for f in check(snap)]


RAILS_MIGRATION = """class AddAbiToVersions < ActiveRecord::Migration[8.0]
  def change
    add_column :versions, :ruby_abi, :string
  end
end
"""
SCHEMA_WITH = """ActiveRecord::Schema[8.0].define(version: 2026_08_18_000001) do
  create_table "versions" do |t|
    t.string "ruby_abi"
  end
end
"""
SCHEMA_WITHOUT = """ActiveRecord::Schema[8.0].define(version: 2026_08_01_000000) do
  create_table "versions" do |t|
  end
end
"""
EMPTY_DJANGO = """from django.db import migrations


class Migration(migrations.Migration):
    operations = []
"""
MIGRATION_PATH = "db/migrate/20260818000001_add_ruby_abi_to_versions.rb"


async def test_a_revert_that_deletes_shipped_migrations_and_rolls_the_schema_back(
    tmp_path: Path,
) -> None:
    """Databases that ran the migration keep the column: an error, once for the whole revert."""
    second = MIGRATION_PATH.replace("000001_add_ruby_abi_to_versions", "000002_index_abi")
    repo = make_repo(
        tmp_path / "r",
        base={
            MIGRATION_PATH: RAILS_MIGRATION,
            second: RAILS_MIGRATION,
            "db/schema.rb": SCHEMA_WITH,
        },
        head={MIGRATION_PATH: None, second: None, "db/schema.rb": SCHEMA_WITHOUT},
    )
    found = [f for f in pack_findings(await repo.snapshot()) if f.rule == EDITED]
    assert [(f.path, f.side, f.line, f.severity.value) for f in found] == [
        (MIGRATION_PATH, "LEFT", 1, "error")
    ]
    assert "2 migrations" in found[0].message


async def test_pruning_old_migrations_whose_effect_stays_in_the_dump_is_quiet(
    tmp_path: Path,
) -> None:
    """Rails projects delete old migrations once schema.rb holds their effect: a cleanup."""
    repo = make_repo(
        tmp_path / "r",
        base={MIGRATION_PATH: RAILS_MIGRATION, "db/schema.rb": SCHEMA_WITH},
        head={MIGRATION_PATH: None},
    )
    assert [f for f in pack_findings(await repo.snapshot()) if f.rule == EDITED] == []


async def test_migrations_replaced_by_a_squashed_one_are_quiet(tmp_path: Path) -> None:
    """Django's squashmigrations: the squashed migration `replaces` the deleted ones."""
    squashed = EMPTY_DJANGO.replace(
        "    operations", '    replaces = [("shop", "0002_order_note")]\n    operations'
    )
    repo = make_repo(
        tmp_path / "r",
        base={"shop/migrations/0002_order_note.py": EMPTY_DJANGO},
        head={
            "shop/migrations/0002_order_note.py": None,
            "shop/migrations/0002_squashed_0003.py": squashed,
        },
    )
    assert [f for f in pack_findings(await repo.snapshot()) if f.rule == EDITED] == []


async def test_a_deleted_django_migration_with_nothing_replacing_it_is_a_warning(
    tmp_path: Path,
) -> None:
    repo = make_repo(
        tmp_path / "r",
        base={"shop/migrations/0002_order_note.py": EMPTY_DJANGO},
        head={"shop/migrations/0002_order_note.py": None},
    )
    found = [f for f in pack_findings(await repo.snapshot()) if f.rule == EDITED]
    assert [(f.path, f.severity.value) for f in found] == [
        ("shop/migrations/0002_order_note.py", "warning")
    ]


async def test_a_deleted_data_only_migration_is_quiet(tmp_path: Path) -> None:
    """A clamp folded back into the migration it prepared leaves no schema to reverse."""
    clamp = EMPTY_DJANGO.replace(
        "    operations = []",
        "    operations = [migrations.RunPython(clamp, migrations.RunPython.noop)]",
    ).replace("\n\nclass", "\n\ndef clamp(apps, schema_editor):\n    pass\n\n\nclass")
    repo = make_repo(
        tmp_path / "r",
        base={"shop/migrations/0002_clamp.py": clamp},
        head={"shop/migrations/0002_clamp.py": None},
    )
    assert [f for f in pack_findings(await repo.snapshot()) if f.rule == EDITED] == []
