"""The registry: every rule declared once, with docs, and within the severity policy."""

from __future__ import annotations

from bot.rules.model import Severity
from bot.rules.registry import ERROR_KINDS, PACKS, RULES, policy_violations


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
