"""The floor for `benchmarks/webhook_load.py`: a bare aiohttp server that only verifies a
delivery's signature and parses its JSON, then answers 202.

Nothing a real acknowledgement needs beyond that (routing, validation, the durable store, logs,
metrics) runs here, so on the same machine under the same load its latency is the least any
aiohttp webhook could answer in: the ratio of Readiness's figures to these is what the machine's
own speed and load do not change.

    python benchmarks/webhook_floor.py --port 8099 --secret S
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import logging

from aiohttp import web


def make_app(secret: bytes) -> web.Application:
    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            data = json.loads(body)
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        return web.json_response({"status": "parsed", "keys": len(data)}, status=202)

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application(client_max_size=26 * 1024 * 1024)
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    web.run_app(
        make_app(args.secret.encode()),
        host="127.0.0.1",
        port=args.port,
        access_log=None,
        print=None,
    )


if __name__ == "__main__":
    main()
