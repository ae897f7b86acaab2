"""Time adversarial lines through the secrets scan and through the whole engine; print the slowest.

A crafted line (a detector's prefix repeated to fill 200 KB, or a prefix followed by a long run of
the characters its pattern accepts) makes a backtracking regex quadratic: it is how one pull
request could hold the server. Every detector of the secrets pack is fed its own prefixes (the
seeds below; a detector without seeds stops the script), as are the private-key header, the
generic assignments, connection strings, environment fallbacks and data URIs. For each line:

- the secrets scan reads it as an added line of a Python file and of a minified one (best of
  `--repeat` runs);
- every rule check of every pack runs in this process on a bare diff that adds it whole (code
  rules skip such a file as minified; the secrets pack does not) and cut into `--code-lines`
  lines of the longest length code rules read, in a Python, a JavaScript, a YAML workflow, a
  SQL migration and a Ruby file (tree-sitter's JavaScript grammar is superlinear in the size of
  such a file, so the default keeps it at 20 KB);
- `engine.evaluate` reviews that diff as the server does: rules in a child process, within
  their time limit, while a heartbeat measures how long the event loop is held (how long
  `/healthz` and webhook acknowledgements would wait).

Prints the slowest line per detector, per check and for the whole engine, and the longest hold
of the event loop, in seconds. Nothing
to install beyond the project:

    python benchmarks/adversarial_lines.py [--size 200000] [--code-lines 20] [--top 15]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Iterator

from bot.diff.model import Line
from bot.diff.parse import parse
from bot.rules import engine
from bot.rules.registry import PACKS
from bot.rules.secrets.detectors import DETECTORS
from bot.rules.secrets.scan import scan
from bot.snapshot.generated import LONG_LINE
from bot.snapshot.model import Snapshot

# What each detector's pattern starts with, or must contain, as the text would spell it.
SEEDS: dict[str, tuple[str, ...]] = {
    "aws-access-key": ("AKIA", "ASIA", "AKIAA"),
    "github-token": ("ghp_", "ghs_", "github_pat_", "github_pat_" + "a" * 22 + "_"),
    "gitlab-token": ("glpat-", "glrt-"),
    "slack-token": ("xoxb-", "xoxb-1-", "xapp-1"),
    "slack-webhook": ("https://hooks.slack.com/services/",),
    "stripe-key": ("sk_live_", "rk_live_"),
    "webhook-secret": ("whsec_",),
    "stripe-test-key": ("sk_test_",),
    "twilio-key": ("twilio SK", "SK0"),
    "sendgrid-key": ("SG.", "SG." + "a" * 22 + "."),
    "mailgun-key": ("key-", "key-0"),
    "openai-key": ("sk-", "sk-proj-", "T3BlbkFJ", "sk-aT3BlbkFJ"),
    "anthropic-key": ("sk-ant-", "sk-ant-api03-"),
    "google-api-key": ("AIza",),
    "gcp-service-account": ('"private_key_id": "', '"private_key_id":'),
    "azure-storage-key": ("AccountKey=",),
    "npm-token": ("npm_",),
    "pypi-token": ("pypi-AgEIcHlwaS5vcmc",),
    "shopify-token": ("shpat_",),
    "square-token": ("EAAA", "sq0atp-"),
    "discord-token": ("discord M", "discord.com/api/webhooks/1/", "Maaaaaaaaaaaaaaaaaaaaaaaa."),
    "telegram-bot-token": ("123456789:AA", ":AA"),
    "jwt": ("eyJ", "eyJ-", "eyJaaaaaaaaaa.", "eyJaaaaaaaaaa.eyJaaaaaaaaaa."),
    "database-url": ("postgres://a:", "postgres://a:b", "mongodb+srv://", "redis://u:p@"),
    "rails-secret-key-base": ("secret_key_base: ", "secret_key_base="),
}
# The pack's other finders: key blocks, assignments, connection strings, fallbacks, data URIs.
OTHER_SEEDS: dict[str, tuple[str, ...]] = {
    "private-key": ("-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\\n"),
    "generic-secret": ("password=", 'password = "', "api_key: ", "token=a", "secretKey:"),
    "connection-string": ("Server=a;Password=", ";Pwd=", "jdbc:x://h;password="),
    "environment-fallback": ("${DB_PASSWORD:-", 'os.getenv("SECRET", "', "process.env.TOKEN || '"),
    "data-uri": ("data:a;base64,",),
}
TICK_S = 0.01  # the heartbeat that measures how long the event loop is held
FILES = (
    "app/settings.py",
    "web/src/app.js",
    ".github/workflows/ci.yml",
    "db/migrate/001_init.sql",
    "config/initializers/app.rb",
)


def shapes(seed: str, tails: tuple[str, ...], size: int) -> Iterator[tuple[str, str]]:
    """Yield the seed repeated (alone, and closed by each other seed of its detector, as
    `sk-sk-…T3BlbkFJ`), the seed then one long run, and seed-plus-filler chunks.
    """
    repeated = (seed * (size // len(seed) + 1))[:size]
    yield "repeated", repeated
    for tail in tails:
        if tail != seed:
            yield f"repeated, then {tail[:12]!r}", repeated[: size - len(tail)] + tail
    yield "long run", seed + "A1b2" * ((size - len(seed)) // 4)
    chunk = seed + "a1B2c3D4e5" * 3
    yield "chunks", (chunk * (size // len(chunk) + 1))[:size]


def cases(size: int) -> Iterator[tuple[str, str, str]]:
    """Yield (detector, description, line) for every detector's seeds."""
    missing = sorted({d.name for d in DETECTORS} - SEEDS.keys())
    if missing:
        raise SystemExit(f"no adversarial seeds for detector(s): {', '.join(missing)}")
    for name, seeds in {**SEEDS, **OTHER_SEEDS}.items():
        for seed in seeds:
            for shape, line in shapes(seed, seeds, size):
                yield name, f"{shape} {seed[:30]!r}", line


