"""Measure a review from webhook delivery to completed check run, as GitHub would see it.

A real `readiness serve` process (SQLite, default settings) talks to the GitHub double
(tests/fake_github), which adds `--latency` seconds (default 50 ms) to every answer, as a real
network would. For pull requests of about 5, 500, 5,000 and 100,000 changed lines (the last
1,000 files; Python, TypeScript, YAML, SQL and tests, as real PRs mix them), and of 5 lines
with a repository semgrep rule on the base branch that applies to them (semgrep runs), each
reviewed `--runs` times on a fresh head, it
prints the median and maximum time from the delivery to the completed check run, the GitHub
requests the review made, and where the time went: waiting on GitHub's answers (the union of
the requests' time at the double, from arrival to answer: the added latency and the double's
own work, such as validating each GraphQL query against GitHub's schema) and the rest (queue,
parsing, rules: the bot's own time).

    python benchmarks/review_latency.py [--runs 5] [--latency 0.05] [--checkout OTHER_TREE]

Writes benchmarks/results/review_latency.json with the commit measured and the load average.
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
import uuid
from pathlib import Path
from typing import IO, Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the GitHub double and the test helpers live in tests/

from benchmarks.whole_process import benchmark_context, record  # noqa: E402
from tests.conftest import APP_ID, INSTALLATION, REPO, SECRET, open_pull  # noqa: E402
from tests.fake_github import FakeGitHub  # noqa: E402
from tests.fake_github.auth import make_app_key  # noqa: E402
from tests.payloads import signed  # noqa: E402

# (label, changed lines, the base branch holds a repository semgrep rule for Python)
CASES = (
    ("5", 5, False),
    ("500", 500, False),
    ("5000", 5_000, False),
    ("100000", 100_000, False),  # 1,000 files: the requests a huge pull request costs
    ("5 + rule", 5, True),
)
RULE = """rules:
  - id: no-print
    message: print() in application code
    languages: [python]
    severity: WARNING
    pattern: print(...)
