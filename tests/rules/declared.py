"""Run a pack's checks as the engine does, holding each check to the rules it declares."""

from __future__ import annotations

from bot.rules.model import Finding, Pack
from bot.snapshot.model import Snapshot


def findings(pack: Pack, snap: Snapshot) -> list[Finding]:
    """Run every check of a pack; fail the test when a check reports a rule it does not declare.

    The engine skips a check whose declared rules are all disabled, so a rule a check reports
    without declaring it would vanish whenever its neighbours are turned off.
    """
    found: list[Finding] = []
    for check, rules in pack.checks.items():
        for finding in check(snap):
            assert finding.rule in rules, f"{check.__name__} reports undeclared {finding.rule}"
            found.append(finding)
    return found
