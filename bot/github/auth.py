"""App JWTs and installation tokens; no other module sees the private key or a token's source."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import cachetools
from gidgethub import apps

from bot.github.client import GitHubClient

JWT_LIFETIME_S = 9 * 60  # GitHub allows 10 minutes; gidgethub backdates `iat` by 60 s for drift
REFRESH_EARLY_S = 5 * 60


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float  # on the monotonic clock


def _token_ttu(_key: int, token: _Token, now: float) -> float:
    return token.expires_at - REFRESH_EARLY_S


class AppAuth:
    """Mint app JWTs and cache one installation token per installation until near its expiry."""

    def __init__(self, app_id: int, private_key_pem: str, client: GitHubClient) -> None:
        self._app_id = str(app_id)  # gidgethub needs it as a str (PLATFORM.md)
        self._private_key = private_key_pem
        self._client = client
        self._tokens: cachetools.TLRUCache[int, _Token] = cachetools.TLRUCache(
            maxsize=4096, ttu=_token_ttu, timer=time.monotonic
        )
        self._locks: dict[int, asyncio.Lock] = {}

    def app_jwt(self) -> str:
        return apps.get_jwt(
            app_id=self._app_id, private_key=self._private_key, expiration=JWT_LIFETIME_S
        )

    def forget(self, installation_id: int) -> None:
        """Drop the cached token: GitHub refused it (401) before its announced expiry, because it
        was revoked or the installation's access changed. The next call fetches a new one."""
        self._tokens.pop(installation_id, None)

    async def installation_token(self, installation_id: int) -> str:
        """Return a valid token, fetching at most one at a time per installation."""
        cached = self._tokens.get(installation_id)
        if cached is not None:
            return cached.value
        lock = self._locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is not None:
                return cached.value
            response = await self._client.post(
                f"/app/installations/{installation_id}/access_tokens",
                data=b"",
                jwt=self.app_jwt(),
            )
            expires = datetime.fromisoformat(str(response["expires_at"]).replace("Z", "+00:00"))
            remaining = (expires - datetime.now(UTC)).total_seconds()
            token = _Token(str(response["token"]), time.monotonic() + remaining)
            self._tokens[installation_id] = token
            return token.value
