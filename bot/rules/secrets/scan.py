"""Find every credential on a file's lines: one keyword pass per line gates the costlier regexes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from bot.diff.model import Line
from bot.rules import paths
from bot.rules.model import Severity
from bot.rules.secrets import connection, fallbacks, generic
from bot.rules.secrets.declare import example, provider
from bot.rules.secrets.detectors import (
    DETECTORS,
    KEYWORDS,
    LOCAL_HOSTS,
    Hit,
    matches,
    provider_hits,
)
from bot.snapshot.generated import lockfile, minified_or_vendored

PRIVATE_KEY = "private key"
# In these languages an unquoted value is an expression (a lookup, a call), never a literal.
QUOTED_SUFFIXES = frozenset({
    ".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".rb", ".go", ".java",
    ".kt", ".php", ".cs", ".rs", ".swift", ".scala", ".c", ".h", ".cc", ".cpp", ".hpp", ".json",
    ".toml", ".tf", ".tfvars", ".hcl", ".ipynb", ".vue", ".svelte",
})  # fmt: skip
# Where API descriptions and doc comments hold example values.
_EXAMPLE_SUFFIXES = frozenset(
    {".json", ".yaml", ".yml", ".py", ".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts"}
)
# A minified line is far longer than hand-written code; only provider formats are looked for.
LONG_LINE = 1000
KEY_WINDOW = 200
PASSWORD_WORDS = frozenset({"pass", "pwd"})  # a connection string says `Password=` or `Pwd=`
KEY_LINES = 4  # blank and `Name: value` lines a key block may open with

ALL_KEYWORDS = frozenset({PRIVATE_KEY, *generic.KEYWORDS, *KEYWORDS})


def keyword_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """Compile words into a trie-shaped alternation: re tries one branch per character, not 60."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        ends_here = "" in node
        body = branches[0] if len(branches) == 1 and not ends_here else f"(?:{'|'.join(branches)})"
        return body + ("?" if ends_here else "")

    return re.compile(emit(tree))


_TRIGGER = keyword_pattern(ALL_KEYWORDS)
PROVIDER_KEYWORDS = frozenset({PRIVATE_KEY, *KEYWORDS})
_PROVIDER_TRIGGER = keyword_pattern(PROVIDER_KEYWORDS)
_BY_KEYWORD = {k: tuple(d for d in DETECTORS if k in d.keywords) for k in ALL_KEYWORDS}
_DATA_URI = re.compile(r"data:[\w.+/-]{1,64};base64,[A-Za-z0-9+/=]{16,}")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |PGP |ENCRYPTED |SSH2 ENCRYPTED )?PRIVATE KEY"
    r"(?: BLOCK)?-----"
)
# Key material starts right after its header, past whitespace, `\n` escapes and quotes; PGP and
# encrypted PEM blocks put `Name: value` headers (`Version:`, `Proc-Type:`) first.
_KEY_BODY = re.compile(r"(?:\s|\\[nr]|[\"'`])*[A-Za-z0-9+/=]{32,}")
_HEADER_END = re.compile(r"(?:\s|\\[nr]|[\"'`,+])*")
_ARMOR_HEADER = re.compile(r"\s*[A-Za-z][\w-]*: ")


def example_path(path: str) -> bool:
    """Tell whether a file is a test, fixture, seed data, doc or template, where secrets are
    mostly fake (a seeded development user's password, an e2e checkout link's slug)."""
    name = PurePosixPath(path).name.lower()
    return (
        paths.is_test(path)
        or paths.is_fixture(path)
        or paths.is_seed(path)
        or not paths.DOC_DIRS.isdisjoint(p.lower() for p in paths.parts(path)[:-1])
        or name.endswith((".example", ".sample", ".template", ".dist", ".md", ".rst"))
    )


# A locale's data files (`config/locales/nl.yml`, `public/locales/de/common.json`, `*.po`) hold
# translated labels: `hmac_signing_secret: HMAC-ondertekeningsgeheim` names a field in Dutch.
_LOCALE_DIRS = frozenset({"locale", "locales", "i18n", "l10n", "lang", "langs", "translations"})
_LOCALE_DATA = frozenset({".yml", ".yaml", ".json", ".properties", ".toml", ".strings", ".arb"})
_TRANSLATIONS = frozenset({".po", ".pot", ".xlf", ".xliff"})


