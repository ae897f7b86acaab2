"""Redaction keeps enough of a secret to recognise it and never enough to use it."""

from __future__ import annotations

import pytest

from bot.rules.redact import MASK, redact

# Built from parts so that push protection and secret scanners do not take the fixtures for keys.
STRIPE = "sk_live_" + "51HqLyjWDarjtT1zdp7d9f2c"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("", MASK),
        ("hunter2", MASK),
        ("S3cr3tP@ss!", MASK),  # 11 characters: still masked whole
        ("S3cr3tP@ss!x", "S3c…"),  # 12: a quarter of the head, no tail
        ("Zx81kLq0PmWv27T", "Zx8…"),
        ("Zx81kLq0PmWv27Tb", "Zx81…27Tb"),  # 16: the tail appears
        (STRIPE, "sk_live_…9f2c"),
        ("AKIA" + "Q3EGRTLV5NKZ7XWA", "AKIAQ…7XWA"),
    ],
)
def test_redact_shows_a_bounded_head_and_tail(value: str, shown: str) -> None:
    """Short values are masked whole; longer ones keep a quarter (at most 8) and the last 4."""
    assert redact(value) == shown


@pytest.mark.parametrize("length", range(1, 120))
def test_redact_hides_at_least_half_of_any_value(length: int) -> None:
    """Whatever the length, at least half of the characters are hidden and the value never shows."""
    value = "".join(chr(ord("a") + i % 26) for i in range(length))
    shown = redact(value).replace("…", "").replace(MASK, "")
    assert len(shown) <= length // 2
    assert value not in redact(value)
