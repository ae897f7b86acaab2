"""Django models need a migration in their app; SQLAlchemy tables need an Alembic revision."""

from __future__ import annotations

import configparser
import re
from pathlib import PurePosixPath

from bot.rules import paths
from bot.rules.migrations.orm import Dialect, Migrated, check, python_statements
from bot.rules.model import Finding, RuleContext

DJANGO = "migrations/django-missing-migration"
SQLALCHEMY = "migrations/sqlalchemy-missing-migration"

# Meta options that change the table itself; `ordering` or `verbose_name` only touch Django's state.
DJANGO_META = ("db_table", "db_table_comment", "db_tablespace", "unique_together")
DJANGO_META_MORE = ("index_together", "indexes", "constraints", "managed")

_DJANGO_START = re.compile(
    r"""^(?P<indent>\s*)(?:
      (?P<field>\w+)\s*(?::[^=]+)?=\s*(?:[\w.]+\.)?(?:\w+Field|ForeignKey|OneToOneField|ManyToManyField)\s*\(
      |(?P<meta>"""
    + "|".join(DJANGO_META + DJANGO_META_MORE)
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
_SQLALCHEMY_EVIDENCE = re.compile(
    r"\bsqlalchemy\b|\bsqlmodel\b|mapped_column|__tablename__|Mapped\[|\bsa\.|\bdb\.(?:Column|Model)"
    r"|\bmetadata\b|Column\(\s*(?:[\"']\w+[\"']\s*,\s*)?(?:Integer|String|Text|Boolean|DateTime|"
    r"Numeric|BigInteger|JSON|UUID|ForeignKey)\b"
)
_REVISION_NAME = re.compile(r"^\w+\.py$")


async def check_django(ctx: RuleContext) -> list[Finding]:
    """Flag Django model changes that come without a migration in the app's migrations folder."""
    return await check(ctx, _DJANGO)


async def check_sqlalchemy(ctx: RuleContext) -> list[Finding]:
    """Flag SQLAlchemy column and table changes that come without a new Alembic revision."""
    return await check(ctx, _SQLALCHEMY)


def _django_app(path: str) -> str | None:
    """Return the Django app folder of a model module (`shop/models.py`, `shop/models/x.py`)."""
    parts = paths.parts(path)
    if paths.suffix(path) != ".py" or not paths.is_production(path):
        return None
    if parts[-1] == "models.py":
        return "/".join(parts[:-1])
    folders = [i for i, part in enumerate(parts[:-1]) if part == "models"]
    return "/".join(parts[: folders[-1]]) if folders else None


def _sqlalchemy_module(path: str) -> str | None:
    """Return "" for any production Python module: SQLAlchemy models may live anywhere."""
    if paths.suffix(path) != ".py" or not paths.is_production(path):
        return None
    return None if "versions" in paths.parts(path)[:-1] else ""


async def _django_migrations(_ctx: RuleContext) -> Migrated:
    return lambda created, app: any(_is_django_migration(path, app) for path in created)


def _is_django_migration(path: str, app: str) -> bool:
    """Tell whether a new file is a migration module of the app."""
    posix = PurePosixPath(path)
    return (
        posix.parent == PurePosixPath(app, "migrations")
        and posix.suffix == ".py"
        and posix.name != "__init__.py"
    )


async def _alembic_migrations(ctx: RuleContext) -> Migrated:
    """Find the Alembic versions folders from `alembic.ini`; any `versions/` folder if unknown."""
    folders: set[str] = set()
    for ini in sorted(
        p for p in await ctx.contents.files("head") or () if p.endswith("alembic.ini")
    ):
        folders.update(_version_folders(ini, await ctx.contents.read(ini, "head") or ""))

    def revision(path: str) -> bool:
        posix = PurePosixPath(path)
        if folders:
            return str(posix.parent) in folders and bool(_REVISION_NAME.match(posix.name))
        return "versions" in posix.parts[:-1] and posix.suffix == ".py"

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
    folders = [f"{section.get('script_location', 'alembic')}/versions"]
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


def _sqlalchemy_message(labels: str, path: str, _group: str) -> str:
    return (
        f"{labels} changed in `{path}`, but this change adds no Alembic revision (no new file "
        "in a `versions/` folder). The deploy will run this code against a database schema that "
        "does not have the new columns (or still requires the removed ones), so queries on these "
        'tables fail. Run `alembic revision --autogenerate -m "<what changed>"`, review the '
        "generated revision, and commit it with this change."
    )


_DJANGO = Dialect(
    DJANGO,
    python_statements(_DJANGO_START),
    _DJANGO_EVIDENCE,
    True,
    _django_app,
    _django_migrations,
    _django_message,
)
_SQLALCHEMY = Dialect(
    SQLALCHEMY,
    python_statements(_SQLALCHEMY_START),
    _SQLALCHEMY_EVIDENCE,
    False,
    _sqlalchemy_module,
    _alembic_migrations,
    _sqlalchemy_message,
)
