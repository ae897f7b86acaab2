"""Crafted lines: every provider pattern is bounded and searched only near its keywords, so a
line built against a backtracking regex costs linear time, and a real key on it is still found.

The time itself is measured by benchmarks/adversarial_lines.py, not asserted here.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from bot.diff.model import Line
from bot.rules.secrets.detectors import DETECTORS, Detector
from bot.rules.secrets.scan import scan

# Built from parts so that scanners do not flag this file.
OPENAI_KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8J9k0" + "T3Blbk" + "FJ" + "Z9y8X7w6V5u4T3s2R1q0"
STRIPE_KEY = "sk_" + "live_" + "51MzQ8vKpT3xR7wYbN2cD4fG6hJ9kL0mA"
AWS_KEY = "AKIA" + "Z7Q2WXYB5TPL3MNO"


def _segment(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


JWT = ".".join(
    (
        _segment({"alg": "HS256", "typ": "JWT"}),
        _segment({"user": "ada", "iat": 1700000000, "scope": "orders:write"}),
        "Qm9yV2x1ZUZpc2hKdW1wc09uVGhlTGF6eURvZw",
    )
)
DATABASE_URL = "postgres://" + "orders:Zr8kq2LmXw9T" + "@db.prod.acme.io:5432/orders"
HOSTILE = 200_000


def widest(detector: Detector) -> int:
    """Return the longest text the pattern can match (the standard library's own parser)."""
    pattern = detector.pattern
    return int(re._parser.parse(pattern.pattern, pattern.flags).getwidth()[1])


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda detector: detector.name)
def test_every_provider_pattern_is_bounded_within_its_reach(detector: Detector) -> None:
    """An unbounded quantifier (`{20,}`) lets a crafted line make the search quadratic, and a
    match longer than the detector's reach could be cut off at the edge of a keyword window."""
    assert widest(detector) <= detector.reach


@pytest.mark.parametrize(
    ("name", "run", "key"),
    [
        ("openai-key", "sk-", OPENAI_KEY),
        ("openai-key", "T3BlbkFJ", OPENAI_KEY),
        ("jwt", "eyJ-", JWT),
        ("jwt", "eyJaaaaaaaaaa.", JWT),
        ("stripe-key", "sk_live_", STRIPE_KEY),
        ("aws-access-key", "AKIA", AWS_KEY),
        ("database-url", "postgres://a:", DATABASE_URL),
    ],
)
def test_a_key_after_a_crafted_run_is_still_found(name: str, run: str, key: str) -> None:
    """Keyword windows merge over a dense run, so nothing on the line goes unsearched."""
    line = run * (HOSTILE // len(run)) + f' = "{key}"'
    found = [hit.name for _, hit in scan("app/settings.py", (Line(1, line),))]
    assert name in found
