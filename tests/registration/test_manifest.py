"""The manifest `readiness setup` posts, and the GitHub pages it goes to (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient

from bot.registration import manifest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("api", "web"),
    [
        ("https://api.github.com", "https://github.com"),
        ("https://api.github.com/", "https://github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com"),
        ("https://ghe.example.com/api/v3/", "https://ghe.example.com"),
        ("http://10.0.0.5:8443/api/v3", "http://10.0.0.5:8443"),
        ("https://api.octocorp.ghe.com", "https://octocorp.ghe.com"),
        ("http://127.0.0.1:4567", "http://127.0.0.1:4567"),
    ],
)
def test_github_s_web_root_is_derived_from_its_api_root(api: str, web: str) -> None:
    """GitHub Enterprise Server registers apps on its own host, found from its /api/v3 root."""
    assert manifest.web_url(api) == web


@pytest.mark.parametrize("api", ["api.github.com", "ftp://ghe.example.com/api/v3", ""])
def test_an_api_root_that_is_not_an_http_url_is_refused(api: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        manifest.web_url(api)


def test_the_new_app_page_is_the_user_s_or_the_organisation_s_and_carries_the_state() -> None:
    web = "https://ghe.example.com"
    assert manifest.new_app_url(web, "s1") == "https://ghe.example.com/settings/apps/new?state=s1"
    assert (
        manifest.new_app_url(web, "s 2", "acme-corp")
        == "https://ghe.example.com/organizations/acme-corp/settings/apps/new?state=s+2"
    )


@pytest.mark.parametrize("org", ["acme/../../settings", "-acme", "a" * 40, "ac--me", ""])
def test_an_organisation_that_is_not_a_github_login_is_refused(org: str) -> None:
    with pytest.raises(ValueError, match="not an organisation"):
        manifest.new_app_url("https://github.com", "s", org)


@pytest.mark.parametrize(
    ("given", "public"),
    [
        ("https://bot.example.com", "https://bot.example.com"),
        ("https://bot.example.com/", "https://bot.example.com"),
        (" https://example.com/readiness/ ", "https://example.com/readiness"),
    ],
)
def test_the_public_url_is_kept_with_its_path_and_without_a_trailing_slash(
    given: str, public: str
) -> None:
    assert manifest.public_url(given) == public


@pytest.mark.parametrize(
    "given", ["bot.example.com", "ftp://bot.example.com", "https://x.com/?a=1", "https://x.com/#f"]
)
def test_a_public_url_that_github_cannot_deliver_to_is_refused(given: str) -> None:
    with pytest.raises(ValueError, match="URL"):
        manifest.public_url(given)


def test_the_manifest_is_app_yml_with_the_webhook_and_redirect_filled_in() -> None:
    """Permissions, events and the rest come from app.yml as shipped; only the URLs change."""
    shipped = yaml.safe_load((ROOT / "app.yml").read_text())
    built = manifest.build(
        manifest.load(),
        public="https://example.com/readiness",
        redirect_url="http://127.0.0.1:3000/registered",
        name="Readiness for Acme",
    )
    assert built["hook_attributes"] == {
        "url": "https://example.com/readiness/webhook",
        "active": True,
    }
    assert built["redirect_url"] == "http://127.0.0.1:3000/registered"
    assert built["name"] == "Readiness for Acme"
    rest = {k: v for k, v in built.items() if k not in ("hook_attributes", "redirect_url", "name")}
    assert rest == {
        k: v for k, v in shipped.items() if k not in ("hook_attributes", "redirect_url", "name")
    }
    assert rest["default_permissions"]["checks"] == "write" and rest["default_events"]


async def test_the_manifest_s_webhook_path_is_where_the_server_takes_deliveries(
    bot: TestClient[Any, Any],
) -> None:
    routes = {(r.method, r.resource.canonical) for r in bot.app.router.routes() if r.resource}
    assert ("POST", manifest.WEBHOOK_PATH) in routes
