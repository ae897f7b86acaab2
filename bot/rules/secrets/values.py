"""Tell a generated secret from a placeholder, a lookup or a word, without regexes per value."""

from __future__ import annotations

import math
import re
from collections import Counter

PLACEHOLDER_WORDS = (
    "example", "changeme", "change_me", "change-me", "placeholder", "your", "dummy", "sample",
    "fake", "redacted", "replace", "insert", "todo", "fixme",
)  # fmt: skip
PLACEHOLDER_STARTS = ("$", "<", "%(", "!", "ENC[", "arn:", "{{", "#{", "@")
# Published on purpose: yarn's Algolia search-only key (https://github.com/yarnpkg/berry/issues/6201).
DOCUMENTED_PUBLIC = frozenset({"6fe4476ee5a1832882e326b506d14126"})
_REPEATS = re.compile(r"(.)\1{3,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")


def placeholder(value: str) -> bool:
    """Tell whether a value is a template, a documented stand-in or a run of one character."""
    lowered = value.lower()
    return (
        value.startswith(PLACEHOLDER_STARTS)
        or value in DOCUMENTED_PUBLIC
        or any(word in lowered for word in PLACEHOLDER_WORDS)
        or _REPEATS.search(value) is not None
    )


def uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def entropy(value: str) -> float:
    """Return the Shannon entropy of the value in bits per character."""
    size = len(value)
    if not size:
        return 0.0
    return -sum(n / size * math.log2(n / size) for n in Counter(value).values())


def random_enough(value: str) -> bool:
    """Apply an entropy floor chosen by the value's alphabet: hex carries 4 bits a character at
    most, mixed alphanumerics ~6, so one threshold for both would miss hex or flag words.
    """
    if _HEX.fullmatch(value):
        limit = 3.0
    elif _ALNUM.fullmatch(value):
        limit = 3.5
    else:
        limit = 3.2
    return entropy(value) >= min(limit, math.log2(len(value)) - 0.6)


def classes(value: str) -> int:
    """Count the character classes a value mixes: lower, upper, digit, symbol."""
    return sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() and c not in "-_." for c in value),
        )
    )
