"""What production code stops writing: a key set to a value, gone from the change's code.

A change that stops writing a field (`trigger: "partnerEnrolled"` dropped from every place that
creates a workflow) or stops passing a value on (`value: value['password']` dropped from a form
field) takes away the behaviour a test's check of that field or value pinned; the check goes with
it, cleanup rather than a regression. The pairs are read from the lines the change removes from
production code and templates, in any of our languages' spellings (`key: v`, `"key": v`,
`:key => v`, `key=v`, `obj.key = v`, `ctx["key"] = v`); one is gone when no changed production
file still writes it and the file it left sets no other value under its key (a value changed in
place, `text: "Activate"` now `text: "Approve"`, is behaviour kept under a new value, which a
dropped check no longer pins).

A removed check went with such a pair when it expects the pair's value, whole or as the end of
the path it reads (`encrypted_config.value['password']`), and names the pair's key or the value is
no longer written under any key. The value must be distinctive: a string of several words, a
name of several words, or a path (`value['password']`); a single word (`"active"`, `status`,
`true`, `1`) is written by too much code to tie a check to one place. A check that something is
absent never went with it: it still holds, and renamed code is what it would have caught.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from bot.diff.model import ChangedFile, Line
from bot.rules.tests.similarity import compound, words

_STRING = r"""[rRbBuUfF]{0,2}(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)"""
# A value read from a name: `campaign.workflow.trigger`, `value['password']`, `Foo::BAR`.
_PATH = r""":?[A-Za-z_$@][\w$@]*[?!]?(?:(?:\.|::|\?\.)[A-Za-z_$][\w$]*[?!]?|\[[^\[\]\n]*\])*"""
# A key and the value written under it; a colon right after the key (`key: v`, `"key": v`), so
# that Ruby's `f :symbol` is no pair.
_PAIR = re.compile(
    r"""(?:\[\s*["'](?P<sub>[\w$-]+)["']\s*\]|(?<![\w$-])["']?:?(?P<key>[A-Za-z_$][\w$-]*)["']?)"""
    r"""(?::(?!:)|\s*=>|\s*(?<![=!<>+\-*/%&|^])=(?![=>~]))\s*"""
    r"(?P<value>" + _STRING + "|" + _PATH + ")"
)
_QUOTES = str.maketrans("'`", '""')
_SPACE = re.compile(r"\s+")
_SEGMENT = re.compile(r"[A-Za-z_$][\w$]*|\[[^\[\]]*\]")
# A check that something is absent or differs, on whitespace-free text.
NEGATED = re.compile(
    r"\.not\b|not_to|to_not|assertNot|assert_not|refute|wont_|!=|notin|isnot|assertFalse"
    r"|toBeFalsy|\.toBe(?:Null|Undefined)\("
)
MIN_PARTS = 2  # words of a string, or names of a path, that make a value distinctive


@dataclass(frozen=True)
class Pair:
    """A key and a value (whitespace-free, quotes alike) a production file stops writing, and
    the pair as that file wrote it."""

    key: str
    value: str
    path: str
    shown: str


def pairs(text: str) -> Iterable[tuple[str, str]]:
    """Return the (key, value) pairs a piece of code writes, values whitespace-free (as the
    text of an assertion is) and quoted alike."""
    for found in _PAIR.finditer(text):
        yield _key(found), _SPACE.sub("", found.group("value")).translate(_QUOTES)


def _key(found: re.Match[str]) -> str:
    return found.group("sub") or found.group("key")


def distinctive(value: str) -> bool:
    """Tell whether a value, as written, is particular to one feature: several words, or a
    path."""
    quoted = value.lstrip("rRbBuUfF")
    if quoted[:1] in "\"'`":
        return len(words(quoted[1:-1])) >= MIN_PARTS
    name = value.lstrip(":")
    return compound(name) or len(_SEGMENT.findall(name)) >= MIN_PARTS


class Stopped:
    """The key-value pairs a change's production code and templates stop writing."""

    def __init__(self, files: Iterable[tuple[ChangedFile, str | None]]) -> None:
        self._files = list(files)

    @cached_property
    def _heads(self) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
        """Every pair the changed files' heads write, and every value they write."""
        written = frozenset(
            pair
            for changed, head in self._files
            for pair in pairs(head if head is not None else _joined(changed.added))
        )
        return written, frozenset(value for _, value in written)

    @cached_property
    def gone(self) -> tuple[Pair, ...]:
        """The distinctive pairs the change removes from a file and writes nowhere any more.

        The heads are read only when the removed lines hold such a pair: most changes drop none.
        """
        found: dict[tuple[str, str], Pair] = {}
        for changed, _head in self._files:
            if not changed.removed:
                continue
            rekeyed: set[str] | None = None
            for spelt in _PAIR.finditer(_joined(changed.removed)):
                key, raw = _key(spelt), spelt.group("value")
                value = _SPACE.sub("", raw).translate(_QUOTES)
                if (key, value) in found or not distinctive(raw):
                    continue
                if rekeyed is None:
                    rekeyed = {k for k, _ in pairs(_joined(changed.added))}
                if key not in rekeyed:
                    shown = " ".join(spelt.group().split())
                    found[key, value] = Pair(key, value, changed.path, shown)
        if not found:
            return ()
        written, _ = self._heads
        return tuple(pair for kept, pair in found.items() if kept not in written)

    def checked_by(self, assertion: str) -> Pair | None:
        """Return the pair a removed check (whitespace-free) pinned, if the change stops
        writing it."""
        if not self.gone or NEGATED.search(assertion):
            return None
        text = assertion.translate(_QUOTES)
        _, values = self._heads
        for pair in self.gone:
            if not _expects(text, pair.value):
                continue
            if pair.value not in values or _names(text, pair.key):
                return pair
        return None


def _joined(lines: Iterable[Line]) -> str:
    return "\n".join(line.text for line in lines)


def _expects(text: str, value: str) -> bool:
    """Tell whether a check holds a value whole, or as the end of a longer path it reads."""
    pattern = r"(?<![\w$])" + re.escape(value) + r"(?![\w$\[(]|\.[A-Za-z_$])"
    return re.search(pattern, text) is not None


def _names(text: str, key: str) -> bool:
    return re.search(r"(?<![\w$])" + re.escape(key) + r"(?![\w$])", text) is not None
