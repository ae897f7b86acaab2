"""How the secrets pack declares its rules and writes their docs examples.

A provider's credential (its exact key format) is an error: near-certain, and anyone holding it
can use it. A heuristic detection is a warning at most. Every example value is written with a `§`
inside it, removed when the example is built (`example`), so neither the source nor a scan of
it holds a working-looking credential; the docs pages show values redacted.
"""

from __future__ import annotations

from bot.rules.model import Example, Files, Rule, Severity

ROTATE = (
    "Revoke the credential with its provider, then load the new one from a secret store or an "
    "environment variable."
)

PROVIDER_WHY = (
    "Anyone who can read the repository, a fork, a clone or its history can use the credential,"
    " and bots scan public pushes for keys within minutes of a push. Deleting the line later do"
    "es not help: the value stays in git history until the credential is revoked."
)


def example(base: Files, head: Files, title: str = "") -> Example:
    """Build a docs example, the `§` that keeps each value from looking like a credential
    removed."""
    return Example(_whole(base), _whole(head), title)


def _whole(files: Files) -> Files:
    return tuple((path, None if text is None else text.replace("§", "")) for path, text in files)


def provider(name: str, description: str, *, flagged: Example, quiet: Example) -> Rule:
    """Declare a provider's credential: an error, revoked with the provider."""
    return Rule(
        f"secrets/{name}",
        Severity.ERROR,
        description,
        ROTATE,
        why=PROVIDER_WHY,
        flagged=flagged,
        quiet=quiet,
    )


def heuristic(
    name: str,
    description: str,
    *,
    why: str,
    flagged: Example,
    quiet: Example,
    languages: frozenset[str] = frozenset(),
) -> Rule:
    """Declare a heuristic detection: right often, not near-certain, so never above a warning."""
    return Rule(
        f"secrets/{name}", Severity.WARNING, description, ROTATE, languages, why, flagged, quiet
    )