def translations(path: str) -> bool:
    """Tell a file of translated labels: a data file in a locale folder, or a catalogue.
    Code in such a folder (an i18n setup module) is not one."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in _TRANSLATIONS:
        return True
    folders = {part.lower() for part in paths.parts(path)[:-1]}
    return suffix in _LOCALE_DATA and not folders.isdisjoint(_LOCALE_DIRS)


# A service's address beside its credentials (`QSTASH_URL: "http://127.0.0.1:8080"` above
# `QSTASH_CURRENT_SIGNING_KEY: "sig_…"`): on the loopback, the service is a local emulator or
# container (a CI job's, a compose file's), and its keys are that instance's.
_ADDRESS = re.compile(
    r"""^\s*(?:-\s*)?["']?(?:export\s+)?([A-Za-z][A-Za-z0-9]*)_(?:[A-Za-z0-9]+_)*?"""
    r"""(?:URL|URI|HOST|ENDPOINT|ADDR|ADDRESS|SERVER)["']?\s*[:=]\s*["']?(?:\w+://)?"""
    r"""(?:[^@/\s"']*@)?\[?([\w.:-]+?)\]?(?::\d+)?(?:[/"'\s]|$)"""
)
_KEY = re.compile(r"""^\s*(?:-\s*)?["']?(?:export\s+)?([A-Za-z][\w.-]*)["']?\s*[:=]""")


def _local_services(lines: Iterable[Line]) -> frozenset[str]:
    """The prefixes (`QSTASH`) of the services whose address the lines put on the loopback."""
    found = set()
    for line in lines:
        match = _ADDRESS.match(line.text)
        if match and match.group(2).lower() in LOCAL_HOSTS:
            found.add(match.group(1).upper())
    return frozenset(found)


def _of_local_service(text: str, services: frozenset[str]) -> bool:
    """Tell whether a line assigns a key named after a local service (`QSTASH_…`)."""
    match = _KEY.match(text)
    return match is not None and match.group(1).upper().split("_", 1)[0] in services


# An API description's or a doc comment's example value (OpenAPI and JSON Schema `example` and
# `examples`, JSDoc `@example`): documentation of a field's shape, mostly a made-up value.
_EXAMPLE_KEY = re.compile(r"""^\s*(?:-\s*)?["']?(?:x-)?examples?["']?\s*[:=]""", re.IGNORECASE)
_EXAMPLE_TAG = re.compile(r"^\s*(?:\*|//|#)?\s*@example\b")
_LIST_ITEM = re.compile(r"""^\s*(?:-\s+)?(?:"[^"]*"|'[^']*'|[^\s:{}\[\],]+)\s*,?\s*$""")
# An inline schema's example key right before the value (`{"type": "string", "example": "…`).
_EXAMPLE_BEFORE = re.compile(r"""["']?(?:x-)?examples?["']?\s*[:=]\s*\[?\s*["'`]?$""", re.I)
_LIST_OPENS = re.compile(r"""[:=\[]\s*$""")
EXAMPLE_ITEMS = 8  # items of an `examples` list looked up through


def documented_example(line: Line, by_number: Mapping[int, str]) -> bool:
    """Tell whether a line is an example value of an API description or a doc comment: an
    `"example": "…"` field, an item of an `"examples": [` list (or of pydantic's
    `Field(examples=[…])`), or a JSDoc `@example`.

    Such a value documents a field's shape and is mostly made up, but a real key pasted there
    is published with the docs: it stays reported, one step lower (`_as_example`).
    """
    text = line.text
    if _EXAMPLE_KEY.match(text) or _EXAMPLE_TAG.match(text):
        return True
    if not _LIST_ITEM.match(text):
        return False
    for offset in range(1, EXAMPLE_ITEMS + 1):
        above = by_number.get(line.number - offset)
        if above is None:
            return False
        if _EXAMPLE_KEY.match(above):
            return _LIST_OPENS.search(above) is not None
        if not _LIST_ITEM.match(above):
            return False
    return False


def _as_example(hit: Hit) -> Hit:
    """Lower a documented example's severity one step: a provider's key to a warning (a real
    one in published docs must still be seen), a guessed secret to a notice."""
    lowered = Severity.WARNING if hit.severity is Severity.ERROR else Severity.NOTICE
    return replace(hit, severity=lowered)


