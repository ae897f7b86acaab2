"""Base trees the migrations pack's docs examples start from: the corpus's stacks
(`tests/corpus/migrations/_stacks/`), so an example shows a change to a project that has its
models, migrations and config, as real ones do."""

from __future__ import annotations

from bot.rules.model import Files

# The base tree of the corpus's `alembic` stack (tests/corpus/migrations/_stacks/alembic.yml).
ALEMBIC_STACK: Files = (
    (
        "alembic.ini",
        """\
[alembic]
script_location = db
""",
    ),
    ("billing/__init__.py", ""),
    (
        "billing/models.py",
        """\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    lines: Mapped[list["Line"]] = relationship(back_populates="invoice")

    def label(self) -> str:
        return f"#{self.number}"
""",
    ),
    (
        "db/env.py",
        """\
from billing.models import Base

target_metadata = Base.metadata
""",
    ),
    (
        "db/versions/1a2b3c4d5e6f_create_invoices.py",
        """\
import sqlalchemy as sa
from alembic import op

revision = "1a2b3c4d5e6f"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(32), nullable=False),
    )
    op.create_index("ix_invoices_number", "invoices", ["number"], unique=True)


def downgrade() -> None:
    op.drop_table("invoices")
""",
    ),
)

# The base tree of the corpus's `django` stack (tests/corpus/migrations/_stacks/django.yml).
DJANGO_STACK: Files = (
    ("shop/__init__.py", ""),
    (
        "shop/migrations/0001_initial.py",
        """\
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("email", models.EmailField(max_length=254)),
                ("total", models.DecimalField(decimal_places=2, max_digits=10)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={"ordering": ["-created_at"]},
        ),
    ]
""",
    ),
    ("shop/migrations/__init__.py", ""),
    (
        "shop/models.py",
        (
            "from django.db import models\n"
            "\n"
            "\n"
            "class Order(models.Model):\n"
            '    """One checkout."""\n'
            "\n"
            "    email = models.EmailField()\n"
            "    total = models.DecimalField(max_digits=10, decimal_places=2)\n"
            "    created_at = models.DateTimeField(auto_now_add=True)\n"
            "\n"
            "    class Meta:\n"
            '        ordering = ["-created_at"]\n'
            "\n"
            "    def is_large(self) -> bool:\n"
            "        return self.total > 1000\n"
        ),
    ),
)

# The base tree of the corpus's `prisma` stack (tests/corpus/migrations/_stacks/prisma.yml).
PRISMA_STACK: Files = (
    (
        "package.json",
        """\
{"name": "api", "dependencies": {"@prisma/client": "5.20.0"}}
""",
    ),
    (
        "prisma/migrations/20260101000000_init/migration.sql",
        """\
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
""",
    ),
    (
        "prisma/migrations/migration_lock.toml",
        """\
provider = "postgresql"
""",
    ),
    (
        "prisma/schema.prisma",
        """\
generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id    Int     @id @default(autoincrement())
  email String  @unique
  name  String?
}
""",
    ),
)

# The base tree of the corpus's `rails` stack (tests/corpus/migrations/_stacks/rails.yml).
RAILS_STACK: Files = (
    (
        "app/models/user.rb",
        """\
class User < ApplicationRecord
  validates :email, presence: true
end
""",
    ),
    (
        "db/migrate/20260101000000_create_users.rb",
        """\
class CreateUsers < ActiveRecord::Migration[7.1]
  def change
    create_table :users do |t|
      t.string :email, null: false
      t.timestamps
    end
    add_index :users, :email, unique: true
  end
end
""",
    ),
    (
        "db/schema.rb",
        """\
ActiveRecord::Schema[7.1].define(version: 2026_01_01_000000) do
  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end
end
""",
    ),
)

# The base tree of the corpus's `sequelize` stack (tests/corpus/migrations/_stacks/sequelize.yml).
SEQUELIZE_STACK: Files = (
    (
        "migrations/20260101000000-create-user.js",
        """\
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.createTable('Users', {
      id: { type: Sequelize.INTEGER, primaryKey: true, autoIncrement: true },
      email: { type: Sequelize.STRING, allowNull: false },
    });
  },
  async down(queryInterface) {
    await queryInterface.dropTable('Users');
  },
};
""",
    ),
    (
        "models/user.js",
        """\
const { DataTypes, Model } = require('sequelize');

module.exports = (sequelize) => {
  class User extends Model {
    greet() {
      return `Hello ${this.email}`;
    }
  }
  User.init(
    {
      email: { type: DataTypes.STRING, allowNull: false },
    },
    { sequelize, modelName: 'User' },
  );
  return User;
};
""",
    ),
    (
        "package.json",
        """\
{"name": "api", "dependencies": {"sequelize": "6.37.0"}}
""",
    ),
)

# The base tree of the corpus's `sql` stack (tests/corpus/migrations/_stacks/sql.yml).
SQL_STACK: Files = (
    (
        "README.md",
        """\
Flyway migrations live in db/migrations.
""",
    ),
    (
        "db/migrations/V1__create_accounts.sql",
        """\
CREATE TABLE accounts (
    id bigserial PRIMARY KEY,
    email text NOT NULL,
    plan text
);
""",
    ),
)

# The base tree of the corpus's `typeorm` stack (tests/corpus/migrations/_stacks/typeorm.yml).
TYPEORM_STACK: Files = (
    (
        "package.json",
        """\
{"name": "api", "dependencies": {"typeorm": "0.3.20"}}
""",
    ),
    (
        "src/entity/User.ts",
        """\
import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ unique: true })
  email: string;

  greeting(): string {
    return `Hello ${this.email}`;
  }
}
""",
    ),
    (
        "src/migrations/1700000000000-CreateUsers.ts",
        """\
import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1700000000000 implements MigrationInterface {
  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "users" ("id" SERIAL PRIMARY KEY, "email" varchar NOT NULL)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
""",  # noqa: E501
    ),
)
