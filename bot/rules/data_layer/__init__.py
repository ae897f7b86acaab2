"""Pack `data-layer`: production code must serve real data, not fixtures, mocks or literal records.

These checks read the diff, and the whole files at base and head when at hand. Reads of fixture
files are found in the parse trees (`reads.py`): there the call around the string matters. Each
module declares its rules beside its check, docs included (`bot.rules.model.gather`).
"""

from __future__ import annotations

from bot.rules.data_layer.closed_loop import CLOSED_LOOP
from bot.rules.data_layer.fixtures import FIXTURE_IMPORT
from bot.rules.data_layer.literals import (
    CANNED_FALLBACK,
    CANNED_RESPONSE,
    LITERAL_RECORDS,
    QUERY_REPLACED,
)
from bot.rules.data_layer.memory import IN_MEMORY_STORE
from bot.rules.data_layer.reads import FIXTURE_READ, FIXTURE_READ_JS
from bot.rules.model import gather

__all__ = [
    "CANNED_FALLBACK",
    "CANNED_RESPONSE",
    "CLOSED_LOOP",
    "FIXTURE_IMPORT",
    "FIXTURE_READ",
    "FIXTURE_READ_JS",
    "IN_MEMORY_STORE",
    "LITERAL_RECORDS",
    "PACK",
    "QUERY_REPLACED",
]

PACK_ID = "data-layer"
PACK = gather(PACK_ID, __name__, __path__)
