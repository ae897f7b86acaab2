"""Pack `data-layer`: production code must serve real data, not fixtures, mocks or literal records.

These checks read the diff, and the whole files at base and head when at hand. Reads of fixture
files are found in the parse trees (`reads.py`): there the call around the string matters.
"""

from __future__ import annotations

from bot.rules.data_layer import examples
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
from bot.rules.data_layer.reads import FIXTURE_READ, FIXTURE_READ_JS, check_fixture_reads
from bot.rules.model import Pack, Rule, Severity, documented

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
CODE = frozenset({"python", "javascript", "typescript", "tsx"})

PACK = Pack(
    id=PACK_ID,
    checks={
        check_fixture_imports: (FIXTURE_IMPORT,),
        check_fixture_reads: (FIXTURE_READ, FIXTURE_READ_JS),
        check_literal_records: (LITERAL_RECORDS, QUERY_REPLACED, CANNED_RESPONSE, CANNED_FALLBACK),
        check_in_memory_stores: (IN_MEMORY_STORE,),
        check_closed_loop_tests: (CLOSED_LOOP,),
    },
    rules=(
        Rule(
            FIXTURE_IMPORT,
            Severity.WARNING,
            "Production code imports fixture, mock or test modules.",
            "Import the real implementation; keep fixtures and mocks in tests.",
            CODE,
        ),
        Rule(
            FIXTURE_READ,
            Severity.WARNING,
            "Production code reads a file from a fixtures, mocks or testdata folder.",
            "Read the data from its real store; keep fixture files for tests.",
            frozenset({"python"}),
        ),
        Rule(
            FIXTURE_READ_JS,
            Severity.WARNING,
            "Production JS/TS code reads a file from a fixtures, mocks or testdata folder.",
            "Read the data from its real store; keep fixture files for tests and stories.",
            frozenset({"javascript", "typescript", "tsx"}),
        ),
        Rule(
            LITERAL_RECORDS,
            Severity.WARNING,
            "A data-access function returns hard-coded records or a mock constant.",
            "Query the real store, or move the records to a seed or a test fixture.",
            CODE,
        ),
        Rule(
            QUERY_REPLACED,
            Severity.WARNING,
            "A data-access function that queried its data now returns literal records.",
            "Restore the query; if the data is static, say so in a constant named for it.",
            CODE,
        ),
        Rule(
            CANNED_RESPONSE,
            Severity.WARNING,
            "A route handler that called a store now answers with a literal payload.",
            "Answer from the store again, or return an explicit error response.",
            CODE,
        ),
        Rule(
            CANNED_FALLBACK,
            Severity.WARNING,
            "An error handler falls back to canned records instead of failing.",
            "Let the error surface (or return an error response) instead of fake data.",
            CODE,
        ),
        Rule(
            IN_MEMORY_STORE,
            Severity.WARNING,
            "A store module keeps its records in a module-level dict or list.",
            "Keep records in the database or cache the app already uses.",
            CODE,
        ),
        Rule(
            CLOSED_LOOP,
            Severity.WARNING,
            "A test asserts against the same fixture the code under test now returns.",
            "Assert against values the test states itself, and let the code read its real store.",
            CODE,
        ),
    ),
)
PACK = documented(PACK, examples.WHY, examples.EXAMPLES)
