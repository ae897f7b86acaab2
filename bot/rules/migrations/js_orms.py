"""TypeORM and Sequelize: entity or model changes need a migration in the project's folder."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from bot.rules import paths
from bot.rules.code import SCRIPT_LANGUAGES
from bot.rules.migrations.declare import missing
from bot.rules.migrations.orm import (
    Dialect,
    Migrated,
    ModelSide,
    Statement,
    check,
    statement,
    statement_end,
)
from bot.rules.migrations.stacks import (
    SEQUELIZE_STACK,
    TYPEORM_STACK,
)
from bot.rules.model import Example, Finding
from bot.snapshot.model import Snapshot

TYPEORM = "migrations/typeorm-missing-migration"
SEQUELIZE = "migrations/sequelize-missing-migration"
FOLDERS = frozenset({"migration", "migrations"})

_DECORATOR = re.compile(
    r"^\s*@(?P<name>Entity|Table|Column|PrimaryGeneratedColumn|PrimaryColumn|PrimaryKey"
    r"|CreateDateColumn|UpdateDateColumn|DeleteDateColumn|VersionColumn|Index|Unique|Check"
    r"|JoinColumn|JoinTable|ManyToOne|OneToOne|ManyToMany|ForeignKey|AllowNull|Default)\b"
)
_OTHER_DECORATOR = re.compile(r"^\s*@\w+")
_DEFINE = re.compile(r"\.(?:init|define)\s*\(")
_CLASS = re.compile(r"\bclass\s+(\w+)")
_NAME = re.compile(r"^\s*(?:(?:public|private|protected|readonly|declare|export|default)\s+)*(\w+)")
_TYPEORM_EVIDENCE = re.compile(r"\btypeorm\b|@Entity\(")
_SEQUELIZE_EVIDENCE = re.compile(r"\bsequelize\b", re.IGNORECASE)


def check_typeorm(snap: Snapshot) -> list[Finding]:
    """Flag TypeORM entity changes that come without a new migration."""
    return check(snap, _TYPEORM)


def check_sequelize(snap: Snapshot) -> list[Finding]:
    """Flag Sequelize model changes that come without a new migration."""
    return check(snap, _SEQUELIZE)


def _decorated(side: ModelSide) -> dict[int, Statement]:
    """Map lines of schema decorators, with the property or class they decorate, to a statement."""
    lines = side.lines
    found: dict[int, Statement] = {}
    index = 0
    while index < len(lines):
        if not _DECORATOR.match(lines[index]):
            index += 1
            continue
        end = statement_end(lines, index)
        while end + 1 < len(lines) and (
            not lines[end + 1].strip() or _OTHER_DECORATOR.match(lines[end + 1])
        ):
            end = statement_end(lines, end + 1)
        target = min(end + 1, len(lines) - 1)
        owner = _CLASS.search(lines[target])
        name_match = _NAME.match(lines[target])
        name = owner.group(1) if owner else name_match.group(1) if name_match else "?"
        model = owner.group(1) if owner else _owner(lines, index)
        made = statement(model, name, lines[index : target + 1], named=target + 1)
        found.update(dict.fromkeys(range(index + 1, target + 2), made))
        index = target + 1
    return found


def _sequelize(side: ModelSide) -> dict[int, Statement]:
    """Map each attribute line of `Model.init({...})` / `define("x", {...})`, and decorators."""
    lines = side.lines
    found = _decorated(side)
    for index, text in enumerate(lines):
        if not _DEFINE.search(text):
            continue
        model = _owner(lines, index) or text.split(".")[0].strip().split()[-1]
        for inner in range(index + 1, statement_end(lines, index) + 1):
            code = lines[inner].split("//", 1)[0].strip()
            if code and code not in {"{", "},", "}", "})", "});"}:
                found[inner + 1] = statement(model, code.split(":")[0].strip("'\" "), [code])
    return found


def _owner(lines: Sequence[str], index: int) -> str | None:
    for above in range(index, -1, -1):
        match = _CLASS.search(lines[above])
        if match:
            return match.group(1)
    return None


def _module(path: str) -> str | None:
    """Return "" for a production JS/TS module: entities and models may live anywhere."""
    if paths.suffix(path) not in paths.SCRIPT_SUFFIXES or not paths.is_production(path):
        return None
    return None if not FOLDERS.isdisjoint(paths.parts(path)[:-1]) else ""


def _migrations(snap: Snapshot) -> Migrated:
    """Accept a new script in the project's migrations folder, or any such folder if unknown."""
    base = snap.listing("base")
    known = {
        str(PurePosixPath(p).parent)
        for p in base or ()
        if PurePosixPath(p).parent.name in FOLDERS and paths.suffix(p) in paths.SCRIPT_SUFFIXES
    }

    def migration(path: str) -> bool:
        posix = PurePosixPath(path)
        if posix.suffix not in paths.SCRIPT_SUFFIXES or posix.parent.name not in FOLDERS:
            return False
        return not known or str(posix.parent) in known

    return lambda created, _group: any(migration(path) for path in created)


def _message(orm: str, command: str) -> Callable[[str, str, str], str]:
    def message(labels: str, path: str, _group: str) -> str:
        return (
            f"{labels} changed in `{path}`, but this change adds no {orm} migration. The "
            "deploy will run this code against a database without these columns (or still "
            f"requiring the removed ones), so its queries fail. Run `{command}` and commit the "
            "migration with this change."
        )

    return message


_TYPEORM = Dialect(
    TYPEORM,
    _decorated,
    _TYPEORM_EVIDENCE,
    False,
    _module,
    _migrations,
    _message("TypeORM", "npx typeorm migration:generate src/migrations/<Name> -d <data-source>"),
)
_SEQUELIZE = Dialect(
    SEQUELIZE,
    _sequelize,
    _SEQUELIZE_EVIDENCE,
    False,
    _module,
    _migrations,
    _message("Sequelize", "npx sequelize-cli migration:generate --name <what-changed>"),
)


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    missing(
        TYPEORM,
        "TypeORM entity columns or tables change without a new migration.",
        SCRIPT_LANGUAGES,
        why="With synchronize off in production, the entity change never reaches the database: "
        "queries on the new columns fail.",
        flagged=Example(
            title="A TypeORM column is added without a migration",
            base=(*TYPEORM_STACK,),
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
        quiet=Example(
            title="Only a method of the entity changes",
            base=(*TYPEORM_STACK,),
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
    missing(
        SEQUELIZE,
        "Sequelize model attributes change without a new migration.",
        SCRIPT_LANGUAGES,
        why="The model's new attributes are not in the database until a migration adds them: "
        "inserts and selects on them fail in production.",
        flagged=Example(
            title="A Sequelize attribute is added without a migration",
            base=(*SEQUELIZE_STACK,),
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
        quiet=Example(
            title="The attribute comes with its migration; its down() drops the column, which is fine",  # noqa: E501
            base=(*SEQUELIZE_STACK,),
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
)
CHECKS = {check_typeorm: (TYPEORM,), check_sequelize: (SEQUELIZE,)}
