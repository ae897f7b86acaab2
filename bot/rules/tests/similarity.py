"""Is a removed test still there under another name, in another file, or split or merged?

Two tests are the same when the removed one's body reappears in a test the change keeps or adds:
its tokens (names, words of strings, numbers) are found there, each weighted by how rare it is
among the tests compared (inverse document frequency). Words every test of the file shares
(`client`, `assert`, `response`) count for little; what only this test said (`refund`,
`"presigned-post-url"`) counts for much. So a test renamed, re-cased, moved, parametrized, split
or merged into another still matches, and a test that checked something else does not, however
alike their setup is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

TOKEN = re.compile(r"[A-Za-z_$][\w$]*(?:-[A-Za-z_$0-9]+)*|\d+(?:\.\d+)*")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")
_JOINERS = re.compile(r"[_$-]")
_COMPOUND = re.compile(r"[A-Za-z0-9][_-][A-Za-z0-9]|[a-z][A-Z]")
SAME_BODY = 0.7  # share of the removed test's weighted tokens a replacement must contain
# A test written where a removed one was is that test edited when it keeps most of its name, or
# half its name and some of its body, or much of its body.
EDITED_NAME, EDITED_BOTH, EDITED_BODY = 0.75, (0.5, 0.4), 0.55
MIN_TOKENS = 3  # a body with fewer distinct tokens says too little to be matched by body
# A rewrite contains half of the removed test and is half made of it; or it is the removed test
# trimmed of a step: nearly all made of it, and holding a good part of it.
TWIN, TRIMMED, TWIN_PART = 0.5, 0.9, 0.4


@lru_cache(maxsize=1 << 14)
def tokens(text: str) -> frozenset[str]:
    """Return the distinct tokens of a piece of code, case-folded.

    Cached: each changed test file is judged against the bodies of every new test.
    """
    return frozenset(token.lower() for token in TOKEN.findall(text))


@lru_cache(maxsize=1 << 16)
def fold(token: str) -> str:
    """Fold spellings of one name together: `household_id`, `householdId`, `household-id`."""
    return _JOINERS.sub("", token.lower())


def folded(text: str) -> frozenset[str]:
    """Return the folded tokens of a piece of code."""
    return frozenset(fold(token) for token in TOKEN.findall(text))


@lru_cache(maxsize=1 << 16)
def words(name: str) -> frozenset[str]:
    """Split a name or title into words, singular: `test_refundsMarkOrder` -> refund, mark...

    Cached: a large change asks for the words of the same names many times over.
    """
    spaced = _CAMEL.sub(" ", name).lower()
    return frozenset(_singular(word) for word in _WORD.findall(spaced))


@lru_cache(maxsize=1 << 16)
def compound(token: str) -> bool:
    """Tell whether a name is made of several words (`runtime_js`, `householdId`, `x-api-key`).

    Such names belong to one feature; single words (`status`, `order`) belong to many. Cached:
    a large change asks of the same names in thousands of files.
    """
    return _COMPOUND.search(token.strip("_$-")) is not None


class Weights:
    """Inverse document frequency of tokens over the tests being compared."""

    def __init__(self, documents: Iterable[frozenset[str]]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for document in documents:
            counts.update(document)
            total += 1
        # Every token's weight up front: a large change scores ~100,000 pairs of tests, and a
        # sum over a C-level lookup (`map`) is several times cheaper than a call per token.
        self._of = _Unseen(total)
        self._of.update((token, math.log((total + 1) / count)) for token, count in counts.items())
        self._whole: dict[frozenset[str], float] = {}

    def containment(self, removed: frozenset[str], candidate: frozenset[str]) -> float:
        """Return the weighted share of the removed test's tokens the candidate contains."""
        whole = self._whole.get(removed)
        if whole is None:
            whole = self._whole[removed] = sum(map(self._of.__getitem__, removed))
        if not whole:
            return 0.0
        return sum(map(self._of.__getitem__, removed & candidate)) / whole


class _Unseen(dict[str, float]):
    """Token weights; a token in none of the documents weighs as one seen once."""

    def __init__(self, total: int) -> None:
        super().__init__()
        self._rare = math.log(total + 1)

    def __missing__(self, token: str) -> float:
        return self._rare


def edited(removed: str, written: str, body: float) -> bool:
    """Tell whether a test written in a removed test's place is that test edited in place."""
    named = name_overlap(removed, written)
    least_name, least_body = EDITED_BOTH
    return (
        named >= EDITED_NAME or (named >= least_name and body >= least_body) or body >= EDITED_BODY
    )


def name_overlap(a: str, b: str) -> float:
    """Share of words two test names have in common (`test` itself left out)."""
    first, second = words(a) - {"test"}, words(b) - {"test"}
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def best_match(
    removed: frozenset[str], candidates: Sequence[frozenset[str]], weights: Weights
) -> float:
    """Return how much of the removed test the closest candidate contains (0 when none)."""
    if len(removed) < MIN_TOKENS:
        return 0.0
    return max((weights.containment(removed, c) for c in candidates), default=0.0)


def twins(
    removed: Sequence[frozenset[str]], added: Sequence[frozenset[str]], weights: Weights
) -> frozenset[int]:
    """Return the removed tests that a new test rewrites: each the other's closest match.

    A test renamed and rewritten (moved to a new file for a redesigned page, a step dropped
    with the feature it drove) keeps much of its body, and the new test is mostly made of it:
    each contains at least TWIN of the other (or the new one is the old one trimmed), and
    neither is closer to another test, both ways counted.
    """

    def both(old: frozenset[str], new: frozenset[str]) -> tuple[float, float]:
        return weights.containment(old, new), weights.containment(new, old)

    # Each pair is scored once: the rivals of one pair are the scores of others.
    matrix = [[both(old, new) for new in added] for old in removed]
    found = set()
    for index, body in enumerate(removed):
        if len(body) < MIN_TOKENS:
            continue
        scores = matrix[index]
        closest = max((there + back for there, back in scores), default=0.0)
        for column, (there, back) in enumerate(scores):
            if not (min(there, back) >= TWIN or (back >= TRIMMED and there >= TWIN_PART)):
                continue
            rival = max(
                (sum(matrix[row][column]) for row, other in enumerate(removed) if other != body),
                default=0,
            )
            if there + back >= max(closest, rival):
                found.add(index)
                break
    return frozenset(found)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
