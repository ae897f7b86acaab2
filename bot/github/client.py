"""gidgethub over the app's one aiohttp session, with bounded retries GitHub asks clients to make.

gidgethub retries nothing by itself (PLATFORM.md): 5xx answers, connection errors and
rate limits (403/429 with `Retry-After` or `x-ratelimit-reset`) are retried here, a few times,
with exponential backoff and jitter. Anything that would wait too long becomes a TransientError
so the job is retried later instead of holding a worker.

A request that creates something (a review, a check run, appended annotations) is not idempotent:
through `writer()`, a failure after which GitHub may have applied it (a 5xx, a timeout, a reset
connection) raises OutcomeUnknown instead of being sent again, and the caller reconciles.
Rate limits (the request was refused, not applied) and failures to connect are still retried.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import aiohttp
from gidgethub import GitHubBroken, HTTPException, sansio
from gidgethub.abc import JSON_CONTENT_TYPE
from gidgethub.aiohttp import GitHubAPI
from yarl import URL

from bot.errors import OutcomeUnknown, PermanentError, TransientError
from bot.github.routes import template
from bot.metrics import APP_INSTALLATION, Metrics
from bot.redaction import scrub_data

log = logging.getLogger(__name__)

USER_AGENT = "readiness-app"
MAX_ATTEMPTS = 4
MAX_WAIT_S = 90.0
BACKOFF_BASE_S = 0.5
SECONDARY_LIMIT_WAIT_S = 60.0


def retry_delay(exc: HTTPException, attempt: int) -> float | None:
    """Return how long to wait before retrying this failure, or None if it must not be retried."""
    headers = exc.headers or {}
    status = int(exc.status_code)
    if isinstance(exc, GitHubBroken) or status >= 500:
        return BACKOFF_BASE_S * 2.0 ** (attempt - 1) * (1 + random.random())
    if status not in (403, 429):
        return None
    if retry_after := headers.get("retry-after"):
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return SECONDARY_LIMIT_WAIT_S
    if headers.get("x-ratelimit-remaining") == "0" and (reset := headers.get("x-ratelimit-reset")):
        return max(0.0, float(reset) - time.time())
    if status == 429 or "rate limit" in str(exc).lower():
        return SECONDARY_LIMIT_WAIT_S
    return None  # a plain 403: permission denied


class QueryRefused(PermanentError):
    """GitHub answered a GraphQL query with `errors`; `types` holds their types (NOT_FOUND…),
    `data` what it answered all the same (the fields that did resolve; empty when none did)."""

    def __init__(self, errors: list[Any], data: Any = None) -> None:
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        found = [e for e in errors if isinstance(e, dict)]
        self.types = {str(e.get("type")) for e in found if e.get("type")}
        messages = "; ".join(str(e.get("message")) for e in found) or str(errors)
        super().__init__(f"GitHub refused a GraphQL query: {messages}")


class GitHubClient(GitHubAPI):
    """A gidgethub client that retries what GitHub says can be retried.

    With `metrics`, every HTTP exchange (each retry too) is counted by route template and
    status, and the rate limit its answer announces is kept for `installation` ("app" for the
    app's own JWT requests).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str,
        oauth_token: str | None = None,
        resend_unsure: bool = True,
        metrics: Metrics | None = None,
        installation: str = APP_INSTALLATION,
    ) -> None:
        super().__init__(session, USER_AGENT, oauth_token=oauth_token, base_url=base_url)
        self.session = session
        self._resend_unsure = resend_unsure
        self._metrics = metrics
        self._installation = installation
        self._base_path = URL(base_url).path.rstrip("/")  # GitHub Enterprise: /api/v3

    def for_token(self, token: str, installation_id: int) -> GitHubClient:
        """Return a client for one installation's token, sharing the session."""
        return GitHubClient(
            self.session,
            base_url=self.base_url,
            oauth_token=token,
            metrics=self._metrics,
            installation=str(installation_id),
        )

    def writer(self) -> GitHubClient:
        """Return a client for non-idempotent writes: an unsure outcome raises OutcomeUnknown."""
        return GitHubClient(
            self.session,
            base_url=self.base_url,
            oauth_token=self.oauth_token,
            resend_unsure=False,
            metrics=self._metrics,
            installation=self._installation,
        )

    async def handle_rate_limit_error(
        self, *, method: str, url: str, exception: HTTPException, attempt: int
    ) -> bool:
        delay = retry_delay(exception, attempt)
        if delay is None:
            return False
        if not self._resend_unsure and _maybe_applied(exception):
            raise OutcomeUnknown(
                f"GitHub answered {int(exception.status_code)} to {method} {_path(url)}; "
                "it may have been applied"
            ) from exception
        if attempt >= MAX_ATTEMPTS or delay > MAX_WAIT_S:
            raise TransientError(
                f"GitHub answered {int(exception.status_code)} to {method} {_path(url)}",
                retry_after=delay,
            ) from exception
        log.warning(
            "GitHub answered %s to %s %s; retry %d in %.1f s",
            int(exception.status_code),
            method,
            _path(url),
            attempt,
            delay,
        )
        await self.sleep(delay)
        return True

    async def _make_request(
        self,
        method: str,
        url: str,
        url_vars: Mapping[str, Any] | None,
        data: Any,
        accept: str,
        jwt: str | None = None,
        oauth_token: str | None = None,
        content_type: str = JSON_CONTENT_TYPE,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[bytes, str | None, int]:
        """Send every JSON body through the one redaction step: nothing posted holds a secret."""
        return await super()._make_request(
            method,
            url,
            url_vars,
            scrub_data(data),
            accept,
            jwt=jwt,
            oauth_token=oauth_token,
            content_type=content_type,
            extra_headers=extra_headers,
        )

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                answer = await super()._request(method, url, headers, body)
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                self._count(method, url, "error")
                if not self._resend_unsure and not isinstance(exc, aiohttp.ClientConnectorError):
                    # Sent, then lost: GitHub may have applied it (a connect failure sent nothing).
                    raise OutcomeUnknown(f"{method} {_path(url)}: {type(exc).__name__}") from exc
                if attempt == MAX_ATTEMPTS:
                    raise TransientError(f"{method} {_path(url)}: {type(exc).__name__}") from exc
                await self.sleep(BACKOFF_BASE_S * 2.0 ** (attempt - 1) * (1 + random.random()))
            else:
                self._count(method, url, str(answer[0]), answer[1])
                return answer
        raise AssertionError("unreachable")

    async def query(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        """Run a GraphQL query; return its `data`. Retried like any request (5xx, rate limits);
        a 401 raises BadRequest like REST. GitHub answers a query it cannot run with 200 and
        `errors`: RATE_LIMITED raises TransientError, anything else QueryRefused."""
        data, errors = await self.query_partly(query, variables)
        if errors:
            raise QueryRefused(errors, data)
        return data

    async def query_partly(
        self, query: str, variables: Mapping[str, Any]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run a GraphQL query whose parts may fail alone: return its `data` (a failed part is
        null there) and its `errors` (each with the `path` of the part and GitHub's `type`,
        such as NOT_FOUND). RATE_LIMITED raises TransientError, as in `query`."""
        answer = json_of(
            await self.post(
                graphql_url(self.base_url), data={"query": query, "variables": variables}
            )
        )
        errors = [
            e if isinstance(e, dict) else {"message": str(e)} for e in answer.get("errors") or []
        ]
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            raise TransientError("GitHub's GraphQL rate limit", retry_after=SECONDARY_LIMIT_WAIT_S)
        return json_of(answer.get("data") or {}), errors

    def _count(
        self, method: str, url: str, status: str, headers: Mapping[str, str] | None = None
    ) -> None:
        if self._metrics is None:
            return
        path = URL(url).path
        if self._base_path and path.startswith(self._base_path):
            path = path[len(self._base_path) :]
        self._metrics.github_request(method, template(path), status, self._installation, headers)

    async def get_bytes(
        self, url: str, *, accept: str, params: Mapping[str, str] | None = None
    ) -> bytes:
        """GET a raw (non-JSON) body as bytes: gidgethub would decode it as strict UTF-8."""
        full = sansio.format_url(url, {}, base_url=self.base_url)
        headers = sansio.create_headers(USER_AGENT, accept=accept, oauth_token=self.oauth_token)
        if params:
            full = str(URL(full).update_query(params))
        attempt = 0
        while True:
            attempt += 1
            status, response_headers, body = await self._request("GET", full, headers)
            if 200 <= status < 300:
                return body
            try:
                sansio.decipher_response(status, response_headers, body)
            except HTTPException as exc:
                if await self.handle_rate_limit_error(
                    method="GET", url=full, exception=exc, attempt=attempt
                ):
                    continue
                raise
            raise GitHubBroken(HTTPStatus(status))  # decipher_response raises for any non-2xx

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def graphql_url(api_url: str) -> str:
    """Return GitHub's GraphQL endpoint for a REST API URL: api.github.com/graphql, and on
    GitHub Enterprise Server /api/graphql beside /api/v3 (GitHub's docs, "Forming calls")."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def _maybe_applied(exc: HTTPException) -> bool:
    """Tell a failure GitHub may have applied the request before (5xx) from a refusal (429)."""
    return isinstance(exc, GitHubBroken) or int(exc.status_code) >= 500


def _path(url: str) -> str:
    """Drop scheme, host and query: logs show what was called, never a token in a query."""
    return URL(url).path


def json_of(data: Any) -> dict[str, Any]:
    """Narrow gidgethub's Any to the JSON object GitHub returned."""
    if not isinstance(data, dict):
        raise TransientError(f"GitHub returned {type(data).__name__}, expected an object")
    return data
