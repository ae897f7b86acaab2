"""Build a review's snapshot: read every file the rules will look at, once, before any rule runs."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from bot.diff.model import Change, FileStatus, Ref
from bot.snapshot import generated
from bot.snapshot.model import Snapshot

Wanted = tuple[str, Ref]


class Contents(Protocol):
    """Reads whole files of the reviewed repository: GitHub's API in the server, git locally."""

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        """Return every file path of the repository at head or base, or None when unknown."""
        ...

    async def read_many(self, wanted: Sequence[Wanted]) -> dict[Wanted, str | None]:
        """Read many files at once (batched by the implementation); None for each unreadable."""
        ...


class NoContents:
    """The contents of a bare diff file: nothing beyond the diff is known."""

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        return None

    async def read_many(self, wanted: Sequence[Wanted]) -> dict[Wanted, str | None]:
        return dict.fromkeys(wanted)


# A pack's list of the extra files it reads, given the change and the repository's listings.
Extras = Callable[[Change, dict[Ref, frozenset[str] | None]], Iterable[Wanted]]


def changed_sides(change: Change) -> set[Wanted]:
    """Name both sides of every changed text file: base at the old path, head at the new one."""
    wanted: set[Wanted] = set()
    for changed in change.files:
        if changed.binary:
            continue
        if changed.status is not FileStatus.ADDED:
            wanted.add((changed.old_path or changed.path, "base"))
        if changed.status is not FileStatus.REMOVED:
            wanted.add((changed.path, "head"))
    return wanted


async def build(
    change: Change, contents: Contents, extras: Iterable[Extras] = (), description: str = ""
) -> Snapshot:
    """Read the listings, then every changed file's two sides and the packs' extra files, for
    a change that says `description` of itself (`model.describe`).

    Reads go through `contents.read_many`, which batches them (one `git cat-file --batch`, or
    concurrent API reads that share one fetch per file). Unreadable files come back as None.
    """
    listings, wanted = await plan(change, contents, extras)
    texts = await contents.read_many(wanted)
    return Snapshot(change, texts, listings, description=description)


async def plan(
    change: Change, contents: Contents, extras: Iterable[Extras] = ()
) -> tuple[dict[Ref, frozenset[str] | None], list[Wanted]]:
    """Read the listings and name every file a snapshot of `change` reads, in a stable order.

    The head listing is the base listing with the change applied (one tree read, not two),
    unless the change is not whole (a file left out or unparsable), when it is read as well.
    """
    base = await contents.files("base")
    head = after(base, change)
    if head is None:
        head = await contents.files("head")
    listings: dict[Ref, frozenset[str] | None] = {"base": base, "head": head}
    wanted = changed_sides(change)
    wanted.add(
        (generated.GITATTRIBUTES, "base")
    )  # like the config: a PR cannot mark itself generated
    for extra in extras:
        wanted.update(extra(change, listings))
    return listings, sorted(wanted)


def after(base: frozenset[str] | None, change: Change) -> frozenset[str] | None:
    """The head listing derived from the base one: exact when the change is the whole
    base-to-head diff, so None (unknown) when it is not: a problem means a file is missing."""
    if base is None or change.problems:
        return None
    gone = {f.old_path or f.path for f in change.files if f.status is not FileStatus.ADDED}
    came = {f.path for f in change.files if f.status is not FileStatus.REMOVED}
    return frozenset((base - gone) | came)
