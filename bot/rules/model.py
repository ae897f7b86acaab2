"""What a rule sees (RuleContext) and what it yields (Finding)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol

from bot.diff.model import Change

Side = Literal["RIGHT", "LEFT"]
Ref = Literal["head", "base"]


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


class Contents(Protocol):
    """Reads whole files of the reviewed repository: GitHub's API in the server, git locally."""

    async def read(self, path: str, at: Ref = "head") -> str | None:
        """Return the file's text at head or base, or None when absent or unreadable."""
        ...

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        """Return every file path of the repository at head or base, or None when unknown."""
        ...


class NoContents:
    """The contents of a bare diff file: nothing beyond the diff is known."""

    async def read(self, path: str, at: Ref = "head") -> str | None:
        return None

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        return None


@dataclass(frozen=True)
class RuleContext:
    change: Change
    contents: Contents


Check = Callable[[RuleContext], Awaitable[Sequence[Finding]]]


@dataclass(frozen=True)
class Pack:
    """A rule pack: its id, its checks, and a one-line description of every rule id it can emit."""

    id: str
    checks: tuple[Check, ...]
    rules: dict[str, str]
