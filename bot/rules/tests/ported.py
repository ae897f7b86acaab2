"""Tests ported to another runner or file: the same behaviour under a retouched title.

A suite moved from one test runner to another (unit to end-to-end, one harness to another) is
rewritten against a new API, so no body is much like its old self; what stays is the title,
retouched: a hyphen set as an en dash, `/:id` spelt `/{id}`, the suite's title (`POST /partners`)
folded into each test's own, a detail (`(50)`) left out. So a removed test is ported to a new one
when the words of one's full title (its suites' titles and its own) are nearly all words of the
other's, which adds no more than context, and the bodies still share some of what only they say.
Each test is ported once: pairs are taken best first, and a test already taken takes no other.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.rules.tests.rewrites import title_words
from bot.rules.tests.similarity import Weights

PORTED_TITLE = 0.8  # share of the shorter title's words that the longer one must hold
PORTED_WORDS = 2  # fewest words the two titles must share: one word names no behaviour
# Share of both titles' words they have in common: the longer may add the context its suite or
# file gave (`GET /orders`), not a behaviour of its own (`valuations sync` is not `reconciliation
# valuations do not affect balance for reverse syncs`).
PORTED_SHARED = 0.4
PORTED_BODY = 0.2  # weighted share of either body the other must hold: the same checks, re-spelt


def ported(
    removed: Sequence[tuple[str, frozenset[str]]],
    added: Sequence[tuple[str, frozenset[str]]],
    weights: Weights,
) -> frozenset[int]:
    """Return the removed tests (by index) that a new test ports; each test is `(title, tokens)`.

    The title is a test's full key (`POST /partners > with all fields`), the tokens its body's.
    """
    new = [(title_words(title), body) for title, body in added]
    pairs = []
    for index, (title, body) in enumerate(removed):
        old = title_words(title)
        for column, (words, tokens) in enumerate(new):
            common, union = len(old & words), len(old | words)
            if common < max(PORTED_WORDS, PORTED_TITLE * min(len(old), len(words))):
                continue
            if common < PORTED_SHARED * union:
                continue
            there, back = weights.containment(body, tokens), weights.containment(tokens, body)
            if max(there, back) < PORTED_BODY:
                continue
            pairs.append((common / union + there + back, index, column))
    found: set[int] = set()
    taken: set[int] = set()
    for _, index, column in sorted(pairs, reverse=True):
        if index not in found and column not in taken:
            found.add(index)
            taken.add(column)
    return frozenset(found)