def scan(path: str, lines: tuple[Line, ...]) -> Iterator[tuple[Line, Hit]]:
    """Yield every credential on the given lines of one file."""
    if lockfile(path):
        return
    # A leak in a minified or vendored file, or in translations, is as real, but their
    # random-looking literals are nobody's passwords: only provider formats are looked for there.
    generic_too = not (minified_or_vendored(path) or translations(path))
    suffix = PurePosixPath(path).suffix.lower()
    quoted_only = suffix in QUOTED_SUFFIXES
    notebook = suffix == ".ipynb"
    django = suffix == ".py"
    example = example_path(path)
    local: frozenset[str] | None = None
    by_number: dict[int, str] | None = None
    for line in lines:
        text = line.text
        lowered = text.lower()
        # One regex pass rejects most lines; the rest learn which costlier regexes may run.
        if not _TRIGGER.search(lowered):
            continue
        # Most such lines only name a token or a password: skip the provider table for them.
        found = {keyword for keyword in generic.KEYWORDS if keyword in lowered}
        if _PROVIDER_TRIGGER.search(lowered):
            found.update(keyword for keyword in PROVIDER_KEYWORDS if keyword in lowered)
        if "base64," in lowered:
            text = _DATA_URI.sub(lambda m: " " * len(m.group()), text)
        if notebook:
            # Cell sources are JSON strings: `\"` is the quote the code was written with.
            text = text.replace('\\"', '"').replace("\\n", "  ")
        detectors = {d: None for k in found for d in _BY_KEYWORD[k]}
        hits = [hit for d in detectors for hit in provider_hits(d, text)]
        if PRIVATE_KEY in found:
            by_number = by_number or {other.number: other.text for other in lines}
            hits.extend(_private_key(text, line.number, by_number))
        if generic_too and len(text) <= LONG_LINE and not found.isdisjoint(generic.KEYWORDS):
            # A provider format that failed its checks is a fixture, not a generic secret.
            taken = [m.span() for d in detectors for m in matches(d, text)]
            taken += [hit.span for hit in hits]
            guessed = [
                *_contextual(text, example, taken, not found.isdisjoint(PASSWORD_WORDS)),
                *generic.assignments(text, quoted_only, django, example, taken),
            ]
            if guessed:
                local = _local_services(lines) if local is None else local
                if not (local and _of_local_service(text, local)):
                    hits.extend(guessed)
        if hits and suffix in _EXAMPLE_SUFFIXES:
            by_number = by_number or {other.number: other.text for other in lines}
            documented = documented_example(line, by_number)
            hits = [
                _as_example(hit)
                if documented or _EXAMPLE_BEFORE.search(text, 0, hit.span[0])
                else hit
                for hit in hits
            ]
        yield from ((line, hit) for hit in hits)


def _contextual(
    text: str, example: bool, taken: list[tuple[int, int]], password: bool
) -> list[Hit]:
    """Find connection-string passwords and environment fallbacks, and mark their spans taken:
    the generic rule would misjudge them, as plain literals or as placeholders. Both name a
    password, secret, token or key, so the generic keywords (`pass`, `pwd`, …) gate them too.
    """
    hits = []
    for pair in connection.passwords(text, example) if password else ():
        if not _overlaps(pair.span, taken):
            if pair.hit is not None:
                hits.append(pair.hit)
            taken.append(pair.span)
    for hit in fallbacks.fallbacks(text, example, taken):
        hits.append(hit)
        taken.append(hit.span)
    return hits


def _key_follows(after: str, number: int, by_number: Mapping[int, str]) -> bool:
    if _KEY_BODY.match(after):
        return True
    if not _HEADER_END.fullmatch(after):
        return False  # code goes on after the header
    for offset in range(1, KEY_LINES + 1):
        following = by_number.get(number + offset, "")[:KEY_WINDOW]
        if following.strip() and not _ARMOR_HEADER.match(following):
            return _KEY_BODY.match(following) is not None
    return False


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _private_key(text: str, number: int, by_number: Mapping[int, str]) -> Iterator[Hit]:
    """Report a key header only when key material follows it, not where code mentions it
    (`pemHeader = '-----BEGIN PRIVATE KEY-----';` followed by parsing code).
    """
    for match in _PRIVATE_KEY.finditer(text):
        # A bounded window keeps a line of repeated headers linear, not quadratic.
        after = text[match.end() : match.end() + KEY_WINDOW]
        if _key_follows(after, number, by_number):
            header = match.group()
            yield Hit(
                "private-key",
                "a private key",
                header,
                header,
                Severity.ERROR,
                "treat it as compromised: revoke it wherever it is trusted and issue a new one",
                match.span(),
            )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    provider(
        "private-key",
        "Private key block (RSA, EC, OpenSSH, DSA, PGP, encrypted) added",
        flagged=example(
            base=(),
            head=(
                (
                    "certs/server.key",
                    """\
-----BEGIN EC§ PRIVATE KEY-----
lz§tMkxMlT8XXZO2fGfDb7CgWDl2yDA0vNQbn0NPUzE7wvCNu4AMq18nZkGhHMOIq
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "app/keys.py",
                    """\
if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):
""",
                ),
            ),
        ),
    ),
)
