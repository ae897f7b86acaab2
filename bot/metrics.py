"""The app's Prometheus metrics: one registry per app, so tests and several apps never collide.

Every metric is declared here, with its labels, and recorded through a method named after what
happened, so the modules that observe (the webhook, the workers, the GitHub client, the
pipeline, the semgrep runner) never build label sets of their own. Labels stay bounded: events
only once a delivery's signature checks out, GitHub paths as route templates
(`bot.github.routes`), built-in rule ids (a repository's own rules count as `repo/*`).

Findings are counted here, in the server's process: the built-in rules run in a child process
(`bot.rules.runner`) whose counters nobody would scrape.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from bot.rules.model import Finding
from bot.rules.registry import RULES

CONTENT_TYPE = CONTENT_TYPE_LATEST
JOB_STATES = ("queued", "running", "done", "failed")
# What a delivery's answer means, by its status: each status has exactly one meaning.
DELIVERY_OUTCOMES = {
    202: "accepted",
    200: "duplicate",
    400: "refused",
    401: "bad_signature",
    413: "too_large",
    429: "queue_full",
    503: "unavailable",
}
UNVERIFIED = "unverified"  # the event of a delivery whose signature was not checked
DEAD_LETTER_REASONS = ("refused", "retries_exhausted", "deadline_passed")
APP_INSTALLATION = "app"  # the rate limit of requests made as the app itself (its JWT)
REPO_RULES = "repo/*"  # a repository's own semgrep rules: ids chosen by each repository
# Seconds. Acknowledgements are milliseconds unless the store struggles (5 s gives up).
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
JOB_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
LATENCY_BUCKETS = (1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
SEMGREP_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 180.0)
ATTEMPT_BUCKETS = (1, 2, 3, 4, 5, 6)


class Metrics:
    """The app's metrics in their own registry; `exposition()` renders them for a scrape."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        r = self.registry
        self.deliveries = Counter(
            "readiness_deliveries",
            "Webhook deliveries answered, by event and outcome.",
            ["event", "outcome"],
            registry=r,
        )
        self.ack_seconds = Histogram(
            "readiness_webhook_ack_seconds",
            "Seconds from a delivery's arrival to its answer.",
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.jobs = Gauge(
            "readiness_jobs",
            "Jobs in the store, by state (read from the store on each scrape; failed: the "
            "dead-letter queue).",
            ["state"],
            registry=r,
        )
        self.job_seconds = Histogram(
            "readiness_job_seconds",
            "Seconds one attempt at a job ran, by kind and outcome.",
            ["kind", "outcome"],
            buckets=JOB_BUCKETS,
            registry=r,
        )
        self.job_attempts = Histogram(
            "readiness_job_attempts",
            "Attempts a job took until it was done or failed for good, by kind.",
            ["kind"],
            buckets=ATTEMPT_BUCKETS,
            registry=r,
        )
        self.job_latency = Histogram(
            "readiness_job_latency_seconds",
            "Seconds from a job's head being queued to the job done or failed for good, by kind "
            "and outcome (waits for GitHub and retries included).",
            ["kind", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.dead_letters = Counter(
            "readiness_dead_letters",
            "Jobs given up for good (parked as failed), by reason.",
            ["reason"],
            registry=r,
        )
        self.github_requests = Counter(
            "readiness_github_requests",
            "HTTP requests to GitHub's API, by method, route template and status ('error': no "
            "answer).",
            ["method", "endpoint", "status"],
            registry=r,
        )
        self.rate_limit_remaining = Gauge(
            "readiness_github_rate_limit_remaining",
            "Requests left in GitHub's rate-limit window (x-ratelimit-remaining), by installation "
            "('app': the app's own JWT requests) and resource.",
            ["installation", "resource"],
            registry=r,
        )
        self.rate_limit = Gauge(
            "readiness_github_rate_limit",
            "Size of GitHub's rate-limit window (x-ratelimit-limit), by installation and resource.",
            ["installation", "resource"],
            registry=r,
        )
        self.rate_limit_reset = Gauge(
            "readiness_github_rate_limit_reset_timestamp_seconds",
            "When GitHub's rate-limit window starts afresh (x-ratelimit-reset, Unix time), by "
            "installation and resource: a low remaining count past it is stale.",
            ["installation", "resource"],
            registry=r,
        )
        self.findings = Counter(
            "readiness_findings",
            "Findings in published reviews, by rule and severity.",
            ["rule", "severity"],
            registry=r,
        )
        self.semgrep_runs = Counter(
            "readiness_semgrep_runs",
            "Runs of the repository's own semgrep rules, by outcome (ok, failed).",
            ["outcome"],
            registry=r,
        )
        self.semgrep_seconds = Histogram(
            "readiness_semgrep_seconds",
            "Seconds one semgrep run took.",
            buckets=SEMGREP_BUCKETS,
            registry=r,
        )
        # Series that exist from the start, at 0: `increase()` cannot see a series' first value.
        for reason in DEAD_LETTER_REASONS:
            self.dead_letters.labels(reason=reason)
        for outcome in ("ok", "failed"):
            self.semgrep_runs.labels(outcome=outcome)

    def delivery(self, event: str, status: int, seconds: float) -> None:
        """Count a delivery answered with `status` after `seconds`."""
        outcome = DELIVERY_OUTCOMES.get(status, str(status))
        self.deliveries.labels(event=event or "unknown", outcome=outcome).inc()
        self.ack_seconds.observe(seconds)

    def job(self, kind: str, outcome: str, seconds: float) -> None:
        """Record one attempt at a job: done, retried, failed or interrupted."""
        self.job_seconds.labels(kind=kind, outcome=outcome).observe(seconds)

    def settled(self, kind: str, outcome: str, attempts: int, seconds: float) -> None:
        """Record a job done or failed for good: its attempts, and the seconds since its head
        was queued."""
        self.job_attempts.labels(kind=kind).observe(attempts)
        self.job_latency.labels(kind=kind, outcome=outcome).observe(max(seconds, 0.0))

    def dead_letter(self, reason: str) -> None:
        """Count a job parked as failed: `refused` (GitHub said no), `retries_exhausted`
        (crashes), or `deadline_passed` (GitHub unavailable past READINESS_RETRY_DEADLINE)."""
        self.dead_letters.labels(reason=reason).inc()

    def github_request(
        self,
        method: str,
        endpoint: str,
        status: str,
        installation: str,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Count a request to GitHub; keep the rate limit its answer's headers announce."""
        self.github_requests.labels(method=method, endpoint=endpoint, status=status).inc()
        if headers is None:
            return
        resource = headers.get("x-ratelimit-resource", "core")
        for header, gauge in (
            ("x-ratelimit-remaining", self.rate_limit_remaining),
            ("x-ratelimit-limit", self.rate_limit),
            ("x-ratelimit-reset", self.rate_limit_reset),
        ):
            value = headers.get(header)
            if value is not None and value.isdigit():
                gauge.labels(installation=installation, resource=resource).set(int(value))

    def published(self, findings: Iterable[Finding]) -> None:
        """Count the findings of a review that was published."""
        for finding in findings:
            rule = finding.rule if finding.rule in RULES else REPO_RULES
            self.findings.labels(rule=rule, severity=finding.severity.value).inc()

    def semgrep_run(self, ok: bool, seconds: float) -> None:
        """Record one semgrep run and how long it took."""
        self.semgrep_runs.labels(outcome="ok" if ok else "failed").inc()
        self.semgrep_seconds.observe(seconds)

    def exposition(self, job_counts: Mapping[str, int]) -> bytes:
        """Render every metric in Prometheus' text format, with the store's job counts."""
        for state in JOB_STATES:
            self.jobs.labels(state=state).set(job_counts.get(state, 0))
        return generate_latest(self.registry)
