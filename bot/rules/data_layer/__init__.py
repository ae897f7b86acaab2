"""Pack `data-layer`: production code must serve real data, not fixtures, mocks or literal records.

These checks read the diff, and the whole files at base and head when at hand. Reads of fixture
files are found by semgrep (`rules/semgrep/data-layer.yml`, `data-layer/fixture-read`): there the
call around the string matters.
"""

from __future__ import annotations

from bot.rules.data_layer.closed_loop import CLOSED_LOOP, check_closed_loop_tests
from bot.rules.data_layer.fixtures import FIXTURE_IMPORT, check_fixture_imports
from bot.rules.data_layer.literals import (
    CANNED_FALLBACK,
    CANNED_RESPONSE,
    LITERAL_RECORDS,
    QUERY_REPLACED,
    check_literal_records,
)
from bot.rules.data_layer.memory import IN_MEMORY_STORE, check_in_memory_stores
from bot.rules.model import Pack

__all__ = [
    "CANNED_FALLBACK",
    "CANNED_RESPONSE",
    "CLOSED_LOOP",
    "FIXTURE_IMPORT",
    "FIXTURE_READ",
    "IN_MEMORY_STORE",
    "LITERAL_RECORDS",
    "PACK",
    "QUERY_REPLACED",
]

PACK_ID = "data-layer"
FIXTURE_READ = "data-layer/fixture-read"

PACK = Pack(
    id=PACK_ID,
    checks=(
        check_fixture_imports,
        check_literal_records,
        check_in_memory_stores,
        check_closed_loop_tests,
    ),
    rules={
        FIXTURE_IMPORT: "Production code imports fixture, mock or test modules.",
        FIXTURE_READ: "Production code reads a file from a fixtures, mocks or testdata folder.",
        LITERAL_RECORDS: "A data-access function returns hard-coded records or a mock constant.",
        QUERY_REPLACED: "A data-access function that queried its data now returns literal records.",
        CANNED_RESPONSE: "A route handler that called a store now answers with a literal payload.",
        CANNED_FALLBACK: "An error handler falls back to canned records instead of failing.",
        IN_MEMORY_STORE: "A store module keeps its records in a module-level dict or list.",
        CLOSED_LOOP: "A test asserts against the same fixture the code under test now returns.",
    },
)
