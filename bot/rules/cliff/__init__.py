"""Pack `cliff`: readiness regressions on changed lines, the rest of the "looks done" cliff.

Auth that stops gating, failures made silent, production guards turned off and observability
removed. Checks that compare base and head live here; production guards that are a matter of
syntax live in rules/semgrep/cliff.yml.
"""

from __future__ import annotations

from bot.rules.cliff.auth import (
    AUTH_BYPASSED,
    AUTH_REMOVED,
    check_auth_bypassed,
    check_auth_removed,
)
from bot.rules.cliff.failures import BARE_EXCEPT, SWALLOWED, check_swallowed_errors
from bot.rules.cliff.observability import (
    HEALTH_REMOVED,
    LOGGING_REMOVED,
    check_error_logging,
    check_health_checks,
)
from bot.rules.model import Pack

__all__ = [
    "AUTH_BYPASSED",
    "AUTH_REMOVED",
    "BARE_EXCEPT",
    "HEALTH_REMOVED",
    "LOGGING_REMOVED",
    "PACK",
    "SWALLOWED",
]

PACK = Pack(
    id="cliff",
    checks=(
        check_auth_removed,
        check_auth_bypassed,
        check_swallowed_errors,
        check_health_checks,
        check_error_logging,
    ),
    rules={
        AUTH_REMOVED: "Auth decorator, dependency or middleware removed from a route that stays.",
        AUTH_BYPASSED: "AllowAny, permit_all or a skipped authentication filter added.",
        SWALLOWED: "An error handler swallows broad errors, or logs them and returns a default.",
        BARE_EXCEPT: "A bare `except:` that also catches KeyboardInterrupt and SystemExit.",
        HEALTH_REMOVED: "A health-check route removed with no route left for its path.",
        LOGGING_REMOVED: "Logging or metrics removed from an error handler that stays.",
    },
)
