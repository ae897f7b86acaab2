"""Hostile deliveries over real HTTP: random bytes, truncated or deep JSON, huge headers.

Hypothesis drives a blocking client in a thread while the bot serves on the test's event loop;
every answer must be a documented status, never a 500, and the server must keep serving.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SECRET
from tests.payloads import payload, signed

DOCUMENTED = {200, 202, 400, 401, 413, 429}
OPENED = json.dumps(payload("pull_request/opened")).encode()
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


bodies = st.one_of(
    st.binary(max_size=4096),
    st.integers(0, len(OPENED)).map(lambda n: OPENED[:n]),
    st.integers(1, 50_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 50_000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
)
events = st.sampled_from(["pull_request", "issue_comment", "check_run", "check_suite", "push", ""])


async def test_hostile_deliveries_get_documented_statuses(bot: TestClient[Any, Any]) -> None:
    url = str(bot.make_url("/webhook"))

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=bodies, event=events, sign=st.booleans(), padding=st.integers(0, 20_000))
    def check(body: bytes, event: str, sign: bool, padding: int) -> None:
        headers = signed(body, SECRET if sign else "wrong", event or "x")
        headers["X-Padding"] = "p" * padding  # huge headers are refused by the HTTP layer
        assert post(url, body, headers) in DOCUMENTED

    await asyncio.to_thread(check)
    assert (await bot.get("/healthz")).status == 200
    assert (await bot.get("/readyz")).status == 200
