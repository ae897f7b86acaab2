"""Measure how fast `POST /webhook` acknowledges signed deliveries (GitHub allows 10 s in all).

Runs the real app (SQLite store with synchronous=FULL, workers started) on localhost and sends
sequential signed `pull_request.opened` deliveries with distinct delivery ids. GitHub is pointed at
a closed port, so workers fail fast and stay out of the way. Prints latency percentiles.

    python benchmarks/webhook_ack.py [--deliveries 500]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from bot.app import create_app
from bot.settings import Settings

PAYLOAD = Path(__file__).resolve().parents[1] / "fixtures/webhooks/pull_request/opened.json"
SECRET = "benchmark-secret"


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem.decode()


async def run(deliveries: int) -> list[float]:
    body = PAYLOAD.read_bytes()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            app_id=1,
            private_key=SecretStr(_private_key()),
            webhook_secret=SecretStr(SECRET),
            github_api_url="http://127.0.0.1:9",
            data_dir=Path(tmp),
        )
        runner = web.AppRunner(await create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        timings = []
        async with aiohttp.ClientSession() as session:
            for _ in range(deliveries):
                headers = {
                    "Content-Type": "application/json",
                    "X-GitHub-Event": "pull_request",
                    "X-GitHub-Delivery": str(uuid.uuid4()),
                    "X-Hub-Signature-256": signature,
                }
                started = time.perf_counter()
                async with session.post(
                    f"http://{host}:{port}/webhook", data=body, headers=headers
                ) as response:
                    await response.read()
                    assert response.status == 202, response.status
                timings.append((time.perf_counter() - started) * 1000)
        await runner.cleanup()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=500)
    args = parser.parse_args()
    timings = sorted(asyncio.run(run(args.deliveries)))
    quantiles = statistics.quantiles(timings, n=100)
    report = {
        "deliveries": len(timings),
        "p50_ms": round(quantiles[49], 2),
        "p99_ms": round(quantiles[98], 2),
        "max_ms": round(timings[-1], 2),
        "payload_bytes": PAYLOAD.stat().st_size,
    }
    sys.stdout.write(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