def timed_scan(line: str, repeat: int) -> float:
    """Scan the line as an added line of a Python and of a minified file; best time, seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for path in ("app/settings.py", "static/app.min.js"):
            for _ in scan(path, (Line(1, line),)):
                pass
        best = min(best, time.perf_counter() - started)
        if best > 1.0:
            break  # slow enough to tell without noise
    return best


def diff_of(line: str, code_lines: int) -> bytes:
    """Add the line whole to a Python file, and cut into lines to each of FILES."""
    cut = [line[i : i + LONG_LINE] for i in range(0, len(line), LONG_LINE)][:code_lines]
    parts = []
    for path, lines in (("config/keys.py", [line]), *((path, cut) for path in FILES)):
        added = "".join(f"+{text}\n" for text in lines)
        parts.append(
            f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n"
            f"+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{added}"
        )
    return "".join(parts).encode()


def timed_checks(diff: bytes) -> dict[str, float]:
    """Run every check of every pack in this process; seconds per check."""
    snap = Snapshot(parse(diff))
    times: dict[str, float] = {}
    for pack in PACKS:
        for check in pack.checks:
            started = time.perf_counter()
            list(check(snap))
            times[f"{pack.id}/{getattr(check, '__name__', repr(check))}"] = (
                time.perf_counter() - started
            )
    return times


def timed_review(diff: bytes) -> tuple[float, float, int]:
    """Review the diff with the engine as the server does; return its seconds, the longest the
    event loop went without running anything else (what `/healthz` would wait), and how many
    problems it reported.
    """

    async def review() -> tuple[float, float, int]:
        stalls = [0.0]
        done = asyncio.Event()

        async def heartbeat() -> None:
            last = time.perf_counter()
            while not done.is_set():
                await asyncio.sleep(TICK_S)
                now = time.perf_counter()
                stalls.append(now - last - TICK_S)
                last = now

        beating = asyncio.create_task(heartbeat())
        started = time.perf_counter()
        evaluation = await engine.evaluate(Snapshot(parse(diff)))
        seconds = time.perf_counter() - started
        done.set()
        await beating
        return seconds, max(stalls), len(evaluation.problems)

    return asyncio.run(review())


def table(title: str, rows: dict[str, tuple[float, str]], top: int) -> list[str]:
    lines = ["", f"{title:<44} {'s':>8}  line"]
    for name, (seconds, what) in sorted(rows.items(), key=lambda row: -row[1][0])[:top]:
        lines.append(f"{name:<44} {seconds:8.3f}  {what}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000, help="characters per line")
    parser.add_argument("--code-lines", type=int, default=20, help="cut lines per code file")
    parser.add_argument("--repeat", type=int, default=3, help="secrets scans per line (best)")
    parser.add_argument("--top", type=int, default=15, help="rows of each table to print")
    args = parser.parse_args()
    if args.size < 100:
        parser.error("--size: at least 100 characters")
    if args.code_lines < 1 or args.repeat < 1:
        parser.error("--code-lines and --repeat: at least 1")

    scans: dict[str, tuple[float, str]] = {}
    checks: dict[str, tuple[float, str]] = {}
    reviews: dict[str, tuple[float, str]] = {}
    stalls: dict[str, tuple[float, str]] = {}
    started = time.perf_counter()
    for name, description, line in cases(args.size):
        seconds = timed_scan(line, args.repeat)
        if seconds > scans.get(name, (-1.0, ""))[0]:
            scans[name] = (seconds, description)
        diff = diff_of(line, args.code_lines)
        for check, check_seconds in timed_checks(diff).items():
            if check_seconds > checks.get(check, (-1.0, ""))[0]:
                checks[check] = (check_seconds, f"{name}: {description}")
        review_seconds, stall, problems = timed_review(diff)
        if review_seconds > reviews.get(name, (-1.0, ""))[0]:
            partial = f", {problems} problems" if problems else ""
            reviews[name] = (review_seconds, f"{description} (loop held {stall:.3f} s{partial})")
        if stall > stalls.get(name, (-1.0, ""))[0]:
            stalls[name] = (stall, description)
    total = time.perf_counter() - started

    out = [f"Adversarial lines of {args.size:,} characters ({total:.1f} s in all)"]
    out += table("secrets scan: slowest line per detector", scans, args.top)
    out += table("rule check: slowest line", checks, args.top)
    out += table("engine.evaluate: slowest review per detector", reviews, args.top)
    out += table("event loop held during a review, longest", stalls, args.top)
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
