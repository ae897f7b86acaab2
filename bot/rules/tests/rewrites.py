"""Tests rewritten where they stood: a removed test and the new test written in its place.

A test's place is the nearest test before it that both sides of its file have. A new test in the
place of a removed one is most likely that test edited, renamed with its behaviour; `similarity`
judges one such pair by its name and body. A run of several removed tests replaced, in the same
order, by as many new tests whose titles each keep part of the old one's words is a file rewritten
test by test (a redesign that renames every case): one pair alone may be chance, a run is not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.rules.tests.suites import Suite, Test

MIN_RUN = 2  # removed tests replaced in order, one for one, that make a rewrite
KEPT_WORDS = 1 / 3  # share of a pair's title words (stemmed) the two titles must have in common
_WORD = re.compile(r"[a-z0-9]+")
# Words of a test's title that say nothing of what it tests.
_FILLER = frozenset({
    "a", "an", "the", "is", "are", "be", "it", "its", "to", "of", "for", "on", "in", "at",
    "with", "when", "and", "or", "that", "this", "do", "does", "doesn", "don", "t", "s",
    "should", "test", "using", "use",
})  # fmt: skip
_SUFFIXES = ("ations", "ation", "ions", "ion", "ings", "ing", "ies", "ed", "es", "s")
# A route's parameter, however its framework spells it: `/:id`, `/{id}`, `/[id]`, `/<id>`, `/${id}`.
_PARAM = re.compile(r"(?<=/)(?::\w+|\{[^/{}]*\}|\[[^/\]]*\]|<[^/>]*>|\$\{[^/}]*\})")
_PARAM_WORD = "{param}"  # the word a route's parameter reads as: no title's words could spell it


def slots(base: Suite, head: Suite, gone: list[Test]) -> dict[str, list[Test]]:
    """Pair each removed test with the new tests written in its place (maybe none)."""
    before = {t.key for t in base.tests}
    new = _by_place(head.tests, before)
    return {key: new.get(place, []) for key, place in _places(base, head, gone).items()}


def renamed_in_order(base: Suite, head: Suite, gone: list[Test]) -> frozenset[str]:
    """Return the keys of removed tests that a run of new tests replaces one for one, in order."""
    before = {t.key for t in base.tests}
    new = _by_place(head.tests, before)
    removed: dict[str | None, list[Test]] = {}
    by_key = {t.key: t for t in gone}
    for key, place in _places(base, head, gone).items():
        removed.setdefault(place, []).append(by_key[key])
    found: set[str] = set()
    for place, old in removed.items():
        written = new.get(place, [])
        if len(old) < MIN_RUN or len(old) != len(written):
            continue
        if all(kin(a.name, b.name) for a, b in zip(old, written, strict=True)):
            found.update(t.key for t in old)
    return frozenset(found)


def kin(old: str, new: str) -> bool:
    """Tell whether two test titles share enough words, stemmed, to name one behaviour."""
    first, second = title_words(old), title_words(new)
    union = first | second
    return bool(union) and len(first & second) >= KEPT_WORDS * len(union)


def unparametrised(title: str) -> str:
    """Spell every route parameter of a title alike: `/items/:id` and `/items/[itemId]` read
    `/items/{}`."""
    return _PARAM.sub("{}", title)


@lru_cache(maxsize=1 << 14)
def title_words(title: str) -> frozenset[str]:
    """Return the words of a test's title that say what it tests, stemmed (`selects` -> select).

    A route's parameter is one word however it is spelt: `GET /items/:id` and
    `GET /items/{itemId}` name one route. Cached: each removed test's title is compared with
    every new test's.
    """
    plain, params = _PARAM.subn(" ", title)
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", plain).lower()
    found = frozenset(_stem(w) for w in _WORD.findall(spaced) if w not in _FILLER)
    return found | {_PARAM_WORD} if params else found


def _stem(word: str) -> str:
    """Strip an inflection: `searches`, `submitting`, `selected` -> search, submit, select."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            stem = word[: -len(suffix)]
            doubled = stem[-1] == stem[-2] and stem[-1] not in "lsz"
            return stem[:-1] if doubled else stem
    return word


def _places(base: Suite, head: Suite, gone: list[Test]) -> dict[str, str | None]:
    """Return each removed test's place: the key of the nearest kept test before it."""
    after = {t.key for t in head.tests}
    gone_keys = {t.key for t in gone}
    found: dict[str, str | None] = {}
    place: str | None = None
    for test in base.tests:
        if test.key in gone_keys:
            found[test.key] = place
        elif test.key in after:
            place = test.key
    return found


def _by_place(tests: tuple[Test, ...], before: set[str]) -> dict[str | None, list[Test]]:
    """Group the new tests of a side by their place, in order."""
    found: dict[str | None, list[Test]] = {}
    place: str | None = None
    for test in tests:
        if test.key in before:
            place = test.key
        else:
            found.setdefault(place, []).append(test)
    return found
