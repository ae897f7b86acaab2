"""The progress line `readiness scan` writes on standard error while a large change is reviewed.

A scan of a thousand files takes seconds; past a threshold (2 s by default, so a small scan
shows nothing) the line says how far it is — `readiness: 412/1000 files parsed, 3/27 rule
checks` — rewritten in place with a carriage return and cleared at the end, so the terminal
keeps only the report. It is written only when standard error is a terminal: a pipe or a CI
log would fill with carriage returns. Standard output never carries it, so the report's formats
(text, JSON, SARIF, workflow commands) stay what they are.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TextIO

AFTER_S = 2.0


@dataclass(frozen=True)
class Step:
    """How far a review is: changed files parsed of those code rules read, rule checks run."""

    files_done: int
    files: int
    checks_done: int
    checks: int

    def describe(self) -> str:
        return (
            f"readiness: {self.files_done}/{self.files} files parsed, "
            f"{self.checks_done}/{self.checks} rule checks"
        )


class ProgressLine:
    """Show each `Step` on one line of `stream` once `after` seconds have passed; a context
    manager that clears the line on the way out (errors included).

    `clock` gives seconds (monotonic); the line is written only when `stream` is a terminal.
    """

    def __init__(
        self,
        stream: TextIO,
        after: float = AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._live = stream.isatty()
        self._after = after
        self._clock = clock
        self._started = clock()
        self._width = 0  # of the longest text written: a shorter one must cover it

    @property
    def live(self) -> bool:
        """Tell whether the line can be shown at all (its stream is a terminal): when not, the
        scan need not report its progress, nor parse its files up front to count them."""
        return self._live

    def __enter__(self) -> ProgressLine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.clear()

    def __call__(self, step: Step) -> None:
        if not self._live or self._clock() - self._started < self._after:
            return
        text = step.describe()
        self._write("\r" + text.ljust(self._width))
        self._width = max(self._width, len(text))

    def clear(self) -> None:
        """Blank the line and put the cursor back at its start; nothing if none was shown."""
        if self._width:
            self._write("\r" + " " * self._width + "\r")
            self._width = 0

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()
