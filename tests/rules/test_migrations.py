"""Pack `migrations`: model changes must come with a Django migration or an Alembic revision."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.diff.parse import parse
from bot.rules.engine import evaluate
from bot.rules.migrations import DJANGO, PACK, SQLALCHEMY
from bot.rules.model import Finding
from bot.snapshot.model import Snapshot
from tests.gitrepo import Repo, make_repo
from tests.rules import declared

SHOP_MODELS = '''\
"""Orders placed in the web shop."""

from django.db import models


class Customer(models.Model):
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Order(models.Model):
    """One checkout."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    total = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def is_large(self) -> bool:
        return self.total > 1000
'''

SHOP_INITIAL = """\
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254, unique=True)),
                ("name", models.CharField(max_length=200)),
            ],
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("total", models.DecimalField(decimal_places=2, max_digits=10)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="orders",
                        to="shop.customer",
                    ),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
    ]
"""

SHOP_MIGRATION = """\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddField(
            model_name="order",
            name="discount",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=10),
        ),
    ]
"""

SHOP = {
    "shop/__init__.py": "",
    "shop/apps.py": (
        'from django.apps import AppConfig\n\n\nclass ShopConfig(AppConfig):\n    name = "shop"\n'
    ),
    "shop/models.py": SHOP_MODELS,
    "shop/migrations/__init__.py": "",
    "shop/migrations/0001_initial.py": SHOP_INITIAL,
    "shop/views.py": (
        "from django.http import JsonResponse\n\n\n"
        "def health(request):\n    return JsonResponse({'ok': True})\n"
    ),
}

WITH_DISCOUNT = SHOP_MODELS.replace(
    "    created_at = models.DateTimeField(auto_now_add=True)\n",
    "    created_at = models.DateTimeField(auto_now_add=True)\n"
    "    discount = models.DecimalField(\n"
    '        max_digits=10, decimal_places=2, default=0, help_text="Voucher amount"\n'
    "    )\n",
)

ALEMBIC_MODELS = '''\
"""Tables of the billing service."""

from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    lines: Mapped[list["InvoiceLine"]] = relationship(back_populates="invoice")

    def is_paid(self) -> bool:
        return self.amount == 0


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    invoice: Mapped[Invoice] = relationship(back_populates="lines")
'''

ALEMBIC_INITIAL = '''\
"""create invoices

Revision ID: 1a2b3c4d5e6f
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "1a2b3c4d5e6f"
down_revision = None


def upgrade() -> None:
    op.create_table("invoices", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("invoices")
'''

ALEMBIC_REVISION = '''\
"""add invoices.currency

Revision ID: 9f8e7d6c5b4a
Revises: 1a2b3c4d5e6f
"""

import sqlalchemy as sa
from alembic import op

revision = "9f8e7d6c5b4a"
down_revision = "1a2b3c4d5e6f"


def upgrade() -> None:
    op.add_column(
        "invoices", sa.Column("currency", sa.String(3), nullable=False, server_default="EUR")
    )


def downgrade() -> None:
    op.drop_column("invoices", "currency")
'''

BILLING = {
    "billing/__init__.py": "",
    "billing/models.py": ALEMBIC_MODELS,
    "alembic.ini": "[alembic]\nscript_location = alembic\n",
    "alembic/env.py": "from billing.models import Base\n\ntarget_metadata = Base.metadata\n",
    "alembic/versions/1a2b3c4d5e6f_create_invoices.py": ALEMBIC_INITIAL,
}

WITH_CURRENCY = ALEMBIC_MODELS.replace(
    "    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))\n",
    "    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))\n"
    '    currency: Mapped[str] = mapped_column(String(3), default="EUR")\n',
)

Files = Mapping[str, str | None]


def line_of(source: str, needle: str) -> int:
    """Return the 1-based number of the only line containing `needle`."""
    numbers = [n for n, text in enumerate(source.splitlines(), start=1) if needle in text]
    assert len(numbers) == 1, (needle, numbers)
    return numbers[0]


def summary(findings: list[Finding] | tuple[Finding, ...]) -> list[tuple[str, str, int, str, str]]:
    return sorted((f.rule, f.path, f.line, f.severity.value, f.side) for f in findings)


def run_pack(snap: Snapshot) -> list[Finding]:
    return declared.findings(PACK, snap)


async def both_ways(repo: Repo) -> tuple[list[Finding], list[Finding]]:
    """Run the pack with the repository's contents and on the bare diff alone."""
    return run_pack(await repo.snapshot()), run_pack(Snapshot(parse(repo.diff)))


