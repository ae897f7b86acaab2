"""`readiness setup`: register the app through GitHub's manifest flow, from a local page.

1. `GET /` here: a form that posts the manifest (`app.yml` with the operator's URL filled in) to
   GitHub's new-app page, with a random `state`.
2. GitHub creates the app and sends the browser back to `/registered?code=…&state=…` here; an
   answer whose `state` is not this run's is refused (it was not asked for here).
3. The code (one use, one hour) is exchanged for the app's id, private key and webhook secret,
   which are written to the `.env` and the key file beside it.
"""

from __future__ import annotations

import asyncio
import html
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from gidgethub import BadRequest, HTTPException
from yarl import URL

from bot.errors import OutcomeUnknown, TransientError
from bot.github.api import create_app_from_manifest
from bot.github.client import GitHubClient
from bot.redaction import scrub
from bot.registration import envfile, manifest
from bot.settings import GITHUB_API_URL

REDIRECT_PATH = "/registered"
GITHUB_TIMEOUT_S = 30.0
SHUTDOWN_S = 5.0  # the last page is sent before the server stops; nothing else is waited for
PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class SetupError(Exception):
    """Why setup stopped, in one line for the operator."""


@dataclass(frozen=True)
class Plan:
    """What the operator asked for: where the server will be, where to write, where to listen."""

    public_url: str  # where `readiness serve` is reachable; the webhook is public_url + /webhook
    env_file: Path
    api_url: str = GITHUB_API_URL
    org: str | None = None  # register on this organisation instead of the signed-in user
    name: str | None = None  # instead of app.yml's (app names are unique on GitHub)
    force: bool = False  # replace an existing .env and key file
    host: str = "127.0.0.1"
    port: int = 3000


@dataclass(frozen=True)
class Registered:
    """The app GitHub created, and where its credentials were written."""

    name: str
    install_url: str
    env_file: Path
    key_file: Path


async def register(plan: Plan, announce: Callable[[str], None]) -> Registered:
    """Serve the local page until GitHub sends the browser back, then write the credentials.

    `announce(line)` gets the one line telling the operator what to open. Raises SetupError
    before serving (a file that would be replaced, an unusable URL or port) or when GitHub
    refuses the code.
    """
    try:
        envfile.check_writable(plan.env_file, force=plan.force)
    except OSError as exc:
        raise SetupError(f"{exc}") from None
    try:
        web_root = manifest.web_url(plan.api_url)
    except ValueError as exc:
        raise SetupError(f"READINESS_GITHUB_API_URL: {exc}") from None
    try:
        manifest.new_app_url(web_root, "-", plan.org)
    except ValueError as exc:
        raise SetupError(f"--org: {exc}") from None
    timeout = aiohttp.ClientTimeout(total=GITHUB_TIMEOUT_S, connect=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        flow = _Flow(plan, web_root, GitHubClient(session, base_url=plan.api_url))
        app = web.Application()
        app.router.add_get("/", flow.page)
        app.router.add_get(REDIRECT_PATH, flow.registered)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_S)
        await runner.setup()
        try:
            try:
                await web.TCPSite(runner, plan.host, plan.port).start()
            except OSError as exc:
                raise SetupError(
                    f"--port: cannot listen on {plan.host} port {plan.port} ({exc.strerror})"
                ) from None
            host, port = runner.addresses[0][:2]
            local = URL.build(scheme="http", host=host, port=port, path="/")
            account = f"organisation {plan.org}" if plan.org else "your account"
            announce(f"Open {local} in a browser to register the app on {web_root} ({account}).")
            return await flow.done
        finally:
            await runner.cleanup()


