"""`/readiness explain` is generated from the registry for every rule, pack and repository rule."""

from __future__ import annotations

import pytest

from bot.report.answers import explain, help_text
from bot.rules.model import Rule, Severity
from bot.rules.registry import ERROR_KINDS, PACKS, RULES


@pytest.mark.parametrize("rule", sorted(RULES.values(), key=lambda r: r.id), ids=lambda r: r.id)
def test_every_rule_is_explained_from_its_declaration(rule: Rule) -> None:
    text = explain(rule.id)
    assert rule.description.rstrip(".") in text and rule.fix in text
    assert f"/readiness ignore {rule.id}" in text and f"disable: [{rule.id}]" in text
    if rule.severity is Severity.ERROR:
        (kind,) = (k for k, ids in ERROR_KINDS.items() if rule.id in ids)
        assert kind in text and "fails the check" in text
    else:
        assert "fails the check" not in text


def test_a_pack_lists_its_rules() -> None:
    pack = PACKS[0]
    text = explain(pack.id)
    assert all(f"`{rule.id}`" in text for rule in pack.rules)


def test_a_repository_rule_points_to_its_rule_file() -> None:
    text = explain("repo/no-print-in-app")
    assert ".github/readiness/semgrep/" in text and "/readiness ignore repo/no-print-in-app" in text


def test_help_names_every_rule() -> None:
    text = help_text()
    assert all(f"`{rule_id}`" in text for rule_id in RULES)


def test_a_rule_harming_only_rolling_deploys_says_what_makes_it_a_warning() -> None:
    """The team reading `explain` learns the notice is one because of how they may deploy, and
    which setting makes it a warning; a NOT NULL column's explanation has no such caveat."""
    text = explain("migrations/drop-column")
    assert text.startswith("### `migrations/drop-column` (notice; warning with `deploys: rolling`)")
    assert "It is a **notice**" in text and "`deploys: rolling` in `.github/readiness.yml`" in text
    assert "deploys: rolling" not in explain("migrations/not-null-on-existing-table")
