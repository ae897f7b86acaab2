"""The registry: every rule declared once, with docs, and within the severity policy."""

from __future__ import annotations

import pytest

from bot.rules import migrations, paths, secrets
from bot.rules.model import Severity
from bot.rules.registry import ERROR_KINDS, PACKS, RULES, policy_violations

_CREDENTIAL = "a credential can be pasted into any text file: code, config, `.env`, docs"
_MIGRATION = (
    "a migration is judged in whatever language it is written (Laravel's PHP, Ecto's Elixir, "
    "goose's Go in a folder the config names), by its lines where no parser knows it"
)
# The rules that judge a changed file whatever its language, each with the reason; every other
# rule declares the languages it reads.
ANY_FILE = {
    **{
        rule.id: _CREDENTIAL
        for rule in secrets.PACK.rules
        # Django settings are Python; browser code and credential files say below.
        if rule.id
        not in {
            "secrets/django-secret-key",
            "secrets/client-env-read",
            "secrets/client-exposed-secret",
            "secrets/committed-secret-file",
        }
    },
    "secrets/client-exposed-secret": (
        "a credential reaches the browser from any file the bundler inlines (`NEXT_PUBLIC_` in "
        "a `.env`) or that sits under a frontend root"
    ),
    "secrets/committed-secret-file": "a credential file is known by its name (`.env`, `id_rsa`)",
    **dict.fromkeys(
        (
            *(migrations.sql.DROP_TABLE, migrations.sql.DROP_COLUMN, migrations.sql.RENAME),
            *(migrations.sql.NOT_NULL, migrations.sql.INDEX, migrations.sql.TYPE_CHANGE),
            migrations.EDITED,
        ),
        _MIGRATION,
    ),
}


def test_only_near_certain_harmful_rules_may_fail_a_build() -> None:
    """`error` is a promise: no heuristic rule may be declared with it."""
    assert policy_violations() == []


def test_the_policy_names_only_rules_that_exist() -> None:
    named = frozenset().union(*ERROR_KINDS.values())
    assert named <= set(RULES)


def test_heuristic_rules_are_warnings_at_most() -> None:
    """Rules the policy does not list are never errors; a sample of heuristic rules proves it."""
    for rule in ("secrets/generic-secret", "cliff/swallowed-error", "data-layer/canned-response"):
        assert RULES[rule].severity is not Severity.ERROR


def test_every_rule_is_declared_once_with_its_docs() -> None:
    ids = [rule.id for pack in PACKS for rule in pack.rules]
    assert len(ids) == len(set(ids))
    for rule in RULES.values():
        assert rule.pack in {pack.id for pack in PACKS}, rule.id
        assert rule.description.strip(), rule.id
        assert rule.fix.strip(), rule.id


def test_every_check_declares_the_rules_it_reports() -> None:
    """The engine skips a check once all its declared rules are disabled, so each check
    declares at least one rule, only rules of its pack, and every rule has a check.

    That a check reports nothing beyond its declaration is held by `tests.rules.declared`,
    which the pack and corpus tests run every check through.
    """
    for pack in PACKS:
        assert all(pack.checks.values()), pack.id
        declared = [rule for rules in pack.checks.values() for rule in rules]
        assert sorted(declared) == sorted(pack.ids), pack.id


def test_only_what_harms_the_serving_old_version_depends_on_how_the_team_deploys() -> None:
    """A dropped or renamed column breaks only the old version serving during a rolling deploy,
    and a plain index build blocks only its writes, and a dropped table fails only its queries;
    rewrites and NOT NULL hurt whatever the deploy style."""
    rolling = {rule.id for rule in RULES.values() if rule.rolling}
    assert rolling == {
        "migrations/drop-column",
        "migrations/drop-table",
        "migrations/rename",
        "migrations/index-not-concurrent",
    }
    for rule_id in rolling:
        assert RULES[rule_id].highest("stop") is Severity.NOTICE
        assert RULES[rule_id].highest("rolling") is Severity.WARNING
    for rule_id in ("migrations/column-type-change", "migrations/not-null-on-existing-table"):
        assert RULES[rule_id].highest("stop") is Severity.WARNING


def test_a_rule_that_reads_some_languages_declares_them() -> None:
    """Its docs and `/readiness explain` say which files it reads; a rule that declares none
    judges any text file, and must be listed with the reason why."""
    undeclared = {rule.id for rule in RULES.values() if not rule.languages}
    assert undeclared == set(ANY_FILE)


def test_rules_declare_only_languages_a_file_can_have() -> None:
    """A misspelt language (`yml`, `js`) would match no file: `paths.language` never names it."""
    unknown = {rule.id: rule.languages - paths.LANGUAGES for rule in RULES.values()}
    assert {rule: names for rule, names in unknown.items() if names} == {}


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("shop/models.py", "python"),
        ("web/src/App.tsx", "tsx"),
        ("web/src/db/entities/Order.mts", "typescript"),
        ("api/src/main/java/shop/Orders.java", "java"),
        ("db/structure.sql", "sql"),
        ("prisma/schema/orders.prisma", "prisma"),
        ("Makefile", "make"),
        ("justfile", "just"),
        (".coveragerc", "ini"),
        ("setup.cfg", "ini"),
        (".github/workflows/ci.yml", "yaml"),
        ("web/src/components/Pay.vue", "vue"),
        # Look-alikes: a name's stem, or a suffix after the one that names a language.
        ("docs/Makefile.md", None),
        ("db/structure.sql.orig", None),
        ("build/justfile_helpers.sh", None),
        ("README", None),
    ],
)
def test_a_path_has_the_language_rules_declare(path: str, language: str | None) -> None:
    """Rules name the languages they read as `paths.language` names a changed file's."""
    assert paths.language(path) == language
