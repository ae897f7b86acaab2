"""Measure the engine on real merged pull requests of real projects, against labelled findings.

For every repository in benchmarks/real_prs/repos.yml (a git mirror brought here with the search
tool's `fetch`, found under --mirrors as `owner+name/repo`), walk the first-parent history back
from the pinned tip, take the last `count` changes that merged a pull request (a squash commit
"… (#123)" or a merge "Merge pull request #123"; every first-parent commit for projects that push
to their main branch directly), and scan each as `readiness scan --repo R --base C^1 --head C`
would: the same in-process engine, file contents read from git. A project that benchmarks/real_prs/
deploys.yml says deploys rolling (read from its repository, with the evidence) is scanned with
`deploys: rolling` as its organisation's config (`readiness scan --org`), the way such a team
would set the bot up; the others with the default.

Every error and warning is looked up in benchmarks/real_prs/labels.yml, written by people reading
the diff (never by product code): `TP`, `FP` or `debatable`, each with a one-line reason and the
line it names (repo, commit, rule, path, side, line). It prints PRs scanned, PRs failed (an error
finding), PRs failed without a TP, error+warning precision (debatable counted as FP, and left out),
unlabelled findings, crashes and scan time per PR (median and max, wall, in process). A run of
every repository records its figures in benchmarks/results/real_prs.json and benchmarks/README.md.

    .venv/bin/python benchmarks/real_prs.py                   # all repositories
    .venv/bin/python benchmarks/real_prs.py --unlabelled out.yml  # findings still to label
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.whole_process import benchmark_context, record  # noqa: E402

DATA = ROOT / "benchmarks" / "real_prs"
PR_SUBJECT = re.compile(r"\(#\d+\)\s*$|^Merge pull request #\d+")
SHOWN = ("error", "warning")
# Dependency bumps by bots are left out: they are many, trivially quiet, and would flatter the rate.
BOT_AUTHOR = re.compile(r"\[bot\]|renovate|dependabot", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    repo: str
    commit: str
    subject: str
    rolling: bool = False


@dataclass(frozen=True)
class Row:
    repo: str
    commit: str
    rule: str
    path: str
    side: str
    line: int
    severity: str
    message: str


@dataclass(frozen=True)
class Outcome:
    target: Target
    rows: tuple[Row, ...]
    problems: tuple[str, ...]
    seconds: float


def git(mirror: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(mirror), *args], capture_output=True, text=True, check=True
    )
    return done.stdout


def targets(mirrors: Path, entry: dict[str, Any]) -> tuple[Path, list[Target]]:
    """Return the mirror and the last `count` merged changes of one repository, newest first."""
    mirror = mirrors / entry["repo"].replace("/", "+") / "repo"
    log = git(
        mirror,
        "log",
        "--first-parent",
        "--format=%H%x00%P%x00%an%x00%s",
        "-n",
        "3000",
        entry["tip"],
    )
    picked: list[Target] = []
    for logged in log.splitlines():
        sha, parents, author, subject = logged.split("\0", 3)
        if not parents or BOT_AUTHOR.search(author):
            continue
        if entry.get("pull_requests", True) and not PR_SUBJECT.search(subject):
            continue
        if not complete(mirror, sha):
            continue
        picked.append(Target(entry["repo"], sha, subject, entry.get("deploys") == "rolling"))
        if len(picked) == entry["count"]:
            break
    return mirror, picked


def complete(mirror: Path, sha: str) -> bool:
    """Tell whether every blob the change touches is in the mirror (it lacks files of 4 MiB+)."""
    raw = git(mirror, "diff", "--raw", "--no-abbrev", "--no-renames", f"{sha}^1", sha)
    blobs = {
        blob for row in raw.splitlines() if row.startswith(":") for blob in row.split()[2:4]
    } - {"0" * 40}
    if not blobs:
        return True
    done = subprocess.run(
        ["git", "--git-dir", str(mirror), "cat-file", "--batch-check"],
        input="\n".join(sorted(blobs)) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return "missing" not in done.stdout


def scan_one(mirror: Path, target: Target) -> Outcome:
    """Scan one merged change in process, as `readiness scan --repo` does."""
    from bot.config import Layer
    from bot.local import scan_repo

    org = Layer("deploys.yml", "deploys: rolling\n") if target.rolling else None
    started = time.perf_counter()
    evaluation = asyncio.run(scan_repo(mirror, f"{target.commit}^1", target.commit, None, org))
    seconds = time.perf_counter() - started
    rows = tuple(
        Row(
            target.repo,
            target.commit,
            f.rule,
            f.path,
            f.side,
            f.line,
            f.severity.value,
            f.message.splitlines()[0] if f.message else "",
        )
        for f in evaluation.findings
        if f.severity.value in SHOWN
    )
    return Outcome(target, rows, evaluation.problems, seconds)


def label_key(row: dict[str, Any] | Row) -> tuple[str, str, str, str, str, int]:
    r = asdict(row) if isinstance(row, Row) else row
    return (r["repo"], r["commit"], r["rule"], r["path"], r.get("side", "RIGHT"), int(r["line"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--repos", type=Path, default=DATA / "repos.yml")
    parser.add_argument("--labels", type=Path, default=DATA / "labels.yml")
    parser.add_argument("--deploys", type=Path, default=DATA / "deploys.yml")
    parser.add_argument("--only", help="scan only this owner/name")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--unlabelled", type=Path, help="write findings without a label here")
    parser.add_argument("--findings", type=Path, help="write every error and warning here")
    args = parser.parse_args()

    entries = yaml.safe_load(args.repos.read_text(encoding="utf-8"))
    deploys = {
        item["repo"]: item["deploys"]
        for item in yaml.safe_load(args.deploys.read_text(encoding="utf-8")) or []
    }
    entries = [{"deploys": deploys.get(e["repo"], "unknown"), **e} for e in entries]
    if args.only:
        entries = [e for e in entries if e["repo"] == args.only]
    labels = (
        {
            label_key(item): item
            for item in (yaml.safe_load(args.labels.read_text(encoding="utf-8")) or [])
        }
        if args.labels.exists()
        else {}
    )

    work: list[tuple[Path, Target]] = []
    for entry in entries:
        mirror, picked = targets(args.mirrors, entry)
        if len(picked) < entry["count"]:
            print(f"{entry['repo']}: only {len(picked)} of {entry['count']} changes found")  # noqa: T201
        work += [(mirror, t) for t in picked]

    started = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(scan_one, *zip(*work, strict=True)))
    wall = time.perf_counter() - started
    report(outcomes, labels, wall, args)
    return 0


def report(
    outcomes: list[Outcome],
    labels: dict[tuple[str, str, str, str, str, int], Any],
    wall: float,
    args: argparse.Namespace,
) -> None:
    verdicts: Counter[str] = Counter()
    by_rule: dict[str, Counter[str]] = {}
    failed = failed_without_tp = crashes = 0
    unlabelled: list[dict[str, Any]] = []
    for outcome in outcomes:
        crashes += sum("failed" in p or "did not finish" in p for p in outcome.problems)
        seen = []
        for row in outcome.rows:
            item = labels.get(label_key(row))
            verdict = item["label"] if item else "unlabelled"
            verdicts[verdict] += 1
            by_rule.setdefault(row.rule, Counter())[verdict] += 1
            seen.append(verdict)
            if item is None:
                unlabelled.append({**asdict(row), "label": "", "reason": ""})
        if any(r.severity == "error" for r in outcome.rows):
            failed += 1
            if not any(
                v == "TP" for r, v in zip(outcome.rows, seen, strict=True) if r.severity == "error"
            ):
                failed_without_tp += 1
    out = print
    scanned = len(outcomes)
    times = [o.seconds for o in outcomes]
    tp, fp, debatable = verdicts["TP"], verdicts["FP"], verdicts["debatable"]
    out(f"repositories: {len({o.target.repo for o in outcomes})}")
    out(f"PRs scanned: {scanned}")
    out(f"PRs failed: {failed} ({failed / max(scanned, 1):.1%})")
    out(f"PRs failed without a TP: {failed_without_tp} ({failed_without_tp / max(scanned, 1):.1%})")
    out(
        f"errors+warnings: {sum(verdicts.values())}  TP {tp}  FP {fp}  debatable {debatable}"
        f"  unlabelled {verdicts['unlabelled']}"
    )
    strict = tp / max(tp + fp + debatable, 1)
    lenient = tp / max(tp + fp, 1)
    out(f"precision: {strict:.2f} (debatable as FP), {lenient:.2f} (debatable left out)")
    out(f"crashes: {crashes}")
    if times:
        out(
            f"scan s per PR: median {statistics.median(times):.2f}, max {max(times):.2f}"
            f"  (wall {wall:.0f} s, {args.jobs} processes)"
        )
    for rule, counts in sorted(by_rule.items()):
        out(f"  {rule}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if not args.only:  # a partial run is no figure of the benchmark
        figures = {
            "repositories": len({o.target.repo for o in outcomes}),
            "prs_scanned": scanned,
            "prs_failed": failed,
            "prs_failed_without_tp": failed_without_tp,
            "verdicts": dict(verdicts),
            "precision_debatable_as_fp": round(strict, 3),
            "precision_debatable_left_out": round(lenient, 3),
            "crashes": crashes,
            "scan_s_median": round(statistics.median(times), 3) if times else None,
            "scan_s_max": round(max(times), 3) if times else None,
            "by_rule": {rule: dict(counts) for rule, counts in sorted(by_rule.items())},
        }
        table = "\n".join([
            "| PRs | failed | failed, no TP | TP | FP | debatable | precision (strict / lenient) |",
            "|---:|---:|---:|---:|---:|---:|---|",
            f"| {scanned} | {failed} | {failed_without_tp} | {tp} | {fp} | {debatable} "
            f"| {strict:.2f} / {lenient:.2f} |",
            "",
            "| rule | TP | FP | debatable |",
            "|---|---:|---:|---:|",
            *(
                f"| `{rule}` | {c['TP']} | {c['FP']} | {c['debatable']} |"
                for rule, c in sorted(by_rule.items())
            ),
        ])  # fmt: skip
        record("real_prs", {"context": benchmark_context(), **figures}, table)
    if args.unlabelled:
        args.unlabelled.write_text(yaml.safe_dump(unlabelled, sort_keys=False), encoding="utf-8")
    if args.findings:
        rows = [asdict(r) for o in outcomes for r in o.rows]
        args.findings.write_text(yaml.safe_dump(rows, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
