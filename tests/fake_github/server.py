"""Serve GitHubState over real HTTP on 127.0.0.1, recording, validating and faulting requests."""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any
from urllib.parse import quote

from aiohttp import web

from . import graphql, hooks, manifests, payloads, routes, spec, writes
from .routes import STATE, Reply
from .state import GitHubState

GRAPHQL = "/graphql"
ROUTES: list[tuple[str, str, routes.Handler]] = [
    ("POST", GRAPHQL, graphql.answer),
    ("GET", "/app/hook/deliveries", hooks.list_deliveries),
    ("POST", "/app/hook/deliveries/{delivery_id}/attempts", hooks.redeliver),
    ("POST", "/app/installations/{installation_id}/access_tokens", routes.create_token),
    ("GET", "/app", routes.get_app),
    ("POST", "/app-manifests/{code}/conversions", manifests.convert),
    ("GET", "/repos/{owner}/{repo}", routes.get_repo),
    ("GET", "/repos/{owner}/{repo}/pulls", routes.list_pulls),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", routes.get_pull_request),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", routes.list_files),
    ("GET", "/repos/{owner}/{repo}/contents/{path:.+}", routes.get_content),
    ("GET", "/repos/{owner}/{repo}/compare/{basehead}", routes.compare),
    ("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}", routes.get_tree),
    ("GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", routes.get_permission),
    ("POST", "/repos/{owner}/{repo}/check-runs", writes.create_check_run),
    ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}", writes.get_check_run),
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", writes.update_check_run),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", writes.list_check_runs),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", writes.list_reviews),
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", writes.create_review),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", writes.list_review_comments),
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", writes.create_review_comment),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", writes.list_issue_comments),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", writes.create_issue_comment),
    (
        "POST",
        "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        writes.create_reaction,
    ),
]

# github.com's web pages a browser is sent to, outside the REST API and its description.
WEB_PAGES: list[tuple[str, str, routes.Handler]] = [
    ("POST", "/settings/apps/new", manifests.new_app_page),
    ("POST", "/organizations/{org}/settings/apps/new", manifests.new_app_page),
]