"""
LINES_PER_FILE = 100


def change_of(lines: int, run: int, rule: bool = False) -> tuple[dict[str, str], dict[str, str]]:
    """Base and head files of a PR adding about `lines` lines: a Python module, a TypeScript
    module, a workflow, a SQL migration and a test module in turn, LINES_PER_FILE each; with
    `rule`, the base branch holds a repository semgrep rule that applies to the change."""
    base = {
        "app/__init__.py": "",
        "app/models.py": "class Order:\n    total = 0\n",
        "web/index.ts": "export const version = 1;\n",
        "tests/test_models.py": "def test_order():\n    assert True\n",
    }
    if rule:
        base[".github/readiness/semgrep/rules.yml"] = RULE
    head = dict(base)
    if lines <= 10:
        head["app/models.py"] = base["app/models.py"] + "".join(
            f"    field_{run}_{n} = {n}\n" for n in range(lines)
        )
        return base, head
    makers = (
        lambda n, k: f"def handler_{run}_{n}_{k}(order):\n    return order.total + {k}\n",
        lambda n, k: f"export function f{run}_{n}_{k}(x: number): number {{ return x + {k}; }}\n",
        lambda n, k: f"  step_{run}_{n}_{k}:\n    run: echo {k}\n",
        lambda n, k: f"ALTER TABLE orders_{run}_{n} ADD COLUMN c{k} integer;\n",
        lambda n, k: f"def test_{run}_{n}_{k}():\n    assert {k} + 1 == {k + 1}\n",
    )
    paths = ("app/handlers_{}.py", "web/mod_{}.ts", ".github/workflows/ci_{}.yml",
             "db/migrations/{:04d}_add.sql", "tests/test_h_{}.py")  # fmt: skip
    for n in range(max(1, lines // LINES_PER_FILE)):
        kind = n % len(makers)
        body = "".join(makers[kind](n, k) for k in range(LINES_PER_FILE // 2))
        if kind == 2:
            body = "on: push\njobs:\n  build:\n    steps:\n" + body
        head[paths[kind].format(n)] = body
    return base, head


async def review_once(
    github: FakeGitHub,
    session: aiohttp.ClientSession,
    url: str,
    case: tuple[str, int, bool],
    run: int,
    root: Path,
) -> dict[str, Any]:
    """Open one PR on the double, deliver its `opened` event, wait for its completed run."""
    _, lines, rule = case
    number = 100 + run + lines + (10_000 if rule else 0)
    base, head = change_of(lines, run, rule)
    data = open_pull(github, root / f"pr-{number}", base, head, number)
    head_sha = data["pull_request"]["head"]["sha"]
    body = json.dumps(data).encode()
    before = len(github.calls())
    started = time.monotonic()
    async with session.post(
        url, data=body, headers=signed(body, SECRET, "pull_request", str(uuid.uuid4()))
    ) as response:
        assert response.status == 202, await response.text()
    # The double applies a PATCH after its hooks run, so its state is watched instead.
    while not any(  # noqa: ASYNC110
        r["head_sha"] == head_sha and r["status"] == "completed" for r in github.check_runs
    ):
        await asyncio.sleep(0.002)
    done = time.monotonic()
    calls = [c for c in github.calls()[before:] if not c.path.startswith("/app")]
    waiting = _union([(c.at, github.answered.get(id(c), done)) for c in calls], started, done)
    return {
        "seconds": done - started,
        "requests": len(calls),
        "github_seconds": waiting,
        "bot_seconds": done - started - waiting,
    }


def _union(spans: list[tuple[float, float]], low: float, high: float) -> float:
    """The length of the union of the spans, clipped to [low, high]."""
    total, end = 0.0, low
    for start, stop in sorted(spans):
        start, stop = max(start, end), min(stop, high)
        if stop > start:
            total += stop - start
            end = stop
    return total


async def main(runs: int, latency: float, log: IO[str], checkout: Path) -> dict[str, Any]:
    """Review PRs of each size `runs` times through a real server run from `checkout`; the
    server logs to `log`."""
    private, public = make_app_key()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        async with FakeGitHub(APP_ID, public) as github:
            github.add_installation(INSTALLATION, [REPO])
            port = _free_port()
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("READINESS_")},
                "READINESS_APP_ID": str(APP_ID),
                "READINESS_PRIVATE_KEY": private,
                "READINESS_WEBHOOK_SECRET": SECRET,
                "READINESS_GITHUB_API_URL": github.url,
                "READINESS_DATA_DIR": str(root / "data"),
                "READINESS_HOST": "127.0.0.1",
                "READINESS_PORT": str(port),
                "READINESS_LOG_LEVEL": os.environ.get("READINESS_LOG_LEVEL", "warning"),
                "PYTHONPATH": str(checkout),  # the checkout measured, not whatever is installed
            }
            server = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "serve", stderr=log, env=env, cwd=checkout
            )
            try:
                base = f"http://127.0.0.1:{port}"
                async with aiohttp.ClientSession() as session:
                    await _ready(session, f"{base}/healthz")
                    # One review first, unmeasured: the server's first one loads the rules.
                    await review_once(github, session, f"{base}/webhook", CASES[0], 999, root)
                    github.latency = latency
                    results = {}
                    for case in CASES:
                        measured = [
                            await review_once(github, session, f"{base}/webhook", case, n, root)
                            for n in range(runs)
                        ]
                        results[case[0]] = measured
            finally:
                server.terminate()
                await asyncio.wait_for(server.wait(), 30)
    return results


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _ready(session: aiohttp.ClientSession, url: str) -> None:
    for _ in range(600):
        try:
            async with session.get(url) as answer:
                if answer.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise SystemExit("the server did not start (see its log)")


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")


def report(results: dict[str, Any], latency: float) -> dict[str, Any]:
    rows = {}
    emit(f"review latency, GitHub double answering in {latency * 1000:.0f} ms per request")
    emit(f"{'lines':>8} {'median s':>9} {'max s':>7} {'requests':>9} {'GitHub s':>9} {'bot s':>7}")
    for lines, measured in results.items():
        row = {
            "median_s": statistics.median(m["seconds"] for m in measured),
            "max_s": max(m["seconds"] for m in measured),
            "requests": statistics.median(m["requests"] for m in measured),
            "github_s": statistics.median(m["github_seconds"] for m in measured),
            "bot_s": statistics.median(m["bot_seconds"] for m in measured),
        }
        rows[lines] = row
        emit(
            f"{lines:>8} {row['median_s']:>9.2f} {row['max_s']:>7.2f} {row['requests']:>9.0f} "
            f"{row['github_s']:>9.2f} {row['bot_s']:>7.2f}"
        )
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="reviews per size (default 5)")
    parser.add_argument("--latency", type=float, default=0.05, help="s per GitHub answer")
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the tree whose server is measured"
    )
    parser.add_argument(
        "--server-log", default=os.devnull, help="where the server logs (READINESS_LOG_LEVEL)"
    )
    args = parser.parse_args()
    before = benchmark_context()
    before["commit"] = subprocess.run(
        ["git", "-C", str(args.checkout), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    with open(args.server_log, "w", encoding="utf-8") as server_log:
        results = asyncio.run(main(args.runs, args.latency, server_log, args.checkout))
    rows = report(results, args.latency)
    after = benchmark_context()
    emit(f"load average before/after: {before['load_average']} / {after['load_average']}")
    table = "\n".join(
        [
            f"GitHub double answering in {args.latency * 1000:.0f} ms per request; median of "
            f"{args.runs} reviews per size; load average after: {after['load_average']}.",
            "",
            "| change (lines) | median s | max s | requests | GitHub s | bot s |",
            "|---|---|---|---|---|---|",
            *(
                f"| {lines} | {r['median_s']:.2f} | {r['max_s']:.2f} | {r['requests']:.0f} "
                f"| {r['github_s']:.2f} | {r['bot_s']:.2f} |"
                for lines, r in rows.items()
            ),
        ]
    )
    result = {"context": before, "latency_s": args.latency, "runs": args.runs, "sizes": rows}
    record("review_latency", result, table)
