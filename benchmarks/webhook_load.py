"""Measure the webhook under load: acknowledgement latency, refusals and lost deliveries.

For each target — the bare aiohttp floor (`webhook_floor.py`: signature and JSON only), then a
real `readiness serve` process on SQLite and on Redis — and each load — open loop at 200, 500
and 1,000 deliveries a second, then a closed loop of 32 clients — a fresh server is started,
the load generator (`webhook_load_client.py`) runs in a process of its own, and the server is
then killed with SIGKILL. The store is read afterwards: every delivery answered 202 must be in
it (`lost` counts those that are not), so a 202 is shown to mean stored, not merely answered.

GitHub is pointed at a closed port, so workers fail fast and the redelivery sweep finds
nothing; the queue cap is set above anything the run sends, so a refusal is the store's, never
the cap's. Redis is `--redis-url` (db 13 by default) under a fresh key prefix, deleted after.

Prints a table and writes JSON (`benchmarks/results/webhook_load.json`): the commit measured,
the machine's load average around each run, and per run sent, accepted, refused (by status),
errors (no answer), p50/p99/max ms, throughput, stored and lost, and the server's warning and
error log lines and tracebacks. The machine may be shared: compare against the floor measured
in the same run, not against figures from another day.

    python benchmarks/webhook_load.py [--seconds 30] [--stores sqlite,redis] [--readme]
    python benchmarks/webhook_load.py --checkout /path/to/other/checkout   # measure another commit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import redis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SECRET = "benchmark-secret"
RESULTS = HERE / "results/webhook_load.json"
README = HERE / "README.md"
START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Load:
    """One load: an open loop at `rate` deliveries/s, or a closed loop of `clients`."""

    mode: str
    rate: float = 0.0
    clients: int = 0

    def __str__(self) -> str:
        return f"open {self.rate:g}/s" if self.mode == "open" else f"closed {self.clients} clients"

    def arguments(self) -> list[str]:
        if self.mode == "open":
            return ["--mode", "open", "--rate", str(self.rate)]
        return ["--mode", "closed", "--clients", str(self.clients)]


@dataclass
class ServerLog:
    """The server's standard error, drained in a thread (a full pipe would stall the server)."""

    levels: Counter[str] = field(default_factory=Counter)
    tracebacks: int = 0
    samples: list[str] = field(default_factory=list)  # first few warning and error messages

    def drain(self, stream: Any) -> None:
        for line in stream:
            try:
                entry = json.loads(line)
            except ValueError:
                self.levels["unparsed"] += 1
                continue
            level = str(entry.get("level", "?"))
            self.levels[level] += 1
            self.tracebacks += "exception" in entry
            if level in ("warning", "error", "critical") and len(self.samples) < 5:
                self.samples.append(str(entry.get("message", ""))[:200])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


def wait_healthy(port: int, process: subprocess.Popen[str]) -> None:
    """Return once GET /healthz answers 200; raise when the server exits or takes too long."""

    async def poll() -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError("the server did not answer /healthz in time")

    asyncio.run(poll())


@dataclass(frozen=True)
class Running:
    """A target being measured: where it listens, its log, its Redis key prefix."""

    port: int
    log: ServerLog
    prefix: str


