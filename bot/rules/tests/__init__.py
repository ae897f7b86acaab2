"""Pack `tests`: changes that make the safety net thinner, so regressions pass CI.

Deleted, removed, weakened, skipped and focused tests in Python, JS/TS, Ruby, Go and Java/Kotlin,
and CI that runs fewer tests or ignores their failure. Tests are found by their definitions in the
text and their parse trees, never by importing or running anything. Each module declares its
rules beside its checks, docs included (`bot.rules.model.gather`).
"""

from __future__ import annotations

from bot.rules.model import gather
from bot.rules.tests.ci import ci_files
from bot.rules.tests.languages import is_test_file
from bot.rules.tests.markers import check_markers
from bot.rules.tests.removed import check_removed_tests

__all__ = ["PACK", "check_markers", "check_removed_tests", "is_test_file"]

PACK = gather("tests", __name__, __path__, extras=(ci_files,))
