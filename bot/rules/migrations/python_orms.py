"""Django models need a migration in their app; SQLAlchemy tables need an Alembic revision.

Model modules are read with `ast` (`python_models`); a module that does not parse, or a bare diff
that shows only some of its lines, falls back to line patterns.
"""

from __future__ import annotations

import ast
import configparser
import dataclasses
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePosixPath

from bot.diff.model import Change, FileStatus, Ref
from bot.rules import paths
from bot.rules.code import PYTHON
from bot.rules.gate import Gated
from bot.rules.migrations import ci_check, python_models
from bot.rules.migrations.declare import missing
from bot.rules.migrations.orm import (
    ANYWHERE,
    Dialect,
    Migrated,
    ModelSide,
    Statement,
    check,
    python_statements,
)
from bot.rules.migrations.stacks import (
    ALEMBIC_STACK,
    DJANGO_STACK,
)
from bot.rules.model import Example, Finding
from bot.snapshot.model import Snapshot

DJANGO = "migrations/django-missing-migration"
SQLALCHEMY = "migrations/sqlalchemy-missing-migration"

# Meta options that change the table itself; `ordering` or `verbose_name` only touch Django's state.
DJANGO_META = ("db_table", "db_table_comment", "db_tablespace", "unique_together")
DJANGO_META_MORE = ("index_together", "indexes", "constraints", "managed")

_DJANGO_START = re.compile(
    r"""^(?P<indent>\s*)(?:
      (?P<field>\w+)(?:\s*:[^=]+)?\s+=\s*(?:[\w.]+\.)?(?:\w+Field|ForeignKey|OneToOneField|ManyToManyField)\s*\(
      |(?P<meta>"""
    + "|".join(DJANGO_META + DJANGO_META_MORE + tuple(sorted(python_models.DJANGO_META_STATE)))
    + r""")\s*=
      |class\s+(?P<model>\w+)\s*\([^)]*(?:Model|Abstract\w+)\b[^)]*\)\s*:)""",
    re.VERBOSE,
)
_SQLALCHEMY_START = re.compile(
    r"""^(?P<indent>\s*)(?:
      (?:(?P<field>\w+)\s*(?::[^=]+)?=\s*)?(?:[\w.]+\.)?(?:Column|mapped_column|Table)\s*\(
      |(?P<meta>__tablename__|__table_args__)\s*(?::[^=]+)?=
      |(?P<annotated>\w+)\s*:\s*Mapped\[(?!.*\b(?:relationship|association_proxy|column_property)\())""",
    re.VERBOSE,
)
_DJANGO_EVIDENCE = re.compile(r"\bdjango\b")
_SQLALCHEMY_EVIDENCE = Gated(
    re.compile(
        r"\bsqlalchemy\b|\bsqlmodel\b|mapped_column|__tablename__|Mapped\[|\bsa\."
        r"|\bdb\.(?:Column|Model)|\bmetadata\b|Column\(\s*(?:[\"']\w+[\"']\s*,\s*)?"
        r"(?:Integer|String|Text|Boolean|DateTime|Numeric|BigInteger|JSON|UUID|ForeignKey)\b"
    ),
    (
        *("sqlalchemy", "sqlmodel", "mapped_column", "__tablename__", "Mapped[", "sa.", "db."),
        *("metadata", "Column("),
    ),
)
_REVISION = re.compile(r"^down_revision\b.*^def\s+upgrade\b", re.MULTILINE | re.DOTALL)


def check_django(snap: Snapshot) -> list[Finding]:
    """Flag Django model changes that come without a migration in the app's migrations folder."""
    return check(snap, _DJANGO)


def check_sqlalchemy(snap: Snapshot) -> list[Finding]:
    """Flag SQLAlchemy column and table changes that come without a new Alembic revision."""
    aliases = _type_aliases(snap)
    return check(snap, dataclasses.replace(_SQLALCHEMY, statements=_sqlalchemy_reader(aliases)))


