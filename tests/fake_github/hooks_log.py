"""GitHub's log of the app's webhook deliveries, and redelivery that really POSTs again."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from tests.payloads import signed


@dataclass
class HookLog:
    """What GitHub remembers of its deliveries to the app, newest first, and where it sends them."""

    deliveries: list[dict[str, Any]] = field(default_factory=list)
    payloads: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # guid -> (event, body)
    target: tuple[str, str] | None = None  # (webhook URL, secret) for redeliveries
    pending: set[asyncio.Task[None]] = field(default_factory=set)

    def record(
        self, guid: str, event: str, payload: dict[str, Any], status_code: int, *,
        redelivery: bool = False, age: timedelta = timedelta(0),
    ) -> dict[str, Any]:  # fmt: skip
        """Log one delivery attempt (status 0 = GitHub could not connect)."""
        self.payloads[guid] = (event, json.dumps(payload).encode())
        installation = payload.get("installation") or {}
        item = {
            "id": 10_000 + len(self.deliveries),
            "guid": guid,
            "delivered_at": (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "redelivery": redelivery,
            "duration": 0.05,
            "status": "OK" if 200 <= status_code < 300 else "failed to connect",
            "status_code": status_code,
            "event": event,
            "action": payload.get("action"),
            "installation_id": installation.get("id"),
            "repository_id": (payload.get("repository") or {}).get("id"),
            "throttled_at": None,
        }
        self.deliveries.insert(0, item)
        return item

    async def redeliver(self, guid: str) -> None:
        """POST the stored event to the app again, signed, with the same delivery id as before."""
        event, body = self.payloads[guid]
        status = 0
        if self.target is not None:
            url, secret = self.target
            headers = signed(body, secret, event, guid)
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, data=body, headers=headers) as response,
            ):
                status = response.status
        self.record(guid, event, json.loads(body), status, redelivery=True)
