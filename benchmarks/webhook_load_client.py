"""Send signed `pull_request.opened` deliveries to a webhook, open or closed loop; print figures.

`benchmarks/webhook_load.py` runs this in a process of its own, so the load never shares an event
loop (or the GIL) with the server it measures. Each delivery has its own delivery id and its own
pull request number, so every one queues a review job of its own (nothing coalesces).

Open loop: delivery i is due at `start + i / rate` whether or not earlier ones were answered (as
GitHub sends), and its latency is counted from when it was due, so a server that falls behind
pays for the queue it builds. Closed loop: `clients` senders each wait for an answer before
sending again, for throughput.

Prints one JSON object: sent, accepted (202), refused (by status: any other answer), errors (no
answer: by exception type), p50/p99/max in ms, throughput per second, and the generator's own
worst lateness sending (ms; large values mean the generator, not the server, fell behind).
The delivery ids answered 202 are written one per line to `--ids`, so the caller can check each
is in the store.

    python benchmarks/webhook_load_client.py URL --secret S --mode open --rate 500 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import math
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

PAYLOAD = Path(__file__).resolve().parents[1] / "fixtures/webhooks/pull_request/opened.json"
MARK = 987_654_321  # stands for the pull request number in the serialized template
WARM_UP = 100  # sequential deliveries before measuring: imports, scripts, first connections
TIMEOUT_S = 30.0  # well past GitHub's 10 s, so a slow answer is measured rather than cut
# Deliveries in flight at once (each on a keep-alive connection of its own); past it they wait
# in the generator, their latency still counted from when they were due. Thousands of sockets
# opened against a server that fell behind would measure the collapse of both processes.
MAX_CONNECTIONS = 256


class Deliveries:
    """Signed deliveries of one payload, each with its own pull request number and id, as
    ready-to-send HTTP/1.1 requests."""

    def __init__(self, secret: str, host: str, path: str) -> None:
        data = json.loads(PAYLOAD.read_bytes())
        data["number"] = data["pull_request"]["number"] = MARK
        parts = json.dumps(data).encode().split(str(MARK).encode())
        assert len(parts) == 3, "the template holds the number twice"
        self._parts = parts
        self._secret = secret.encode()
        self._start = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        self._next = 1

    def make(self) -> tuple[str, bytes]:
        """Return (delivery id, request) for the next pull request."""
        number = str(self._next).encode()
        self._next += 1
        body = number.join(self._parts)
        delivery = str(uuid.uuid4())
        signature = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        head = (
            f"{self._start}Content-Type: application/json\r\n"
            "X-GitHub-Event: pull_request\r\n"
            f"X-GitHub-Delivery: {delivery}\r\n"
            f"X-Hub-Signature-256: sha256={signature}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return delivery, head.encode() + body


class Connections:
    """Keep-alive HTTP/1.1 connections to one server, at most MAX_CONNECTIONS in use.

    A client of its own rather than aiohttp's: it only writes prepared bytes and reads a
    status line, headers and a Content-Length body, so the generator spends several times
    less CPU per delivery than the server it measures (both share the machine's cores).
    """

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self._slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def post(self, request: bytes) -> int:
        """Send one request and return the answer's status; raise OSError, TimeoutError or
        asyncio.IncompleteReadError when no answer came."""
        async with self._slots:
            if self._idle:
                reader, writer = self._idle.pop()
            else:
                reader, writer = await asyncio.open_connection(*self._address)
            try:
                async with asyncio.timeout(TIMEOUT_S):
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    lines = head.decode("latin-1").lower().split("\r\n")
                    length = next(
                        (int(line[15:]) for line in lines if line.startswith("content-length:")),
                        0,
                    )
                    await reader.readexactly(length)
            except BaseException:
                writer.close()
                raise
            if "connection: close" in lines:
                writer.close()
            else:
                self._idle.append((reader, writer))
            return int(lines[0].split()[1])

    def close(self) -> None:
        for _, writer in self._idle:
            writer.close()


@dataclass
class Tally:
    """What came back: latencies of the 202s (ms), other answers, failures, accepted ids."""

    latencies: list[float] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    accepted: list[str] = field(default_factory=list)
    sent: int = 0


async def send(
    connections: Connections,
    delivery: tuple[str, bytes],
    since: float,
    tally: Tally | None,
    ids: list[str],
) -> None:
    """POST one delivery; record its latency from `since` (perf_counter s) unless warming up."""
    delivery_id, request = delivery
    try:
        status = await connections.post(request)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        if tally is not None:
            tally.errors[type(exc).__name__] += 1
        return
    if status == 202:
        ids.append(delivery_id)
    if tally is None:
        return
    if status == 202:
        tally.latencies.append((time.perf_counter() - since) * 1000)
    else:
        tally.refused[str(status)] += 1


async def open_loop(
    connections: Connections, make: Deliveries, rate: float, seconds: float
) -> tuple[Tally, list[str], float, float]:
    """Send `rate` deliveries a second for `seconds`; return the tally, the accepted ids, the
    elapsed seconds and the generator's worst lateness (ms)."""
    tally, ids = Tally(), []
    tasks: set[asyncio.Task[None]] = set()
    late = 0.0
    start = time.perf_counter()
    for i in range(round(rate * seconds)):
        due = start + i / rate
        now = time.perf_counter()
        if due > now:
            await asyncio.sleep(due - now)
        late = max(late, (time.perf_counter() - due) * 1000)
        # Signed when due (about 50 us for 28 KB): 30,000 bodies made ahead would take 840 MB.
        task = asyncio.create_task(send(connections, make.make(), due, tally, ids))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        tally.sent += 1
    if tasks:
        await asyncio.wait(tasks)
    return tally, ids, time.perf_counter() - start, late


async def closed_loop(
    connections: Connections, make: Deliveries, clients: int, seconds: float
) -> tuple[Tally, list[str], float, float]:
    """Keep `clients` deliveries in flight for `seconds`; return as `open_loop` does."""
    tally, ids = Tally(), []
    start = time.perf_counter()
    stop = start + seconds

    async def client() -> None:
        while time.perf_counter() < stop:
            tally.sent += 1
            await send(connections, make.make(), time.perf_counter(), tally, ids)

    await asyncio.gather(*(client() for _ in range(clients)))
    return tally, ids, time.perf_counter() - start, 0.0


def percentile(ordered: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an ascending list; None when it is empty."""
    if not ordered:
        return None
    return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)], 2)


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = urlsplit(args.url)
    assert url.hostname and url.port, "a URL such as http://127.0.0.1:8080/webhook"
    make = Deliveries(args.secret, url.netloc, url.path)
    connections = Connections(url.hostname, url.port)
    try:
        warm: list[str] = []
        for _ in range(WARM_UP):
            await send(connections, make.make(), time.perf_counter(), None, warm)
        if args.mode == "open":
            tally, ids, elapsed, late = await open_loop(connections, make, args.rate, args.seconds)
        else:
            tally, ids, elapsed, late = await closed_loop(
                connections, make, args.clients, args.seconds
            )
    finally:
        connections.close()
    args.ids.write_text("".join(f"{i}\n" for i in warm + ids))
    ordered = sorted(tally.latencies)
    return {
        "sent": tally.sent,
        "accepted": len(ordered),
        "refused": dict(tally.refused),
        "errors": dict(tally.errors),
        "p50_ms": percentile(ordered, 0.50),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": round(ordered[-1], 2) if ordered else None,
        "throughput_per_s": round(len(ordered) / elapsed, 1),
        "generator_late_max_ms": round(late, 2),
        "warm_up_accepted": len(warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--secret", required=True)
    parser.add_argument("--mode", choices=["open", "closed"], required=True)
    parser.add_argument("--rate", type=float, default=500.0, help="open loop: deliveries/s")
    parser.add_argument("--clients", type=int, default=32, help="closed loop: senders")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--ids", type=Path, required=True, help="file for the accepted ids")
    report = asyncio.run(run(parser.parse_args()))
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
