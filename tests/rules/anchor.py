"""Resolve a labelled case's `at`: the one line of a file that holds the text it quotes.

Every corpus with YAML cases names the line an expected finding sits on this way, so a finding on
another line of the same file scores as a miss and a false alarm, not as a hit.
"""

from __future__ import annotations


def line_of(text: str, at: str, case: str) -> int:
    """Return the number of the one line of `text` that contains `at`; fail if not exactly one."""
    numbers = [n for n, line in enumerate(text.splitlines(), 1) if at in line]
    assert len(numbers) == 1, f"{case}: `at: {at}` is on lines {numbers}, not on exactly one"
    return numbers[0]
