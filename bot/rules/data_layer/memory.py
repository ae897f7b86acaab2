"""Store-like modules whose persistence is a module-level dict or list: data lost on restart.

Only a container the change brings is judged: one the base side already declared under the same
name (a type annotation added, a line reformatted) was there before, and is not this change's doing.
Nor is one that only paces the process's own log lines (when each reason was last warned about),
told from the head's parse tree (`bookkeeping.py`): it is meant to start empty in every process.
"""

from __future__ import annotations

import re

from bot.diff.model import FileStatus
from bot.rules.code import (
    CODE_LANGUAGES,
    IO,
    is_data_access,
    make_finding,
    production_code,
)
from bot.rules.data_layer.bookkeeping import log_bookkeeping
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "data-layer"
IN_MEMORY_STORE = "data-layer/in-memory-store"

_CONTAINER = re.compile(
    r"""^(?:export\s+)?(?:(?:const|let|var)\s+)?(?P<name>[A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*
    (?:\{\s*\}|\[\s*\]|dict\(\s*\)|list\(\s*\)|(?:collections\.)?(?:defaultdict|OrderedDict)\(
    |new\s+(?:Map|Set)\b(?:<[^>]*>)?\(\s*\))\s*;?\s*(?:(?:\#|//).*)?$""",
    re.VERBOSE,
)
_MODULE_NAME = re.compile(
    r"^(?:export\s+)?(?:(?:const|let|var)\s+)?(?P<name>[A-Za-z_$][\w$]*)\s*(?::[^=]+)?=(?!=)"
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
        if containers and changed.status is not FileStatus.ADDED:
            had = _declared(snap.source(changed.old_path or changed.path, "base").lines)
            containers = [(line, name) for line, name in containers if name not in had]
        if not containers:
            continue
        head = snap.head_lines(changed)
        source = snap.source(changed.path, "head")
        names = [name for _, name in containers]
        # Array methods on the container itself (`users.find(`) are not I/O.
        if any(IO.search(text) and not any(n in text for n in names) for text in head):
            continue
        for line, name in containers:
            write = re.compile(rf"^\s+.*(?<![\w$.]){re.escape(name)}\s*{_WRITE}", re.VERBOSE)
            if not any(write.match(text) for text in head) or log_bookkeeping(source, name):
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


def _declared(lines: list[str]) -> frozenset[str]:
    """Return the names a side of a file assigns at module level, whatever their value's type."""
    return frozenset(match["name"] for text in lines if (match := _MODULE_NAME.match(text)))


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        IN_MEMORY_STORE,
        Severity.WARNING,
        "A store module keeps its records in a module-level dict or list.",
        "Keep records in the database or cache the app already uses.",
        CODE_LANGUAGES,
        why="Records kept in a module-level dict or list vanish on every restart and differ "
        "between processes and replicas: data is lost and users see inconsistent state.",
        flagged=Example(
            title="python store keeps orders in a module-level dict",
            base=(
                (
                    "shop/orders/store.py",
                    """\
from shop.db import connection


def save(order: dict) -> None:
    connection().execute("INSERT INTO orders (id, total) VALUES (%s, %s)", order["id"], order["total"])


def get(order_id: int) -> dict | None:
    return connection().fetch_one("SELECT * FROM orders WHERE id = %s", order_id)
""",  # noqa: E501
                ),
            ),
            head=(
                (
                    "shop/orders/store.py",
                    """\
_orders: dict[int, dict] = {}


def save(order: dict) -> None:
    _orders[order["id"]] = order


def get(order_id: int) -> dict | None:
    return _orders.get(order_id)
""",
                ),
            ),
        ),
        quiet=Example(
            title="store module with constant tables it never writes to",
            base=(
                (
                    "shop/orders/store.py",
                    """\
from shop.db import connection
""",
                ),
            ),
            head=(
                (
                    "shop/orders/store.py",
                    """\
from shop.db import connection

COLUMNS: list[str] = []
_statuses: dict[str, str] = {}


def columns() -> list[str]:
    return COLUMNS or ["id", "total"]


def load(order_id: int) -> dict | None:
    return connection().fetch_one("SELECT * FROM orders WHERE id = %s", order_id)
""",
                ),
            ),
        ),
    ),
)
CHECKS = {check_in_memory_stores: (IN_MEMORY_STORE,)}
