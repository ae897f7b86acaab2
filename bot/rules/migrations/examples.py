"""Docs of the `migrations` rules: why each matters, a change it flags, a look-alike it spares.

Examples come from the pack's labelled corpus (`tests/corpus/migrations/`). Each rule's page
under `docs/rules/` (`python -m bot.rules.docs`) shows them as diffs;
`tests/rules/test_docs.py` runs each one through the engine: a flagged example must yield
the rule, its look-alike must not. Lines inside examples are code, kept as written.
"""

from __future__ import annotations

from bot.rules.model import Example

WHY: dict[str, str] = {
    "migrations/column-type-change": (
        "Changing a column's type rewrites the whole table under an exclusive lock: reads "
        "and writes wait until it is done, and old code may not read the new type."
    ),
    "migrations/django-missing-migration": (
        "The code deploys against a schema that lacks its new columns (or still requires "
        "removed ones): queries on the model fail until someone writes and runs the "
        "migration."
    ),
    "migrations/drop-column": (
        "During a rolling deploy the old code still serves while the migration runs, and still "
        "selects or inserts the column (Rails caches a table's columns, so even code that no "
        "longer names it does): its queries fail until every instance is replaced. An upgrade "
        "that stops the old version before migrating is not hurt."
    ),
    "migrations/drop-table": (
        "During a deploy the old code is still running: it queries the dropped table and "
        "fails until every instance is replaced, and the data is gone for good."
    ),
    "migrations/edited-migration": (
        "Databases that already ran the migration never run it again: the edit reaches new "
        "environments only, and environments drift apart silently."
    ),
    "migrations/index-not-concurrent": (
        "A plain CREATE INDEX locks the table against writes for as long as the build takes: "
        "minutes on a large table, during which inserts and updates wait."
    ),
    "migrations/not-null-on-existing-table": (
        "Existing rows have no value for the column: the migration fails, or rewrites and "
        "locks the whole table while it fills them."
    ),
    "migrations/prisma-missing-migration": (
        "`prisma migrate deploy` only applies migration files: without one, production keeps "
        "the old schema and the new client's queries fail."
    ),
    "migrations/rails-missing-migration": (
        "The schema dump says the database changed, but no migration makes the change: other "
        "environments never get it and the dump no longer matches them."
    ),
    "migrations/rails-schema-not-updated": (
        "The schema dump is what new environments and tests load: without the migration in "
        "it, they run against a schema production does not have."
    ),
    "migrations/rename": (
        "During a rolling deploy the old code still serves while the migration runs, and still "
        "uses the old name: every query on it fails until every instance is replaced. An "
        "upgrade that stops the old version before migrating is not hurt."
    ),
    "migrations/sequelize-missing-migration": (
        "The model's new attributes are not in the database until a migration adds them: "
        "inserts and selects on them fail in production."
    ),
    "migrations/sqlalchemy-missing-migration": (
        "The code deploys against a schema that lacks its new columns or tables: queries "
        "fail until an Alembic revision is written and run."
    ),
    "migrations/typeorm-missing-migration": (
        "With synchronize off in production, the entity change never reaches the database: "
        "queries on the new columns fail."
    ),
}

