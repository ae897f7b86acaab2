"""Issue 9's foundation: every rule reads one shared parse of each side of each file.

The whole rule set runs, in this process, over one change with a Django app, an Alembic project,
SQL migrations and a Rails migration, while the parsers count what they are given: `ast.parse`,
sqlglot's `parse_one`, and for tree-sitter (whose Parser cannot be wrapped) the one function
that calls it. No side is parsed twice in a language, whichever and however many rules read it.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from bot.rules import runner
from bot.rules.migrations.meaning import meaning
from bot.rules.registry import PACKS
from bot.snapshot import trees
from bot.snapshot.model import Source
from tests.gitrepo import make_repo

SETTINGS = 'DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}\n'
MODELS = """\
from django.db import models


class Order(models.Model):
    total = models.IntegerField()
    code = models.CharField(max_length=20)
"""
DJANGO_0001 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[("total", models.IntegerField()), ("code", models.CharField(max_length=%d))],
        ),
    ]
"""
DJANGO_0002 = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField("order", "note", models.CharField(max_length=40, null=True)),
        migrations.AlterField(
            model_name="order", name="total", field=models.CharField(max_length=10)
        ),
    ]
"""
ALEMBIC_INI = "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql://db/app\n"
TABLES = """\
import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    name = sa.Column(sa.String(40))
"""
REVISION_A1 = '''\
"""items"""
%s

revision = "a1"
down_revision = None


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer(), primary_key=True))
'''
REVISION_B2 = """\
from alembic import op

revision = "b2"
down_revision = "a1"


def upgrade():
    op.create_index("ix_items_name", "items", ["name"])
"""
RAILS = """\
class CreateUsers < ActiveRecord::Migration[7.1]
  def change
    create_table :users do |t|
      t.string :%s
    end
  end
end
"""
SQL_BASE = [
    "CREATE TABLE tags (id INT PRIMARY KEY, label VARCHAR(20))",
    "CREATE TABLE notes (id INT)",
]
SQL_HEAD = [
    "CREATE TABLE tags (id INT PRIMARY KEY, label VARCHAR(40))",
    "CREATE TABLE notes (id INT)",
]
SQL_NEW = [
    "ALTER TABLE tags ALTER COLUMN label SET NOT NULL",
    "CREATE INDEX ix_label ON tags (label)",
]


def script(statements: list[str]) -> str:
    return "".join(f"{statement};\n" for statement in statements)


def lines(text: str) -> tuple[str, ...]:
    """The same side whether a rule parses its text or its lines joined again."""
    return tuple(text.splitlines())


def counting(calls: Counter[Any], parse: Callable[..., Any], key: Callable[..., Any]) -> Any:
    """Wrap a parser so that every call is counted under `key(args, kwargs)`."""

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[key(*args, **kwargs)] += 1
        return parse(*args, **kwargs)

    return counted


async def test_every_side_is_parsed_at_most_once_per_language_by_the_whole_rule_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Missing, edited and dangerous migrations all judged, from one parse of each side."""
    repo = make_repo(
        tmp_path / "r",
        base={
            "config/settings.py": SETTINGS,
            "shop/models.py": MODELS,
            "shop/migrations/0001_initial.py": DJANGO_0001 % 20,
            "alembic.ini": ALEMBIC_INI,
            "app/tables.py": TABLES,
            "alembic/versions/a1_items.py": REVISION_A1
            % "from alembic import op\nimport sqlalchemy as sa",
            "db/migrations/001_tags.sql": script(SQL_BASE),
            "db/migrate/20240101000000_create_users.rb": RAILS % "name",
        },
        head={
            "shop/models.py": MODELS.replace("IntegerField()", "CharField(max_length=10)")
            + "    note = models.CharField(max_length=40, null=True)\n",
            "shop/migrations/0001_initial.py": DJANGO_0001 % 30,
            "shop/migrations/0002_order_note.py": DJANGO_0002,
            "app/tables.py": TABLES + "    price = sa.Column(sa.Numeric(10, 2))\n",
            "alembic/versions/a1_items.py": REVISION_A1
            % "import sqlalchemy as sa\nfrom alembic import op",
            "alembic/versions/b2_index.py": REVISION_B2,
            "db/migrations/001_tags.sql": script(SQL_HEAD),
            "db/migrations/002_label.sql": script(SQL_NEW),
            "db/migrate/20240101000000_create_users.rb": RAILS % "email",
        },
    )
    snap = await repo.snapshot()
    python: Counter[tuple[str, ...]] = Counter()
    sql: Counter[tuple[str, str]] = Counter()
    tree_sitter: Counter[tuple[str, tuple[str, ...]]] = Counter()
    monkeypatch.setattr(
        ast, "parse", counting(python, ast.parse, lambda text, *_, **__: lines(text))
    )
    monkeypatch.setattr(
        sqlglot,
        "parse_one",
        counting(sql, sqlglot.parse_one, lambda text, *_, read, **__: (text, read)),
    )
    monkeypatch.setattr(
        trees,
        "parse_tree_sitter",
        counting(tree_sitter, trees.parse_tree_sitter, lambda name, text: (name, lines(text))),
    )

    checks = [(pack.id, check) for pack in PACKS for check in pack.checks]
    for _ in runner.parse(snap):  # as `readiness scan` does first, to show its progress
        pass
    reports = list(runner.run_checks(snap, checks))

    assert [r.problem for r in reports if r.problem] == []
    found = {(f.rule, f.path) for r in reports for f in r.findings}
    assert found >= {
        ("migrations/edited-migration", "shop/migrations/0001_initial.py"),
        ("migrations/edited-migration", "db/migrations/001_tags.sql"),
        ("migrations/edited-migration", "db/migrate/20240101000000_create_users.rb"),
        ("migrations/column-type-change", "shop/migrations/0002_order_note.py"),
        ("migrations/index-not-concurrent", "alembic/versions/b2_index.py"),
        ("migrations/index-not-concurrent", "db/migrations/002_label.sql"),
        ("migrations/not-null-on-existing-table", "db/migrations/002_label.sql"),
    }
    # Reordered imports run the same: the revision's two sides were parsed and compared.
    assert ("migrations/edited-migration", "alembic/versions/a1_items.py") not in found
    assert max(python.values()) == 1
    assert max(tree_sitter.values()) == 1
    for changed in snap.files:
        for side in (changed.before, changed.after):
            if side.text is not None and side.language == "python":
                assert python[lines(side.text)] == 1, side.path
            elif side.text is not None and side.language == "ruby":
                assert tree_sitter[("ruby", lines(side.text))] == 1, side.path
    # Each SQL side's statements once: the unchanged `notes` statement once on each side.
    assert sql == Counter((s, "postgres") for s in [*SQL_BASE, *SQL_HEAD, *SQL_NEW])


def test_reading_what_a_script_runs_leaves_the_shared_tree_as_parsed() -> None:
    """The edited-migration rule drops `IF EXISTS` from a copy: the next rule sees the script."""
    side = Source("db/migrations/003_old.sql", "DROP TABLE IF EXISTS old_tags;\n")

    assert meaning(side, None) == ("DROP TABLE old_tags",)
    statement = side.sql("postgres")[0]
    assert statement.tree is not None and statement.tree.sql() == "DROP TABLE IF EXISTS old_tags"