def _by_lines(found: Sequence[python_models.PyStatement]) -> dict[int, Statement]:
    """Map every line of each parsed statement to it."""
    lines: dict[int, Statement] = {}
    for s in found:
        made = Statement(s.model, s.name, s.key, s.db_key, s.anywhere)
        lines.update(dict.fromkeys(range(s.first, s.last + 1), made))
    return lines


def _django_statements(side: ModelSide) -> dict[int, Statement]:
    tree = _tree(side)
    if tree is None:
        return _DJANGO_FALLBACK(side.lines)
    return _by_lines(python_models.django(tree))


def _tree(side: ModelSide) -> ast.Module | None:
    """The module's shared tree, or (a bare diff) a tree of the lines it shows, if they parse."""
    return side.source.python if side.source is not None else python_models.parse(side.lines)


def _django_keys(model: str | None, name: str, lines: Sequence[str]) -> tuple[str, str] | None:
    """Keys of a statement seen on a bare diff, parsed alone, so state-only edits stay warnings."""
    value = _lone_value(lines)
    if value is None:
        return None
    if isinstance(value, ast.Call) and not name.startswith("Meta."):
        key, db_key = python_models.django_field_keys(value)
        return f"{model}:{key}", f"{model}:{db_key}"
    # A Meta option; on a bare diff its `class Meta:` may be out of sight, its name is enough.
    option = name.removeprefix("Meta.")
    full = f"{model}:Meta.{option}={ast.dump(value)}"
    return full, f"{model}:Meta.{option}" if option in python_models.DJANGO_META_STATE else full


def _sqlalchemy_reader(
    aliases: Mapping[str, str],
) -> Callable[[ModelSide], dict[int, Statement]]:
    def read(side: ModelSide) -> dict[int, Statement]:
        tree = _tree(side)
        if tree is None:
            return _SQLALCHEMY_FALLBACK(side.lines)
        return _by_lines(python_models.sqlalchemy(tree, aliases))

    return read


def _lone_value(lines: Sequence[str]) -> ast.expr | None:
    """Parse one `name = value` statement on its own; None when it is anything else."""
    tree = python_models.parse(textwrap.dedent("\n".join(lines)).splitlines())
    if tree is None or len(tree.body) != 1:
        return None
    stmt = tree.body[0]
    return stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None


def _type_aliases(snap: Snapshot) -> dict[str, str]:
    """Every TypeDecorator of the Python files the snapshot read, at head, by name."""
    found: dict[str, str] = {}
    for (path, at), text in sorted(snap.texts.items()):
        if at == "head" and text and path.endswith(".py") and "TypeDecorator" in text:
            tree = snap.source(path, "head").python
            if tree is not None:
                found.update(python_models.type_aliases(tree))
    return found


def _django_app(path: str) -> str | None:
    """Return the Django app folder of a model module: `shop/models.py`, `shop/models/x.py`,
    and `shop/models/models.py` (a models package holding a `models` module) are all `shop`'s."""
    parts = paths.parts(path)
    if paths.suffix(path) != ".py" or not paths.is_production(path):
        return None
    if parts[-1] == "models.py":
        folder = parts[:-1]
        return "/".join(folder[:-1] if folder and folder[-1] == "models" else folder)
    folders = [i for i, part in enumerate(parts[:-1]) if part == "models"]
    return "/".join(parts[: folders[-1]]) if folders else None


def _sqlalchemy_module(path: str) -> str | None:
    """Return "" for any production Python module: SQLAlchemy models may live anywhere."""
    if paths.suffix(path) != ".py" or not paths.is_production(path):
        return None
    return None if "versions" in paths.parts(path)[:-1] else ""


def _django_migrations(_snap: Snapshot) -> Migrated:
    """A new migration module in the app; for an abstract model or mixin, in any app."""
    return lambda created, app: any(_is_django_migration(path, app) for path in created)


def _is_django_migration(path: str, app: str) -> bool:
    """Tell whether a new file is a migration module of the app (of any app for ANYWHERE)."""
    posix = PurePosixPath(path)
    if posix.suffix != ".py" or posix.name == "__init__.py":
        return False
    if app == ANYWHERE:
        return posix.parent.name == "migrations" and paths.is_production(str(posix.parent))
    return posix.parent == PurePosixPath(app, "migrations")


