"""What a rule is (Rule, Pack, Check) and what it yields (Finding)."""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from bot.diff.model import Ref

if TYPE_CHECKING:
    from bot.snapshot.model import Snapshot
    from bot.snapshot.read import Extras

__all__ = ["Ref"]

Side = Literal["RIGHT", "LEFT"]
# How a team's releases go out (the config's `deploys`): the old version stops before migrations
# run, or it keeps serving beside the new one while they do.
Deploys = Literal["stop", "rolling"]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTICE = "notice"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "notice": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """One problem on one line.

    `line` is in the new file for side RIGHT, in the old file for side LEFT (a removed line).
    `fingerprint` identifies the finding across pushes: it is built from the rule, the path and
    the matched content, never the line number, so a finding that moves is not reported twice.
    """

    rule: str
    pack: str
    path: str
    line: int
    severity: Severity
    message: str
    fingerprint: str
    side: Side = "RIGHT"


def fingerprint(rule: str, path: str, content: str) -> str:
    """Return a stable short id for a finding; `content` is hashed, so secrets stay secret."""
    normalised = " ".join(content.split())
    digest = hashlib.sha256(f"{rule}\0{path}\0{normalised}".encode()).hexdigest()
    return digest[:20]


def finding(
    rule: str,
    path: str,
    line: int,
    severity: Severity,
    message: str,
    matched: str,
    side: Side = "RIGHT",
) -> Finding:
    """Build a finding: the pack comes from the rule id, the fingerprint from what matched."""
    pack = rule.partition("/")[0]
    return Finding(
        rule, pack, path, line, severity, message, fingerprint(rule, path, matched), side
    )


# One side of an example: (path, text) pairs; a text of None deletes the file at head.
Files = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Example:
    """A change that shows a rule at work, for its docs page (`docs/rules/`).

    `base` is the repository before the change, `head` the files the change writes (None
    deletes one). The docs test runs every example through the engine: a rule's `flagged`
    example must yield a finding of the rule, its `quiet` look-alike none.
    """

    base: Files
    head: Files
    title: str = ""  # one line saying what the change does, shown above it


@dataclass(frozen=True)
class Rule:
    """A rule as users meet it: in the README table, `/readiness explain`, and each finding.

    `severity` is the highest severity the rule may report (the engine lowers anything above it),
    so the severity policy in the registry holds for every finding. `languages` names the
    languages (`bot.rules.paths.language`) of the changed files it judges, so every finding is on
    one of them; empty when it judges any text file (the registry's test lists each such rule).
    `why` says what goes wrong in production; `flagged` and `quiet` are the docs page's examples.
    `rolling` marks a rule whose findings harm only an old version still serving while the
    migrations run (a rolling deploy): they are notices unless the config says
    `deploys: rolling`, as the bot cannot see how a team deploys.
    """

    id: str
    severity: Severity
    description: str
    fix: str
    languages: frozenset[str] = frozenset()
    why: str = ""
    flagged: Example | None = None
    quiet: Example | None = None
    rolling: bool = False

    @property
    def pack(self) -> str:
        return self.id.partition("/")[0]

    def highest(self, deploys: Deploys) -> Severity:
        """Return the highest severity the rule reports for a team that deploys this way."""
        return Severity.NOTICE if self.rolling and deploys == "stop" else self.severity


# A check is a pure function of the snapshot: no I/O, no sleeping, no logging of matched text.
Check = Callable[["Snapshot"], Iterable[Finding]]


@dataclass(frozen=True)
class Pack:
    """A rule pack: its id, its checks, the rules they emit, and the extra files they read.

    `checks` maps each check to the ids of the rules it reports, so the engine can skip a check
    whose rules are all disabled by the repository instead of running it and dropping its work.
    """

    id: str
    checks: Mapping[Check, tuple[str, ...]]
    rules: tuple[Rule, ...]
    extras: tuple[Extras, ...] = ()

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(rule.id for rule in self.rules)


def gather(
    pack_id: str, package: str, path: Sequence[str], extras: tuple[Extras, ...] = ()
) -> Pack:
    """Build a pack from the modules of its package (`__name__` and `__path__` of the pack's
    `__init__`): each module that holds rules declares them beside their checks, as
    `RULES: tuple[Rule, ...]` (docs included: `why`, `flagged`, `quiet`) and
    `CHECKS: dict[Check, tuple[str, ...]]` (each check and the ids of the rules it reports).

    So adding a rule is a one-file change: its check, declaration and docs in one module of
    the pack, new or existing. Modules are read in name order. Raises ValueError (at import,
    so no test run or server start misses it) when a rule id is declared twice, lies outside
    the pack, is reported by no check, or a check reports an undeclared id.
    """
    rules: list[Rule] = []
    checks: dict[Check, tuple[str, ...]] = {}
    for module in sorted(pkgutil.iter_modules(path), key=lambda m: m.name):
        found = importlib.import_module(f"{package}.{module.name}")
        rules += getattr(found, "RULES", ())
        checks |= getattr(found, "CHECKS", {})
    ids = [rule.id for rule in rules]
    reported = {rule_id for reports in checks.values() for rule_id in reports}
    problems = [
        *(f"{i} declared twice" for i in sorted({i for i in ids if ids.count(i) > 1})),
        *(f"{i} is not in pack {pack_id}" for i in ids if not i.startswith(f"{pack_id}/")),
        *(f"{i} is reported by no check" for i in sorted(set(ids) - reported)),
        *(f"{i} is reported but not declared" for i in sorted(reported - set(ids))),
    ]
    if problems:
        raise ValueError(f"pack {pack_id}: " + "; ".join(problems))
    return Pack(pack_id, checks, tuple(rules), extras)
