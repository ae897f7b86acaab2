"""App keys, JWT checks and installation tokens, held to GitHub's rules so auth bugs surface."""

from __future__ import annotations

import functools
import secrets
import string
import time
from dataclasses import dataclass

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# GitHub allows exp up to 10 minutes after iat; clients backdate iat 60 s for clock drift.
MAX_JWT_LIFETIME = 600 + 60
TOKEN_LIFETIME = 3600
_ALPHABET = string.ascii_letters + string.digits


@functools.cache
def make_app_key() -> tuple[str, str]:
    """Return one (private PEM, public PEM) pair per process; RSA generation is slow."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def jwt_problem(token: str, *, app_id: int, public_key: str) -> str | None:
    """Return why GitHub would refuse this app JWT, or None when it would accept it."""
    try:
        claims = jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            options={"require": ["iat", "exp", "iss"]},
        )
    except jwt.PyJWTError as exc:
        return f"{exc.__class__.__name__}: {exc}"
    if str(claims["iss"]) != str(app_id):
        return f"iss {claims['iss']!r} is not app {app_id}"
    if int(claims["exp"]) - int(claims["iat"]) > MAX_JWT_LIFETIME:
        return f"exp - iat = {int(claims['exp']) - int(claims['iat'])} s exceeds 10 minutes"
    return None


@dataclass
class Token:
    """An installation token and what it may reach."""

    installation_id: int
    repos: frozenset[str]
    expires_at: float

    def allows(self, repo: str) -> bool:
        """Tell whether this token is live and covers `repo` (repo names are case-insensitive)."""
        return time.time() < self.expires_at and repo.lower() in self.repos


def new_token() -> str:
    """Return a token shaped like GitHub's (ghs_ prefix; GitHub promises no fixed length)."""
    return "ghs_" + "".join(secrets.choice(_ALPHABET) for _ in range(36))
