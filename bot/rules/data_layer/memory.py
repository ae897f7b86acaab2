"""Store-like modules whose persistence is a module-level dict or list: data lost on restart."""

from __future__ import annotations

import re

from bot.rules.code import (
    IO,
    is_data_access,
    make_finding,
    production_code,
)
from bot.rules.model import Finding, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "data-layer"
IN_MEMORY_STORE = "data-layer/in-memory-store"

_CONTAINER = re.compile(
    r"""^(?:export\s+)?(?:(?:const|let|var)\s+)?(?P<name>[A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*
    (?:\{\s*\}|\[\s*\]|dict\(\s*\)|list\(\s*\)|(?:collections\.)?(?:defaultdict|OrderedDict)\(
    |new\s+(?:Map|Set)\b(?:<[^>]*>)?\(\s*\))\s*;?\s*(?:(?:\#|//).*)?$""",
    re.VERBOSE,
)
# Module-level containers that are not persistence: caches, registries, configuration.
_NOT_STORAGE = re.compile(
    r"cache|memo|registry|handlers?|listeners?|subscribers?|config|settings|options|lock|"
    r"__all__|exports|metrics|counters?",
    re.IGNORECASE,
)
_WRITE = r"""(?:\[.+\]\s*=(?!=)|\.(?:append|push|set|add|insert|update|extend|setdefault
    |unshift|splice)\()"""


def check_in_memory_stores(snap: Snapshot) -> list[Finding]:
    """Flag a store module that keeps its records in a module-level dict or list it writes to."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed) or not is_data_access(changed.path, None):
            continue
        containers = [
            (line, match.group("name"))
            for line in changed.added
            if (match := _CONTAINER.match(line.text)) and not _NOT_STORAGE.search(match["name"])
        ]
        if not containers:
            continue
        head = snap.head_lines(changed)
        names = [name for _, name in containers]
        # Array methods on the container itself (`users.find(`) are not I/O.
        if any(IO.search(text) and not any(n in text for n in names) for text in head):
            continue
        for line, name in containers:
            write = re.compile(rf"^\s+.*(?<![\w$.]){re.escape(name)}\s*{_WRITE}", re.VERBOSE)
            if not any(write.match(text) for text in head):
                continue
            message = (
                f"`{name}` is this store's only persistence: a module-level container lives in "
                "one process's memory, so every record written is lost on restart or deploy and "
                "is invisible to the other workers. Store the records in the database (or mark "
                "the module as a demo in `.github/readiness.yml`)."
            )
            findings.append(
                make_finding(IN_MEMORY_STORE, changed.path, line, Severity.WARNING, message)
            )
    return findings
