"""Every built-in rule, registered in one place, and the severity policy they all obey.

The README rule table, `/readiness help` and `docs/rules/` are generated from here, so a rule
cannot drift from its docs. Each pack gathers its rules from its modules, where each rule is
declared beside its check with its docs (`bot.rules.model.gather`): adding a rule is a one-file
change. An `error` rule must also be one of the kinds the severity policy below allows.
"""

from __future__ import annotations

from bot import baseline, config
from bot.rules import cliff, data_layer, docs, migrations, secrets, semgrep, tests
from bot.rules.model import Pack, Rule, Severity
from bot.snapshot.read import Extras

PACKS: tuple[Pack, ...] = (secrets.PACK, tests.PACK, data_layer.PACK, migrations.PACK, cliff.PACK)
RULES: dict[str, Rule] = {rule.id: rule for pack in PACKS for rule in pack.rules}
# Every file a review reads beyond the changed files, listed up front for the snapshot.
EXTRAS: tuple[Extras, ...] = (
    config.wanted,
    baseline.wanted,
    semgrep.wanted,
    *(extra for pack in PACKS for extra in pack.extras),
)

# Each provider whose credentials the secrets pack knows by their exact format: named here, not
# taken from the declarations, so a rule declared an error by mistake fails the policy test.
PROVIDERS = (
    *("aws-access-key", "aws-secret-key", "github-token", "gitlab-token", "slack-token"),
    *("slack-webhook", "stripe-key", "twilio-key", "sendgrid-key", "mailgun-key", "openai-key"),
    *("anthropic-key", "google-api-key", "gcp-service-account", "azure-storage-key", "npm-token"),
    *("pypi-token", "shopify-token", "square-token", "discord-token", "telegram-bot-token"),
    *("webhook-secret", "private-key"),
)

# The severity policy (README, "Severity"): `error` fails a team's build, so only findings that
# are near-certain and whose harm is real may be errors. Everything heuristic is a warning at most,
# and a rule that harms only rolling deploys (`Rule.rolling`) a notice unless the config says
# `deploys: rolling`: the bot cannot see how a team deploys.
ERROR_KINDS: dict[str, frozenset[str]] = {
    "a live credential of a known provider, or a committed credential file": frozenset(
        {f"secrets/{name}" for name in PROVIDERS}
        | {"secrets/committed-secret-file", "secrets/client-exposed-secret"}
    ),
    "a migration missing for a change that alters the database": frozenset(
        {
            migrations.DJANGO,
            migrations.SQLALCHEMY,
            migrations.SCHEMA_WITHOUT_MIGRATION,
            migrations.PRISMA,
            migrations.TYPEORM,
            migrations.SEQUELIZE,
        }
    ),
    "a migration already shipped whose operations are edited": frozenset({migrations.EDITED}),
    # One test removed (`tests/removed-test`) is a warning: the suite stays, and tests retire
    # for reasons a diff cannot show; a whole test file is the suite itself.
    "a test suite or CI test step removed with nothing replacing it": frozenset(
        {"tests/deleted-test-file", "tests/ci-test-step-removed"}
    ),
    "a focused test, which stops the rest of the suite from running": frozenset(
        {"tests/focused-test"}
    ),
}


def policy_violations() -> list[str]:
    """Return the rules declared `error` that the severity policy does not allow to be."""
    allowed = frozenset().union(*ERROR_KINDS.values())
    return sorted(
        rule.id
        for rule in RULES.values()
        if rule.severity is Severity.ERROR and rule.id not in allowed
    )


def rule_table(linked: bool = False) -> str:
    """Render the rules as a markdown table (for `/readiness help` and the README).

    `linked`: each id links to its page, `docs/rules/<pack>/<name>.md`, relative to the
    repository's root (the README's links).
    """
    lines = ["| Rule | Severity | What it catches |", "|---|---|---|"]
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        name = f"[`{rule.id}`]({docs.page(rule.id)})" if linked else f"`{rule.id}`"
        lines.append(f"| {name} | {docs.severity(rule)} | {rule.description} |")
    return "\n".join(lines)
