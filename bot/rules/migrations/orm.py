"""Shared engine of the missing-migration rules: schema statements of model files, compared.

Static analysis only: model files are read, never imported. A changed line counts when it falls
inside a schema statement (a field, a column, a table option, a new model) of the whole file at
head or base; on a bare diff, the diff's own lines are all there is. A statement that is only
moved or re-wrapped (same key at head and base) is no change. A statement whose database key
(`db_key`) is unchanged touched the ORM's migration state only: a warning where the framework
still wants a migration for it (Django), nothing where it does not (SQLAlchemy), and a notice
where the project's CI runs the framework's own check for it, whose answer then decides.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules import paths
from bot.rules.code import COMMENT_LINE
from bot.rules.gate import Gated
from bot.rules.model import Finding, Ref, Severity, Side, fingerprint
from bot.snapshot.model import Snapshot, Source

PACK_ID = "migrations"
MAX_STATEMENT_LINES = 60
MAX_LABELS = 4

_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'""")
_COMMENT = re.compile(r"(?:#|//).*$")
_TRAILING_COMMA = re.compile(r",(?=[)\]}])")

# Given the files a change creates and a model file's group: is that group's change migrated
# (or exempt, for a project that keeps no migrations)?
Migrated = Callable[[Sequence[str], str], bool]


@dataclass(frozen=True)
class Statement:
    """One schema statement of a model file: the model it belongs to, its name, its meaning.

    `db_key` is what the database sees of it ("" when that is all of `key`); `anywhere` marks a
    statement of an abstract model or mixin, migrated wherever its concrete models live; `named`
    is the line holding its name when decorators come first (TypeORM's `@Column()` over
    `name: string;`), where a finding names it. It is no part of what the statement means.
    """

    model: str | None
    name: str
    key: str
    db_key: str = ""
    anywhere: bool = False
    named: int | None = field(default=None, compare=False)

    @property
    def database(self) -> str:
        return self.db_key or self.key

    @property
    def label(self) -> str:
        return f"{self.model}.{self.name}" if self.model and self.model != self.name else self.name


@dataclass(frozen=True)
class Edit:
    """A model file's schema statements touched by the change, on each side."""

    changed: ChangedFile
    group: str
    added: dict[Line, Statement]
    removed: dict[Line, Statement]


@dataclass(frozen=True)
class ModelSide:
    """One side of a model file as a statement reader sees it: its lines, and the snapshot's
    `source` of it when they are the whole file (its trees, parsed once for every rule), or
    None when they are only what a bare diff shows."""

    lines: Sequence[str]
    source: Source | None = None


_UNUSED = ModelSide(())  # a side that does not use the ORM: no statements


@dataclass(frozen=True)
class Dialect:
    """What differs between ORMs: model files, schema statements, and what a migration is."""

    rule: str
    statements: Callable[[ModelSide], dict[int, Statement]]
    evidence: re.Pattern[str] | Gated
    # On a bare diff the ORM's import is rarely in sight; a file name like `models.py` is enough.
    path_is_evidence: bool
    group: Callable[[str], str | None]
    migrations: Callable[[Snapshot], Migrated]
    message: Callable[[str, str, str], str]
    # The warning for a change of migration state only; None when such a change needs nothing.
    # Its last argument names the CI file that runs the ORM's own check of that state, if any.
    state_only: Callable[[str, str, str, str | None], str] | None = None
    # Given the snapshot and a group: the CI file running the ORM's own exact check of models
    # against migrations for the group on pull requests (ci_check), or None. Where one does,
    # it decides whether a migration is due: every finding is a notice that names it.
    ci_checked: Callable[[Snapshot, str], str | None] | None = None
    # The command that check runs, and the one that writes a migration for a group, for the
    # notice.
    check_command: str = ""
    write_command: Callable[[str], str] = lambda _group: ""
    # Whether deleting a whole model file is a schema change (not for a Prisma schema: deleting
    # one drops a database this project no longer manages).
    removal_counts: bool = True


# The group of a statement that any migration of the change satisfies (abstract models, mixins).
ANYWHERE = "*"


