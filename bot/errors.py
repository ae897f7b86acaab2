"""The few error types the pipeline tells apart: worth retrying later, or not."""

from __future__ import annotations


class ReadinessError(Exception):
    """Base of the errors this app raises on purpose."""


class TransientError(ReadinessError):
    """Can succeed later: GitHub 5xx, timeouts, rate limits. `retry_after` is a hint in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(TransientError):
    """A creating request may or may not have been applied: GitHub's answer was lost (a 5xx, a
    timeout or a reset connection after the request was sent). Retrying it blindly could create
    a second review or repeat annotations, so the caller first looks for what it may have made.
    """


class PermanentError(ReadinessError):
    """Will fail the same way again: the PR is gone, access was revoked, input is invalid."""


class SettingError(ReadinessError):
    """A setting that cannot work (port in use, Redis unreachable, no job store there).

    The text is `READINESS_<NAME>: <problem>`, one line that never repeats the setting's value;
    the CLI prints it and exits 2.
    """

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
