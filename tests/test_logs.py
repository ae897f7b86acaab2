"""Logs: one JSON object per line for everything the server writes (its own lines, access lines,
tracebacks, warnings, uncaught exceptions), scrubbed by the one redaction step; text for people
at a terminal."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from bot import logs
from tests.conftest import SECRET
from tests.payloads import payload, signed
from tests.serving import serving
from tests.test_cli_serve import ROOT, good_env
from tests.test_redaction import secret

__all__ = ["good_env"]  # the fixture, used by name

TOKEN, _ = secret("github-token")
SLACK, _ = secret("slack-token")
STRIPE, _ = secret("stripe-key")


def test_the_server_writes_every_line_as_scrubbed_json(good_env: dict[str, str]) -> None:
    """A real `readiness serve` with standard error in a pipe: its start, access lines (a
    token in the query, another in a header), a refused delivery whose id is a secret, and its
    stop are each one JSON object; no secret is written, only its redacted form."""
    env = {k: v for k, v in good_env.items() if k != "READINESS_LOG_FORMAT"}
    with serving(env, ROOT) as served:
        base = f"http://127.0.0.1:{served.port}"
        health = urllib.request.Request(
            f"{base}/healthz?access_token={TOKEN}", headers={"User-Agent": f"probe {SLACK}"}
        )
        with urllib.request.urlopen(health, timeout=10) as answer:
            assert answer.status == 200
        delivery = urllib.request.Request(
            f"{base}/webhook",
            data=b"{}",
            headers={
                "X-GitHub-Event": "push",
                "X-GitHub-Delivery": STRIPE,
                "X-Hub-Signature-256": "sha256=" + "0" * 64,
            },
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(delivery, timeout=10)
        assert refused.value.code == 401
        refused.value.close()
        rest = served.stop()
    written = "".join(served.started) + rest
    assert served.process.returncode == 0
    entries = [json.loads(line) for line in written.splitlines()]  # one object per line
    assert all(isinstance(entry, dict) and entry["message"] for entry in entries)
    for value in (TOKEN, SLACK, STRIPE):
        assert value not in written
    (access,) = [e for e in entries if e["logger"] == "aiohttp.access" and e["status"] == 200]
    assert access["method"] == "GET" and access["path"].startswith("/healthz?access_token=ghp_")
    assert access["user_agent"].startswith("probe xoxb-") and access["duration_ms"] >= 0
    (rejected,) = [e for e in entries if e["message"].startswith("rejected a delivery with a wr")]
    assert rejected["delivery_id"].startswith("sk_live_") and rejected["event"] == "push"
    (answered,) = [e for e in entries if e["logger"] == "aiohttp.access" and e["status"] == 401]
    assert answered["path"] == "/webhook" and answered["delivery_id"] == rejected["delivery_id"]


def test_a_delivery_is_one_access_line_saying_what_became_of_it(good_env: dict[str, str]) -> None:
    """A signed delivery the server takes writes one line, its access line, with the event,
    the outcome and the jobs queued; the same delivery again is a `duplicate`."""
    data = payload("pull_request/opened")
    del data["installation"]  # nothing to act on: taken, no job queued
    body = json.dumps(data).encode()
    headers = signed(body, SECRET, "pull_request", delivery="d-17")
    with serving(good_env, ROOT) as served:
        url = f"http://127.0.0.1:{served.port}/webhook"
        answers = []
        for _ in range(2):
            request = urllib.request.Request(url, data=body, headers=headers)
            with urllib.request.urlopen(request, timeout=10) as answer:
                answers.append(answer.status)
        rest = served.stop()
    assert answers == [202, 200]
    entries = [json.loads(line) for line in ("".join(served.started) + rest).splitlines()]
    about = [e for e in entries if e.get("delivery_id") == "d-17"]
    assert [(e["logger"], e["status"], e["event"], e["outcome"], e["jobs"]) for e in about] == [
        ("aiohttp.access", 202, "pull_request", "ignored", 0),
        ("aiohttp.access", 200, "pull_request", "duplicate", 0),
    ]


@pytest.fixture
def configured() -> Iterator[None]:
    """Let a test configure the process's logging, then put pytest's back."""
    root = logging.getLogger()
    handlers, level, hook = root.handlers[:], root.level, sys.excepthook
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        sys.excepthook = hook
        logging.captureWarnings(False)


def _raise_with(secret_value: str) -> None:
    raise ConnectionError(f"could not reach https://api.example.com/?key={secret_value}")


def test_tracebacks_and_uncaught_exceptions_are_one_scrubbed_json_line(configured: None) -> None:
    stream = io.StringIO()
    logs.configure("INFO", "auto", stream)  # not a terminal: JSON
    log = logging.getLogger("bot.tests")
    with logs.bound(repo="acme/shop", delivery_id=TOKEN):
        try:
            _raise_with(STRIPE)
        except ConnectionError:
            log.exception("sweep failed")
    try:
        _raise_with(SLACK)
    except ConnectionError:
        sys.excepthook(*sys.exc_info())  # what Python calls for an exception nobody caught
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"deprecated token {TOKEN}", UserWarning, stacklevel=1)

    written = stream.getvalue()
    entries: list[dict[str, Any]] = [json.loads(line) for line in written.splitlines()]
    assert len(entries) == 3
    for value in (TOKEN, SLACK, STRIPE):
        assert value not in written
    caught, uncaught, warned = entries
    assert caught["message"] == "sweep failed" and caught["level"] == "error"
    assert caught["repo"] == "acme/shop" and caught["delivery_id"].startswith("ghp_")
    assert caught["exception"].startswith("Traceback (most recent call last):\n")
    assert (
        "ConnectionError: could not reach https://api.example.com/?key=sk_live_"
        in (caught["exception"])
    )
    assert uncaught["level"] == "critical" and "ConnectionError" in uncaught["exception"]
    assert warned["logger"] == "py.warnings" and "deprecated token ghp_" in warned["message"]


def test_text_lines_for_a_terminal_are_scrubbed_too(configured: None) -> None:
    """At a terminal (a pseudo-terminal here) `auto` writes text; the traceback follows."""
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as terminal:
        logs.configure("INFO", "auto", terminal)
        try:
            _raise_with(STRIPE)
        except ConnectionError:
            logging.getLogger("bot.tests").exception("sweep failed for %s", SLACK)
        terminal.flush()
        written = os.read(leader, 65536).decode()
    os.close(leader)
    first, *rest = written.splitlines()
    assert " ERROR    bot.tests: sweep failed for xoxb-" in first
    assert rest[0] == "Traceback (most recent call last):"
    assert STRIPE not in written and SLACK not in written


def test_the_log_format_setting_is_checked(good_env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**good_env, "READINESS_LOG_FORMAT": "xml"},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("readiness: READINESS_LOG_FORMAT: "), done.stderr
