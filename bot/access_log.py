"""aiohttp's access line for `readiness serve`, as a log record with fields (bot/logs.py formats
it). Apart from bot.logs so that the CLI's commands, which log but serve nothing, need not import
aiohttp at start-up."""

from __future__ import annotations

import logging

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, RequestKey, StreamResponse

# Where the webhook leaves what became of a delivery (`event`, `outcome`, `jobs`) for its access
# line: one line per delivery, not a line of its own besides (a record costs the event loop a
# redaction scan and a JSON encoding; at hundreds of deliveries a second, that counts).
DELIVERY = RequestKey("delivery", dict[str, object])


class AccessLog(AbstractAccessLogger):
    """aiohttp's access line as a record with fields: method, path (with its query), status,
    bytes, duration_ms, remote, user_agent, a delivery's `delivery_id`, and for a delivery the
    webhook took (202, or 200 for a duplicate), its `event`, `outcome` (`queued`, `ignored`,
    `duplicate`) and `jobs`."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        fields: dict[str, object] = {
            "method": request.method,
            "path": request.path_qs,
            "status": response.status,
            "bytes": response.body_length,
            "duration_ms": round(time * 1000, 3),
            "remote": request.remote,
            "user_agent": request.headers.get("User-Agent"),
            "delivery_id": request.headers.get("X-GitHub-Delivery"),
            **request.get(DELIVERY, {}),
        }
        self.logger.info(
            "%s %s %d",
            request.method,
            request.path_qs,
            response.status,
            extra={k: v for k, v in fields.items() if v is not None},
        )

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)
