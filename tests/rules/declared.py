"""Run a pack's checks as the engine does, holding each check to the rules it declares."""

from __future__ import annotations

from bot.rules import paths
from bot.rules.model import Finding, Pack
from bot.snapshot.model import Snapshot


def findings(pack: Pack, snap: Snapshot) -> list[Finding]:
    """Run every check of a pack; fail the test when a check reports a rule it does not declare,
    or on a file of a language its rule does not declare.

    The engine skips a check whose declared rules are all disabled, so a rule a check reports
    without declaring it would vanish whenever its neighbours are turned off; and the rule's
    docs and `/readiness explain` say which languages it reads.
    """
    languages = {rule.id: rule.languages for rule in pack.rules}
    found: list[Finding] = []
    for check, rules in pack.checks.items():
        for finding in check(snap):
            assert finding.rule in rules, f"{check.__name__} reports undeclared {finding.rule}"
            read = languages[finding.rule]
            assert not read or paths.language(finding.path) in read, (
                f"{finding.rule} reports on {finding.path}, of none of its languages"
            )
            found.append(finding)
    return found