# The base tree of the corpus's `alembic` stack (tests/corpus/migrations/_stacks/alembic.yml).
_ALEMBIC = (
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
_DJANGO = (
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
_PRISMA = (
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
_RAILS = (
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
_SEQUELIZE = (
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
_SQL = (
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
_TYPEORM = (
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
""",
    ),
)

EXAMPLES: dict[str, tuple[Example, Example]] = {
    "migrations/column-type-change": (
        Example(
            title="A MySQL column type change with MODIFY COLUMN",
            base=(
                (
                    "migrations/001_create_users.sql",
                    """\
CREATE TABLE `users` (`id` int NOT NULL AUTO_INCREMENT, `email` varchar(255), PRIMARY KEY (`id`)) ENGINE=InnoDB;
""",
                ),
            ),
            head=(
                (
                    "migrations/002_widen_email.sql",
                    """\
ALTER TABLE `users` MODIFY COLUMN `email` varchar(320) NOT NULL;
""",
                ),
            ),
        ),
        Example(
            title="A table created by an earlier migration of the same change is new and empty: dropping one of its columns, changing its type or indexing it blocks nothing",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__create_boards.sql",
                    """\
CREATE TABLE boards (id bigserial PRIMARY KEY, slug varchar(100), owner_id bigint);
""",
                ),
                (
                    "db/migrations/V3__drop_board_slug.sql",
                    """\
ALTER TABLE boards DROP COLUMN slug;
ALTER TABLE boards ALTER COLUMN owner_id TYPE text;
CREATE INDEX boards_owner_idx ON boards (owner_id);
""",
                ),
            ),
        ),
    ),
    "migrations/django-missing-migration": (
        Example(
            title="Meta.ordering changes no table, but Django records it (AlterModelOptions), so `makemigrations --check` fails: a warning (a notice where CI runs that check), never an error",
            base=(*_DJANGO,),
            head=(
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
                        '        ordering = ["-created_at", "id"]\n'
                        "\n"
                        "    def is_large(self) -> bool:\n"
                        "        return self.total > 1000\n"
                    ),
                ),
            ),
        ),
        Example(
            title="Only a method and a docstring change",
            base=(*_DJANGO,),
            head=(
                (
                    "shop/models.py",
                    (
                        "from django.db import models\n"
                        "\n"
                        "\n"
                        "class Order(models.Model):\n"
                        '    """One paid checkout."""\n'
                        "\n"
                        "    email = models.EmailField()\n"
                        "    total = models.DecimalField(max_digits=10, decimal_places=2)\n"
                        "    created_at = models.DateTimeField(auto_now_add=True)\n"
                        "\n"
                        "    class Meta:\n"
                        '        ordering = ["-created_at"]\n'
                        "\n"
                        "    def is_large(self) -> bool:\n"
                        "        return self.total >= 1000\n"
                    ),
                ),
            ),
        ),
    ),
    "migrations/drop-column": (
        Example(
            title="A column is dropped",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts DROP COLUMN plan;
""",
                ),
            ),
        ),
        Example(
            title="A dangerous statement in a comment is not run",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
-- Next release: ALTER TABLE accounts DROP COLUMN plan;
ALTER TABLE accounts ADD COLUMN tier text;
""",
                ),
            ),
        ),
    ),
    "migrations/drop-table": (
        Example(
            title="A table is dropped",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
DROP TABLE accounts;
""",
                ),
            ),
        ),
        Example(
            title="A materialized view dropped and created again is a redefinition, and a projection or a constraint dropped is no column: no drop-table, no drop-column (ClickHouse)",
            base=(),
            head=(
                (
                    "db/clickhouse/migrations/04_add_tag.sql",
                    """\
ALTER TABLE analytics.events ADD COLUMN tag String AFTER name;
ALTER TABLE analytics.events DROP PROJECTION events_by_url;
ALTER TABLE analytics.events DROP CONSTRAINT events_name_check;
DROP TABLE analytics.events_hourly_mv;
CREATE MATERIALIZED VIEW analytics.events_hourly_mv TO analytics.events_hourly
AS SELECT site_id, tag, count() AS views FROM analytics.events GROUP BY site_id, tag;
""",
                ),
            ),
        ),
    ),
    "migrations/edited-migration": (
        Example(
            title="An applied Prisma migration.sql is edited",
            base=(*_PRISMA,),
            head=(
                (
                    "prisma/migrations/20260101000000_init/migration.sql",
                    """\
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "role" TEXT,
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
""",
                ),
            ),
        ),
        Example(
            title='A shipped revision gets its docstring header and a raw string for the regex its SQL already used (`"\\s"` and `r"\\s"` are the same text): the database runs the same statement',
            base=(
                *_ALEMBIC,
                (
                    "db/versions/3c4d5e6f7a8b_strip_number_spaces.py",
                    (
                        "import sqlalchemy as sa\n"
                        "from alembic import op\n"
                        "\n"
                        'revision = "3c4d5e6f7a8b"\n'
                        'down_revision = "1a2b3c4d5e6f"\n'
                        "\n"
                        "\n"
                        "def upgrade():\n"
                        "    op.execute(\"UPDATE invoices SET number = regexp_replace(number, '\\s+', '', 'g')\")\n"
                        "\n"
                        "\n"
                        "def downgrade():\n"
                        "    pass\n"
                    ),
                ),
            ),
            head=(
                (
                    "db/versions/3c4d5e6f7a8b_strip_number_spaces.py",
                    (
                        '"""Strip spaces from invoice numbers.\n'
                        "\n"
                        "Revision ID: 3c4d5e6f7a8b\n"
                        "Revises: 1a2b3c4d5e6f\n"
                        '"""\n'
                        "\n"
                        "from alembic import op\n"
                        "\n"
                        'revision = "3c4d5e6f7a8b"\n'
                        'down_revision = "1a2b3c4d5e6f"\n'
                        "\n"
                        "\n"
                        "def upgrade() -> None:\n"
                        "    op.execute(r\"UPDATE invoices SET number = regexp_replace(number, '\\s+', '', 'g')\")\n"
                        "\n"
                        "\n"
                        "def downgrade() -> None:\n"
                        "    pass\n"
                    ),
                ),
            ),
        ),
    ),
    "migrations/index-not-concurrent": (
        Example(
            title="A blocking index build",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
CREATE INDEX accounts_email_idx ON accounts (email);
""",
                ),
            ),
        ),
        Example(
            title="MySQL builds secondary indexes online; CONCURRENTLY does not exist there",
            base=(
                (
                    "migrations/001_create_users.sql",
                    """\
CREATE TABLE `users` (`id` int NOT NULL AUTO_INCREMENT, `email` varchar(255), PRIMARY KEY (`id`)) ENGINE=InnoDB;
""",
                ),
            ),
            head=(
                (
                    "migrations/002_index_email.sql",
                    """\
CREATE INDEX `users_email_idx` ON `users` (`email`);
""",
                ),
            ),
        ),
    ),
    "migrations/not-null-on-existing-table": (
        Example(
            title="An existing column becomes NOT NULL",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts ALTER COLUMN plan SET NOT NULL;
""",
                ),
            ),
        ),
        Example(
            title="A nullable column is safe",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts ADD COLUMN region text;
""",
                ),
            ),
        ),
    ),
    "migrations/prisma-missing-migration": (
        Example(
            title="A field is added to a Prisma model without a migration",
            base=(*_PRISMA,),
            head=(
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
  role  String  @default("member")
}
""",
                ),
            ),
        ),
        Example(
            title="A project that uses `prisma db push` keeps no migrations folder",
            base=(
                (
                    "prisma/schema.prisma",
                    """\
model Post {
  id    Int    @id @default(autoincrement())
  title String
}
""",
                ),
            ),
            head=(
                (
                    "prisma/schema.prisma",
                    """\
model Post {
  id    Int    @id @default(autoincrement())
  title String
  body  String?
}
""",
                ),
            ),
        ),
    ),
    "migrations/rails-missing-migration": (
        Example(
            title="schema.rb is edited by hand",
            base=(*_RAILS,),
            head=(
                (
                    "db/schema.rb",
                    """\
ActiveRecord::Schema[7.1].define(version: 2026_01_01_000000) do
  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.string "name"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end
end
""",
                ),
            ),
        ),
        Example(
            title="Migration and schema dump change together",
            base=(*_RAILS,),
            head=(
                (
                    "db/migrate/20260201000000_add_name_to_users.rb",
                    """\
class AddNameToUsers < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :name, :string
  end
end
""",
                ),
                (
                    "db/schema.rb",
                    """\
ActiveRecord::Schema[7.1].define(version: 2026_02_01_000000) do
  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.string "name"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end
end
""",
                ),
            ),
        ),
    ),
    "migrations/rails-schema-not-updated": (
        Example(
            title="A migration is added but schema.rb is not re-dumped",
            base=(*_RAILS,),
            head=(
                (
                    "db/migrate/20260201000000_add_name_to_users.rb",
                    """\
class AddNameToUsers < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :name, :string
  end
end
""",
                ),
            ),
        ),
        Example(
            title="Migration and schema dump change together",
            base=(*_RAILS,),
            head=(
                (
                    "db/migrate/20260201000000_add_name_to_users.rb",
                    """\
class AddNameToUsers < ActiveRecord::Migration[7.1]
  def change
    add_column :users, :name, :string
  end
end
""",
                ),
                (
                    "db/schema.rb",
                    """\
ActiveRecord::Schema[7.1].define(version: 2026_02_01_000000) do
  create_table "users", force: :cascade do |t|
    t.string "email", null: false
    t.string "name"
    t.datetime "created_at", null: false
    t.datetime "updated_at", null: false
    t.index ["email"], name: "index_users_on_email", unique: true
  end
end
""",
                ),
            ),
        ),
    ),
    "migrations/rename": (
        Example(
            title="A table is renamed",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER TABLE accounts RENAME TO customers;
""",
                ),
            ),
        ),
        Example(
            title="Renaming an index breaks no query",
            base=(*_SQL,),
            head=(
                (
                    "db/migrations/V2__change.sql",
                    """\
ALTER INDEX accounts_email_idx RENAME TO accounts_email_index;
""",
                ),
            ),
        ),
    ),
    "migrations/sequelize-missing-migration": (
        Example(
            title="A Sequelize attribute is added without a migration",
            base=(*_SEQUELIZE,),
            head=(
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
      name: { type: DataTypes.STRING },
    },
    { sequelize, modelName: 'User' },
  );
  return User;
};
""",
                ),
            ),
        ),
        Example(
            title="The attribute comes with its migration; its down() drops the column, which is fine",
            base=(*_SEQUELIZE,),
            head=(
                (
                    "migrations/20260201000000-add-name.js",
                    """\
module.exports = {
  async up(queryInterface, Sequelize) {
    await queryInterface.addColumn('Users', 'name', { type: Sequelize.STRING });
  },
  async down(queryInterface) {
    await queryInterface.removeColumn('Users', 'name');
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
      name: { type: DataTypes.STRING },
    },
    { sequelize, modelName: 'User' },
  );
  return User;
};
""",
                ),
            ),
        ),
    ),
    "migrations/sqlalchemy-missing-migration": (
        Example(
            title="A mapped column is added; alembic.ini points at db/versions, which gets nothing",
            base=(*_ALEMBIC,),
            head=(
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
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    lines: Mapped[list["Line"]] = relationship(back_populates="invoice")

    def label(self) -> str:
        return f"#{self.number}"
""",
                ),
            ),
        ),
        Example(
            title="Only a relationship and a method change",
            base=(*_ALEMBIC,),
            head=(
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
    lines: Mapped[list["Line"]] = relationship(back_populates="invoice", order_by="Line.id")

    def label(self) -> str:
        return f"No. {self.number}"
""",
                ),
            ),
        ),
    ),
    "migrations/typeorm-missing-migration": (
        Example(
            title="A TypeORM column is added without a migration",
            base=(*_TYPEORM,),
            head=(
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

  @Column({ nullable: true })
  name: string;

  greeting(): string {
    return `Hello ${this.email}`;
  }
}
""",
                ),
            ),
        ),
        Example(
            title="Only a method of the entity changes",
            base=(*_TYPEORM,),
            head=(
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
    return `Hi ${this.email}`;
  }
}
""",
                ),
            ),
        ),
    ),
}