class _Flow:
    """The two local pages and the one registration they lead to."""

    def __init__(self, plan: Plan, web_root: str, client: GitHubClient) -> None:
        self.plan = plan
        self.web_root = web_root
        self.client = client
        self.state = secrets.token_urlsafe(32)  # GitHub hands it back: proof we asked
        self.done: asyncio.Future[Registered] = asyncio.get_running_loop().create_future()
        self._exchanging = False

    async def page(self, request: web.Request) -> web.Response:
        """Answer the form that posts the manifest to GitHub's new-app page."""
        redirect = str(request.url.origin().with_path(REDIRECT_PATH))
        body = manifest.build(
            manifest.load(), public=self.plan.public_url, redirect_url=redirect, name=self.plan.name
        )
        action = manifest.new_app_url(self.web_root, self.state, self.plan.org)
        account = f"the organisation {self.plan.org}" if self.plan.org else "your account"
        return _page(
            f"Register {body['name']}",
            f"<p>GitHub will create the app on {html.escape(account)} with the permissions and "
            f"events of <code>app.yml</code>, deliver its webhooks to "
            f"<code>{html.escape(body['hook_attributes']['url'])}</code>, and send you back "
            "here.</p>"
            f'<form action="{html.escape(action)}" method="post">'
            f'<input type="hidden" name="manifest" value="{html.escape(json.dumps(body))}">'
            f"<button type=submit>Register on {html.escape(self.web_root)}</button></form>",
        )

    async def registered(self, request: web.Request) -> web.StreamResponse:
        """Take GitHub's redirect: check `state`, redeem the code, write the credentials."""
        given = request.query.get("state", "")
        if not secrets.compare_digest(given.encode(), self.state.encode()):
            return _page(
                "Not registered",
                "<p>This answer does not belong to this setup (its <code>state</code> does not "
                "match). Open this server's first page and register from there.</p>",
                status=400,
            )
        code = request.query.get("code", "")
        if not code:
            return _page("Not registered", "<p>GitHub sent no <code>code</code>.</p>", status=400)
        if self._exchanging or self.done.done():
            return _page("Already done", "<p>This setup has already redeemed a code.</p>", 409)
        self._exchanging = True
        try:
            registered = await self._redeem(code)
        except SetupError as exc:
            reason = html.escape(scrub(str(exc)))
            failed = _page("Not registered", f"<p>{reason}</p>", status=502)
            await _send(request, failed)
            self.done.set_exception(exc)
            return failed
        install = html.escape(registered.install_url)
        done = _page(
            f"Registered {registered.name}",
            "<p>Its id, private key and webhook secret are in "
            f"<code>{html.escape(str(registered.env_file))}</code>.</p>"
            f'<p><a href="{install}">Install it on an organisation or repositories</a>.</p>',
        )
        await _send(request, done)
        self.done.set_result(registered)
        return done

    async def _redeem(self, code: str) -> Registered:
        """Exchange the code, then write the `.env` and the key file; SetupError says why not."""
        try:
            app = await create_app_from_manifest(self.client, code)
        except BadRequest as exc:
            status = int(exc.status_code)
            if status == 404:
                raise SetupError(
                    "GitHub does not know this code (404): a code works once, within an hour; "
                    "run readiness setup again"
                ) from None
            raise SetupError(f"GitHub refused the code ({status}: {_one_line(exc)})") from None
        except OutcomeUnknown:
            raise SetupError(
                f"GitHub's answer was lost, the app may exist: delete it at {self._apps_page()} "
                "and run readiness setup again"
            ) from None
        except (HTTPException, TransientError, aiohttp.ClientError) as exc:
            raise SetupError(f"cannot reach GitHub at {self.plan.api_url}: {exc}") from None
        credentials = _credentials(app, self.plan.api_url)
        try:
            key_file = envfile.write(self.plan.env_file, credentials)
        except OSError as exc:
            raise SetupError(
                f"cannot write {exc.filename}: {exc.strerror}; the app exists: generate a "
                f"private key on its settings page ({credentials.html_url})"
            ) from None
        return Registered(
            credentials.name,
            f"{credentials.html_url}/installations/new",
            self.plan.env_file,
            key_file,
        )

    def _apps_page(self) -> str:
        if self.plan.org:
            return f"{self.web_root}/organizations/{self.plan.org}/settings/apps"
        return f"{self.web_root}/settings/apps"


def _credentials(app: dict[str, Any], api_url: str) -> envfile.Credentials:
    """Read what `readiness serve` needs from GitHub's answer; SetupError if it lacks any."""
    try:
        app_id, pem, secret = app["id"], app["pem"], app["webhook_secret"]
        html_url, name = app["html_url"], app.get("name") or app["slug"]
    except KeyError as exc:
        raise SetupError(f"GitHub's answer has no {exc}") from None
    if not isinstance(secret, str) or not secret:
        raise SetupError("GitHub created the app without a webhook secret")
    if not isinstance(app_id, int) or not isinstance(pem, str) or not isinstance(html_url, str):
        raise SetupError("GitHub's answer is not an app with a key")
    api = None if api_url.rstrip("/") == GITHUB_API_URL else api_url
    return envfile.Credentials(app_id, str(name), html_url.rstrip("/"), pem, secret, api)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _page(title: str, body: str, status: int = 200) -> web.Response:
    text = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>{body}</html>\n"
    )
    return web.Response(text=text, content_type="text/html", status=status, headers=PAGE_HEADERS)


async def _send(request: web.Request, response: web.Response) -> None:
    """Send the page now, so it reaches the browser before the command stops the server."""
    await response.prepare(request)
    await response.write_eof()
