"""Compare our dangerous-SQL rules with squawk on the Postgres migrations of the labelled corpus.

Usage: python benchmarks/migrations_vs_squawk.py  (needs `pip install squawk-cli`; works offline)

Every new `.sql` migration of tests/corpus/migrations/ is one input; its labels are the corpus
case's expected `migrations/*` findings. Both tools see the same files. Only the hazard classes
both cover are scored; squawk's other advice (lock timeouts, bigint, robust statements) is counted
apart. MySQL scripts are left out: squawk parses Postgres only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.rules.migrations import sql  # noqa: E402

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
    """Collect the new Postgres SQL migrations of the corpus and their labelled hazards."""
    scripts: dict[str, str] = {}
    labels: set[Pair] = set()
    for case_path in sorted(CORPUS.glob("*.yml")):
        case = yaml.safe_load(case_path.read_text(encoding="utf-8"))
        for path, text in (case.get("head") or {}).items():
            if not path.endswith(".sql") or text is None or "`" in text:
                continue
            name = f"{case_path.stem}.sql"
            scripts[name] = text
            labels |= {
                (name, e["rule"])
                for e in case.get("expect") or []
                if e["path"] == path and e["rule"] in CLASSES
            }
    return scripts, labels


def ours(scripts: dict[str, str]) -> tuple[set[Pair], float]:
    started = time.perf_counter()
    found = {
        (name, hit.rule)
        for name, text in scripts.items()
        for hit in sql.sql_hits(text.splitlines())
    }
    return found, time.perf_counter() - started


def squawk(folder: Path, names: list[str]) -> tuple[set[Pair], Counter[str], float]:
    binary = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    started = time.perf_counter()
    done = subprocess.run(
        [binary, "--reporter", "json", *names],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    found: set[Pair] = set()
    other: Counter[str] = Counter()
    for violation in json.loads(done.stdout or "[]"):
        name, rule = Path(violation["file"]).name, violation["rule_name"]
        if rule in SQUAWK_RULES:
            found.add((name, SQUAWK_RULES[rule]))
        else:
            other[rule] += 1
    return found, other, elapsed


def row(tool: str, found: set[Pair], labels: set[Pair], seconds: float) -> str:
    tp = len(found & labels)
    fp = len(found - labels)
    recall = tp / len(labels) if labels else 1.0
    precision = tp / len(found) if found else 1.0
    return f"| {tool} | {tp} | {fp} | {recall:.2f} | {precision:.2f} | {seconds * 1000:.0f} ms |"


def main() -> None:
    scripts, labels = inputs()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, text in scripts.items():
            (folder / name).write_text(text, encoding="utf-8")
        theirs, other, squawk_s = squawk(folder, sorted(scripts))
    mine, our_s = ours(scripts)
    lines = [
        f"{len(scripts)} Postgres migrations, {len(labels)} labelled hazards "
        f"({', '.join(sorted(c.split('/')[1] for c in CLASSES))})",
        "",
        "| Tool | TP | FP | Recall | Precision | Wall time |",
        "|---|---|---|---|---|---|",
        row("readiness migrations pack", mine, labels, our_s),
        row("squawk " + _version(), theirs, labels, squawk_s),
        "",
        f"squawk advice outside these classes (not scored): {dict(other.most_common())}",
    ]
    for tool, found in (("readiness", mine), ("squawk", theirs)):
        for name, rule in sorted(found ^ labels):
            kind = "FP" if (name, rule) in found else "FN"
            lines.append(f"  {tool} {kind}: {name} {rule}")
    sys.stdout.write("\n".join(lines) + "\n")


def _version() -> str:
    binary = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    done = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.split()[-1] if done.stdout else "?"


if __name__ == "__main__":
    main()
