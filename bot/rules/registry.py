"""The rule packs the engine runs, in report order, and the table of every rule they emit."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.rules import cliff, data_layer, migrations, secrets, tests
from bot.rules.model import Pack
from bot.rules.semgrep import RULES_DIR

PACKS: tuple[Pack, ...] = (secrets.PACK, tests.PACK, data_layer.PACK, migrations.PACK, cliff.PACK)


def rules(semgrep_dir: Path = RULES_DIR) -> dict[str, str]:
    """Return every rule id with its one-line description, Python and semgrep rules alike."""
    table = {rule: text for pack in PACKS for rule, text in pack.rules.items()}
    for config in sorted(semgrep_dir.glob("*.yml")):
        for rule in yaml.safe_load(config.read_text(encoding="utf-8")).get("rules", []):
            pack, _, name = str(rule["id"]).partition(".")
            description = rule.get("metadata", {}).get("description") or rule.get("message", "")
            table[f"{pack}/{name}"] = " ".join(str(description).split())
    return dict(sorted(table.items()))


def rule_table() -> str:
    """Render the rules as a markdown table (for `/readiness help` and the README)."""
    lines = ["| Rule | What it catches |", "|---|---|"]
    lines += [f"| `{rule}` | {text[:1].upper()}{text[1:]} |" for rule, text in rules().items()]
    return "\n".join(lines)
