"""Real GitHub webhook payloads from fixtures/webhooks, and signed deliveries built from them."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import uuid
from pathlib import Path
from typing import Any

WEBHOOKS = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks"


def payload(name: str) -> dict[str, Any]:
    """Load `<event>/<action>.json`, e.g. `pull_request/opened`, as a fresh dict."""
    data: dict[str, Any] = json.loads((WEBHOOKS / f"{name}.json").read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def signed(body: bytes, secret: str, event: str, delivery: str | None = None) -> dict[str, str]:
    """Return the headers GitHub sends with a delivery of this body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/044aadd",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={digest}",
    }
