"""Edits of a committed migration that leave what a deploy ran as it was are no error.

Four kinds, each with look-alikes and positives that change what the deploy runs:
- only the rollback changes (`downgrade()`, `down`, reverse code, a SQL down section): a notice,
  since every database reads the rollback from the file;
- only the transaction wrapping changes (a Rails `disable_ddl_transaction!` typo fixed): the
  same statements run;
- index operations said one after the other are reordered (the fix of a migration that failed
  where a foreign key needed the index dropped first): the same schema where both orders ran;
- the file is a script run by hand from a scripts folder, or has no number to order it by: no
  migration history holds it.
A hotfix that runs something else where the old version failed stays an error: whether the
databases that ran it would take the same branch is no fact of the tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.migrations import EDITED, PACK
from tests.gitrepo import make_repo

ALEMBIC_PATH = "app/alembic/versions/5e6f7a8b9c0d_cascade_owner.py"
ALEMBIC = """\
from alembic import op


revision = "5e6f7a8b9c0d"
down_revision = "4d5e6f7a8b9c"


def upgrade():
    op.drop_constraint("post_author_id_fkey", "post", type_="foreignkey")
    op.create_foreign_key(None, "post", "author", ["author_id"], ["id"], ondelete="CASCADE")


def downgrade():
    op.drop_constraint(None, "post", type_="foreignkey")
    op.create_foreign_key("post_author_id_fkey", "post", "author", ["author_id"], ["id"])
"""

DJANGO_PATH = "shop/migrations/0007_fill_slug.py"
DJANGO = """\
from django.db import migrations


def fill(apps, schema_editor):
    Item = apps.get_model("shop", "Item")
    Item.objects.filter(slug="").update(slug="item")


def unfill(apps, schema_editor):
    Item = apps.get_model("shop", "Item")
    Item.objects.update(slug="")


class Migration(migrations.Migration):
    dependencies = [("shop", "0006_item_slug")]

    operations = [
        migrations.RunPython(fill, unfill),
        migrations.RunSQL("UPDATE shop_item SET rank = 0", reverse_sql="SELECT 1"),
    ]
"""

RAILS_PATH = "db/migrate/20240301000000_backfill_owner_ids.rb"
RAILS = """\
class BackfillOwnerIds < ActiveRecord::Migration[7.1]
  disable_ddl_transaction

  class Note < ActiveRecord::Base
    self.table_name = "notes"
  end

  def up
    Note.where(owner_id: nil).in_batches { |batch| batch.update_all(owner_id: 0) }
  end

  def down
    Note.where(owner_id: 0).update_all(owner_id: nil)
  end
end
"""

REVERSIBLE_PATH = "db/migrate/20240302000000_add_state_check.rb"
REVERSIBLE = """\
class AddStateCheck < ActiveRecord::Migration[7.1]
  def change
    reversible do |direction|
      direction.up { execute "UPDATE orders SET state = 'new' WHERE state IS NULL" }
      direction.down { execute "SELECT 1" }
    end
    add_column :orders, :checked, :boolean
  end
end
"""

INDEX_PATH = "db/migrate/20240303000000_index_events_by_day.rb"
INDEX = """\
class IndexEventsByDay < ActiveRecord::Migration[7.1]
  def change
    add_column :events, :day, :date
    remove_index :events, :tenant_id
    add_index :events, %i[tenant_id day]
    add_index :events, :day
  end
end
"""

KNEX_PATH = "db/migrations/20240304000000_add_tags.js"
KNEX = """\
exports.up = function (knex) {
  return knex.schema.createTable("tags", (table) => {
    table.increments("id");
    table.string("name");
  });
};

