"""Pack `migrations`: a change to the models must ship with the migration that changes the schema.

Static analysis only: model modules are read as text, never imported. A changed line counts when
it falls inside a schema statement (a field, a column, a table option, a new model class) of the
whole file at head or base; on a bare diff, the changed line itself must look like one. A statement
that is only moved or re-wrapped (same text at head and base) is no change.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.diff.model import ChangedFile, Line
from bot.rules import paths
from bot.rules.model import Finding, Pack, Ref, RuleContext, Severity, Side, fingerprint

PACK_ID = "migrations"
DJANGO = "migrations/django-missing-migration"
SQLALCHEMY = "migrations/sqlalchemy-missing-migration"

MAX_STATEMENT_LINES = 60
MAX_LABELS = 4
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
_CLASS = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)")
_REVISION = re.compile(r"\b(?:down_)?revision\b")
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
_COMMENT = re.compile(r"#.*$")
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")


@dataclass(frozen=True)
class Statement:
    """One schema statement of a model module: the model it belongs to, its name, its text."""

    model: str | None
    name: str
    key: str

    @property
    def label(self) -> str:
        return f"{self.model}.{self.name}" if self.model and self.model != self.name else self.name


@dataclass(frozen=True)
class Edit:
    """A model module's schema statements touched by the change, on each side."""

    changed: ChangedFile
    group: str
    added: dict[Line, Statement]
    removed: dict[Line, Statement]


@dataclass(frozen=True)
class Dialect:
    """What differs between ORMs: which files hold models, and what a migration looks like."""

    rule: str
    start: re.Pattern[str]
    evidence: re.Pattern[str]
    # On a bare diff the ORM's import is rarely in sight; Django's `models.py` name is enough.
    path_is_evidence: bool
    group: Callable[[str], str | None]
    migrated: Callable[[ChangedFile, str], bool]
    message: Callable[[str, str, str], str]


async def check_django(ctx: RuleContext) -> list[Finding]:
    """Flag Django model changes that come without a migration in the app's migrations folder."""
    return await _check(ctx, _DJANGO)


async def check_sqlalchemy(ctx: RuleContext) -> list[Finding]:
    """Flag SQLAlchemy column and table changes that come without a new Alembic revision."""
    return await _check(ctx, _SQLALCHEMY)


async def _check(ctx: RuleContext, dialect: Dialect) -> list[Finding]:
    """Collect each model file's schema edits, cancel moves, and report files left unmigrated."""
    edits: list[Edit] = []
    for changed in ctx.change.files:
        group = dialect.group(changed.path)
        if group is None or changed.binary:
            continue
        head = await _lines(ctx, changed, "head", dialect)
        base = await _lines(ctx, changed, "base", dialect)
        added = _touched(changed.added, _statements(head, dialect.start))
        removed = _touched(changed.removed, _statements(base, dialect.start))
        if added or removed:
            edits.append(Edit(changed, group, added, removed))
    # A statement re-wrapped, or moved between files of one app, keeps its key: no schema change.
    new = Counter((e.group, s.key) for e in edits for s in set(e.added.values()))
    gone = Counter((e.group, s.key) for e in edits for s in set(e.removed.values()))
    new, gone = new - gone, gone - new
    findings = []
    created = paths.added_files(ctx.change)
    for edit in edits:
        if any(dialect.migrated(f, edit.group) for f in created):
            continue
        added = {line: s for line, s in edit.added.items() if (edit.group, s.key) in new}
        removed = {line: s for line, s in edit.removed.items() if (edit.group, s.key) in gone}
        if added or removed:
            findings.append(_finding(dialect, edit, added, removed))
    return findings


def _finding(
    dialect: Dialect, edit: Edit, added: dict[Line, Statement], removed: dict[Line, Statement]
) -> Finding:
    """Report one model file on its first changed schema line, added lines first."""
    side: Side = "RIGHT" if added else "LEFT"
    line = min(added or removed, key=lambda changed_line: changed_line.number)
    labels = list(dict.fromkeys(s.label for s in [*added.values(), *removed.values()]))
    shown = ", ".join(f"`{label}`" for label in labels[:MAX_LABELS])
    if len(labels) > MAX_LABELS:
        shown += f" and {len(labels) - MAX_LABELS} more"
    path = edit.changed.path
    return Finding(
        rule=dialect.rule,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=Severity.ERROR,
        message=dialect.message(shown, path, edit.group),
        fingerprint=fingerprint(dialect.rule, path, f"no migration for {edit.group}"),
        side=side,
    )


