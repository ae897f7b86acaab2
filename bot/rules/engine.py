"""Run every pack over a snapshot, then drop suppressed findings and number repeats.

Built-in rules are pure functions run in a child process (`bot.rules.runner`), so neither a
large review nor a crafted line can stall the server, and a review whose rules run past the
time limit is cut off and reported as not fully reviewed; the repository's own semgrep rules (if
any apply) run concurrently as one subprocess.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot import baseline as baselines
from bot.config import Layer, RepoConfig
from bot.config import from_snapshot as config_of
from bot.diff.model import Change, Skip
from bot.redaction import scrub
from bot.rules import runner, semgrep
from bot.rules.ignores import Ignored
from bot.rules.model import Finding, Pack
from bot.rules.registry import EXTRAS, PACKS
from bot.snapshot.model import Layout, Snapshot
from bot.snapshot.read import Contents, build

if TYPE_CHECKING:
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

SUPPRESSIONS = ("readiness:allow", "gitleaks:allow", "pragma: allowlist secret")


@dataclass(frozen=True)
class Evaluation:
    """A review's outcome: what is reported, what could not be reviewed, and what was not.

    `config` is the effective config the report follows (`fail_on`, `comments`); `configs` the
    files it came from (repository first; empty: built-in defaults); `baselined` the number of
    findings left out because the repository's baseline lists them.
    """

    findings: tuple[Finding, ...]
    problems: tuple[str, ...]
    skipped: tuple[Skip, ...] = ()
    """Changed files code rules did not read (generated, vendored, binary…); secrets did."""
    config: RepoConfig = field(default_factory=RepoConfig)
    configs: tuple[str, ...] = ()
    baselined: int = 0
    ignored: tuple[Ignored, ...] = ()
    """The PR's `/readiness ignore`s, each with how many findings it took out of `findings`."""
    draft: bool = False
    """The pull request is a draft: with `drafts: neutral`, the check does not fail yet."""
    left_out: tuple[Skip, ...] = ()
    """Changed files no rule read (no patch, a diff that does not parse, over the limits)."""
    files: int = 0
    """Changed files in the pull request, those left out included."""
    packs: tuple[str, ...] = ()
    """Packs that ran, in registry order (`repo`: the repository's semgrep rules)."""
    allowed_inline: int = 0
    """Findings dropped by a `readiness:allow` (or gitleaks, detect-secrets) comment."""
    off_in_config: int = 0
    """Findings dropped by the config: their rule `off` or disabled, or an `ignore`/`allow` path."""


async def snapshot(change: Change, contents: Contents, description: str = "") -> Snapshot:
    """Read what the rules need (changed files and the registry's extras) into one snapshot
    of a change that says `description` of itself."""
    return await build(change, contents, EXTRAS, description)


async def evaluate(
    snap: Snapshot,
    packs: Sequence[Pack] = PACKS,
    limit: float = runner.TIME_LIMIT_S,
    organisation: Layer | None = None,
    baseline: baselines.Baseline | None = None,
    metrics: Metrics | None = None,
    progress: runner.Progress | None = None,
) -> Evaluation:
    """Run all checks and the repository's semgrep rules; a failing check is reported, not fatal.

    The config (the repository's, read from the base branch, over `organisation`'s file) turns
    packs and rules off, marks paths generated, drops findings on paths it ignores or allows and
    sets severities (its `severity` entries, and `deploys` for rules that harm only rolling
    deploys); ids it names that do not exist are problems. Built-in checks still running
    after `limit` seconds are stopped and named in the problems; the findings of those that
    finished are kept. Findings the `baseline` lists (by default the baseline file on the base
    branch) are left out and counted. `metrics` records the semgrep run, if any; `progress`
    hears how far the built-in checks are (`readiness scan`'s progress line).
    """
    resolved = config_of(snap, packs, organisation)
    config = resolved.config
    layout = Layout(config.generated, config.migrations, config.frontend)
    if layout != snap.layout:
        snap = replace(snap, layout=layout)
    problems: list[str] = [*snap.change.problems, *resolved.problems]
    # A check runs while any rule it reports is enabled; a disabled rule costs no work.
    checks = [
        (p.id, c) for p in packs for c, rules in p.checks.items() if any(map(config.enables, rules))
    ]
    ran = [p.id for p in packs if any(pack == p.id for pack, _ in checks)]
    (built_in, unfinished), repository = await asyncio.gather(
        runner.run(snap, checks, limit, progress),
        _semgrep(snap, problems, config.enables, metrics, ran),
    )
    problems.extend(unfinished)
    # Built-in findings come redacted from the child; the repository's rules are redacted here.
    found = [*built_in, *map(runner.redacted, repository)]
    declared = {rule.id: rule for pack in packs for rule in pack.rules}
    findings = [
        replace(f, severity=config.severity_of(f, declared.get(f.rule)))
        for f in found
        if config.keeps(f)
    ]
    unsuppressed = _unsuppressed(findings, snap)
    kept = _number_repeats(unsuppressed)
    kept.sort(key=lambda f: (f.path, f.line, f.severity.rank, f.rule))
    if baseline is None:
        baseline = baselines.parse(snap.read(baselines.BASELINE_PATH, "base"))
    problems += [baseline.problem] if baseline.problem else []
    kept, baselined = baselines.apply(kept, snap, baseline)
    return Evaluation(
        tuple(kept),
        tuple(scrub(p) for p in problems),
        snap.skipped,
        config=config,
        configs=resolved.files,
        baselined=baselined,
        left_out=snap.whole.left_out,
        files=len(snap.whole.paths | {s.path for s in snap.whole.left_out}),
        packs=tuple(ran),
        allowed_inline=len(findings) - len(unsuppressed),
        off_in_config=len(found) - len(findings),
    )


async def _semgrep(
    snap: Snapshot,
    problems: list[str],
    enabled: Callable[[str], bool],
    metrics: Metrics | None,
    ran: list[str],
) -> list[Finding]:
    """Run the repository's semgrep rules; add `repo` to the packs that `ran` when they did."""
    try:
        files = semgrep.rule_files(snap)
        found = await semgrep.run(snap, enabled, metrics)
        if files and semgrep.targets(snap, files, enabled):
            ran.append(semgrep.RULE_PACK)
        return found
    except (semgrep.SemgrepError, OSError) as exc:
        log.warning("semgrep failed: %s", exc)
        problems.append(f"the repository's semgrep rules were not run: {exc}")
        return []


def _unsuppressed(findings: list[Finding], snap: Snapshot) -> list[Finding]:
    """Drop findings whose line carries an inline allow marker."""
    texts: dict[tuple[str, str, int], str] = {}
    for changed in snap.whole.files:  # secrets are reported on skipped files too
        for line in changed.added:
            texts[(changed.path, "RIGHT", line.number)] = line.text
        for line in changed.removed:
            texts[(changed.path, "LEFT", line.number)] = line.text
    # Each line is read once, however many findings it has (a crafted line can have thousands).
    reported = {(f.path, f.side, f.line) for f in findings}
    allowed = {key for key in reported if any(m in texts.get(key, "") for m in SUPPRESSIONS)}
    return [f for f in findings if (f.path, f.side, f.line) not in allowed]


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
