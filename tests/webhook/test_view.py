"""Bad deliveries get a clear status and nothing is queued; the server keeps serving."""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr

from tests.conftest import INSTALLATION, SECRET, deliver, settle
from tests.payloads import payload, signed


def opened() -> dict[str, Any]:
    data = payload("pull_request/opened")
    data["installation"] = {"id": INSTALLATION}
    return data


async def assert_still_serving(bot: TestClient[Any, Any]) -> None:
    health = await bot.get("/healthz")
    ready = await bot.get("/readyz")
    assert (health.status, ready.status) == (200, 200)
    assert (await ready.json())["jobs"] == {}


async def test_unsigned_delivery_is_refused_before_parsing(bot: TestClient[Any, Any]) -> None:
    body = b"{not even json"
    headers = signed(body, SECRET, "pull_request")
    del headers["X-Hub-Signature-256"]
    response = await bot.post("/webhook", data=body, headers=headers)
    assert response.status == 401
    assert await response.json() == {"error": "missing X-Hub-Signature-256 signature"}
    await assert_still_serving(bot)


async def test_wrongly_signed_delivery_is_refused(bot: TestClient[Any, Any]) -> None:
    body = json.dumps(opened()).encode()
    response = await bot.post(
        "/webhook", data=body, headers=signed(body, "not-the-secret", "pull_request")
    )
    assert response.status == 401
    assert await response.json() == {"error": "invalid X-Hub-Signature-256 signature"}
    await assert_still_serving(bot)


@pytest.mark.parametrize("body", [b'{"action": "opened", ', b"\xff\xfe\x00", b"[" * 100_000])
async def test_signed_but_malformed_json_is_a_400(bot: TestClient[Any, Any], body: bytes) -> None:
    response = await bot.post("/webhook", data=body, headers=signed(body, SECRET, "pull_request"))
    assert response.status == 400
    assert (await response.json())["error"] == "the body is not valid JSON"
    await assert_still_serving(bot)


async def test_missing_event_header_is_a_400(bot: TestClient[Any, Any]) -> None:
    body = json.dumps(opened()).encode()
    headers = signed(body, SECRET, "pull_request")
    del headers["X-GitHub-Event"]
    response = await bot.post("/webhook", data=body, headers=headers)
    assert response.status == 400
    await assert_still_serving(bot)


async def test_unknown_event_is_acknowledged_and_ignored(bot: TestClient[Any, Any]) -> None:
    response = await deliver(bot, "star", {"action": "created", "installation": {"id": 1}})
    assert response.status == 202
    assert await response.json() == {"status": "ignored", "event": "star", "jobs": 0}
    await assert_still_serving(bot)


async def test_ping_without_installation_is_acknowledged(bot: TestClient[Any, Any]) -> None:
    response = await deliver(bot, "ping", payload("ping/ping"))
    assert response.status == 202
    assert (await response.json())["status"] == "ignored"


async def test_payload_missing_a_needed_field_is_a_400(bot: TestClient[Any, Any]) -> None:
    data = opened()
    del data["pull_request"]["head"]
    response = await deliver(bot, "pull_request", data)
    assert response.status == 400
    assert (await response.json())["error"] == (
        "the pull_request payload cannot be used: pull_request.head: Field required"
    )
    await assert_still_serving(bot)


async def test_body_over_the_cap_is_a_413(bot: TestClient[Any, Any]) -> None:
    body = b'{"padding": "' + b"x" * (26 * 1024 * 1024) + b'"}'
    headers = signed(body, SECRET, "pull_request")
    response = await bot.post("/webhook", data=io.BytesIO(body), headers=headers)
    assert response.status == 413
    await assert_still_serving(bot)
    assert await settle(bot) == {}


async def test_a_webhook_secret_rotates_without_refusing_deliveries(
    start_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """During a rotation both secrets sign valid deliveries; afterwards only the new one does."""
    caplog.set_level(logging.INFO)
    old, new = "old-webhook-secret", "new-webhook-secret"
    rotating = await start_bot(
        webhook_secret=SecretStr(new), webhook_secret_previous=SecretStr(old)
    )
    body = json.dumps(opened()).encode()
    for secret, delivery in ((old, "d-old"), (new, "d-new")):
        headers = signed(body, secret, "pull_request", delivery)
        assert (await rotating.post("/webhook", data=body, headers=headers)).status == 202
    assert "signed with the previous webhook secret" in caplog.text
    assert (
        await rotating.post("/webhook", data=body, headers=signed(body, "other", "pull_request"))
    ).status == 401

    rotated = await start_bot(webhook_secret=SecretStr(new))
    headers = signed(body, old, "pull_request", "d-late")
    assert (await rotated.post("/webhook", data=body, headers=headers)).status == 401
