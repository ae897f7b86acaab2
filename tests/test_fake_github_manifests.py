"""Protect the double's manifest flow: GitHub's new-app page and the code's one conversion."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from yarl import URL

from tests.fake_github import FakeGitHub, make_app_key, spec
from tests.fake_github.registrations import CODE_LIFETIME

MANIFEST = {
    "name": "Octo Reviewer",
    "url": "https://example.com",
    "hook_attributes": {"url": "https://bot.example.com/webhook"},
    "redirect_url": "http://127.0.0.1:3000/registered",
    "default_permissions": {"checks": "write"},
    "default_events": ["check_run"],
}


@pytest.fixture
async def fake() -> AsyncIterator[FakeGitHub]:
    async with FakeGitHub(app_id=1, public_key=make_app_key()[1]) as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post_manifest(
    fake: FakeGitHub, session: aiohttp.ClientSession, manifest: object, page: str
) -> aiohttp.ClientResponse:
    form = {"manifest": json.dumps(manifest)}
    url = f"{fake.url}{page}?state=st4te"
    async with session.post(url, data=form, allow_redirects=False) as response:
        await response.read()
        return response


async def test_a_manifest_code_is_redeemed_once_for_the_app_its_key_and_secrets(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    """The page redirects with `code` and the `state` it got; the conversion answers as GitHub's
    description says, with a PKCS#1 RSA key; the same code again is 404."""
    response = await post_manifest(fake, session, MANIFEST, "/settings/apps/new")
    assert response.status == 302
    back = URL(response.headers["Location"])
    assert str(back.with_query(None)) == MANIFEST["redirect_url"]
    assert back.query["state"] == "st4te"

    path = f"/app-manifests/{back.query['code']}/conversions"
    async with session.post(f"{fake.url}{path}") as answer:
        assert answer.status == 201
        body = await answer.read()
    spec.check_response("POST", path, 201, body)
    app = json.loads(body)
    assert (app["name"], app["slug"]) == ("Octo Reviewer", "octo-reviewer")
    assert app["permissions"] == {"metadata": "read", "checks": "write"}
    assert app["events"] == ["check_run"] and app["owner"]["type"] == "User"
    assert app["pem"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    key = serialization.load_pem_private_key(app["pem"].encode(), password=None)
    assert isinstance(key, RSAPrivateKey) and key.key_size == 2048
    assert len(app["webhook_secret"]) == 40

    async with session.post(f"{fake.url}{path}") as again:
        assert again.status == 404
    fake.assert_no_errors()


async def test_an_expired_code_is_not_found(
    fake: FakeGitHub, session: aiohttp.ClientSession
) -> None:
    response = await post_manifest(fake, session, MANIFEST, "/organizations/octo/settings/apps/new")
    (registration,) = fake.manifests.registrations
    assert registration.app["owner"]["login"] == "octo"
    registration.created -= CODE_LIFETIME
    code = URL(response.headers["Location"]).query["code"]
    async with session.post(f"{fake.url}/app-manifests/{code}/conversions") as answer:
        assert answer.status == 404
    fake.assert_no_errors()


@pytest.mark.parametrize(
    ("manifest", "problem"),
    [
        ({**MANIFEST, "hook_attributes": {}}, "hook_attributes.url"),
        ({**MANIFEST, "redirect_url": "/registered"}, "redirect_url"),
        ({**MANIFEST, "webhook_url": "https://x"}, "unknown keys"),
        ({**MANIFEST, "default_permissions": {"checks": "all"}}, "default_permissions"),
        ([MANIFEST], "not a JSON object"),
    ],
)
async def test_a_manifest_github_would_refuse_is_refused_and_recorded(
    fake: FakeGitHub, session: aiohttp.ClientSession, manifest: object, problem: str
) -> None:
    response = await post_manifest(fake, session, manifest, "/settings/apps/new")
    assert response.status == 422
    assert not fake.manifests.registrations
    (error,) = fake.errors
    assert problem in error