@contextlib.contextmanager
def server(target: str, checkout: Path, redis_url: str, data_dir: Path) -> Iterator[Running]:
    """Run one target until the block ends, then kill it with SIGKILL."""
    port = free_port()
    if target == "floor":
        command = [sys.executable, str(HERE / "webhook_floor.py"), "--port", str(port)]
        command += ["--secret", SECRET]
        env = dict(os.environ)
    else:
        command = [sys.executable, "-m", "bot.cli", "serve"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
        env.update(
            PYTHONPATH=str(checkout),  # the checkout measured, not whatever is installed
            READINESS_APP_ID="1",
            READINESS_PRIVATE_KEY=private_key(),
            READINESS_WEBHOOK_SECRET=SECRET,
            READINESS_GITHUB_API_URL=f"http://127.0.0.1:{free_port()}",  # closed: nothing there
            READINESS_DATA_DIR=str(data_dir),
            READINESS_HOST="127.0.0.1",
            READINESS_PORT=str(port),
            READINESS_MAX_QUEUED="10000000",  # above anything a run sends
            READINESS_LOG_FORMAT="json",
        )
    prefix = f"readiness-bench:{uuid.uuid4().hex}:"
    if target == "redis":
        env.update(READINESS_REDIS_URL=redis_url, READINESS_REDIS_PREFIX=prefix)
    log = ServerLog()
    with subprocess.Popen(
        command,
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        drainer = threading.Thread(target=log.drain, args=(process.stderr,), daemon=True)
        drainer.start()
        try:
            wait_healthy(port, process)
            yield Running(port, log, prefix)
        finally:
            process.kill()  # SIGKILL: what a 202 promised must survive this
            process.wait()
            drainer.join(timeout=10)


def stored_sqlite(data_dir: Path, accepted: list[str]) -> int:
    """Count the accepted deliveries found in the SQLite store, read after the kill."""
    with contextlib.closing(sqlite3.connect(data_dir / "readiness.sqlite3")) as db:
        ids = {row[0] for row in db.execute("SELECT delivery_id FROM deliveries")}
    return sum(delivery in ids for delivery in accepted)


def stored_redis(url: str, prefix: str, accepted: list[str]) -> int:
    """Count the accepted deliveries found in Redis, then delete the run's keys."""
    client = redis.Redis.from_url(url)
    try:
        found = 0
        for start in range(0, len(accepted), 1000):
            pipe = client.pipeline(transaction=False)
            for delivery in accepted[start : start + 1000]:
                pipe.exists(f"{prefix}delivery:{delivery}")
            found += sum(pipe.execute())
        batch: list[bytes] = []
        for key in client.scan_iter(match=prefix + "*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.unlink(*batch)
                batch.clear()
        if batch:
            client.unlink(*batch)
        return found
    finally:
        client.close()


def run_one(
    target: str, load: Load, seconds: float, checkout: Path, redis_url: str
) -> dict[str, Any]:
    """Start a fresh `target`, put `load` on it, kill it, and read back what it stored."""
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, ids_file = Path(tmp) / "data", Path(tmp) / "accepted.txt"
        load_before = os.getloadavg()
        with server(target, checkout, redis_url, data_dir) as running:
            command = [
                sys.executable,
                str(HERE / "webhook_load_client.py"),
                f"http://127.0.0.1:{running.port}/webhook",
                "--secret",
                SECRET,
                "--seconds",
                str(seconds),
                "--ids",
                str(ids_file),
                *load.arguments(),
            ]
            out = subprocess.run(
                command, capture_output=True, text=True, check=True, timeout=seconds + 300
            )
            load_after = os.getloadavg()
        figures: dict[str, Any] = json.loads(out.stdout)
        log = running.log
        accepted = ids_file.read_text().split()
        stored: int | None = None
        if target == "sqlite":
            stored = stored_sqlite(data_dir, accepted)
        elif target == "redis":
            stored = stored_redis(redis_url, running.prefix, accepted)
    return {
        "target": target,
        "load": str(load),
        "mode": load.mode,
        "rate": load.rate or None,
        "clients": load.clients or None,
        "seconds": seconds,
        **figures,
        "accepted_with_warm_up": len(accepted),
        "stored": stored,
        "lost": None if stored is None else len(accepted) - stored,
        "server_log": {
            "levels": dict(log.levels),
            "tracebacks": log.tracebacks,
            "samples": log.samples,
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }


def commit_of(checkout: Path) -> str:
    """Return the checkout's commit, marked `+dirty` when its tracked files differ from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    commit = git("rev-parse", "HEAD")
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def row(result: dict[str, Any]) -> str:
    refused = sum(result["refused"].values()) + sum(result["errors"].values())
    stored = "-" if result["stored"] is None else f"{result['stored']} ({result['lost']} lost)"
    return (
        f"| {result['target']} | {result['load']} | {result['sent']} | {refused} "
        f"| {result['p50_ms']} | {result['p99_ms']} | {result['max_ms']} "
        f"| {result['throughput_per_s']} | {stored} "
        f"| {result['load_average_before'][0]} |"
    )


HEADER = (
    "| target | load | sent | refused | p50 ms | p99 ms | max ms | 202/s | stored | load avg |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def readme_section(report: dict[str, Any]) -> str:
    """The `## webhook_load` section of benchmarks/README.md for this report."""
    rows = "\n".join(row(r) for r in report["runs"])
    return (
        "## webhook_load\n\n"
        "`python benchmarks/webhook_load.py --readme` — webhook acknowledgement under load: a "
        "real `readiness serve` (SQLite, Redis) and the bare aiohttp floor (signature and JSON "
        "only), each load against a fresh server, the load generator in its own process; "
        "`stored` counts the deliveries answered 202 found in the store after the server was "
        "killed with SIGKILL (warm-up deliveries included). Refused is every answer but 202 "
        "and every request left unanswered.\n\n"
        f"Commit `{report['commit'][:12]}`, {report['measured_at']}, {report['seconds']:g} s "
        f"per load, {report['cpus']} cores, load average {report['load_average_before']} "
        f"before and {report['load_average_after']} after (the machine is shared: compare "
        "with the floor of the same run). Full figures: `results/webhook_load.json`.\n\n"
        f"{HEADER}\n{rows}\n"
    )


def update_readme(report: dict[str, Any]) -> None:
    """Replace (or add) the `## webhook_load` section, leaving the other sections alone."""
    text = README.read_text() if README.exists() else "# Benchmarks\n\nLatest figures.\n"
    section = readme_section(report)
    start = text.find("## webhook_load\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[:start] + section + ("" if end < 0 else text[end:])
    README.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each load")
    parser.add_argument("--rates", default="200,500,1000", help="open-loop deliveries/s")
    parser.add_argument("--clients", type=int, default=32, help="closed-loop senders")
    parser.add_argument("--stores", default="sqlite,redis", help="targets besides the floor")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the code to measure")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--readme", action="store_true", help="refresh benchmarks/README.md")
    args = parser.parse_args()
    loads = [Load("open", rate=float(r)) for r in args.rates.split(",") if r]
    loads.append(Load("closed", clients=args.clients))
    targets = ["floor", *[s for s in args.stores.split(",") if s]]
    report: dict[str, Any] = {
        "benchmark": "webhook_load",
        "commit": commit_of(args.checkout),
        "measured_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "seconds": args.seconds,
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "runs": [],
    }
    sys.stdout.write(f"{HEADER}\n")
    for target in targets:
        for load in loads:
            result = run_one(target, load, args.seconds, args.checkout, args.redis_url)
            report["runs"].append(result)
            sys.stdout.write(row(result) + "\n")
            sys.stdout.flush()
    report["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    if args.readme:
        update_readme(report)


if __name__ == "__main__":
    main()