exports.down = function (knex) {
  return knex.schema.dropTable("tag");
};
"""

GOOSE_PATH = "db/migrations/00012_add_labels.sql"
GOOSE = """\
-- +goose Up
CREATE TABLE labels (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
DROP INDEX labels_old_name;
CREATE INDEX labels_name ON labels (name);

-- +goose Down
DROP TABLE label;
"""

SCRIPT_PATH = "apps/api/scripts/migrations/backfill-invoice-totals.ts"
NUMBERLESS_PATH = "apps/api/migrations/backfill-invoice-totals.ts"
NUMBERED_PATH = "apps/api/migrations/20240305000000-backfill-invoice-totals.ts"
SCRIPT = """\
import { db } from "@/lib/db";

async function main() {
  const rows = await db.invoice.findMany({ where: { total: null }, take: 250 });
  for (const row of rows) {
    await db.invoice.update({ where: { id: row.id }, data: { total: 0 } });
  }
}

main();
"""
SCRIPT_EDIT = SCRIPT.replace("take: 250", "take: BATCH_SIZE").replace(
    'import { db } from "@/lib/db";\n',
    'import { db } from "@/lib/db";\nimport { BATCH_SIZE } from "@/lib/batch";\n',
)


async def found(tmp_path: Path, path: str, old: str, new: str) -> list[tuple[str, str]]:
    """The edited-migration findings of a change that edits `path` from `old` to `new`."""
    assert old != new
    repo = make_repo(tmp_path / "r", base={path: old}, head={path: new})
    snap = await repo.snapshot()
    findings = [f for check in PACK.checks for f in check(snap) if f.rule == EDITED]
    return [(f.path, f.severity.value) for f in findings]


ROLLBACK_ONLY = [
    (
        "alembic downgrade names the constraint upgrade created",
        ALEMBIC_PATH,
        ALEMBIC,
        ALEMBIC.replace(
            'op.drop_constraint(None, "post"', 'op.drop_constraint("post_author_id_fkey", "post"'
        ),
    ),
    (
        "django reverse function and reverse SQL fixed",
        DJANGO_PATH,
        DJANGO,
        DJANGO.replace('update(slug="")', 'update(slug="-")').replace(
            'reverse_sql="SELECT 1"', 'reverse_sql="UPDATE shop_item SET rank = NULL"'
        ),
    ),
    (
        "rails down method fixed",
        RAILS_PATH,
        RAILS,
        RAILS.replace(
            "update_all(owner_id: nil)", "in_batches { |b| b.update_all(owner_id: nil) }"
        ),
    ),
    (
        "rails reversible down block fixed",
        REVERSIBLE_PATH,
        REVERSIBLE,
        REVERSIBLE.replace('execute "SELECT 1"', 'execute "UPDATE orders SET state = NULL"'),
    ),
    (
        "knex exports.down names the right table",
        KNEX_PATH,
        KNEX,
        KNEX.replace('dropTable("tag")', 'dropTable("tags")'),
    ),
    (
        "goose down section names the right table",
        GOOSE_PATH,
        GOOSE,
        GOOSE.replace("DROP TABLE label;", "DROP TABLE labels;"),
    ),
]


@pytest.mark.parametrize(
    ("path", "old", "new"), [c[1:] for c in ROLLBACK_ONLY], ids=[c[0] for c in ROLLBACK_ONLY]
)
async def test_an_edit_of_the_rollback_alone_is_a_notice(
    tmp_path: Path, path: str, old: str, new: str
) -> None:
    """Every database reads the rollback from the file: none drifts, a reviewer is told."""
    assert await found(tmp_path, path, old, new) == [(path, "notice")]


FORWARD_TOO = [
    (
        "alembic upgrade changed with the downgrade",
        ALEMBIC_PATH,
        ALEMBIC,
        ALEMBIC.replace(
            "op.create_foreign_key(None", 'op.create_foreign_key("post_author_fk"'
        ).replace('op.drop_constraint(None, "post"', 'op.drop_constraint("post_author_fk", "post"'),
    ),
    (
        "django forward function changed beside its reverse",
        DJANGO_PATH,
        DJANGO,
        DJANGO.replace('update(slug="item")', 'update(slug="untitled")').replace(
            'update(slug="")', 'update(slug="-")'
        ),
    ),
    (
        "django reverse function made the forward one",
        DJANGO_PATH,
        DJANGO,
        DJANGO.replace("RunPython(fill, unfill)", "RunPython(unfill, fill)"),
    ),
    (
        "rails up changed with the down",
        RAILS_PATH,
        RAILS,
        RAILS.replace("owner_id: 0)", "owner_id: 1)"),
    ),
    (
        "rails reversible up block changed",
        REVERSIBLE_PATH,
        REVERSIBLE,
        REVERSIBLE.replace("SET state = 'new'", "SET state = 'open'"),
    ),
    (
        "knex exports.up changed",
        KNEX_PATH,
        KNEX,
        KNEX.replace('table.string("name");', 'table.string("name").notNullable();'),
    ),
    (
        "goose up section changed",
        GOOSE_PATH,
        GOOSE,
        GOOSE.replace("name TEXT NOT NULL", "name TEXT"),
    ),
]


@pytest.mark.parametrize(
    ("path", "old", "new"), [c[1:] for c in FORWARD_TOO], ids=[c[0] for c in FORWARD_TOO]
)
async def test_an_edit_of_what_a_deploy_runs_stays_an_error(
    tmp_path: Path, path: str, old: str, new: str
) -> None:
    assert await found(tmp_path, path, old, new) == [(path, "error")]


async def test_a_fixed_transaction_directive_is_quiet(tmp_path: Path) -> None:
    """`disable_ddl_transaction` (a no-op) spelled `disable_ddl_transaction!`: same statements."""
    new = RAILS.replace("disable_ddl_transaction\n", "disable_ddl_transaction!\n")
    assert await found(tmp_path, RAILS_PATH, RAILS, new) == []


async def test_a_dropped_transaction_directive_with_a_changed_statement_is_an_error(
    tmp_path: Path,
) -> None:
    new = RAILS.replace("disable_ddl_transaction\n", "").replace("owner_id: 0)", "owner_id: 1)")
    assert await found(tmp_path, RAILS_PATH, RAILS, new) == [(RAILS_PATH, "error")]


async def test_a_method_named_like_the_directive_still_counts(tmp_path: Path) -> None:
    """Only the class-level directive is no statement: a call of that name in `up` is one."""
    old = RAILS.replace("  def up\n", "  def up\n    disable_ddl_transaction!\n")
    assert await found(tmp_path, RAILS_PATH, old, RAILS) == [(RAILS_PATH, "error")]


INDEX_MOVES = [
    (
        "rails index added before the one it replaces is removed",
        INDEX_PATH,
        INDEX,
        INDEX.replace(
            "    remove_index :events, :tenant_id\n    add_index :events, %i[tenant_id day]\n",
            "    add_index :events, %i[tenant_id day]\n    remove_index :events, :tenant_id\n",
        ),
    ),
    (
        "sql index statements swapped",
        GOOSE_PATH,
        GOOSE,
        GOOSE.replace(
            "DROP INDEX labels_old_name;\nCREATE INDEX labels_name ON labels (name);\n",
            "CREATE INDEX labels_name ON labels (name);\nDROP INDEX labels_old_name;\n",
        ),
    ),
]


@pytest.mark.parametrize(
    ("path", "old", "new"), [c[1:] for c in INDEX_MOVES], ids=[c[0] for c in INDEX_MOVES]
)
async def test_index_operations_reordered_among_themselves_are_quiet(
    tmp_path: Path, path: str, old: str, new: str
) -> None:
    """Where both orders succeed they leave the same indexes: the fix of a failing order."""
    assert await found(tmp_path, path, old, new) == []


INDEX_EDITS = [
    (
        "rails index moved before the column it covers is added",
        INDEX,
        INDEX.replace(
            "    add_column :events, :day, :date\n    remove_index :events, :tenant_id\n",
            "    remove_index :events, :tenant_id\n    add_column :events, :day, :date\n",
        ),
    ),
    (
        "rails index columns changed in a reorder",
        INDEX,
        INDEX.replace(
            "    remove_index :events, :tenant_id\n    add_index :events, %i[tenant_id day]\n",
            "    add_index :events, %i[day tenant_id]\n    remove_index :events, :tenant_id\n",
        ),
    ),
    (
        "rails column operations reordered",
        INDEX.replace(
            "    add_column :events, :day, :date\n",
            "    add_column :events, :a, :date\n    add_column :events, :day, :date\n",
        ),
        INDEX.replace(
            "    add_column :events, :day, :date\n",
            "    add_column :events, :day, :date\n    add_column :events, :a, :date\n",
        ),
    ),
]


@pytest.mark.parametrize(
    ("old", "new"), [c[1:] for c in INDEX_EDITS], ids=[c[0] for c in INDEX_EDITS]
)
async def test_other_reorders_and_index_edits_stay_errors(
    tmp_path: Path, old: str, new: str
) -> None:
    assert await found(tmp_path, INDEX_PATH, old, new) == [(INDEX_PATH, "error")]


@pytest.mark.parametrize("path", [SCRIPT_PATH, NUMBERLESS_PATH])
async def test_a_script_run_by_hand_is_no_migration(tmp_path: Path, path: str) -> None:
    """A scripts folder, or a file with no number to order it by: no migration history."""
    assert await found(tmp_path, path, SCRIPT, SCRIPT_EDIT) == []


async def test_a_numbered_migration_of_the_same_code_is_an_error(tmp_path: Path) -> None:
    assert await found(tmp_path, NUMBERED_PATH, SCRIPT, SCRIPT_EDIT) == [(NUMBERED_PATH, "error")]


EXTENSION_PATH = "db/migrate/20240306000000_create_search_rows.rb"
EXTENSION = """\
class CreateSearchRows < ActiveRecord::Migration[7.1]
  def up
    enable_extension "btree_gin"
    add_index :search_rows, %i[tenant_id body], using: :gin
  end
end
"""


async def test_a_fallback_for_databases_where_it_failed_stays_an_error(tmp_path: Path) -> None:
    """Whether databases that ran it would take the same branch is a fact of each database
    (which extensions it has), not of the tree: the edit stays an error."""
    new = EXTENSION.replace(
        '    enable_extension "btree_gin"\n'
        "    add_index :search_rows, %i[tenant_id body], using: :gin\n",
        "    begin\n"
        '      enable_extension "btree_gin"\n'
        "    rescue StandardError\n"
        "      nil\n"
        "    end\n"
        '    columns = extension_enabled?("btree_gin") ? %i[tenant_id body] : :body\n'
        "    add_index :search_rows, columns, using: :gin\n",
    )
    assert await found(tmp_path, EXTENSION_PATH, EXTENSION, new) == [(EXTENSION_PATH, "error")]
