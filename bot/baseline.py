"""The baseline: findings a team accepted when adopting Readiness, not reported again.

`readiness baseline` scans everything tracked at HEAD (every file as if added: what the rules
would say about the code as it is) and writes `.readiness-baseline.json` at the repository's root.
A review leaves out each finding the file lists; the server reads the file from the base branch
(as the config: a pull request cannot baseline its own findings), `readiness scan` from the work
tree.

A finding is listed by a fingerprint that survives line shifts: its rule id, path, the text of
its line with whitespace collapsed, and its occurrence index among findings of that rule, path
and text (in line order), hashed. Lines added above it move it without changing it; the same
text found once more in the file is a new occurrence, and is reported. When two identical lines
are found, the one reported is the later one.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.diff.model import Change, Ref
from bot.rules.model import Finding
from bot.snapshot.model import Snapshot

BASELINE_PATH = ".readiness-baseline.json"
VERSION = 1


@dataclass(frozen=True)
class Baseline:
    """The fingerprints a baseline file lists; `problem` says why the file was not usable."""

    fingerprints: frozenset[str] = frozenset()
    problem: str | None = None


def wanted(change: Change, listings: Mapping[Ref, frozenset[str] | None]) -> list[tuple[str, Ref]]:
    """Name the baseline for the snapshot: on the base branch, as the config."""
    return [(BASELINE_PATH, "base")]


def parse(text: str | None, name: str = BASELINE_PATH) -> Baseline:
    """Read a baseline file's text (None: there is none); an unusable file is a problem."""
    if text is None:
        return Baseline()
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise ValueError(f"expected an object with `version: {VERSION}`")
        entries = data.get("findings")
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries
        ):
            raise ValueError("`findings` must be a list of objects with an `id`")
    except ValueError as exc:
        return Baseline(problem=f"`{name}` is not a baseline ({exc}); nothing was baselined")
    return Baseline(frozenset(str(e["id"]) for e in entries))


def fingerprints(findings: Sequence[Finding], snap: Snapshot) -> list[str]:
    """Return each finding's baseline fingerprint, in the order given."""
    texts = [_normalised(line_text(f, snap)) for f in findings]
    order = sorted(range(len(findings)), key=lambda i: (findings[i].path, findings[i].line))
    seen: Counter[tuple[str, str, str]] = Counter()
    prints = [""] * len(findings)
    for i in order:
        f = findings[i]
        key = (f.rule, f.path, texts[i])
        prints[i] = _digest(*key, str(seen[key]))
        seen[key] += 1
    return prints


def apply(
    findings: Sequence[Finding], snap: Snapshot, baseline: Baseline
) -> tuple[list[Finding], int]:
    """Leave out the findings the baseline lists; return the rest and how many were left out."""
    if not baseline.fingerprints:
        return list(findings), 0
    prints = fingerprints(findings, snap)
    kept = [f for f, p in zip(findings, prints, strict=True) if p not in baseline.fingerprints]
    return kept, len(findings) - len(kept)


def dump(findings: Sequence[Finding], snap: Snapshot) -> str:
    """Write a baseline file listing these findings (sorted, so a new baseline diffs well).

    Each entry holds the fingerprint and, for the reader, the rule and path; never the line's
    text, which may hold a secret.
    """
    prints = fingerprints(findings, snap)
    entries = sorted(
        ({"rule": f.rule, "path": f.path, "id": p} for f, p in zip(findings, prints, strict=True)),
        key=lambda e: (e["path"], e["rule"], e["id"]),
    )
    return json.dumps({"version": VERSION, "findings": entries}, indent=2) + "\n"


def line_text(finding: Finding, snap: Snapshot) -> str:
    """The text of a finding's line: at head for an added line, at base for a removed one."""
    if finding.side == "LEFT":
        changed = snap.file(finding.path)
        old = (changed.changed.old_path or finding.path) if changed else finding.path
        lines = snap.source(old, "base").lines
    else:
        changed = snap.file(finding.path)
        lines = snap.head_lines(changed.changed) if changed else snap.source(finding.path).lines
    return lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:20]