@dataclass(frozen=True)
class Call:
    """One request as the double received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any | None
    at: float = field(default_factory=time.monotonic)
    """When the double received it (`time.monotonic()`), before any latency it adds."""


RATE_LIMIT = 5000  # requests per hour an installation's window holds (GitHub's base figure)
RESET = 0  # a fault status: close the connection instead of answering
Hook = Callable[["Call"], Awaitable[None]]


@dataclass
class Fault:
    """A scripted answer for the next `times` matching requests.

    `applied`: GitHub does what was asked, then the answer is lost (replaced by `status`, by a
    reset connection when `status` is RESET, or held past the client's timeout by `delay`).
    """

    method: str
    path_pattern: str
    status: int
    times: int
    headers: dict[str, str] = field(default_factory=dict)
    json: Any | None = None
    delay: float = 0.0
    applied: bool = False


class FakeGitHub(GitHubState):
    """Stand in for api.github.com in tests: one double, real HTTP, GitHub's rules."""

    def __init__(self, app_id: int, public_key: str, *, slug: str = "readiness") -> None:
        super().__init__(app_id, public_key, slug=slug)
        self.errors: list[str] = []
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._hooks: dict[tuple[str, str], Hook] = {}
        self.latency = 0.0  # seconds added to every answer, to spread a review out in time
        # When each call (by `id`) was answered: with `Call.at`, its time in flight here.
        self.answered: dict[int, float] = {}
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self.rate_used: Counter[str] = Counter()  # requests per rate-limit window (principal)

    async def start(self) -> str:
        """Listen on a free port of 127.0.0.1 and return the base URL to give the bot."""
        spec.api()  # load before the first request, so no request pays for it
        graphql.schema()
        app = web.Application(middlewares=[self._middleware])
        app[STATE] = self
        for method, path, handler in ROUTES + WEB_PAGES:
            app.router.add_route(method, path, handler)
        app.router.add_route("*", "/{tail:.*}", _unserved)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        return self.url

    async def close(self) -> None:
        """Stop serving; requests still held by a fault `delay` are answered at once."""
        self._closing.set()
        for task in list(self.hooks.pending):
            task.cancel()
        await asyncio.gather(*self.hooks.pending, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGitHub:
        """Start serving for the `async with` block."""
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop serving at the end of the `async with` block."""
        await self.close()

    def fail(
        self,
        method: str,
        path_pattern: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        json: Any | None = None,
        delay: float = 0.0,
        applied: bool = False,
    ) -> None:
        """Answer the next `times` matching requests with `status`, to test retries and timeouts;
        with `applied`, after doing what they ask (a write whose answer is lost). The pattern is
        an fnmatch pattern on the path; `/graphql#field` matches the GraphQL requests whose
        query names that field (`/graphql#pullRequest`: the conversation's reads)."""
        self._faults.append(
            Fault(
                method.upper(),
                path_pattern,
                status,
                times,
                dict(headers or {}),
                json,
                delay,
                applied,
            )
        )

    def before(self, method: str, path_pattern: str, hook: Hook | None) -> None:
        """Run `hook(call)` before serving each matching request (a push, a revocation arriving
        mid-review); None removes it. Patterns as `fail` takes them."""
        key = (method.upper(), path_pattern)
        if hook is None:
            self._hooks.pop(key, None)
        else:
            self._hooks[key] = hook

    def revoke_tokens(self) -> None:
        """Revoke every installation token issued so far: GitHub answers 401 to each from now."""
        self.tokens.clear()

    def calls(self, method: str | None = None, path: str | None = None) -> list[Call]:
        """Return recorded requests, filtered by method and a pattern as `fail` takes it."""
        return [
            c
            for c in self._calls
            if (method is None or c.method == method.upper()) and (path is None or matches(c, path))
        ]

    def assert_no_errors(self) -> None:
        """Fail the test if the bot sent a request GitHub would not know or accept."""
        assert not self.errors, "requests GitHub would refuse:\n" + "\n".join(self.errors)

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: routes.Handler
    ) -> web.StreamResponse:
        """Record, validate, fault, then serve; every answer gets GitHub's common headers."""
        body = await request.read()
        call = Call(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            json=_json_or_none(body),
        )
        self._calls.append(call)
        if any(request.match_info.handler is page for _, _, page in WEB_PAGES):
            return await handler(request)  # a page, not the API: it checks its own form
        try:
            self._validate(request, call)
            if self.latency:
                await asyncio.sleep(self.latency)
            for (method, pattern), hook in list(self._hooks.items()):
                if method == call.method and matches(call, pattern):
                    await hook(call)
            response = await self._fault(call, request, handler) or await handler(request)
        except Reply as reply:
            response = web.json_response(reply.body, status=reply.status)
        except Exception as exc:
            self._error(call, f"the double crashed: {exc!r}")
            raise
        for name, value in self._common_headers(self.principal(call)).items():
            response.headers.setdefault(name, value)
        self.answered[id(call)] = time.monotonic()
        return response

    def principal(self, call: Call) -> str:
        """Name whose rate-limit window a request counts in, as GitHub keeps one per
        installation (its tokens) and one for the app (its JWTs): an installation id, `app`,
        or `anonymous`."""
        scheme, _, value = call.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.count(".") == 2:
            return "app"
        token = self.tokens.get(value.strip())
        return str(token.installation_id) if token is not None else "anonymous"

    def _validate(self, request: web.Request, call: Call) -> None:
        """Check the request against GitHub's description (its GraphQL schema for a query);
        refuse and record any mismatch."""
        if call.path == GRAPHQL and call.method == "POST":
            if found := graphql.problems(call.json):
                self._error(call, "GraphQL query GitHub would refuse: " + "; ".join(found))
                raise Reply(200, graphql.refused(found))
            return
        path = request.rel_url.raw_path
        if "path" in request.match_info:  # openapi-core matches {path} to one segment only
            head = path.split("/contents/", 1)[0]
            path = f"{head}/contents/{quote(request.match_info['path'], safe='')}"
        content_type = request.content_type if call.body else "application/json"
        try:
            spec.check(call.method, path, call.query, call.body, content_type)
        except spec.UnknownOperation as exc:
            self._error(call, f"not in GitHub's API description: {exc}")
            raise Reply(404, payloads.error("Not Found")) from None
        except ValueError as exc:
            self._error(call, str(exc))
            raise Reply(422, payloads.error(f"Invalid request.\n\n{exc}")) from None
        if "tail" in request.match_info:
            self._error(call, "in GitHub's API description but not served by the double")
            raise Reply(404, payloads.error("Not Found"))

    async def _fault(
        self, call: Call, request: web.Request, handler: routes.Handler
    ) -> web.StreamResponse | None:
        """Return the scripted answer for this call, if one is due."""
        fault = next(
            (
                f
                for f in self._faults
                if f.method in (call.method, "*") and matches(call, f.path_pattern)
            ),
            None,
        )
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            self._faults.remove(fault)
        if fault.applied:
            await handler(request)  # GitHub applies the write; its answer is what gets lost
        if fault.status == RESET:
            if request.transport is not None:
                request.transport.close()
            return web.Response(status=HTTPStatus.INTERNAL_SERVER_ERROR)  # never reaches the bot
        if fault.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.delay)
        body = (
            fault.json
            if fault.json is not None
            else payloads.error(HTTPStatus(fault.status).phrase)
        )
        return web.json_response(body, status=fault.status, headers=fault.headers)

    def _error(self, call: Call, message: str) -> None:
        """Record a request GitHub would refuse, trimmed for readable test output."""
        self.errors.append(f"{call.method} {call.path}: {message}"[:500])

    def _common_headers(self, principal: str) -> dict[str, str]:
        """Return the headers every GitHub API response carries."""
        self.rate_used[principal] += 1
        used = self.rate_used[principal]
        return {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(max(RATE_LIMIT - used, 0)),
            "x-ratelimit-reset": str(int(time.time()) + 3600),
            "x-ratelimit-used": str(used),
            "x-ratelimit-resource": "core",
            "x-github-request-id": f"{secrets.token_hex(2).upper()}:{secrets.token_hex(4).upper()}",
            "x-github-media-type": "github.v3; format=json",
            "Content-Type": "application/json; charset=utf-8",
            "Server": "github.com",
        }


async def _unserved(request: web.Request) -> web.StreamResponse:
    """Stand in for routes the middleware refuses before they get here."""
    raise Reply(404, payloads.error("Not Found"))


def matches(call: Call, pattern: str) -> bool:
    """Tell whether a call matches an fnmatch pattern on its path, or `/graphql#field`: a
    GraphQL request whose query names `field`."""
    path, _, field_name = pattern.partition("#")
    if not fnmatch.fnmatchcase(call.path, path):
        return False
    if not field_name:
        return True
    query = call.json.get("query") if isinstance(call.json, dict) else None
    return isinstance(query, str) and re.search(rf"\b{re.escape(field_name)}\b", query) is not None


def _json_or_none(body: bytes) -> Any | None:
    """Decode a JSON body for inspection; None when it is absent or not JSON."""
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None
