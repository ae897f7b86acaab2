"""Which of the app's review threads a later push settled: every finding they name is gone.

A thread is the app's when its first comment is by the app's user and carries fingerprint
markers; the app resolves it, and only it, when none of those findings is found any more, the
review read the whole change (a finding missing from a partial review may be unread, not
fixed), and no one has replied in it (a reply makes it a conversation between people, theirs
to close). A thread already resolved is never touched, and none is ever unresolved. A thread a
person reopens without replying is resolved again at the next review if its findings are
still gone: replying in it keeps it open.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from bot.github.conversation import Conversation
from bot.report.review import posted
from bot.rules.model import Finding


@dataclass(frozen=True)
class Settled:
    """Threads whose findings are all gone: `open` ones to resolve (id -> how many findings
    each names), and `closed`, how many findings the already resolved ones name."""

    open: dict[str, int]
    closed: int = 0

    def fixed(self, resolved: Collection[str]) -> int:
        """Count the findings from earlier commits now fixed in resolved threads, given the ids
        GitHub resolved of `open` (a thread it did not resolve does not count)."""
        return self.closed + sum(n for thread, n in self.open.items() if thread in resolved)


def settled(
    conversation: Conversation, found: Iterable[Finding], bot_login: str, *, complete: bool
) -> Settled:
    """Find the app's threads (`bot_login`'s, `slug[bot]`) whose findings are not in `found`,
    every finding the rules reported on this head, ignored ones included (an ignore hides a
    finding, it does not fix it). Nothing is settled by a review that is not `complete`."""
    if not complete:
        return Settled({})
    present = {f.fingerprint for f in found}
    to_resolve: dict[str, int] = {}
    closed = 0
    for thread in conversation.threads:
        first = thread.first
        if first is None or first.author != bot_login:
            continue
        named = posted([first.body])
        if not named or named & present:
            continue
        if thread.resolved:
            closed += len(named)
        elif not thread.replies:
            to_resolve[thread.id] = len(named)
    return Settled(to_resolve, closed)
