"""`readiness config check [FILE]` and `readiness config schema`: the repository config, locally.

A team edits `.github/readiness.yml` before it lands on the base branch; checking it here gives
the same verdict the server would give (invalid YAML, unknown settings, paths git would reject,
pack or rule ids that do not exist), and prints the effective config with every default filled in.
The JSON Schema comes from the same pydantic model, so editors can validate the file as it is
typed (`docs/readiness-config.schema.json`, tested to match).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.config import CONFIG_PATH, RepoConfig, built_in_ids, parse
from bot.rules import semgrep
from bot.rules.registry import PACKS


def check(path: Path, out: TextIO) -> list[str]:
    """Validate one config file; print the effective config and return its problems.

    Shape: problems are one-line strings (empty when the file is valid). Ids of the repository's
    own semgrep rules (`repo/<id>`) are taken on trust: the rule files live on the base branch.
    Raises OSError when the file cannot be read.
    """
    config, problem = parse(path.read_text(encoding="utf-8"))
    if problem is not None:
        return [problem.replace(f"`{CONFIG_PATH}`", f"`{path}`")]
    known = set(built_in_ids(PACKS))
    known |= {i for _, i in config.named() if i.startswith(f"{semgrep.RULE_PACK}/")}
    problems = [
        p.replace(f"`{CONFIG_PATH}`", f"`{path}`") for p in config.unknown_ids(frozenset(known))
    ]
    if not problems:
        out.write(f"# {path}: valid; the effective config, defaults included:\n")
        out.write(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
    return problems


def schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of `.github/readiness.yml`, from RepoConfig."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **RepoConfig.model_json_schema(),
    }


def schema_text() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(schema(), indent=2) + "\n"
