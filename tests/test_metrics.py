"""`GET /metrics`: what a real app counts while it answers deliveries and reviews through the
GitHub double, read back the way Prometheus reads it (the text format, parsed)."""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.github.routes import GRAPHQL, OTHER, TEMPLATES, template
from tests.conftest import INSTALLATION, REPO, SECRET, BotFactory, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.fake_github.server import RATE_LIMIT
from tests.fake_github.spec import SPEC_PATH
from tests.payloads import payload, signed

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

RULE_FILE = """\
rules:
  - id: no-print-in-app
    languages: [python]
    severity: WARNING
    message: Use the logger, not print(), in application code.
    pattern: print(...)
"""
BASE: dict[str, str | bytes | None] = {
    ".github/readiness/semgrep/no-print.yml": RULE_FILE,
    "app/main.py": "def main():\n    return 1\n",
}
HEAD: dict[str, str | bytes | None] = {
    **BASE,
    "app/main.py": 'KEY = "sk_live_51MzQ8vKpT3xR7wYbN2cD4fG6hJ9kL0mA"\n\n\ndef main():\n'
    '    print("starting")\n    return 1\n',
}
SEVERITY = {"failure": "error", "warning": "warning", "notice": "notice"}


async def scrape(bot: TestClient[Any, Any]) -> Samples:
    """Fetch /metrics and index every sample by name and labels."""
    response = await bot.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """Return one sample's value; 0 when the series does not exist (yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


async def test_a_review_is_counted_from_delivery_to_findings(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """One accepted delivery, one job done in one attempt, every request to GitHub by route
    template and method, the installation's rate limit as GitHub announced it, one semgrep
    run, and the findings the check run reported, by rule and severity."""
    data = open_pull(github, tmp_path / "repo", BASE, HEAD)
    assert (await deliver(bot, "pull_request", data)).status == 202
    assert await settle(bot) == {"done": 1}
    samples = await scrape(bot)

    deliveries = series(samples, "readiness_deliveries_total")
    assert deliveries == {frozenset({("event", "pull_request"), ("outcome", "accepted")}): 1}
    assert value(samples, "readiness_webhook_ack_seconds_count") == 1
    assert value(samples, "readiness_jobs", state="done") == 1
    assert value(samples, "readiness_jobs", state="failed") == 0
    assert value(samples, "readiness_job_seconds_count", kind="review", outcome="done") == 1
    assert value(samples, "readiness_job_attempts_count", kind="review") == 1
    assert value(samples, "readiness_job_attempts_sum", kind="review") == 1
    latency = ("readiness_job_latency_seconds_sum", "readiness_job_latency_seconds_count")
    queued_to_done = [value(samples, name, kind="review", outcome="done") for name in latency]
    ran = value(samples, "readiness_job_seconds_sum", kind="review", outcome="done")
    assert queued_to_done[1] == 1 and queued_to_done[0] >= ran > 0
    assert set(series(samples, "readiness_dead_letters_total").values()) == {0}

    # Every request the double received about the repository, counted under its template.
    received = Counter(
        (call.method, template(call.path)) for call in github.calls(path=f"/repos/{REPO}/*")
    )
    counted: Counter[tuple[str, str]] = Counter()
    for labels, count in series(samples, "readiness_github_requests_total").items():
        fields = dict(labels)
        assert fields["endpoint"] in (*TEMPLATES, GRAPHQL) and REPO not in fields["endpoint"]
        if fields["endpoint"].startswith("/repos/"):
            counted[fields["method"], fields["endpoint"]] += int(count)
    assert counted == received
    assert received["POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"] == 1
    created = value(
        samples,
        "readiness_github_requests_total",
        method="POST",
        endpoint="/repos/{owner}/{repo}/check-runs",
        status="201",
    )
    assert created == 1

    # The last answer to the installation's token announced what its window had left.
    used = sum(1 for c in github.calls() if github.principal(c) == str(INSTALLATION))
    remaining = value(
        samples,
        "readiness_github_rate_limit_remaining",
        installation=str(INSTALLATION),
        resource="core",
    )
    assert used > 5 and remaining == RATE_LIMIT - used
    reset = value(
        samples,
        "readiness_github_rate_limit_reset_timestamp_seconds",
        installation=str(INSTALLATION),
        resource="core",
    )
    assert time.time() < reset <= time.time() + 3600
    assert value(samples, "readiness_github_rate_limit", installation="app", resource="core") > 0

    assert value(samples, "readiness_semgrep_runs_total", outcome="ok") == 1
    assert value(samples, "readiness_semgrep_runs_total", outcome="failed") == 0
    assert value(samples, "readiness_semgrep_seconds_count") == 1

    (run,) = github.check_runs
    reported = Counter(
        (a["title"] if not a["title"].startswith("repo/") else "repo/*", SEVERITY[a[level]])
        for a in run["output"]["annotations"]
        for level in ["annotation_level"]
    )
    findings = {
        (dict(labels)["rule"], dict(labels)["severity"]): int(count)
        for labels, count in series(samples, "readiness_findings_total").items()
    }
    assert findings == dict(reported)
    assert findings[("secrets/stripe-key", "error")] == 1 and findings[("repo/*", "warning")] == 1


async def test_deliveries_are_counted_by_outcome(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """A bad signature, a repeat, a refused body and one above the size cap each count once
    under their outcome; a delivery whose signature did not check out names no event."""
    data = open_pull(github, tmp_path / "repo", BASE, BASE)
    body = json.dumps(data).encode()
    headers = signed(body, SECRET, "pull_request", "guid-1")
    forged = {**headers, "X-Hub-Signature-256": "sha256=" + "0" * 64, "X-GitHub-Event": "x" * 50}
    assert (await bot.post("/webhook", data=body, headers=forged)).status == 401
    assert (await bot.post("/webhook", data=body, headers=headers)).status == 202
    assert (await bot.post("/webhook", data=body, headers=headers)).status == 200
    broken = b"{not json"
    refused = await bot.post("/webhook", data=broken, headers=signed(broken, SECRET, "push"))
    assert refused.status == 400
    huge = b" " * (26 * 1024 * 1024)
    huge_headers = signed(huge, SECRET, "push")
    too_large = await bot.post("/webhook", data=io.BytesIO(huge), headers=huge_headers)
    assert too_large.status == 413
    await settle(bot)

    samples = await scrape(bot)
    deliveries = {
        (dict(labels)["event"], dict(labels)["outcome"]): count
        for labels, count in series(samples, "readiness_deliveries_total").items()
    }
    assert deliveries == {
        ("unverified", "bad_signature"): 1,
        ("pull_request", "accepted"): 1,
        ("pull_request", "duplicate"): 1,
        ("push", "refused"): 1,
        ("unverified", "too_large"): 1,
    }
    assert value(samples, "readiness_webhook_ack_seconds_count") == 5


async def test_a_job_github_refuses_is_a_dead_letter(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """GitHub answers 403 (no permission): the job fails for good at its first attempt."""
    data = open_pull(github, tmp_path / "repo", BASE, BASE)
    github.fail("GET", f"/repos/{REPO}/compare/*", 403, json={"message": "Resource not accessible"})
    await deliver(bot, "pull_request", data)
    assert await settle(bot) == {"failed": 1}
    samples = await scrape(bot)
    assert series(samples, "readiness_dead_letters_total") == {
        frozenset({("reason", "refused")}): 1,
        frozenset({("reason", "retries_exhausted")}): 0,
        frozenset({("reason", "deadline_passed")}): 0,
    }
    assert value(samples, "readiness_job_seconds_count", kind="review", outcome="failed") == 1
    assert value(samples, "readiness_job_attempts_sum", kind="review") == 1
    failed = {"kind": "review", "outcome": "failed"}
    assert value(samples, "readiness_job_latency_seconds_count", **failed) == 1
    assert value(samples, "readiness_jobs", state="failed") == 1
    refused = value(
        samples,
        "readiness_github_requests_total",
        method="GET",
        endpoint="/repos/{owner}/{repo}/compare/{basehead}",
        status="403",
    )
    assert refused == 1


async def test_each_app_counts_in_its_own_registry(
    start_bot: BotFactory, github: FakeGitHub, tmp_path: Path
) -> None:
    """Two apps in one process (tests, or several servers) never share a counter."""
    first = await start_bot(data_dir=tmp_path / "one")
    second = await start_bot(data_dir=tmp_path / "two")
    assert (await deliver(first, "ping", payload("ping/ping"))).status == 202
    one, two = await scrape(first), await scrape(second)
    accepted = {"event": "ping", "outcome": "accepted"}
    assert value(one, "readiness_deliveries_total", **accepted) == 1
    assert value(two, "readiness_deliveries_total", **accepted) == 0


def test_route_templates_are_githubs_own() -> None:
    """Each template is a path of GitHub's REST description, so dashboards read like its docs."""
    paths = set(json.loads(SPEC_PATH.read_text(encoding="utf-8"))["paths"])
    assert set(TEMPLATES) <= paths
    assert template("/api/graphql") == template("/graphql") == GRAPHQL
    assert template("/repos/acme/shop/contents/src/app/main.py") == (
        "/repos/{owner}/{repo}/contents/{path}"
    )
    assert template("/repos/acme/shop/pulls/7/files") == (
        "/repos/{owner}/{repo}/pulls/{pull_number}/files"
    )
    assert template("/repos/acme/shop/pulls/7/files/extra") == OTHER
    assert template("/user") == OTHER
