"""Measure a command as a whole process tree, the same way for every tool a benchmark compares.

Each run starts a fresh wrapper (this file run as a script) that makes itself the child
subreaper (Linux `PR_SET_CHILD_SUBREAPER`), starts the command and reaps every process under
it, so nothing the tool forks escapes the count: a forkserver, a worker pool, npm's node. The
wrapper reports:

- `wall_s`: from starting the command to its own exit (what a user waits for), seconds;
- `cpu_s`: user plus system time of the whole tree, from the kernel's accounting of reaped
  children (`getrusage(RUSAGE_CHILDREN)`), seconds — less disturbed by a loaded machine;
- `max_process_mib`: the largest peak resident set of any one process of the tree (`ru_maxrss`);
- `tree_peak_mib`: the peak of the tree's summed proportional set size (PSS from
  `/proc/PID/smaps_rollup`, pages shared between forked processes counted once), sampled every
  `SAMPLE_S`; a sample can miss a peak shorter than that, so it is a lower bound.

`benchmark_context()` gives what a result must carry to be read later: the commit measured and
the machine's load average, and `record()` writes it to `benchmarks/results/NAME.json` and puts
its table into `benchmarks/README.md` under `## NAME`.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
README = ROOT / "benchmarks" / "README.md"
SAMPLE_S = 0.02
PR_SET_CHILD_SUBREAPER = 36
REAP_LIMIT_S = 60.0  # descendants still alive this long after the command exited are killed


@dataclass(frozen=True)
class Usage:
    """One run of a command as a whole process tree (units in the field names)."""

    wall_s: float
    cpu_s: float
    max_process_mib: float
    tree_peak_mib: float
    processes: int
    exit_code: int
    stdout: str


def measure(
    command: Sequence[str], cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Usage:
    """Run `command` under a fresh wrapper process and return its whole tree's usage.

    Raises RuntimeError when the wrapper itself fails (the command's own exit code is kept in
    the result, not raised: a scanner exits 1 when it finds something).
    """
    done = subprocess.run(
        [sys.executable, __file__, "--", *command],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the wrapper failed: {done.stderr.decode(errors='replace')[-2000:]}")
    report = json.loads(done.stdout)
    return Usage(**report)


def median_usage(runs: Sequence[Usage]) -> dict[str, float]:
    """Medians of the timings and the largest memory seen over repeated runs of one command."""
    return {
        "wall_s": statistics.median(r.wall_s for r in runs),
        "cpu_s": statistics.median(r.cpu_s for r in runs),
        "max_process_mib": max(r.max_process_mib for r in runs),
        "tree_peak_mib": max(r.tree_peak_mib for r in runs),
        "processes": max(r.processes for r in runs),
        "runs": len(runs),
    }


def benchmark_context() -> dict[str, Any]:
    """The commit measured, the machine's load average (1, 5, 15 min) and its CPU count."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        # What the benchmarks themselves write is no change to the code measured.
        [
            *("git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"),
            *("--", ".", ":!benchmarks/results", ":!benchmarks/README.md"),
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "commit": commit or "unknown",
        "uncommitted_changes": bool(dirty),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def record(name: str, result: Mapping[str, Any], table: str) -> Path:
    """Write the result as JSON and replace the `## name` section of benchmarks/README.md."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    context = result["context"]
    load = ", ".join(f"{x:.2f}" for x in context["load_average"])
    section = (
        f"## {name}\n\n"
        f"`python benchmarks/{name}.py`, commit `{context['commit'][:12]}`"
        f"{' (with uncommitted changes)' if context['uncommitted_changes'] else ''}, "
        f"{context['measured_at']}, load average {load} on {context['cpus']} CPUs "
        f"(`results/{name}.json`).\n\n{table.rstrip()}\n"
    )
    text = README.read_text(encoding="utf-8") if README.exists() else _README_HEAD
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    README.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    return path


_README_HEAD = """# Benchmarks

Each script prints its figures and records the latest run in `results/NAME.json` (with the
commit measured and the load average) and in its section below. The machines are shared: read
a figure with its load average, and compare tools only within one run.
"""


# --- The wrapper (this file run as a script) ---------------------------------------------------


def _descendants(root: int) -> list[int]:
    """Every process under `root`, read from /proc. Processes started after the wrapper have
    higher ids (barring wrap-around), so only those are read: a busy machine has many."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) <= root:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class _Sampler(threading.Thread):
    """Sample the tree's summed PSS until stopped; keep the peak and every process seen."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_kib = 0
        self.seen: set[int] = set()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            tree = _descendants(me)
            self.seen.update(tree)
            self.peak_kib = max(self.peak_kib, sum(_pss_kib(pid) for pid in tree))
            self.stop.wait(SAMPLE_S)


def _wrap(command: list[str]) -> dict[str, Any]:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    sampler = _Sampler()
    sampler.start()
    with open(os.devnull, "rb") as stdin, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=stdin, stdout=out, stderr=subprocess.DEVNULL)
        _, status = os.waitpid(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        _reap_all(time.monotonic() + REAP_LIMIT_S)
        sampler.stop.set()
        sampler.join()
        out.seek(0)
        stdout = out.read().decode("utf-8", errors="replace")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return asdict(
        Usage(
            wall_s=wall,
            cpu_s=usage.ru_utime + usage.ru_stime,
            max_process_mib=usage.ru_maxrss / 1024,
            tree_peak_mib=sampler.peak_kib / 1024,
            processes=len(sampler.seen | {child.pid}),
            exit_code=child.returncode,
            stdout=stdout,
        )
    )


def _reap_all(deadline: float) -> None:
    """Wait for every orphan handed to this subreaper; kill what outlives the deadline."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                for straggler in _descendants(os.getpid()):
                    os.kill(straggler, 9)
            time.sleep(0.005)


if __name__ == "__main__":
    if sys.argv[1:2] != ["--"] or len(sys.argv) < 3:
        sys.exit("usage: whole_process.py -- COMMAND [ARG...]")
    json.dump(_wrap(sys.argv[2:]), sys.stdout)