async def _lines(ctx: RuleContext, changed: ChangedFile, at: Ref, dialect: Dialect) -> list[str]:
    """Return the file on one side, or the diff's lines of it; nothing unless it uses the ORM."""
    path = (changed.old_path or changed.path) if at == "base" else changed.path
    text = await ctx.contents.read(path, at)
    if text is not None:
        return text.splitlines() if dialect.evidence.search(text) else []
    lines = paths.from_diff(changed.added if at == "head" else changed.removed)
    used = dialect.path_is_evidence or dialect.evidence.search("\n".join(lines))
    return lines if used else []


def _statements(lines: Sequence[str], start: re.Pattern[str]) -> dict[int, Statement]:
    """Map each line number inside a schema statement to that statement."""
    found: dict[int, Statement] = {}
    index = 0
    while index < len(lines):
        match = start.match(lines[index])
        indent = len(match.group("indent")) if match else 0
        if match is None or (match.group("meta") and not indent):
            index += 1
            continue
        end = _statement_end(lines, index)
        name = next((g for g in match.groups()[1:] if g), None) or _quoted(lines[index])
        owner = _owner(lines, index, indent)
        model = owner[1] if owner else None
        if owner and model == "Meta":
            outer = _owner(lines, owner[0], owner[2])
            model, name = (outer[1] if outer else None), f"Meta.{name}"
        if match.groupdict().get("model"):
            model = name
        text = "".join(_COMMENT.sub("", line) for line in lines[index : end + 1])
        key = _TRAILING_COMMA.sub("", "".join(text.split()))
        statement = Statement(model, name, f"{model}:{key}")
        found.update(dict.fromkeys(range(index + 1, end + 2), statement))
        index = end + 1
    return found


def _quoted(text: str) -> str:
    """Name a statement without an attribute (`Column("total", ...)`) by its first string."""
    match = _STRING.search(text)
    return match.group(0)[1:-1] if match else text.strip()[:40]


def _statement_end(lines: Sequence[str], index: int) -> int:
    """Return the index of the line that closes the brackets opened on line `index`."""
    depth = 0
    for offset, text in enumerate(lines[index : index + MAX_STATEMENT_LINES]):
        code = _COMMENT.sub("", _STRING.sub('""', text))
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
        if depth <= 0:
            return index + offset
    return index


def _owner(lines: Sequence[str], index: int, indent: int) -> tuple[int, str, int] | None:
    """Find the class a line at `indent` belongs to: its index, name and indentation."""
    for above in range(index - 1, -1, -1):
        match = _CLASS.match(lines[above])
        if match and len(match.group("indent")) < indent:
            return above, match.group("name"), len(match.group("indent"))
    return None


def _touched(diff: Sequence[Line], statements: dict[int, Statement]) -> dict[Line, Statement]:
    """Keep the changed lines that fall inside a schema statement."""
    return {line: statements[line.number] for line in diff if line.number in statements}


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


def _has_django_migration(changed: ChangedFile, app: str) -> bool:
    """Tell whether a new file is a migration module of the app."""
    path = PurePosixPath(changed.path)
    return (
        path.parent == PurePosixPath(app, "migrations")
        and path.suffix == ".py"
        and (path.name != "__init__.py")
    )


def _has_alembic_revision(changed: ChangedFile, _group: str) -> bool:
    """Tell whether a new file is an Alembic revision: any `versions/` module naming a revision."""
    parts = paths.parts(changed.path)
    return (
        "versions" in parts[:-1]
        and parts[-1].endswith(".py")
        and bool(_REVISION.search(changed.added_text))
    )


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
    _DJANGO_START,
    _DJANGO_EVIDENCE,
    True,
    _django_app,
    _has_django_migration,
    _django_message,
)
_SQLALCHEMY = Dialect(
    SQLALCHEMY,
    _SQLALCHEMY_START,
    _SQLALCHEMY_EVIDENCE,
    False,
    _sqlalchemy_module,
    _has_alembic_revision,
    _sqlalchemy_message,
)

PACK = Pack(
    id=PACK_ID,
    checks=(check_django, check_sqlalchemy),
    rules={
        DJANGO: "Django model fields or table options change without a migration for the app.",
        SQLALCHEMY: "SQLAlchemy columns or tables change without a new Alembic revision.",
    },
)
