"""How the migrations pack declares its rules: the three kinds share a severity and a fix.

A missing migration is an error (the database no longer matches the code); a dangerous one a
warning (whether it hurts depends on the table's size and traffic); one that harms only the old
version while it still serves (breaks its queries, or blocks its writes behind a lock taken for
the build alone) is a warning under rolling deploys and a notice otherwise.
"""

from __future__ import annotations

from bot.rules.model import Example, Rule, Severity

# A Rails app's migrations, and its schema dump: db/schema.rb or db/structure.sql.
RAILS_LANGUAGES = frozenset({"ruby", "sql"})
MISSING_FIX = (
    "Generate the migration with the framework's own command (makemigrations, alembic revision "
    "--autogenerate, rails generate migration, prisma migrate dev, …) and commit it."
)
DANGEROUS_FIX = (
    "Split it into steps that old and new code both survive (expand, deploy, contract), or say in "
    "the pull request why the table is small or unused."
)
ROLLING_FIX = (
    "Nothing, when the old version stops before migrations run. With rolling deploys, stop using "
    "the column or name in one release and migrate in the next (expand, deploy, contract)."
)


def missing(
    rule: str,
    description: str,
    languages: frozenset[str],
    *,
    why: str,
    flagged: Example,
    quiet: Example,
) -> Rule:
    """Declare a rule on a schema change whose migration is missing."""
    return Rule(rule, Severity.ERROR, description, MISSING_FIX, languages, why, flagged, quiet)


# The rules on new and edited migrations declare no languages: a migration is judged in whatever
# language it is written (Laravel's PHP, Ecto's Elixir, goose's Go in a folder the config names),
# by its lines where no parser of ours knows it.
def dangerous(
    rule: str,
    description: str,
    *,
    why: str,
    flagged: Example,
    quiet: Example,
    rolling: bool = False,
) -> Rule:
    """Declare a rule on a new migration that can hurt a deploy (locks, lost data).

    `rolling`: the harm is only to the version still serving while the migration runs (a lock
    that blocks its writes), so it is a notice for teams whose old version stops first.
    """
    return Rule(
        rule,
        Severity.WARNING,
        description,
        DANGEROUS_FIX,
        frozenset(),
        why,
        flagged,
        quiet,
        rolling=rolling,
    )


def deploy_dependent(
    rule: str, description: str, *, why: str, flagged: Example, quiet: Example
) -> Rule:
    """Declare a rule that breaks only the old version while it serves during a rolling deploy."""
    return Rule(
        rule,
        Severity.WARNING,
        description,
        ROLLING_FIX,
        frozenset(),
        why,
        flagged,
        quiet,
        rolling=True,
    )
