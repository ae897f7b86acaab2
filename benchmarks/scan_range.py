"""Measure `readiness scan --repo` on a large git range: files, wall, CPU, git processes, peak RSS.

Scans a range of a real repository as a user would (`readiness scan --repo R --base B --head H
--format json`, a fresh process) and prints what it cost. CPU time covers every process the scan
starts, its rule checks' child and git included: this process becomes a child subreaper (Linux
`prctl(PR_SET_CHILD_SUBREAPER)`), so the forkserver's children are reaped here and counted in
`RUSAGE_CHILDREN`. git processes are counted by a `git` shim put first on PATH (one line per
launch; git's own helpers, started from its exec path, are not counted). Peak RSS is the largest
single process's. The load average is recorded next to the figures: on a busy machine wall time
says little, CPU time still does.

By default it scans the last 450 first-parent commits of the outline mirror (1,000 files changed
at d77dcdf8), the size of the "Fast under load" issue's measurement. Needs Linux and git.

    python benchmarks/scan_range.py [--repo GIT_DIR] [--base REF | --commits N] [--head REF]
                                    [--runs N] [--output FILE]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REPO = Path("/work/.mirror/outline+outline/repo")
DEFAULT_COMMITS = 450
RESULTS = ROOT / "benchmarks/results/scan_range.json"
PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


@dataclass(frozen=True)
class Run:
    """One scan: its figures, seconds and KiB."""

    exit_code: int
    findings: int
    problems: int
    wall_s: float
    cpu_s: float
    git_processes: int
    peak_rss_kib: int


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "--git-dir", str(repo), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def become_subreaper() -> None:
    """Adopt orphaned descendants (the rules' forkserver and its children) so their CPU counts."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def git_shim(folder: Path, log: Path) -> None:
    """Write a `git` that logs each launch, then runs the real git."""
    real = shutil.which("git")
    if real is None:
        raise SystemExit("git is not on PATH")
    shim = folder / "git"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)


def reap_all() -> None:
    """Wait for every adopted descendant, so that RUSAGE_CHILDREN includes it."""
    while True:
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            return


def scan_once(repo: Path, base: str, head: str) -> Run:
    with tempfile.TemporaryDirectory() as tmp:
        folder, log = Path(tmp), Path(tmp) / "git.log"
        git_shim(folder, log)
        env = {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}
        command = [sys.executable, "-m", "bot.cli", "scan", "--repo", str(repo)]
        command += ["--base", base, "--head", head, "--format", "json", "--allow-partial"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, env=env, check=False)
        wall = time.perf_counter() - started
        reap_all()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        launches = log.read_text().splitlines() if log.exists() else []
    if done.returncode not in (0, 1):
        raise SystemExit(f"scan failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    report = json.loads(done.stdout)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(
        done.returncode,
        len(report["findings"]),
        len(report["problems"]),
        wall,
        cpu,
        len(launches),
        after.ru_maxrss,
    )


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=DEFAULT_REPO, help="a git directory")
    parser.add_argument("--base", help="the base ref (default: --commits first-parents back)")
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS)
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--runs", type=int, default=3, help="scans; the median is reported")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    become_subreaper()
    head = git(args.repo, "rev-parse", "--verify", f"{args.head}^{{commit}}")
    base = git(args.repo, "rev-parse", "--verify", args.base or f"{head}~{args.commits}")
    files = len(git(args.repo, "diff", "--name-only", f"{base}...{head}").splitlines())
    load_before = os.getloadavg()
    runs = [scan_once(args.repo, base, head) for _ in range(args.runs)]
    load_after = os.getloadavg()
    median = {
        key: statistics.median(getattr(run, key) for run in runs)
        for key in ("wall_s", "cpu_s", "git_processes", "peak_rss_kib")
    }
    say(
        f"{args.repo} {base[:10]}...{head[:10]}: {files} files, {runs[0].findings} findings, "
        f"{runs[0].problems} not reviewed"
    )
    rss = median["peak_rss_kib"] / 1024
    say(
        f"wall {median['wall_s']:.2f} s  CPU {median['cpu_s']:.2f} s  "
        f"git processes {median['git_processes']:.0f}  peak RSS {rss:.0f} MiB  "
        f"(median of {len(runs)}; load average {load_before[0]:.2f} -> {load_after[0]:.2f})"
    )
    measured = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    result = {
        "readiness_commit": measured,
        "repository": str(args.repo),
        "base": base,
        "head": head,
        "files": files,
        "median": median,
        "runs": [asdict(run) for run in runs],
        "load_average_before": load_before,
        "load_average_after": load_after,
        "cpus": os.cpu_count(),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    say(f"wrote {args.output}")


if __name__ == "__main__":
    main()