def check(snap: Snapshot, dialect: Dialect) -> list[Finding]:
    """Collect each model file's schema edits, cancel moves, and report groups left unmigrated."""
    edits: list[Edit] = []
    for changed in snap.change.files:
        group = dialect.group(changed.path)
        if group is None or changed.binary:
            continue
        if changed.status is FileStatus.REMOVED and not dialect.removal_counts:
            continue
        head = _side(snap, changed, "head", dialect)
        base = _side(snap, changed, "base", dialect)
        added = _touched(changed.added, dialect.statements(head))
        removed = _touched(changed.removed, dialect.statements(base))
        if added or removed:
            edits.append(Edit(changed, group, added, removed))
    if not edits:
        return []
    # A statement re-wrapped, or moved between files of one group, keeps its key: no change.
    new, gone = _uncancelled(edits, lambda s: s.key)
    # What is left but cancels on the database key changed the ORM's migration state only.
    new_db, gone_db = _uncancelled(edits, lambda s: s.database)
    migrated = dialect.migrations(snap)
    # A new migration counts though marked generated: it is there, only not reviewed.
    created = [f.path for f in snap.whole.files if f.status is FileStatus.ADDED]
    findings = []
    for edit in edits:
        left = {ANYWHERE: not migrated(created, ANYWHERE), "": not migrated(created, edit.group)}
        added = {
            n: s
            for n, s in edit.added.items()
            if (edit.group, s.key) in new and left[ANYWHERE if s.anywhere else ""]
        }
        removed = {
            n: s
            for n, s in edit.removed.items()
            if (edit.group, s.key) in gone and left[ANYWHERE if s.anywhere else ""]
        }
        schema = {n: s for n, s in added.items() if (edit.group, s.database) in new_db}
        dropped = {n: s for n, s in removed.items() if (edit.group, s.database) in gone_db}
        if schema or dropped:
            findings.append(_schema_change(snap, dialect, edit, schema, dropped))
        elif (added or removed) and dialect.state_only is not None:
            findings.append(_state_only(snap, dialect, dialect.state_only, edit, added, removed))
    return findings


def _schema_change(
    snap: Snapshot,
    dialect: Dialect,
    edit: Edit,
    added: dict[Line, Statement],
    removed: dict[Line, Statement],
) -> Finding:
    """Report a schema change with no migration: an error, or a notice where CI's own exact
    check of the models decides (it fails there if a migration is due, and passes if our
    reading of the models is wrong)."""
    checker = dialect.ci_checked(snap, edit.group) if dialect.ci_checked else None
    if checker is None:
        return _finding(dialect, edit, added, removed, dialect.message)

    def say(labels: str, path: str, group: str) -> str:
        return (
            f"{labels} changed in `{path}` and this change adds no migration, but `{checker}` "
            f"runs `{dialect.check_command}` on pull requests, which compares the models with "
            "the migrations exactly: if it passes, no migration is due; if it fails, run "
            f"`{dialect.write_command(group)}` and commit the migration with this change."
        )

    return _finding(dialect, edit, added, removed, say, Severity.NOTICE)


def _state_only(
    snap: Snapshot,
    dialect: Dialect,
    message: Callable[[str, str, str, str | None], str],
    edit: Edit,
    added: dict[Line, Statement],
    removed: dict[Line, Statement],
) -> Finding:
    """Report a change of migration state only: a notice when CI's own check of it decides."""
    checker = dialect.ci_checked(snap, edit.group) if dialect.ci_checked else None
    severity = Severity.NOTICE if checker else Severity.WARNING

    def say(labels: str, path: str, group: str) -> str:
        return message(labels, path, group, checker)

    return _finding(dialect, edit, added, removed, say, severity)


def _uncancelled(
    edits: Sequence[Edit], key: Callable[[Statement], str]
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """Count each group's new and gone statement keys, less those found on both sides."""
    new = Counter((e.group, key(s)) for e in edits for s in set(e.added.values()))
    gone = Counter((e.group, key(s)) for e in edits for s in set(e.removed.values()))
    return new - gone, gone - new


# Given a statement's model, name and lines: its (key, db_key), or None to keep the text key.
Keys = Callable[[str | None, str, Sequence[str]], tuple[str, str] | None]


def python_statements(
    start: re.Pattern[str], keys: Keys | None = None
) -> Callable[[Sequence[str]], dict[int, Statement]]:
    """Build a statement reader for Python models from the regex that starts a statement."""
    return lambda lines: _python_statements(lines, start, keys)


def statement(
    model: str | None, name: str, lines: Sequence[str], named: int | None = None
) -> Statement:
    """Build a statement whose key ignores comments, layout and trailing commas."""
    text = "".join(_COMMENT.sub("", line) for line in lines)
    key = f"{model}:{_TRAILING_COMMA.sub('', ''.join(text.split()))}"
    return Statement(model, name, key, named=named)


def statement_end(lines: Sequence[str], index: int) -> int:
    """Return the index of the line that closes the brackets opened on line `index`."""
    depth = 0
    for offset, text in enumerate(lines[index : index + MAX_STATEMENT_LINES]):
        code = _COMMENT.sub("", _STRING.sub('""', text))
        depth += sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}")
        if depth <= 0:
            return index + offset
    return index


