"""Apps registered from a manifest: key, secrets and the one-use code that redeems them."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from . import payloads

CODE_LIFETIME = 3600  # seconds: "This code expires after one hour" (GitHub's docs)


@dataclass
class Registration:
    """An app created from a manifest, and the code that redeems its credentials."""

    code: str
    manifest: dict[str, Any]
    app: dict[str, Any]  # the conversion's answer: the app, `pem`, `webhook_secret`, client
    public_key: str  # PEM of the app's key, to check what the bot wrote
    created: float = field(default_factory=time.time)
    redeemed: bool = False


@dataclass
class ManifestFlow:
    """Apps registered through the double's new-app page, oldest first."""

    registrations: list[Registration] = field(default_factory=list)
    next_id: int = 900_001

    def redeem(self, code: str) -> Registration | None:
        """Return the app a live, unused code stands for, once; None otherwise."""
        for registration in self.registrations:
            if secrets.compare_digest(registration.code, code):
                fresh = time.time() - registration.created < CODE_LIFETIME
                if registration.redeemed or not fresh:
                    return None
                registration.redeemed = True
                return registration
        return None


def register(
    flow: ManifestFlow, manifest: dict[str, Any], slug: str, owner: str, api: str, org: bool
) -> Registration:
    """Create the app: an id, a 2048-bit RSA key in PKCS#1 PEM (as GitHub's), secrets."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    app_id = flow.next_id
    flow.next_id += 1
    account = payloads.user(owner, api)
    if org:
        account["type"] = "Organization"
    created = payloads.now()
    app = {
        "id": app_id,
        "slug": slug,
        "node_id": f"A_{app_id}",
        "client_id": f"Iv23li{secrets.token_hex(7)}",
        "owner": account,
        "name": manifest["name"],
        "description": manifest.get("description", ""),
        "external_url": manifest["url"],
        "html_url": f"{payloads.WEB}/apps/{slug}",
        "created_at": created,
        "updated_at": created,
        # GitHub grants metadata read to every app, asked for or not.
        "permissions": {"metadata": "read", **manifest.get("default_permissions", {})},
        "events": list(manifest.get("default_events", [])),
        "client_secret": secrets.token_hex(20),
        "webhook_secret": secrets.token_hex(20),
        "pem": pem,
    }
    return Registration(secrets.token_hex(10), manifest, app, public.decode())
