"""Compare the secrets pack with detect-secrets and secretlint on the same corpus, in one run.

Prints true and false positives, recall and precision on the labelled corpus
(tests/corpus/secrets), then wall time and peak memory on 50,000 generated lines (100 files; a
corpus line every 50, code lines otherwise, 3 in 8 of them holding a keyword like `token`). The
pack parses and scans them as a git diff, the peers scan the same files. Each tool runs in a child
process of its own, so start-up, imports and peak RSS are measured alike; "scan s" is the time
inside the child, without interpreter start-up.

Install the peers first; this script installs nothing:

    /tmp/venv/bin/pip install detect-secrets
    npm install --prefix /tmp/secretlint secretlint @secretlint/secretlint-rule-preset-recommend
    /tmp/venv/bin/python benchmarks/secrets_vs_peers.py --secretlint-prefix /tmp/secretlint
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from tests.rules.test_secrets_corpus import Case

SECRETLINT_RC = json.dumps({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]})
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


def write_corpus(cases: list[Case], root: Path) -> dict[str, Case]:
    """Write each case as a file of its own; return the files by their relative path."""
    files = {}
    for case in cases:
        relative = f"c{case.number:03d}/{case.path}"
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(case.lines) + "\n", encoding="utf-8")
        files[relative] = case
    return files


def write_big_diff(cases: list[Case], root: Path, lines: int) -> Path:
    """Write a diff adding `lines` lines over 100 files: code with a corpus line every 50."""
    per_file = lines // 100
    corpus = [line for case in cases for line in case.lines]
    chunks = []
    for number in range(100):
        body = [
            corpus[(number * per_file + i) % len(corpus)]
            if i % 50 == 0
            else FILLER[i % len(FILLER)]
            for i in range(per_file)
        ]
        path = f"src/module_{number:03d}.py"
        (root / "big" / path).parent.mkdir(parents=True, exist_ok=True)
        (root / "big" / path).write_text("\n".join(body) + "\n", encoding="utf-8")
        header = (
            f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
        )
        chunks.append(header + f"@@ -0,0 +1,{per_file} @@\n" + "".join(f"+{t}\n" for t in body))
    diff = root / "big.diff"
    diff.write_text("".join(chunks), encoding="utf-8")
    return diff


def measure(command: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    """Run a child; return its wall seconds, peak RSS in MiB and standard output."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read().decode()


def worker_ours(root: Path, files: list[str]) -> dict[str, object]:
    from bot.diff.model import Change, ChangedFile, FileStatus, Line
    from bot.diff.parse import parse
    from bot.rules.model import NoContents, RuleContext
    from bot.rules.secrets import check_secrets

    start = time.perf_counter()
    if files == ["big.diff"]:
        change = parse((root / "big.diff").read_bytes())
    else:
        changed = []
        for name in files:
            text = (root / name).read_text(encoding="utf-8").splitlines()
            added = tuple(Line(i, t) for i, t in enumerate(text, 1))
            changed.append(ChangedFile(name, FileStatus.ADDED, added=added))
        change = Change(files=tuple(changed))
    findings = asyncio.run(check_secrets(RuleContext(change, NoContents())))
    flagged = sorted({f.path for f in findings})
    return {"flagged": flagged, "seconds": time.perf_counter() - start}


def worker_detect_secrets(root: Path, files: list[str]) -> dict[str, object]:
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    start = time.perf_counter()
    secrets = SecretsCollection(root=str(root))
    with default_settings():
        for name in files:
            secrets.scan_file(name)
    flagged = sorted(name for name, _ in secrets)
    return {"flagged": flagged, "seconds": time.perf_counter() - start}


def run_tool(tool: str, root: Path, files: list[str], prefix: Path) -> tuple[float, float, dict]:
    if tool == "secretlint":
        binary = prefix / "node_modules" / ".bin" / "secretlint"
        command = [
            str(binary),
            "--format",
            "json",
            "--no-glob",
            "--secretlintrcJSON",
            SECRETLINT_RC,
        ]
        targets = [str(root / name) for name in files]
        start = time.perf_counter()
        wall, peak, out = measure([*command, *targets], cwd=prefix)
        results = json.loads(out or "[]")
        flagged = sorted(
            str(Path(r["filePath"]).relative_to(root)) for r in results if r["messages"]
        )
        return wall, peak, {"flagged": flagged, "seconds": time.perf_counter() - start}
    command = [sys.executable, __file__, "--worker", tool, str(root), *files]
    wall, peak, out = measure(command, cwd=ROOT)
    return wall, peak, json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secretlint-prefix", type=Path, default=Path("/tmp/secretlint"))
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3, help="speed runs per tool (median)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        tool, root, *files = args.worker
        work = worker_ours if tool == "ours" else worker_detect_secrets
        json.dump(work(Path(root), files), sys.stdout)
        return

    # Imported here, not at the top: the workers are timed and must not pay for pytest.
    from tests.rules.test_secrets_corpus import load_cases

    cases = load_cases()
    positives = sum(1 for case in cases if case.expected)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = write_corpus(cases, root)
        write_big_diff(cases, root, args.lines)
        big_files = sorted(str(p.relative_to(root)) for p in (root / "big").rglob("*.py"))
        for tool in ("ours", "detect-secrets", "secretlint"):
            wall, peak, result = run_tool(tool, root, sorted(files), args.secretlint_prefix)
            flagged = set(result["flagged"])
            tp = sum(1 for name in flagged if files[name].expected)
            fp = len(flagged) - tp
            # detect-secrets' scan_diff reports nothing for new files, so peers scan the files.
            big = ["big.diff"] if tool == "ours" else big_files
            # The machines are shared and noisy: the median of a few runs, for every tool alike.
            runs = [run_tool(tool, root, big, args.secretlint_prefix) for _ in range(args.runs)]
            big_wall = statistics.median(run[0] for run in runs)
            big_peak = max(run[1] for run in runs)
            big_scan = statistics.median(float(run[2]["seconds"]) for run in runs)
            rows.append(
                (tool, tp, fp, tp / positives, tp / max(tp + fp, 1), wall, big_wall,
                 big_scan, max(peak, big_peak))
            )  # fmt: skip
    print(f"corpus: {len(cases)} cases ({positives} positive); speed: {args.lines}-line diff")  # noqa: T201
    header = (
        "tool",
        "TP",
        "FP",
        "recall",
        "precision",
        "corpus s",
        "50k wall s",
        "50k scan s",
        "peak MiB",
    )
    print("| " + " | ".join(header) + " |")  # noqa: T201
    print("|" + "---|" * len(header))  # noqa: T201
    for tool, tp, fp, recall, precision, wall, big_wall, scan, peak in rows:
        print(  # noqa: T201
            f"| {tool} | {tp} | {fp} | {recall:.2f} | {precision:.2f} | {wall:.2f} | "
            f"{big_wall:.2f} | {scan:.3f} | {peak:.0f} |"
        )
    ours, detect_secrets = rows[0], rows[1]
    print(  # noqa: T201
        f"\nours vs detect-secrets on {args.lines} lines: {detect_secrets[7] / ours[7]:.1f}x "
        f"faster scanning, {detect_secrets[6] / ours[6]:.1f}x in wall time with start-up"
    )


if __name__ == "__main__":
    main()
