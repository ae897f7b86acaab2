"""Hostile deliveries over real HTTP: random bytes, truncated or deep JSON, huge headers, and
the malformed payloads a fault-injection run found answered 500.

Hypothesis drives a blocking client in a thread while the bot serves on the test's event loop;
every answer must be a documented status, never a 500, and the server must keep serving. A
signed payload the app cannot use is a 400 naming the field, logged in one line, and recorded
so that the redelivery sweep leaves it alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import STORE
from tests.conftest import INSTALLATION, SECRET, deliver
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
events = st.sampled_from(
    ["pull_request", "issue_comment", "pull_request_review_comment", "check_run", "check_suite",
     "push", ""]
)  # fmt: skip


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


HUGE = 10**30  # valid JSON, but no GitHub id: they are 64-bit
# (event, fixture, dotted field, value, what the 400 says after "the <event> payload …: ")
UNUSABLE = [
    ("pull_request", "opened", "pull_request.number", HUGE,
     "pull_request.number: Input should be less than or equal to 9223372036854775807"),
    ("pull_request", "opened", "installation.id", -1,
     "installation.id: Input should be greater than or equal to 1"),
    ("pull_request", "opened", "pull_request.head.sha", 7,
     "pull_request.head.sha: Input should be a valid string"),
    ("pull_request", "opened", "action", ["opened"], "action: Input should be a valid string"),
    ("issue_comment", "created", "comment.user", "mona",
     "comment.user: Input should be a valid dictionary or instance of User"),
    ("issue_comment", "created", "comment", None,
     "comment: Input should be a valid dictionary or instance of Comment"),
    ("issue_comment", "created", "comment", "hello",
     "comment: Input should be a valid dictionary or instance of Comment"),
    ("issue_comment", "created", "issue", None,
     "issue: Input should be a valid dictionary or instance of Issue"),
    ("issue_comment", "created", "issue", [1],
     "issue: Input should be a valid dictionary or instance of Issue"),
    ("issue_comment", "created", "comment.id", HUGE,
     "comment.id: Input should be less than or equal to 9223372036854775807"),
    ("pull_request_review_comment", "created", "comment.node_id", None,
     "comment.node_id: Input should be a valid string"),
    ("pull_request_review_comment", "created", "comment.commit_id", "HEAD",
     "comment.commit_id: String should match pattern '^[0-9a-f]{40}(?:[0-9a-f]{24})?$'"),
    ("pull_request_review_comment", "created", "comment.in_reply_to_id", 0,
     "comment.in_reply_to_id: Input should be greater than or equal to 1"),
    ("check_suite", "rerequested", "check_suite", None,
     "check_suite: Input should be a valid dictionary or instance of CheckSuite"),
    ("check_suite", "rerequested", "check_suite", "x",
     "check_suite: Input should be a valid dictionary or instance of CheckSuite"),
    ("check_suite", "rerequested", "check_suite.pull_requests", {"number": 1},
     "check_suite.pull_requests: Input should be a valid list"),
    ("check_run", "rerequested", "check_run", None,
     "check_run: Input should be a valid dictionary or instance of CheckRun"),
    ("check_run", "rerequested", "check_run.app", "readiness",
     "check_run.app: Input should be a valid dictionary or instance of App"),
]  # fmt: skip


def changed(event: str, fixture: str, field: str, value: Any) -> dict[str, Any]:
    """Return the fixture, from our installation, with one field replaced."""
    data = payload(f"{event}/{fixture}")
    data["installation"] = {"id": INSTALLATION}
    *parents, last = field.split(".")
    target = data
    for part in parents:
        target = target[part]
    target[last] = value
    return data


async def assert_refused(
    bot: TestClient[Any, Any], response: Any, error: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A 400 with the error, one log line and no traceback, the refusal recorded, no job."""
    assert (response.status, await response.json()) == (400, {"error": error})
    delivery = response.request_info.headers["X-GitHub-Delivery"]
    assert await bot.app[STORE].refused(delivery)
    assert await bot.app[STORE].counts() == {}
    refusals = [r for r in caplog.records if r.getMessage() == f"refused a delivery: {error}"]
    assert len(refusals) == 1 and refusals[0].levelno == logging.WARNING
    assert not any(r.exc_info or r.exc_text for r in caplog.records)
    assert (await bot.get("/healthz")).status == 200


@pytest.mark.parametrize(("event", "fixture", "field", "value", "error"), UNUSABLE)
async def test_an_unusable_payload_is_a_400_naming_its_field(
    bot: TestClient[Any, Any],
    caplog: pytest.LogCaptureFixture,
    event: str,
    fixture: str,
    field: str,
    value: Any,
    error: str,
) -> None:
    caplog.set_level(logging.INFO)
    response = await deliver(bot, event, changed(event, fixture, field, value))
    await assert_refused(bot, response, f"the {event} payload cannot be used: {error}", caplog)


async def test_an_integer_too_long_to_read_is_a_400(
    bot: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """CPython refuses to read integers of more than 4,300 digits (a ValueError, not a
    JSONDecodeError)."""
    caplog.set_level(logging.INFO)
    data = changed("pull_request", "opened", "pull_request.number", 1)
    body = json.dumps(data).replace('"number": 1,', '"number": ' + "9" * 5000 + ",").encode()
    response = await bot.post("/webhook", data=body, headers=signed(body, SECRET, "pull_request"))
    await assert_refused(bot, response, "the body holds a number too long", caplog)


@pytest.mark.parametrize(
    ("event", "fixture", "field", "value"),
    [
        ("issue_comment", "created", "issue.pull_request", None),  # a comment on an issue
        ("issue_comment", "created", "comment.user", None),  # nobody to check the rights of
        ("issue_comment", "created", "comment.body", None),
        ("pull_request_review_comment", "created", "comment.user", None),  # a deleted account
        ("pull_request_review_comment", "edited", "comment.body", "/readiness recheck"),
        ("check_suite", "rerequested", "check_suite.app", None),  # not our app's suite
        ("pull_request", "closed", "pull_request", None),  # no handler reads it
    ],
)
async def test_a_valid_but_irrelevant_event_is_ignored(
    bot: TestClient[Any, Any], event: str, fixture: str, field: str, value: Any
) -> None:
    response = await deliver(bot, event, changed(event, fixture, field, value))
    assert response.status == 202
    assert (await response.json())["status"] == "ignored"
    assert await bot.app[STORE].counts() == {}
