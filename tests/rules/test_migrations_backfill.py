"""A NOT NULL set after the same migration filled the column on every row cannot fail.

Look-alikes: a whole-table UPDATE (or one of the NULL rows), Rails `update_all`, a loop writing
every record, `change_column_null`'s fourth argument, Alembic's `op.execute("UPDATE ...")`, each
followed by a NOT NULL on that column: a notice about the lock, not a warning that rows fail.
Positives: fills that may leave a NULL (a join, another WHERE, a value read from a column, a
conditional or a non-raising write, another table or column, a fill after the constraint) still
warn, as a NOT NULL with no fill does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.migrations import sql
from tests.gitrepo import make_repo

Hit = tuple[int, str]
SQL_PATH = "db/migrations/V2__require_tier.sql"
RAILS_PATH = "db/migrate/20260301000000_require_tier.rb"
ALEMBIC_PATH = "db/versions/2b3c4d5e6f7a_require_tier.py"


async def not_nulls(tmp_path: Path, path: str, text: str) -> list[Hit]:
    """The NOT NULL findings on a new migration, as (line, severity)."""
    repo = make_repo(tmp_path / "r", base={"README.md": "x\n"}, head={path: text})
    found = sql.check_dangerous(await repo.snapshot())
    return sorted((f.line, f.severity.value) for f in found if f.rule == sql.NOT_NULL)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def rails(*body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body)
    return (
        "class RequireTier < ActiveRecord::Migration[7.1]\n"
        "  class LegacyPlan < ActiveRecord::Base\n"
        '    self.table_name = "subscriptions"\n'
        "  end\n\n"
        f"  def up\n{lines}  end\nend\n"
    )


def alembic(*body: str) -> str:
    lines = "".join(f"    {line}\n" for line in body)
    return (
        "import sqlalchemy as sa\nfrom alembic import op\n\n"
        'revision = "2b3c4d5e6f7a"\ndown_revision = "1a2b3c4d5e6f"\n\n\n'
        f"def upgrade() -> None:\n{lines}"
    )


# ---- SQL ---------------------------------------------------------------------------------------

SQL_FILLED = {
    "every NULL row": "UPDATE subscriptions SET tier = 'basic' WHERE tier IS NULL;",
    "the whole table": "UPDATE subscriptions SET tier = 'basic';",
    "NULL or empty rows": (
        "UPDATE subscriptions s SET tier = 'basic' WHERE (s.tier IS NULL OR tier = '');"
    ),
    "a default on a miss": "UPDATE subscriptions SET tier = COALESCE(legacy_tier, 'basic');",
    "a CASE with an ELSE": (
        "UPDATE subscriptions SET tier = CASE WHEN paid THEN 'pro' ELSE 'basic' END;"
    ),
    "a function of constants": "UPDATE subscriptions SET tier = md5(random()::text);",
}


@pytest.mark.parametrize("fill", SQL_FILLED.values(), ids=SQL_FILLED.keys())
async def test_a_sql_fill_of_every_null_row_leaves_a_notice(tmp_path: Path, fill: str) -> None:
    script = (
        "ALTER TABLE subscriptions ADD COLUMN tier text;\n"
        f"{fill}\n"
        "ALTER TABLE subscriptions ALTER COLUMN tier SET NOT NULL;\n"
    )
    assert await not_nulls(tmp_path, SQL_PATH, script) == [
        (line_of(script, "SET NOT NULL"), "notice")
    ]


async def test_the_notice_says_no_row_fails_and_names_the_lock(tmp_path: Path) -> None:
    """The message no longer claims the migration fails on existing rows."""
    script = (
        "UPDATE subscriptions SET tier = 'basic' WHERE tier IS NULL;\n"
        "ALTER TABLE subscriptions ALTER COLUMN tier SET NOT NULL;\n"
    )
    repo = make_repo(tmp_path / "r", base={"README.md": "x\n"}, head={SQL_PATH: script})
    (finding,) = sql.check_dangerous(await repo.snapshot())
    assert "no existing row fails" in finding.message
    assert "it fails on existing rows" not in finding.message
    assert "lock" in finding.message


SQL_UNFILLED = {
    "no fill": "SELECT 1;",
    "a join decides which rows": (
        "UPDATE subscriptions s SET tier = p.name FROM plans p WHERE s.plan_id = p.id;"
    ),
    "another condition": "UPDATE subscriptions SET tier = 'basic' WHERE paid;",
    "NULL rows and another condition": (
        "UPDATE subscriptions SET tier = 'basic' WHERE tier IS NULL AND paid;"
    ),
    "the rows already filled": "UPDATE subscriptions SET tier = 'basic' WHERE tier IS NOT NULL;",
    "a value read from a column": "UPDATE subscriptions SET tier = legacy_tier;",
    "a CASE without ELSE": "UPDATE subscriptions SET tier = CASE WHEN paid THEN 'pro' END;",
    "NULL itself": "UPDATE subscriptions SET tier = NULL;",
    "another column": "UPDATE subscriptions SET legacy_tier = 'basic';",
    "another table": "UPDATE plans SET tier = 'basic';",
}


@pytest.mark.parametrize("fill", SQL_UNFILLED.values(), ids=SQL_UNFILLED.keys())
async def test_a_sql_fill_that_may_leave_nulls_still_warns(tmp_path: Path, fill: str) -> None:
    script = f"{fill}\nALTER TABLE subscriptions ALTER COLUMN tier SET NOT NULL;\n"
    assert await not_nulls(tmp_path, SQL_PATH, script) == [(2, "warning")]


async def test_a_fill_after_the_not_null_comes_too_late(tmp_path: Path) -> None:
    script = (
        "ALTER TABLE subscriptions ALTER COLUMN tier SET NOT NULL;\n"
        "UPDATE subscriptions SET tier = 'basic';\n"
    )
    assert await not_nulls(tmp_path, SQL_PATH, script) == [(1, "warning")]


async def test_a_mysql_update_through_a_join_still_warns(tmp_path: Path) -> None:
    """`UPDATE t JOIN s ... WHERE t.c IS NULL` reaches only the NULL rows that match the join."""
    script = (
        "ALTER TABLE `subscriptions` ADD COLUMN `tier` VARCHAR(20) NULL;\n"
        "UPDATE `subscriptions` s JOIN `plans` p ON s.plan_id = p.id\n"
        "SET s.tier = 'basic' WHERE s.tier IS NULL;\n"
        "ALTER TABLE `subscriptions` MODIFY `tier` VARCHAR(20) NOT NULL;\n"
    )
    assert await not_nulls(tmp_path, "db/mysql/migrations/02/migration.sql", script) == [
        (4, "warning")
    ]


# ---- Rails -------------------------------------------------------------------------------------

RAILS_FILLED = {
    "update_all on the NULL rows of a model of the migration": (
        "LegacyPlan.where(tier: nil).in_batches.update_all(tier: 'basic')",
    ),
    "update_all on a model named by convention": ("Subscription.update_all(tier: 'basic')",),
    "a loop writing every record": (
        "LegacyPlan.find_each do |plan|",
        "  plan.update_columns(tier: TierNames.default_for_legacy)",
        "end",
    ),
    "every record of .all, with a literal": (
        "LegacyPlan.all.each { |plan| plan.update_column(:tier, 'basic') }",
    ),
    "batches written in a block": (
        "say_with_time 'filling tiers' do",
        "  LegacyPlan.in_batches(of: 500) { |batch| batch.update_all(tier: 'basic') }",
        "end",
    ),
    "SQL run by execute": ("execute \"UPDATE subscriptions SET tier = 'basic'\"",),
}


@pytest.mark.parametrize("fill", RAILS_FILLED.values(), ids=RAILS_FILLED.keys())
async def test_a_rails_fill_of_every_row_leaves_a_notice(
    tmp_path: Path, fill: tuple[str, ...]
) -> None:
    migration = rails(
        "add_column :subscriptions, :tier, :string",
        *fill,
        "change_column_null :subscriptions, :tier, false",
    )
    line = line_of(migration, "change_column_null")
    assert await not_nulls(tmp_path, RAILS_PATH, migration) == [(line, "notice")]


async def test_change_column_null_with_a_value_fills_the_null_rows(tmp_path: Path) -> None:
    """Rails writes the fourth argument into the NULL rows before adding the constraint."""
    migration = rails("change_column_null :subscriptions, :tier, false, 'basic'")
    line = line_of(migration, "change_column_null")
    assert await not_nulls(tmp_path, RAILS_PATH, migration) == [(line, "notice")]


RAILS_UNFILLED = {
    "no fill, and an UPDATE of another table": ("execute \"UPDATE plans SET tier = 'basic'\"",),
    "a fill under a condition": ("Subscription.update_all(tier: 'basic') if ENV['FILL']",),
    "a fill of some rows": ("Subscription.where(paid: true).update_all(tier: 'basic')",),
    "a fill of a range of batches": (
        "LegacyPlan.in_batches(start: 1000).update_all(tier: 'basic')",
    ),
    "nil written": ("Subscription.update_all(tier: nil)",),
    "a value read from the record": (
        "LegacyPlan.find_each { |plan| plan.update_columns(tier: plan.legacy_tier) }",
    ),
    "a write that may be refused": ("LegacyPlan.find_each { |plan| plan.update(tier: 'basic') }",),
    "a write under a condition in the loop": (
        "LegacyPlan.find_each { |plan| plan.update_columns(tier: 'basic') if plan.paid }",
    ),
    "another column": ("Subscription.update_all(legacy_tier: 'basic')",),
}


@pytest.mark.parametrize("fill", RAILS_UNFILLED.values(), ids=RAILS_UNFILLED.keys())
async def test_a_rails_fill_that_may_leave_nulls_still_warns(
    tmp_path: Path, fill: tuple[str, ...]
) -> None:
    migration = rails(*fill, "change_column_null :subscriptions, :tier, false")
    line = line_of(migration, "change_column_null")
    assert await not_nulls(tmp_path, RAILS_PATH, migration) == [(line, "warning")]


async def test_change_column_null_with_nil_fills_nothing(tmp_path: Path) -> None:
    migration = rails("change_column_null :subscriptions, :tier, false, nil")
    line = line_of(migration, "change_column_null")
    assert await not_nulls(tmp_path, RAILS_PATH, migration) == [(line, "warning")]


# ---- Alembic -----------------------------------------------------------------------------------


async def test_an_alembic_update_of_every_row_leaves_a_notice(tmp_path: Path) -> None:
    revision = alembic(
        "op.execute(\"UPDATE subscriptions SET tier = 'basic' WHERE tier IS NULL\")",
        'op.alter_column("subscriptions", "tier", nullable=False)',
    )
    line = line_of(revision, "alter_column")
    assert await not_nulls(tmp_path, ALEMBIC_PATH, revision) == [(line, "notice")]


async def test_an_alembic_update_under_a_condition_still_warns(tmp_path: Path) -> None:
    revision = alembic(
        "if op.get_context().dialect.name == 'postgresql':",
        "    op.execute(\"UPDATE subscriptions SET tier = 'basic'\")",
        'op.alter_column("subscriptions", "tier", nullable=False)',
    )
    line = line_of(revision, "alter_column")
    assert await not_nulls(tmp_path, ALEMBIC_PATH, revision) == [(line, "warning")]
