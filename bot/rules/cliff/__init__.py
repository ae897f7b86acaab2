"""Pack `cliff`: readiness regressions on changed lines, the rest of the "looks done" cliff.

Auth that stops gating, failures made silent, production guards turned off and observability
removed. Every check runs in process on the snapshot: production guards, a matter of syntax, are
read from the parse trees (`guards.py`).
"""

from __future__ import annotations

from bot.rules.cliff import examples
from bot.rules.cliff.auth import (
    AUTH_BYPASSED,
    AUTH_REMOVED,
    check_auth_bypassed,
    check_auth_removed,
)
from bot.rules.cliff.failures import BARE_EXCEPT, SWALLOWED, check_swallowed_errors
from bot.rules.cliff.guards import (
    ANY_HOST,
    CORS_ANY,
    CORS_ANY_JS,
    DEBUG_ON,
    TLS_OFF,
    TLS_OFF_GO,
    TLS_OFF_JS,
    check_guards,
)
from bot.rules.cliff.observability import (
    HEALTH_REMOVED,
    LOGGING_REMOVED,
    check_error_logging,
    check_health_checks,
)
from bot.rules.code import SCRIPT_LANGUAGES
from bot.rules.model import Pack, Rule, Severity, documented

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

PYTHON = frozenset({"python"})
SCRIPTS = SCRIPT_LANGUAGES
CODE = PYTHON | SCRIPTS  # `bot.rules.code.CODE_SUFFIXES`

PACK = Pack(
    id="cliff",
    checks={
        check_auth_removed: (AUTH_REMOVED,),
        check_auth_bypassed: (AUTH_BYPASSED,),
        check_swallowed_errors: (SWALLOWED, BARE_EXCEPT),
        check_health_checks: (HEALTH_REMOVED,),
        check_error_logging: (LOGGING_REMOVED,),
        check_guards: (TLS_OFF, TLS_OFF_JS, TLS_OFF_GO, DEBUG_ON, ANY_HOST, CORS_ANY, CORS_ANY_JS),
    },
    rules=(
        Rule(
            AUTH_REMOVED,
            Severity.WARNING,
            "Auth decorator, dependency or middleware removed from a route that stays.",
            "Keep the route protected, or say in the pull request why it is now public.",
            CODE | {"ruby", "java", "kotlin"},
        ),
        Rule(
            AUTH_BYPASSED,
            Severity.WARNING,
            "AllowAny, permit_all or a skipped authentication filter added.",
            "Limit the exception to the routes that must be public.",
            CODE | {"ruby", "java", "kotlin"},
        ),
        Rule(
            SWALLOWED,
            Severity.WARNING,
            "A broad error handler around I/O swallows the error, or logs it and returns an "
            "empty result (a browser page's analytics beacon may drop its failure, and an empty "
            "handler whose comment gives its reason was decided on).",
            "Let the error propagate, or log it and return an error the caller can see.",
            CODE,
        ),
        Rule(
            BARE_EXCEPT,
            Severity.WARNING,
            "A bare `except:` that also catches KeyboardInterrupt and SystemExit.",
            "Catch the exceptions you expect, or at least `Exception`.",
            frozenset({"python"}),
        ),
        Rule(
            HEALTH_REMOVED,
            Severity.WARNING,
            "A health-check route removed with no route left for its path.",
            "Keep the health check: load balancers and orchestrators probe it.",
            CODE | {"ruby", "go"},
        ),
        Rule(
            LOGGING_REMOVED,
            Severity.WARNING,
            "Logging or metrics removed from an error handler that stays.",
            "Keep the log line or metric so failures stay visible.",
            CODE,
        ),
        Rule(
            TLS_OFF,
            Severity.WARNING,
            "TLS certificate verification turned off in Python (`verify=False`, "
            "`session.verify = False`, unverified SSL contexts).",
            'Remove the override; for a private CA pass its bundle (`verify="/path/ca.pem"`).',
            PYTHON,
        ),
        Rule(
            TLS_OFF_JS,
            Severity.WARNING,
            "TLS certificate verification turned off in JS/TS (rejectUnauthorized, "
            "NODE_TLS_REJECT_UNAUTHORIZED).",
            "Remove the override; for a private CA pass its certificate (`ca:`).",
            SCRIPTS,
        ),
        Rule(
            TLS_OFF_GO,
            Severity.WARNING,
            "TLS certificate verification turned off in Go (InsecureSkipVerify).",
            "Remove InsecureSkipVerify; for a private CA set RootCAs.",
            frozenset({"go"}),
        ),
        Rule(
            DEBUG_ON,
            Severity.WARNING,
            "DEBUG = True in settings that are not local, dev or test settings.",
            "Read DEBUG from the environment, defaulting to False; keep True in dev settings.",
            PYTHON,
        ),
        Rule(
            ANY_HOST,
            Severity.WARNING,
            'Django ALLOWED_HOSTS accepts any host ("*").',
            "List the real domains, read from the environment.",
            PYTHON,
        ),
        Rule(
            CORS_ANY,
            Severity.WARNING,
            "CORS allows any origin together with credentials (cookies).",
            "List the trusted origins.",
            PYTHON,
        ),
        Rule(
            CORS_ANY_JS,
            Severity.WARNING,
            "CORS allows any origin together with credentials in JS/TS (`cors()`, `enableCors`).",
            "List the trusted origins.",
            SCRIPTS,
        ),
    ),
)
PACK = documented(PACK, examples.WHY, examples.EXAMPLES)
