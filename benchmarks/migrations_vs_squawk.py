"""Compare our dangerous-SQL rules with squawk on the Postgres migrations of the labelled corpus.

Usage: python benchmarks/migrations_vs_squawk.py [--squawk PATH] [--runs 5]
(needs `pip install squawk-cli`; works offline)

Every new `.sql` migration of tests/corpus/migrations/ is one input, kept at its case's path under
a folder of its own (`<case>/<path>`), so that no case sees another's tables; its labels are the
corpus case's expected `migrations/*` findings. Both tools run as users run them, a whole process
on the same files, measured by the same wrapper (benchmarks/whole_process.py: wall time, CPU time
and peak memory of the process tree): ours as `readiness scan --repo` on a git repository whose
head commit adds the files, squawk on the files. Only the hazard classes both cover are scored;
squawk's other advice (lock timeouts, bigint, robust statements) is counted apart. MySQL scripts
are left out: squawk parses Postgres only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.secrets_vs_peers import TOOL_ENV, commit_repo  # noqa: E402
from benchmarks.whole_process import (  # noqa: E402
    Usage,
    benchmark_context,
    measure,
    median_usage,
    record,
)
from bot.rules.migrations import sql  # noqa: E402

NAME = "migrations_vs_squawk"
CORPUS = ROOT / "tests" / "corpus" / "migrations"
SQUAWK_RULES = {
    "ban-drop-table": sql.DROP_TABLE,
    "ban-drop-column": sql.DROP_COLUMN,
    "renaming-column": sql.RENAME,
    "renaming-table": sql.RENAME,
    "adding-required-field": sql.NOT_NULL,
    "adding-not-nullable-field": sql.NOT_NULL,
    "require-concurrent-index-creation": sql.INDEX,
    "changing-column-type": sql.TYPE_CHANGE,
}
CLASSES = frozenset(SQUAWK_RULES.values())

Pair = tuple[str, str]  # (input file, rule)


def inputs() -> tuple[dict[str, str], set[Pair]]:
    """Collect the new Postgres SQL migrations of the corpus, by `<case>/<path>`, and their
    labelled hazards."""
    scripts: dict[str, str] = {}
    labels: set[Pair] = set()
    for case_path in sorted(CORPUS.glob("*.yml")):
        case = yaml.safe_load(case_path.read_text(encoding="utf-8"))
        for path, text in (case.get("head") or {}).items():
            if not path.endswith(".sql") or text is None or "`" in text:
                continue
            name = f"{case_path.stem}/{path}"
            scripts[name] = text
            labels |= {
                (name, e["rule"])
                for e in case.get("expect") or []
                if e["path"] == path and e["rule"] in CLASSES
            }
    return scripts, labels


def ours(readiness: str, repo: Path) -> tuple[set[Pair], Usage]:
    command = [readiness, "scan", "--repo", str(repo), "--base", "main~1", "--format", "json"]
    usage = measure([*command, "--fail-on", "never", "--allow-partial"], cwd=repo, env=TOOL_ENV)
    rows = json.loads(usage.stdout)["findings"]
    return {(r["path"], r["rule"]) for r in rows if r["rule"] in CLASSES}, usage


def squawk(binary: str, repo: Path, names: list[str]) -> tuple[set[Pair], Counter[str], Usage]:
    usage = measure([binary, "--reporter", "json", *names], cwd=repo, env=TOOL_ENV)
    found: set[Pair] = set()
    other: Counter[str] = Counter()
    for violation in json.loads(usage.stdout or "[]"):
        # squawk names a file as it was given, relative to the folder it ran in.
        name = os.path.relpath(repo / violation["file"], repo)
        rule = violation["rule_name"]
        if rule in SQUAWK_RULES:
            found.add((name, SQUAWK_RULES[rule]))
        else:
            other[rule] += 1
    return found, other, usage


def scores(found: set[Pair], labels: set[Pair]) -> dict[str, float]:
    tp = len(found & labels)
    return {
        "tp": tp,
        "fp": len(found - labels),
        "recall": tp / len(labels) if labels else 1.0,
        "precision": tp / len(found) if found else 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(sys.executable).parent
    parser.add_argument("--readiness", default=shutil.which("readiness") or str(here / "readiness"))
    parser.add_argument("--squawk", default=shutil.which("squawk") or str(here / "squawk"))
    parser.add_argument("--runs", type=int, default=5, help="speed runs per tool (median)")
    parser.add_argument("--no-record", action="store_true", help="print only; write no results")
    args = parser.parse_args()
    scripts, labels = inputs()
    context = benchmark_context()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        commit_repo(repo, scripts)
        names = sorted(scripts)
        # The first run of each is the warm-up (bytecode, page cache) and the accuracy run.
        mine, _ = ours(args.readiness, repo)
        theirs, other, _ = squawk(args.squawk, repo, names)
        timed: dict[str, list[Usage]] = {"readiness scan": [], "squawk": []}
        for _ in range(args.runs):  # in turns, so that a busy spell hits both alike
            timed["readiness scan"].append(ours(args.readiness, repo)[1])
            timed["squawk"].append(squawk(args.squawk, repo, names)[2])
    context["load_average_after"] = benchmark_context()["load_average"]
    version = _version(args.squawk)
    rows: dict[str, dict[str, Any]] = {
        "readiness scan": {**scores(mine, labels), "speed": median_usage(timed["readiness scan"])},
        f"squawk {version}": {**scores(theirs, labels), "speed": median_usage(timed["squawk"])},
    }
    lines = [
        f"{len(scripts)} Postgres migrations, {len(labels)} labelled hazards "
        f"({', '.join(sorted(c.split('/')[1] for c in CLASSES))}); whole process tree per tool, "
        f"median of {args.runs} runs.",
        "",
        "| tool | TP | FP | recall | precision | wall s | CPU s | tree peak MiB |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {tool} | {r['tp']} | {r['fp']} | {r['recall']:.2f} | {r['precision']:.2f} | "
            f"{r['speed']['wall_s']:.2f} | {r['speed']['cpu_s']:.2f} | "
            f"{r['speed']['tree_peak_mib']:.0f} |"
            for tool, r in rows.items()
        ),
        "",
        f"squawk advice outside these classes (not scored): {dict(other.most_common())}",
    ]
    misses = [
        f"- {tool} {'FP' if (name, rule) in found else 'FN'}: {name} {rule}"
        for tool, found in (("readiness", mine), ("squawk", theirs))
        for name, rule in sorted(found ^ labels)
    ]
    table = "\n".join([*lines, *([""] if misses else []), *misses]) + "\n"
    sys.stdout.write(table)
    if not args.no_record:
        record(NAME, {"context": context, "runs": args.runs, "tools": rows}, table)


def _version(binary: str) -> str:
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.split()[-1] if done.stdout else "?"


if __name__ == "__main__":
    main()
