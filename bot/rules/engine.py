"""Run every pack over a snapshot, then drop suppressed findings and number repeats.

Built-in rules are pure functions run in process, in a worker thread so a large review never
blocks the event loop; the repository's own semgrep rules (if any apply) run concurrently as one
subprocess.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from bot.config import from_snapshot as config_of
from bot.diff.model import Change
from bot.redaction import scrub
from bot.rules import semgrep
from bot.rules.model import Check, Finding, Pack
from bot.rules.registry import EXTRAS, PACKS, RULES
from bot.snapshot.model import Snapshot
from bot.snapshot.read import Contents, build

log = logging.getLogger(__name__)

# A check that runs longer is reported; pure checks cannot be interrupted, so it is not cut off.
CHECK_SLOW_S = 30.0
SUPPRESSIONS = ("readiness:allow", "gitleaks:allow", "pragma: allowlist secret")


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    problems: tuple[str, ...]
    skipped: tuple[str, ...] = ()


async def snapshot(change: Change, contents: Contents) -> Snapshot:
    """Read what the rules need (changed files and the registry's extras) into one snapshot."""
    return await build(change, contents, EXTRAS)


async def evaluate(snap: Snapshot, packs: Sequence[Pack] = PACKS) -> Evaluation:
    """Run all checks and the repository's semgrep rules; a failing check is reported, not fatal.

    The repository's config (read from the base branch) turns packs and rules off and drops
    findings on paths it ignores or allows; ids it names that do not exist are problems.
    """
    config, config_problems = config_of(snap, packs)
    problems: list[str] = [*snap.change.problems, *config_problems]
    # A check runs while any rule it reports is enabled; a disabled rule costs no work.
    checks = [
        (p.id, c) for p in packs for c, rules in p.checks.items() if any(map(config.enables, rules))
    ]
    built_in, repository = await asyncio.gather(
        asyncio.to_thread(run_checks, snap, checks, problems),
        _semgrep(snap, problems, config.enables),
    )
    findings = [f for f in (*built_in, *repository) if config.keeps(f)]
    kept = _number_repeats(_unsuppressed([_scrubbed(f) for f in findings], snap))
    kept.sort(key=lambda f: (f.path, f.line, f.severity.rank, f.rule))
    return Evaluation(tuple(kept), tuple(scrub(p) for p in problems), snap.skipped)


def run_checks(
    snap: Snapshot, checks: Sequence[tuple[str, Check]], problems: list[str]
) -> list[Finding]:
    """Run each check in turn; cap each finding at its rule's severity (the severity policy)."""
    findings: list[Finding] = []
    for pack, check in checks:
        name = getattr(check, "__name__", repr(check))
        started = time.monotonic()
        try:
            found = list(check(snap))
        except Exception as exc:  # one broken rule must not cost the whole review
            log.exception("rule check %s/%s failed", pack, name)
            problems.append(f"rule check `{pack}/{name}` failed: {type(exc).__name__}")
            continue
        elapsed = time.monotonic() - started
        if elapsed > CHECK_SLOW_S:
            log.warning("rule check %s/%s took %.1f s", pack, name, elapsed)
        findings.extend(_capped(f) for f in found)
    return findings


def _capped(finding: Finding) -> Finding:
    rule = RULES.get(finding.rule)
    if rule is None or finding.severity.rank >= rule.severity.rank:
        return finding
    return replace(finding, severity=rule.severity)


async def _semgrep(
    snap: Snapshot, problems: list[str], enabled: Callable[[str], bool]
) -> list[Finding]:
    try:
        return await semgrep.run(snap, enabled)
    except (semgrep.SemgrepError, OSError) as exc:
        log.warning("semgrep failed: %s", exc)
        problems.append(f"the repository's semgrep rules were not run: {exc}")
        return []


def _scrubbed(finding: Finding) -> Finding:
    """Redact any credential a message quotes (a removed log line, a snippet of code).

    Every rule's text passes here, before any report trims it, so a rule that quotes code cannot
    post a secret; fingerprints already hash what matched, never the message.
    """
    message = scrub(finding.message)
    return finding if message is finding.message else replace(finding, message=message)


def _unsuppressed(findings: list[Finding], snap: Snapshot) -> list[Finding]:
    """Drop findings whose line carries an inline allow marker."""
    texts: dict[tuple[str, str, int], str] = {}
    for changed in snap.whole.files:  # secrets are reported on skipped files too
        for line in changed.added:
            texts[(changed.path, "RIGHT", line.number)] = line.text
        for line in changed.removed:
            texts[(changed.path, "LEFT", line.number)] = line.text
    return [
        f
        for f in findings
        if not any(m in texts.get((f.path, f.side, f.line), "") for m in SUPPRESSIONS)
    ]


def _number_repeats(findings: list[Finding]) -> list[Finding]:
    """Keep fingerprints unique: the same content matched twice in a file is two findings."""
    seen: Counter[str] = Counter()
    numbered = []
    for finding in sorted(findings, key=lambda f: (f.path, f.side, f.line, f.rule)):
        seen[finding.fingerprint] += 1
        count = seen[finding.fingerprint]
        numbered.append(
            finding
            if count == 1
            else replace(finding, fingerprint=f"{finding.fingerprint}-{count}")
        )
    return numbered
