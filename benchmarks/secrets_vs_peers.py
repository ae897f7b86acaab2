"""Compare the secrets pack with detect-secrets and secretlint, each as a whole process, in one run.

Every tool runs as its users run it, a whole process on the same git repository, measured by the
same wrapper (benchmarks/whole_process.py): wall time to exit, CPU time and peak memory of the
whole process tree (our forkserver and rule process included, npm's node for secretlint).

- ours: `readiness scan --repo R --base main~1 --format json`, every pack on, as a user runs it;
  and again with a repository config that disables every other pack (`secrets only`), to show
  what the pack itself costs;
- detect-secrets: `detect-secrets scan` in R (its git-tracked files, every default plugin);
- secretlint: `secretlint --format json` with the recommended preset on the same files.

Accuracy: true and false positives, recall and precision per file on the labelled corpus
(tests/corpus/secrets, one file per case). Speed: the head commit adds 50,000 lines over 100
files (a corpus line every 50, code lines otherwise, 3 in 8 of them holding a keyword like
`token`); the tools run in turn, `--runs` times, and the median is shown. Our peak memory is also
measured on a 100,000-line change (`--memory-lines`), also with a repository semgrep rule for
Python in the base branch, so that semgrep's engine runs over the change's 100 files too.

`--compare LABEL=PATH` adds another `readiness` build (an install of an older commit) to the same
run, so that before and after are measured under the same load. The results go to
`benchmarks/results/secrets_vs_peers.json` and `benchmarks/README.md` (`--no-record`: printed
only).

Install the peers first; this script installs nothing:

    python -m venv /tmp/peers && /tmp/peers/bin/pip install detect-secrets
    npm install --prefix /tmp/secretlint secretlint @secretlint/secretlint-rule-preset-recommend
    python benchmarks/secrets_vs_peers.py --detect-secrets /tmp/peers/bin/detect-secrets \\
        --secretlint-prefix /tmp/secretlint
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.whole_process import (  # noqa: E402
    Usage,
    benchmark_context,
    measure,
    median_usage,
    record,
)

if TYPE_CHECKING:
    from tests.rules.test_secrets_corpus import Case

NAME = "secrets_vs_peers"
SECRETLINT_RC = json.dumps({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]})
SECRETS_ONLY = "disable: [tests, data-layer, migrations, cliff]\n"
# A repository's own semgrep rule for Python: the memory run with it starts semgrep's engine too.
SEMGREP_RULE = {
    ".github/readiness/semgrep/no-print.yml": (
        "rules:\n  - id: no-print\n    languages: [python]\n    severity: WARNING\n"
        "    message: Use the logger.\n    pattern: print(...)\n"
    )
}
WITH_RULE = "readiness scan, with a repository semgrep rule"
FILLER = (
    "def handle(request, user_id: int) -> dict:",
    "    profile = repository.load(user_id)",
    "    if profile is None:",
    '        raise NotFound(f"user {user_id} not found")',
    '    return {"id": profile.id, "name": profile.name, "tokens": profile.token_count}',
    "const total = items.reduce((sum, item) => sum + item.price * item.quantity, 0);",
    "  password_reset_url: https://accounts.acme.io/reset",
    '    logger.info("refreshing cache key %s", key)',
)
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "HOME": "/nonexistent",
    "PATH": "/usr/bin:/bin:/usr/local/bin",
}


# The tools run as installed: Python ones from their compiled bytecode, written on their first
# run (the accuracy run, untimed) even where the environment turns writing it off.
TOOL_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Tool:
    """How to run one tool on a repository and read the files it flagged from its output."""

    name: str
    command: Callable[[Path, list[str]], tuple[list[str], Path]]
    flagged: Callable[[str, Path], set[str]]


def commit_repo(
    root: Path, files: dict[str, str], config: str | None = None, base: dict[str, str] | None = None
) -> None:
    """Make a repository: a base commit (`main~1`, with `config` as the repository's config if
    given, and the `base` files) and a head commit (`main`) that adds `files`."""
    root.mkdir(parents=True)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(root), *args], check=True, env=GIT_ENV, capture_output=True
        )

    git("init", "-q", "-b", "main")
    (root / "README.md").write_text("bench\n", encoding="utf-8")
    if config is not None:
        (root / ".github").mkdir()
        (root / ".github" / "readiness.yml").write_text(config, encoding="utf-8")
    for relative, text in (base or {}).items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "head")


def corpus_files(cases: list[Case]) -> dict[str, Case]:
    """Each labelled case as a file of its own, by relative path."""
    return {f"c{case.number:03d}/{case.path}": case for case in cases}


def big_files(cases: list[Case], lines: int) -> dict[str, str]:
    """`lines` lines over 100 files: code with a corpus line every 50."""
    per_file = lines // 100
    corpus = [line for case in cases for line in case.lines]
    files = {}
    for number in range(100):
        body = [
            corpus[(number * per_file + i) % len(corpus)]
            if i % 50 == 0
            else FILLER[i % len(FILLER)]
            for i in range(per_file)
        ]
        files[f"src/module_{number:03d}.py"] = "\n".join(body) + "\n"
    return files


def tools(
    readiness: str, detect_secrets: str, secretlint_prefix: Path, compare: dict[str, str]
) -> list[Tool]:
    def scan_with(binary: str) -> Callable[[Path, list[str]], tuple[list[str], Path]]:
        def scan(repo: Path, _: list[str]) -> tuple[list[str], Path]:
            command = [binary, "scan", "--repo", str(repo), "--base", "main~1", "--format", "json"]
            return [*command, "--fail-on", "never", "--allow-partial"], repo

        return scan

    def ours_flagged(out: str, _: Path) -> set[str]:
        rows = json.loads(out)["findings"]
        return {r["path"] for r in rows if r["pack"] == "secrets" and r["side"] == "RIGHT"}

    def detect(repo: Path, _: list[str]) -> tuple[list[str], Path]:
        return [detect_secrets, "scan"], repo

    def detect_flagged(out: str, _: Path) -> set[str]:
        return {name for name, found in json.loads(out)["results"].items() if found}

    def secretlint(repo: Path, files: list[str]) -> tuple[list[str], Path]:
        binary = str(secretlint_prefix / "node_modules" / ".bin" / "secretlint")
        command = [binary, "--format", "json", "--no-glob", "--secretlintrcJSON", SECRETLINT_RC]
        # Run from the prefix so that the preset resolves; the files are named absolutely.
        return [*command, *(str(repo / name) for name in files)], secretlint_prefix

    def secretlint_flagged(out: str, repo: Path) -> set[str]:
        results = json.loads(out or "[]")
        return {str(Path(r["filePath"]).relative_to(repo)) for r in results if r["messages"]}

    return [
        Tool("readiness scan", scan_with(readiness), ours_flagged),
        Tool("readiness scan (secrets only)", scan_with(readiness), ours_flagged),
        *(
            Tool(f"readiness scan ({label})", scan_with(path), ours_flagged)
            for label, path in compare.items()
        ),
        Tool("detect-secrets", detect, detect_flagged),
        Tool("secretlint", secretlint, secretlint_flagged),
    ]


def run(tool: Tool, repo: Path, files: list[str]) -> tuple[Usage, set[str]]:
    command, cwd = tool.command(repo, files)
    usage = measure(command, cwd=cwd, env=TOOL_ENV)
    try:
        return usage, tool.flagged(usage.stdout, repo)
    except (ValueError, KeyError) as exc:
        raise RuntimeError(f"{tool.name} wrote no report (exit {usage.exit_code})") from exc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(sys.executable).parent
    parser.add_argument("--readiness", default=shutil.which("readiness") or str(here / "readiness"))
    parser.add_argument(
        "--detect-secrets", default=shutil.which("detect-secrets") or "detect-secrets"
    )
    parser.add_argument("--secretlint-prefix", type=Path, default=Path("/tmp/secretlint"))
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="another `readiness` build measured in the same run (an older commit's install)",
    )
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--memory-lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="speed runs per tool (median)")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results")
    args = parser.parse_args()

    # Imported here: the corpus loader lives with the tests that check it.
    from tests.rules.test_secrets_corpus import load_cases

    cases = load_cases()
    positives = sum(1 for case in cases if case.expected)
    context = benchmark_context()
    compare = dict(item.split("=", 1) for item in args.compare)
    every = tools(args.readiness, args.detect_secrets, args.secretlint_prefix, compare)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        labelled = corpus_files(cases)
        corpus_texts = {name: "\n".join(c.lines) + "\n" for name, c in labelled.items()}
        big = big_files(cases, args.lines)
        repos = {}
        for label, config in (("all", None), ("secrets", SECRETS_ONLY)):
            commit_repo(root / f"corpus-{label}", corpus_texts, config)
            commit_repo(root / f"big-{label}", big, config)
            repos[label] = (root / f"corpus-{label}", root / f"big-{label}")
        for tool in every:
            corpus_repo, _ = repos["secrets" if "secrets only" in tool.name else "all"]
            # Also the warm-up: bytecode written, files in the page cache, for every tool alike.
            _, flagged = run(tool, corpus_repo, sorted(labelled))
            tp = sum(1 for name in flagged if labelled[name].expected)
            rows[tool.name] = {
                "tp": tp,
                "fp": len(flagged) - tp,
                "recall": tp / positives,
                "precision": tp / max(len(flagged), 1),
            }
        # The machines are shared and noisy: tools take turns, so a busy spell hits all alike.
        speed: dict[str, list[Usage]] = {tool.name: [] for tool in every}
        for _ in range(args.runs):
            for tool in every:
                _, big_repo = repos["secrets" if "secrets only" in tool.name else "all"]
                speed[tool.name].append(run(tool, big_repo, sorted(big))[0])
        for tool in every:
            rows[tool.name]["speed"] = median_usage(speed[tool.name])
        memory_repo, rule_repo = root / "memory", root / "memory-rule"
        commit_repo(memory_repo, big_files(cases, args.memory_lines))
        commit_repo(rule_repo, big_files(cases, args.memory_lines), base=SEMGREP_RULE)
        ours_builds = [every[0], *every[2 : 2 + len(compare)]]
        memory = {
            tool.name: median_usage([run(tool, memory_repo, [])[0] for _ in range(2)])
            for tool in ours_builds
        }
        memory[WITH_RULE] = median_usage([run(every[0], rule_repo, [])[0] for _ in range(2)])
    context["load_average_after"] = benchmark_context()["load_average"]
    table = _table(rows, args, memory, len(cases), positives)
    sys.stdout.write(table)
    result = {
        "context": context,
        "lines": args.lines,
        "runs": args.runs,
        "corpus_cases": len(cases),
        "tools": rows,
        "memory": {"lines": args.memory_lines, "tools": memory},
    }
    if not args.no_record:
        record(NAME, result, table)


def _table(
    rows: dict[str, dict[str, Any]],
    args: argparse.Namespace,
    memory: dict[str, dict[str, float]],
    cases: int,
    positives: int,
) -> str:
    head = (
        f"Corpus: {cases} cases ({positives} positive). Speed: {args.lines:,} added lines in a "
        f"git repository, whole process tree per tool, median of {args.runs} runs.\n\n"
        "| tool | TP | FP | recall | precision | wall s | CPU s | tree peak MiB "
        "| largest process MiB |\n|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = [
        f"| {name} | {r['tp']} | {r['fp']} | {r['recall']:.2f} | {r['precision']:.2f} | "
        f"{r['speed']['wall_s']:.2f} | {r['speed']['cpu_s']:.2f} | "
        f"{r['speed']['tree_peak_mib']:.0f} | {r['speed']['max_process_mib']:.0f} |"
        for name, r in rows.items()
    ]
    ours = rows["readiness scan"]["speed"]
    ratios = [
        f"against {peer}, readiness scan is {_ratio(rows[peer]['speed']['wall_s'], ours['wall_s'])}"
        f" in wall time and {_ratio(rows[peer]['speed']['cpu_s'], ours['cpu_s'])} in CPU time"
        for peer in ("detect-secrets", "secretlint")
    ]
    peaks = [
        f"| {name} | {m['tree_peak_mib']:.0f} | {m['max_process_mib']:.0f} | {m['wall_s']:.2f} "
        f"| {m['cpu_s']:.2f} |"
        for name, m in memory.items()
    ]
    tail = (
        f"\n\n{'; '.join(ratios)}.\n\nOn {args.memory_lines:,} added lines (median of 2 runs):\n\n"
        "| tool | tree peak MiB (PSS) | largest process MiB | wall s | CPU s |\n"
        "|---|---|---|---|---|\n" + "\n".join(peaks) + "\n"
    )
    return head + "\n".join(lines) + tail


def _ratio(theirs: float, ours: float) -> str:
    """Say how many times faster (or slower) ours is: `4.0x faster`, `2.1x slower`."""
    return f"{theirs / ours:.1f}x faster" if theirs >= ours else f"{ours / theirs:.1f}x slower"


if __name__ == "__main__":
    main()
