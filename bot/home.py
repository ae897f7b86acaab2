"""`GET /`: a small page for whoever opens the server's URL — what it is, its health, and where
to install it. The app's name and install link come from GitHub (`GET /app`), read once at start.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from aiohttp import web

from bot.github.api import AppAPI
from bot.version import VERSION

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AppIdentity:
    """What GitHub says the app is; None fields when it could not be read."""

    name: str | None = None
    install_url: str | None = None


async def identify(api: AppAPI) -> AppIdentity:
    """Read the app's name and install link; a failure leaves the page without them."""
    try:
        app = await api.get_app()
    except Exception as exc:  # noqa: BLE001 - the page works without GitHub's answer
        log.warning("could not read the app from GitHub (%s); / shows no install link", exc)
        return AppIdentity()
    return AppIdentity(str(app.get("name") or ""), f"{app['html_url']}/installations/new")


def page(identity: AppIdentity, problems: list[str]) -> web.Response:
    """Render the page; 200 when ready, 503 with the reasons otherwise (like /readyz)."""
    name = html.escape(identity.name or "Readiness")
    health = (
        "ready" if not problems else "not ready: " + "; ".join(html.escape(p) for p in problems)
    )
    install = (
        f'<a href="{html.escape(identity.install_url)}">Install {name} on an organisation or '
        "repositories</a>"
        if identity.install_url
        else "The install link is not known: GitHub did not describe the app at start-up."
    )
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{name}</title>"
        f"<h1>{name}</h1>"
        "<p>Reviews pull requests for production-readiness regressions.</p>"
        f"<p>Version {html.escape(VERSION)} — {health}.</p>"
        f"<p>{install}</p>"
        '<p><a href="/readyz">/readyz</a> · <a href="/metrics">/metrics</a></p>'
        "</html>\n"
    )
    return web.Response(text=body, content_type="text/html", status=503 if problems else 200)
