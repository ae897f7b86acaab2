"""What the migration rules need to know beyond the migration itself, read up front.

- The database dialect, so advice holds for it: a path segment (`db/clickhouse/`), Prisma's
  `migration_lock.toml` or `schema.prisma` `provider`, Rails `config/database.yml` or `Gemfile`,
  Django settings' `ENGINE`, `alembic.ini`'s `sqlalchemy.url`; else the SQL's own marks.
- A Django app's models on the base branch, to judge an `AlterField` against the field it alters.
- A Rails model's `ignored_columns` on the base branch, for the second step of a safe drop.
- The modules that changed SQLAlchemy models newly import from, and the project's `*type*.py`
  modules, for the TypeDecorators there.

`context_files` names all of them for the snapshot; the other functions only read the snapshot.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import PurePosixPath

from bot.diff.model import Change, FileStatus, Line, Ref
from bot.rules import paths
from bot.rules.migrations import python_models, rails_ops, sqlscript
from bot.rules.migrations.files import RAILS_MIGRATION
from bot.rules.migrations.sqlscript import CLICKHOUSE, MYSQL, POSTGRES, SQLITE
from bot.snapshot.model import Snapshot

MAX_FILES = 40
_SEGMENTS = {
    **dict.fromkeys(("clickhouse",), CLICKHOUSE),
    **dict.fromkeys(("mysql", "mariadb"), MYSQL),
    **dict.fromkeys(("postgres", "postgresql", "pg", "postgis"), POSTGRES),
    **dict.fromkeys(("sqlite", "sqlite3"), SQLITE),
}
_PROVIDER = re.compile(r"""^\s*provider\s*=\s*["'](\w+)["']""", re.MULTILINE)
_PROVIDERS = {"postgresql": POSTGRES, "cockroachdb": POSTGRES, "mysql": MYSQL, "sqlite": SQLITE}
_ADAPTER = re.compile(r"^\s*adapter:\s*[\"']?(\w+)", re.MULTILINE)
_ADAPTERS = {
    **dict.fromkeys(("postgresql", "postgis"), POSTGRES),
    **dict.fromkeys(("mysql2", "trilogy"), MYSQL),
    "sqlite3": SQLITE,
}
_GEMS = {"pg": POSTGRES, "mysql2": MYSQL, "trilogy": MYSQL, "sqlite3": SQLITE}
_GEM = re.compile(r"""^\s*gem\s+["'](pg|mysql2|trilogy|sqlite3)["']""", re.MULTILINE)
_ENGINES = re.compile(
    r"backends\.(postgresql\w*|postgis|mysql|sqlite3)|\b(postgres(?:ql)?|mysql|sqlite)://"
)
_URL = re.compile(r"^\s*sqlalchemy\.url\s*=\s*(postgres|mysql|mariadb|sqlite)", re.MULTILINE)
_DJANGO_MIGRATION = re.compile(r"^(?P<app>(?:.*/)?[^/]+)/migrations/\d{4}_\w+\.py$")
_RAILS_MIGRATION = re.compile(rf"^(?P<root>(?:.*/)?){RAILS_MIGRATION}$")
_PRISMA_MIGRATION = re.compile(r"^(?P<folder>(?:.*/)?)migrations/[^/]+/migration\.sql$")
_REMOVE = re.compile(r"\bremove_(?:column|columns|reference|belongs_to)\b[\s(]*:?[\"']?(\w+)")
_IMPORT = re.compile(r"^\s*from\s+(\.*)([\w.]*)\s+import\b")
_COLUMN_CODE = re.compile(r"\b(?:Column|mapped_column)\(|Mapped\[")


def context_files(
    change: Change, listings: Mapping[Ref, frozenset[str] | None]
) -> list[tuple[str, Ref]]:
    """Name the extra files the migration rules read (see the module docstring)."""
    head, base = listings.get("head") or frozenset(), listings.get("base") or frozenset()
    wanted: dict[tuple[str, Ref], None] = {}
    modules: dict[tuple[str, Ref], None] = {}
    for changed in change.files:
        path = changed.path
        if changed.status is FileStatus.ADDED:
            wanted.update(dict.fromkeys(_for_migration(path, changed.added, head, base)))
        added = [line.text for line in changed.added]
        if (
            path.endswith(".py")
            and paths.is_production(path)
            and _COLUMN_CODE.search("\n".join(added))
        ):
            modules.update(dict.fromkeys((m, "head") for m in _imported_modules(path, added, head)))
            modules.update(dict.fromkeys((m, "head") for m in _type_modules(head)))
    return [*wanted, *list(modules)[:MAX_FILES]]


def _type_modules(head: frozenset[str]) -> list[str]:
    """Modules whose name says they define column types (`types.py`, `custom_types.py`)."""
    found = [
        p
        for p in sorted(head)
        if p.endswith(".py") and "type" in PurePosixPath(p).stem.lower() and paths.is_production(p)
    ]
    return found[:10]


def dialect(snap: Snapshot, path: str, text: str) -> str | None:
    """Name the database a migration runs on, or None when nothing says."""
    for part in reversed(paths.parts(path)[:-1]):
        if part.lower() in _SEGMENTS:
            return _SEGMENTS[part.lower()]
    found = _configured(snap, path)
    return (
        found
        if found is not None
        else sqlscript.guess_dialect(text)
        if path.endswith(".sql")
        else found
    )


def base_fields(snap: Snapshot, migration: str) -> dict[tuple[str, str], ast.Call]:
    """The fields of a Django migration's app on the base branch, by (model, field)."""
    match = _DJANGO_MIGRATION.match(migration)
    found: dict[tuple[str, str], ast.Call] = {}
    if match is None:
        return found
    app = match.group("app")
    for path in _django_models(app, snap.listing("base") or frozenset()):
        tree = snap.source(path, "base").python
        if tree is not None:
            found.update(python_models.django_fields(tree))
    if not found:  # a bare diff: the removed lines of the app's models, by field name alone
        for changed in snap.change.files:
            if changed.path == f"{app}/models.py" or changed.path.startswith(f"{app}/models/"):
                for line in changed.removed:
                    found.update(python_models.lone_fields(line.text))
    return found


def ignored(snap: Snapshot, migration: str, tables: list[str]) -> dict[str, frozenset[str]]:
    """The columns each table's Rails model ignores on the base branch."""
    match = _RAILS_MIGRATION.match(migration)
    found: dict[str, frozenset[str]] = {}
    if match is None:
        return found
    for table in tables:
        for model in _model_paths(match.group("root"), table):
            text = snap.read(model, "base")
            if text is not None:
                found[table] = rails_ops.ignored_columns(text)
    return found


def _for_migration(
    path: str, added: Sequence[Line], head: frozenset[str], base: frozenset[str]
) -> Iterator[tuple[str, Ref]]:
    if django := _DJANGO_MIGRATION.match(path):
        for model in _django_models(django.group("app"), base):
            yield model, "base"
        yield from ((p, "head") for p in _settings(head))
    elif rails := _RAILS_MIGRATION.match(path):
        root = rails.group("root")
        yield from ((f"{root}{config}", "head") for config in _DATABASE_YML)
        yield f"{root}Gemfile", "head"
        for table in {m.group(1) for line in added for m in _REMOVE.finditer(line.text)}:
            yield from ((p, "base") for p in _model_paths(root, table) if p in base)
    elif prisma := _PRISMA_MIGRATION.match(path):
        folder = prisma.group("folder")
        yield f"{folder}migrations/migration_lock.toml", "head"
        yield f"{folder}schema.prisma", "head"


_DATABASE_YML = (
    "config/database.yml",
    "config/database.yml.sample",
    "config/database.yml.example",
)


def _configured(snap: Snapshot, path: str) -> str | None:
    """The dialect a project's configuration names for this migration."""
    if prisma := _PRISMA_MIGRATION.match(path):
        folder = prisma.group("folder")
        for config in (f"{folder}migrations/migration_lock.toml", f"{folder}schema.prisma"):
            for provider in _PROVIDER.findall(snap.read(config, "head") or ""):
                if provider in _PROVIDERS:
                    return _PROVIDERS[provider]
    if rails := _RAILS_MIGRATION.match(path):
        root = rails.group("root")
        # The first of database.yml and the templates projects commit instead of it.
        config = next(
            (t for c in _DATABASE_YML if (t := snap.read(f"{root}{c}", "head")) is not None), ""
        )
        adapters = {_ADAPTERS.get(a) for a in _ADAPTER.findall(config)}
        gems: set[str | None] = {
            _GEMS[g] for g in _GEM.findall(snap.read(f"{root}Gemfile", "head") or "")
        }
        return _one(adapters - {None} or gems)
    if _DJANGO_MIGRATION.match(path):
        engines = set()
        for settings in _settings(snap.listing("head") or frozenset()):
            for match in _ENGINES.finditer(snap.read(settings, "head") or ""):
                engines.add(_engine(match.group(1) or match.group(2)))
        return _one(engines - {None})
    urls = {
        _SEGMENTS.get(m.lower())
        for (p, at), text in snap.texts.items()
        if at == "head" and p.endswith("alembic.ini") and text
        for m in _URL.findall(text)
    }
    return _one(urls - {None})


def _engine(name: str) -> str | None:
    """`postgresql_psycopg2`, `postgis`, `mysql`, `sqlite3`, a URL scheme: the dialect."""
    for prefix, found in (("postg", POSTGRES), ("mysql", MYSQL), ("sqlite", SQLITE)):
        if name.startswith(prefix):
            return found
    return None


def _one(found: set[str | None]) -> str | None:
    """One dialect, or Postgres when a project runs on several of which Postgres is one."""
    if len(found) == 1:
        return next(iter(found))
    return POSTGRES if POSTGRES in found else None


def _django_models(app: str, listing: frozenset[str]) -> list[str]:
    models = [f"{app}/models.py"] if f"{app}/models.py" in listing else []
    models += sorted(p for p in listing if p.startswith(f"{app}/models/") and p.endswith(".py"))
    return models[:MAX_FILES]


def _settings(listing: frozenset[str]) -> list[str]:
    """A project's Django settings modules (`settings.py`, `settings/*.py`), tests aside."""
    found = [
        p
        for p in sorted(listing)
        if p.endswith(".py")
        and (
            PurePosixPath(p).name.startswith("settings")
            or PurePosixPath(p).parent.name == "settings"
        )
        and paths.is_production(p)
    ]
    return found[:8]


def _model_paths(root: str, table: str) -> list[str]:
    """Candidate model files of a Rails table: `users` → `app/models/user.rb`."""
    singular = {table.removesuffix("s")}
    if table.endswith("ies"):
        singular.add(table[:-3] + "y")
    if table.endswith("es"):
        singular.add(table[:-2])
    return [f"{root}app/models/{name}.rb" for name in sorted(singular)]


def _imported_modules(path: str, added: list[str], head: frozenset[str]) -> Iterator[str]:
    """Modules a changed Python file newly imports from, as repository paths that exist."""
    here = PurePosixPath(path).parent
    for line in added:
        match = _IMPORT.match(line)
        if match is None:
            continue
        dots, module = match.groups()
        base = here
        for _ in range(max(len(dots) - 1, 0)):
            base = base.parent
        parts = [p for p in module.split(".") if p]
        stems = (
            [str(PurePosixPath(base, *parts))]
            if dots
            else ["/".join(parts), "src/" + "/".join(parts)]
        )
        for stem in stems:
            for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
                if candidate in head:
                    yield candidate
