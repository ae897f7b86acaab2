"""Tell a generated secret from a placeholder, a lookup or a word, without regexes per value."""

from __future__ import annotations

import math
import re
from collections import Counter

# Values that name themselves (`test-password-123`, `mysecret`) are stand-ins, not credentials.
GENERIC_WORDS = (
    "test", "password", "passwd", "secret", "token", "demo", "mock", "1234", "abcd", "qwerty",
    "asdf", "letmein", "welcome",
)  # fmt: skip
PLACEHOLDER_WORDS = (
    "example", "changeme", "change_me", "change-me", "placeholder", "your", "dummy", "sample",
    "fake", "redacted", "replace", "insert", "todo", "fixme",
)  # fmt: skip
# `[password]`, `{expected}` and `%DB_PASSWORD%` are documentation and template slots; `ENC[`
# (sops) and `EJ[` (ejson) mark values encrypted at rest, which is how secrets are meant to be
# committed.
PLACEHOLDER_STARTS = ("$", "<", "%(", "!", "ENC[", "EJ[", "arn:", "{", "[", "#{", "@")
# Stored password hashes (Django's `algorithm$…`): a fixture's hash grants nothing to rotate.
HASH_PREFIXES = (
    "pbkdf2_sha256$", "pbkdf2_sha1$", "argon2$", "bcrypt$", "bcrypt_sha256$", "scrypt$",
    "sha1$", "md5$", "unsalted_md5$", "unsalted_sha1$", "crypt$",
)  # fmt: skip
# Published on purpose: yarn's Algolia search-only key (https://github.com/yarnpkg/berry/issues/6201).
DOCUMENTED_PUBLIC = frozenset({"6fe4476ee5a1832882e326b506d14126"})
_REPEATS = re.compile(r"(.)\1{3,}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_ALNUM = re.compile(r"[A-Za-z0-9]+")
# Identifiers, message ids, cache keys and paths: words joined by these, or by camel case.
_IDENTIFIER = re.compile(r"[A-Za-z0-9_.:/-]+")
_SEGMENT = re.compile(r"[A-Za-z]+[0-9]*|[0-9]+")
# Numeronyms, a word's first and last letters around a count (`e2e`, `i18n`, `k8s`, `a11y`,
# `b2b`): read as one word in a slug (`polar_cl_e2e_seed_checkout_link`).
_NUMERONYM = re.compile(r"[a-z][0-9]{1,2}[a-z]{1,2}|[A-Z][0-9]{1,2}[A-Z]{1,2}")
_HUMP = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
_CONSONANTS = re.compile(r"[^aeiouy]{5,}")
_CLUSTER = re.compile(r"[^aeiouy]{4,}")
ACRONYM = 5  # API, HTTP, TIFF: short upper-case humps need no vowel
SHORT_WORD = 3  # cfg, pwd, src: short lower-case humps need none either
WORD = 3  # the shortest mean hump length of camel-case names
# Words joined without separators (`unexpiredmanualhashedkey`) keep English's ~40 % of vowels
# (y included); random letters have 23 %.
COMPOUND = 12
# Consonants an English syllable may start with: a run of four ends in one in real words
# (`subscription`, `construction`, `lengths`), and seldom in random letters.
ONSETS = (
    "str", "scr", "spr", "spl", "thr", "chr", "shr", "phr", "tr", "cr", "pr", "br", "dr", "gr",
    "fr", "pl", "cl", "bl", "fl", "gl", "th", "ch", "sh", "ph", "st", "sp", "sc", "sk",
)  # fmt: skip
VOWELS = 0.3


def placeholder(value: str) -> bool:
    """Tell whether a value is a template, a documented stand-in or a run of one character."""
    lowered = value.lower()
    return (
        value.startswith(PLACEHOLDER_STARTS)
        or (len(value) > 2 and value[0] == value[-1] == "%")
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


def identifier(value: str) -> bool:
    """Tell a name made of words (`X-API-Key`, `customer_attributes_by_type`, `wagtail:spriteData`,
    `versions/versions_v2.list`) from a generated value.

    Each part between separators must be letters with at most a trailing number, in one case or
    in camel case with word-long humps, and each hump must read like a word or an acronym; a
    numeronym (`e2e`, `i18n`) is a word, as long as most parts are spelled out.
    Random text mixes digits into its letters, flips case every other character and runs
    consonants together. A passphrase of dictionary words reads like a name and is let
    through: on one line the two cannot be told apart.
    """
    if not _IDENTIFIER.fullmatch(value):
        return False
    parts = [part for part in re.split(r"[_.:/-]", value) if part]
    words = [part for part in parts if not _NUMERONYM.fullmatch(part)]
    if len(words) < len(parts) / 2:
        return False  # mostly letter-digit-letter runs: random, not words
    parts = words
    if not parts or not all(_SEGMENT.fullmatch(part) for part in parts):
        return False
    humps = []
    for part in parts:
        letters = part.rstrip("0123456789")
        found = _HUMP.findall(letters)
        if len(found) > 1 and len(letters) < WORD * len(found):
            return False  # camel case of one- and two-letter humps: random
        humps.extend(found)
    if sum(len(hump) == 1 for hump in humps) > 1:
        return False
    return all(_word(hump) for hump in humps if len(hump) > 1)


def _word(hump: str) -> bool:
    if hump.isupper() and len(hump) <= ACRONYM:
        return True
    lowered = hump.lower()
    vowels = sum(c in "aeiouy" for c in lowered)
    if len(hump) <= SHORT_WORD:
        return vowels > 0 or hump.islower()
    if len(hump) >= COMPOUND and (
        vowels < VOWELS * len(hump)
        or any(not m.group().endswith(ONSETS) for m in _CLUSTER.finditer(lowered))
    ):
        return False
    return vowels > 0 and _CONSONANTS.search(lowered) is None


def prose(value: str) -> bool:
    """Tell translated text (`ពាក្យសម្ងាត់…`, `API-Schlüssel`) or a masked value (`•••`) from a
    credential: every issued credential and generated secret is printable ASCII.
    """
    return not value.isascii()


def password_hash(value: str) -> bool:
    return value.startswith(HASH_PREFIXES)