DJANGO_CASES: list[tuple[str, Files, list[tuple[str, str, int, str, str]]]] = [
    (
        "new field, no migration",
        {"shop/models.py": WITH_DISCOUNT},
        [(DJANGO, "shop/models.py", line_of(WITH_DISCOUNT, "discount ="), "error", "RIGHT")],
    ),
    (
        "new field with its migration",
        {"shop/models.py": WITH_DISCOUNT, "shop/migrations/0002_order_discount.py": SHOP_MIGRATION},
        [],
    ),
    (
        "migration added to another app does not count",
        {
            "shop/models.py": WITH_DISCOUNT,
            "billing/migrations/0002_order_discount.py": SHOP_MIGRATION,
        },
        [(DJANGO, "shop/models.py", line_of(WITH_DISCOUNT, "discount ="), "error", "RIGHT")],
    ),
    (
        "field removed: reported on the old line",
        {"shop/models.py": SHOP_MODELS.replace("    created_at = models.DateTimeField(", "    #")},
        [(DJANGO, "shop/models.py", line_of(SHOP_MODELS, "created_at ="), "error", "LEFT")],
    ),
    (
        "table option in Meta",
        {
            "shop/models.py": SHOP_MODELS.replace(
                '        ordering = ["-created_at"]\n',
                '        ordering = ["-created_at"]\n        db_table = "shop_orders"\n',
            )
        },
        [(DJANGO, "shop/models.py", line_of(SHOP_MODELS, "ordering =") + 1, "error", "RIGHT")],
    ),
    (
        "method and docstring changes only",
        {
            "shop/models.py": SHOP_MODELS.replace('"""One checkout."""', '"""One paid checkout."""')
            .replace("self.total > 1000", "self.total >= 1000")
            .replace("return self.name", "return f'{self.name} <{self.email}>'")
        },
        [],
    ),
    (
        # Not a schema change, but Django records it (AlterModelOptions): a warning, not an error.
        "ordering changes migration state only",
        {"shop/models.py": SHOP_MODELS.replace('["-created_at"]', '["-created_at", "id"]')},
        [(DJANGO, "shop/models.py", line_of(SHOP_MODELS, "ordering ="), "warning", "RIGHT")],
    ),
    (
        "field re-wrapped and commented, same definition",
        {
            "shop/models.py": SHOP_MODELS.replace(
                "    total = models.DecimalField(max_digits=10, decimal_places=2)\n",
                "    total = models.DecimalField(  # gross, VAT included\n"
                "        max_digits=10,\n        decimal_places=2,\n    )\n",
            )
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("head", "expected"),
    [case[1:] for case in DJANGO_CASES],
    ids=[case[0] for case in DJANGO_CASES],
)
async def test_django(
    tmp_path: Path, head: Files, expected: list[tuple[str, str, int, str, str]]
) -> None:
    """A Django schema change needs a new file in the app's migrations folder."""
    repo = make_repo(tmp_path / "r", base=SHOP, head=head)
    with_contents, bare = await both_ways(repo)
    assert summary(with_contents) == expected
    assert summary(bare) == expected


async def test_django_new_model_in_models_package(tmp_path: Path) -> None:
    """A new model in a `models/` package is reported with the app's makemigrations command."""
    refund = """\
from django.db import models

from shop.models import Order


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
"""
    base = {**SHOP, "payments/__init__.py": "", "payments/models/__init__.py": ""}
    head = {"payments/models/refund.py": refund}
    repo = make_repo(tmp_path / "r", base=base, head=head)
    [finding] = run_pack(await repo.snapshot())
    assert summary([finding]) == [
        (DJANGO, "payments/models/refund.py", line_of(refund, "class Refund"), "error", "RIGHT")
    ]
    assert finding.message.startswith(
        "`Refund`, `Refund.order`, `Refund.amount` changed in `payments/models/refund.py`, but "
        "this change adds no migration under `payments/migrations/`."
    )
    assert "a database schema that does not have the new columns" in finding.message
    assert "Run `python manage.py makemigrations payments`" in finding.message


async def test_django_message_names_model_fields_and_command(tmp_path: Path) -> None:
    """The message names the changed model field, the risk and the command to run."""
    repo = make_repo(tmp_path / "r", base=SHOP, head={"shop/models.py": WITH_DISCOUNT})
    [finding] = run_pack(await repo.snapshot())
    assert finding.pack == "migrations"
    assert finding.message == (
        "`Order.discount` changed in `shop/models.py`, but this change adds no migration under "
        "`shop/migrations/`. The deploy will run this code against a database schema that does "
        "not have the new columns (or still requires the removed ones), so queries on these "
        "models fail until a migration runs. Run `python manage.py makemigrations shop` and "
        "commit the migration with this change."
    )


SQLALCHEMY_CASES: list[tuple[str, Files, list[tuple[str, str, int, str, str]]]] = [
    (
        "new mapped column, no revision",
        {"billing/models.py": WITH_CURRENCY},
        [(SQLALCHEMY, "billing/models.py", line_of(WITH_CURRENCY, "currency:"), "error", "RIGHT")],
    ),
    (
        "new mapped column with its revision",
        {
            "billing/models.py": WITH_CURRENCY,
            "alembic/versions/9f8e7d6c5b4a_add_currency.py": ALEMBIC_REVISION,
        },
        [],
    ),
    (
        "table renamed",
        {"billing/models.py": ALEMBIC_MODELS.replace('"invoice_lines"', '"invoice_items"')},
        [
            (
                SQLALCHEMY,
                "billing/models.py",
                line_of(ALEMBIC_MODELS, '"invoice_lines"'),
                "error",
                "RIGHT",
            )
        ],
    ),
    (
        "relationship and method changes only",
        {
            "billing/models.py": ALEMBIC_MODELS.replace(
                'relationship(back_populates="invoice")',
                'relationship(back_populates="invoice", order_by="InvoiceLine.id")',
            ).replace("self.amount == 0", "self.amount <= 0")
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("head", "expected"),
    [case[1:] for case in SQLALCHEMY_CASES],
    ids=[case[0] for case in SQLALCHEMY_CASES],
)
async def test_sqlalchemy(
    tmp_path: Path, head: Files, expected: list[tuple[str, str, int, str, str]]
) -> None:
    """A SQLAlchemy schema change needs a new Alembic revision in the same change."""
    repo = make_repo(tmp_path / "r", base=BILLING, head=head)
    with_contents, bare = await both_ways(repo)
    assert summary(with_contents) == expected
    assert summary(bare) == expected


async def test_sqlalchemy_core_table_and_message(tmp_path: Path) -> None:
    """A column added inside a Core `Table(...)` names the table and the Alembic command."""
    tables = """\
from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False),
)
"""
    head = tables.replace(
        '    Column("email", String(254), nullable=False),\n',
        '    Column("email", String(254), nullable=False),\n'
        '    Column("plan", String(20), nullable=False, server_default="free"),\n',
    )
    repo = make_repo(
        tmp_path / "r",
        base={"accounts/db/tables.py": tables, "migrations/versions/.keep": ""},
        head={"accounts/db/tables.py": head},
    )
    [finding] = run_pack(await repo.snapshot())
    assert summary([finding]) == [
        (SQLALCHEMY, "accounts/db/tables.py", line_of(head, '"plan"'), "error", "RIGHT")
    ]
    assert finding.message.startswith("`accounts.plan` changed in `accounts/db/tables.py`")
    assert "a database schema that does not have the new columns" in finding.message
    assert 'Run `alembic revision --autogenerate -m "<what changed>"`' in finding.message


async def test_table_that_is_not_sqlalchemy_is_ignored(tmp_path: Path) -> None:
    """A `Table(` or `Column(` from another library (rich) is no database schema."""
    report = (
        "from rich.table import Column, Table\n\n\n"
        "def render(rows):\n    table = Table(title='Orders')\n    return table\n"
    )
    head = report.replace("title='Orders'", "Column('Total', justify='right'), title='Orders'")
    repo = make_repo(tmp_path / "r", base={"cli/report.py": report}, head={"cli/report.py": head})
    assert run_pack(await repo.snapshot()) == []


async def test_engine_reports_missing_migration(tmp_path: Path) -> None:
    """Through the engine (registry caps, suppressions), the finding is kept as an error."""
    repo = make_repo(tmp_path / "r", base=SHOP, head={"shop/models.py": WITH_DISCOUNT})
    evaluation = await evaluate(await repo.snapshot(), packs=[PACK])
    ours = [f for f in evaluation.findings if f.pack == PACK.id]
    assert summary(ours) == [
        (DJANGO, "shop/models.py", line_of(WITH_DISCOUNT, "discount ="), "error", "RIGHT")
    ]
    assert ours[0].rule in PACK.ids
