"""Pack `cliff`: readiness regressions on changed lines, the rest of the "looks done" cliff.

Auth that stops gating, failures made silent, production guards turned off and observability
removed. Every check runs in process on the snapshot: production guards, a matter of syntax, are
read from the parse trees (`guards.py`). Each module declares its rules beside its checks, docs
included (`bot.rules.model.gather`).
"""

from __future__ import annotations

from bot.rules.cliff.auth import AUTH_BYPASSED, AUTH_REMOVED
from bot.rules.cliff.failures import BARE_EXCEPT, SWALLOWED
from bot.rules.cliff.guards import (
    ANY_HOST,
    CORS_ANY,
    CORS_ANY_JS,
    DEBUG_ON,
    TLS_OFF,
    TLS_OFF_GO,
    TLS_OFF_JS,
)
from bot.rules.cliff.observability import HEALTH_REMOVED, LOGGING_REMOVED
from bot.rules.model import gather

__all__ = [
    "ANY_HOST",
    "AUTH_BYPASSED",
    "AUTH_REMOVED",
    "BARE_EXCEPT",
    "CORS_ANY",
    "CORS_ANY_JS",
    "DEBUG_ON",
    "HEALTH_REMOVED",
    "LOGGING_REMOVED",
    "PACK",
    "SWALLOWED",
    "TLS_OFF",
    "TLS_OFF_GO",
    "TLS_OFF_JS",
]

PACK = gather("cliff", __name__, __path__)