def _alembic_migrations(snap: Snapshot) -> Migrated:
    """Accept a new revision: in a versions folder `alembic.ini` names (Flask-Migrate's too), any
    `versions/` folder when no ini says, or any new module that reads as a revision wherever it
    is kept (a plugin's own migrations folder, a custom `file_template` name)."""
    folders: set[str] = set()
    for ini in sorted(p for p in snap.listing("head") or () if _is_ini(p)):
        folders.update(_version_folders(ini, snap.read(ini, "head") or ""))
    added = {f.path: f for f in snap.whole.files if f.status is FileStatus.ADDED}  # generated too

    def revision(path: str) -> bool:
        posix = PurePosixPath(path)
        if posix.suffix != ".py":
            return False
        if str(posix.parent) in folders or (not folders and "versions" in posix.parts[:-1]):
            return True
        text = snap.read(path, "head")
        if text is None and path in added:
            text = "\n".join(paths.from_diff(added[path].added))
        return bool(text and _REVISION.search(text))

    return lambda created, _group: any(revision(path) for path in created)


def _version_folders(ini: str, text: str) -> set[str]:
    """Read `script_location` and `version_locations` of one alembic.ini, relative to the repo."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return set()
    if not parser.has_section("alembic"):
        return set()
    here = str(PurePosixPath(ini).parent)
    section = parser["alembic"]
    # Flask-Migrate's alembic.ini has no script_location: its revisions sit beside it.
    folders = [f"{section.get('script_location', '%(here)s')}/versions"]
    folders += section.get("version_locations", "").replace(",", " ").split()
    return {_relative(here, folder) for folder in folders}


def _relative(here: str, folder: str) -> str:
    folder = folder.replace("%(here)s", ".").strip("/")
    return str(PurePosixPath(here, folder)) if here not in {"", "."} else str(PurePosixPath(folder))


def _django_message(labels: str, path: str, app: str) -> str:
    command = f"python manage.py makemigrations {PurePosixPath(app).name}".strip()
    folder = f"{app}/migrations/" if app else "migrations/"
    return (
        f"{labels} changed in `{path}`, but this change adds no migration under `{folder}`. "
        "The deploy will run this code against a database schema that does not have the new "
        "columns (or still requires the removed ones), so queries on these models fail until a "
        f"migration runs. Run `{command}` and commit the migration with this change."
    )


def _django_state_message(labels: str, path: str, app: str, checker: str | None) -> str:
    command = f"python manage.py makemigrations {PurePosixPath(app).name}".strip()
    if app == ANYWHERE or not app:
        command = "python manage.py makemigrations"
    changed = (
        f"{labels} changed in `{path}` only in options Django keeps in its migration state "
        "(such as `choices`, `help_text`, `verbose_name`, `validators`, `blank`, `default` or "
        "Meta `ordering`), and this change adds no migration for them. The database does not "
        "change"
    )
    if checker is not None:
        return (
            f"{changed}, and `{checker}` runs `makemigrations --check` on pull requests: its "
            "answer decides whether a migration is due (a project may keep such options out of "
            f"its migrations). If that check fails, run `{command}` and commit the migration."
        )
    return (
        f"{changed}, but `makemigrations --check` fails and the next `makemigrations` folds "
        f"this into an unrelated migration. Run `{command}` and commit the migration."
    )


def _django_checked(snap: Snapshot, app: str) -> str | None:
    """The workflow whose `makemigrations --check` covers the app (any app: every app's)."""
    return ci_check.checked_by(snap, "*" if app == ANYWHERE else PurePosixPath(app).name)


def _alembic_checked(snap: Snapshot, _module: str) -> str | None:
    """The workflow running `alembic check` on pull requests: it covers every model."""
    return ci_check.alembic_checked(snap)


def _makemigrations(app: str) -> str:
    if app == ANYWHERE or not app:
        return "python manage.py makemigrations"
    return f"python manage.py makemigrations {PurePosixPath(app).name}"


def _sqlalchemy_message(labels: str, path: str, _group: str) -> str:
    return (
        f"{labels} changed in `{path}`, but this change adds no Alembic revision (no new file "
        "in a `versions/` folder). The deploy will run this code against a database schema that "
        "does not have the new columns (or still requires the removed ones), so queries on these "
        'tables fail. Run `alembic revision --autogenerate -m "<what changed>"`, review the '
        "generated revision, and commit it with this change."
    )


_DJANGO_FALLBACK = python_statements(_DJANGO_START, _django_keys)
_SQLALCHEMY_FALLBACK = python_statements(_SQLALCHEMY_START)
_DJANGO = Dialect(
    DJANGO,
    _django_statements,
    _DJANGO_EVIDENCE,
    True,
    _django_app,
    _django_migrations,
    _django_message,
    state_only=_django_state_message,
    ci_checked=_django_checked,
    check_command="makemigrations --check",
    write_command=_makemigrations,
)
_SQLALCHEMY = Dialect(
    SQLALCHEMY,
    _sqlalchemy_reader({}),
    _SQLALCHEMY_EVIDENCE,
    False,
    _sqlalchemy_module,
    _alembic_migrations,
    _sqlalchemy_message,
    ci_checked=_alembic_checked,
    check_command="alembic check",
    write_command=lambda _module: 'alembic revision --autogenerate -m "<what changed>"',
)


def alembic_ini_files(
    change: Change, listings: Mapping[Ref, frozenset[str] | None]
) -> list[tuple[str, Ref]]:
    """Name every alembic.ini at head, for the snapshot: they say where revisions live."""
    return [(path, "head") for path in sorted(listings.get("head") or ()) if _is_ini(path)]


def ci_workflows(
    change: Change, listings: Mapping[Ref, frozenset[str] | None]
) -> list[tuple[str, Ref]]:
    """Name the GitHub workflows at head when a Django app or a Python module that may hold
    SQLAlchemy models changes: CI may run `makemigrations --check` or `alembic check` itself."""
    if not any(_django_app(f.path) is not None or _named_for_models(f.path) for f in change.files):
        return []
    return [(path, "head") for path in ci_check.workflows(listings.get("head") or ())]


# Where projects keep SQLAlchemy models (`models/`, `db/models.py`, `tables.py`): the workflows
# are read for a change there, not for every Python module (SQLAlchemy models may live anywhere,
# but a project that runs `alembic check` keeps them in such a place).
_MODEL_PLACES = frozenset({"models", "model", "db", "database", "tables", "entities", "schema"})


def _named_for_models(path: str) -> bool:
    if _sqlalchemy_module(path) is None:
        return False
    folders = [part.lower() for part in paths.parts(path)[:-1]]
    return bool(_MODEL_PLACES & {*folders, PurePosixPath(path).stem.lower()})


def _is_ini(path: str) -> bool:
    return path == "alembic.ini" or path.endswith("/alembic.ini")


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    missing(
        DJANGO,
        "Django model fields or table options change without a migration.",
        PYTHON,
        why="The code deploys against a schema that lacks its new columns (or still requires "
        "removed ones): queries on the model fail until someone writes and runs the "
        "migration.",
        flagged=Example(
            title="Meta.ordering changes no table, but Django records it (AlterModelOptions), so `makemigrations --check` fails: a warning (a notice where CI runs that check), never an error",  # noqa: E501
            base=(*DJANGO_STACK,),
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
        quiet=Example(
            title="Only a method and a docstring change",
            base=(*DJANGO_STACK,),
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
    missing(
        SQLALCHEMY,
        "SQLAlchemy columns or tables change without a new Alembic revision.",
        PYTHON,
        why="The code deploys against a schema that lacks its new columns or tables: queries "
        "fail until an Alembic revision is written and run.",
        flagged=Example(
            title="A mapped column is added; alembic.ini points at db/versions, which gets nothing",
            base=(*ALEMBIC_STACK,),
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
        quiet=Example(
            title="Only a relationship and a method change",
            base=(*ALEMBIC_STACK,),
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
)
CHECKS = {check_django: (DJANGO,), check_sqlalchemy: (SQLALCHEMY,)}