def _finding(
    dialect: Dialect,
    edit: Edit,
    added: dict[Line, Statement],
    removed: dict[Line, Statement],
    message: Callable[[str, str, str], str],
    severity: Severity = Severity.ERROR,
) -> Finding:
    """Report one model file on its first changed schema statement, added lines first: on the
    line holding that statement's name when the change touches it, else its first changed line
    (a decorator changed alone)."""
    side: Side = "RIGHT" if added else "LEFT"
    touched = added or removed
    first = min(touched, key=lambda changed_line: changed_line.number)
    named = touched[first].named
    line = next((n for n in touched if n.number == named), first)
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
        severity=severity,
        message=message(shown, path, edit.group),
        fingerprint=fingerprint(dialect.rule, path, f"no migration for {edit.group}"),
        side=side,
    )


def _side(snap: Snapshot, changed: ChangedFile, at: Ref, dialect: Dialect) -> ModelSide:
    """Return the file on one side, or the diff's lines of it; nothing unless it uses the ORM."""
    path = (changed.old_path or changed.path) if at == "base" else changed.path
    source = snap.source(path, at)
    if source.text is not None:
        return ModelSide(source.lines, source) if dialect.evidence.search(source.text) else _UNUSED
    lines = paths.from_diff(changed.added if at == "head" else changed.removed)
    used = dialect.path_is_evidence or dialect.evidence.search("\n".join(lines))
    return ModelSide(lines) if used else _UNUSED


_CLASS = re.compile(r"^(?P<indent>\s*)class\s+(?P<name>\w+)")


def _python_statements(
    lines: Sequence[str], start: re.Pattern[str], keys: Keys | None
) -> dict[int, Statement]:
    """Map each line number inside a Python schema statement to that statement."""
    found: dict[int, Statement] = {}
    index = 0
    while index < len(lines):
        match = start.match(lines[index])
        indent = len(match.group("indent")) if match else 0
        if match is None or (match.group("meta") and not indent):
            index += 1
            continue
        end = statement_end(lines, index)
        name = next((g for g in match.groups()[1:] if g), None) or _quoted(lines[index])
        owner = _owner(lines, index, indent)
        model = owner[1] if owner else None
        if owner and model == "Meta":
            outer = _owner(lines, owner[0], owner[2])
            model, name = (outer[1] if outer else None), f"Meta.{name}"
        if match.groupdict().get("model"):
            model = name
        found_keys = keys(model, name, lines[index : end + 1]) if keys else None
        made = statement(model, name, lines[index : end + 1])
        if found_keys is not None:
            made = Statement(model, name, *found_keys)
        found.update(dict.fromkeys(range(index + 1, end + 2), made))
        index = end + 1
    return found


def _quoted(text: str) -> str:
    """Name a statement without an attribute (`Column("total", ...)`) by its first string."""
    match = _STRING.search(text)
    return match.group(0)[1:-1] if match else text.strip()[:40]


def _owner(lines: Sequence[str], index: int, indent: int) -> tuple[int, str, int] | None:
    """Find the class a line at `indent` belongs to: its index, name and indentation."""
    for above in range(index - 1, -1, -1):
        match = _CLASS.match(lines[above])
        if match and len(match.group("indent")) < indent:
            return above, match.group("name"), len(match.group("indent"))
    return None


def _touched(diff: Sequence[Line], statements: dict[int, Statement]) -> dict[Line, Statement]:
    """Keep the changed lines that fall inside a schema statement, comments and blanks aside.

    A comment written between `class Model(...)` and its first field lies inside the model's
    header, but changes nothing a database runs.
    """
    return {
        line: statements[line.number]
        for line in diff
        if line.number in statements and line.text.strip() and not COMMENT_LINE.match(line.text)
    }
