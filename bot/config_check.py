"""`readiness config check [FILE]` and `readiness config schema`: the repository config, locally.

A team edits `.github/readiness.yml` before it lands on the base branch; checking it here gives
the same verdict the server would give (invalid YAML, unknown settings, paths git would reject,
pack or rule ids that do not exist), and prints the effective config with every default filled in.
With `--org FILE`, the organisation's file is laid under it as the server does, and each
setting says which file gave it. The JSON Schema comes from the same pydantic model, so editors
can validate the file as it is typed (`docs/readiness-config.schema.json`, tested to match).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

from bot.config import Layer, RepoConfig, built_in_ids, resolve, trusted_ids
from bot.rules.registry import PACKS


def check(path: Path, out: TextIO, org: Path | None = None) -> list[str]:
    """Validate a config file (and the organisation's, `org`); print the effective config.

    Shape: problems are one-line strings (empty when the files are valid); the effective config
    is YAML with every default filled in, each setting followed by a comment naming the file
    that gave it. Ids of the repository's own semgrep rules (`repo/<id>`) are taken on trust:
    the rule files live on the base branch. Raises OSError when a file cannot be read.
    """
    layers = [Layer(str(f), f.read_text(encoding="utf-8")) for f in (path, org) if f is not None]
    known = built_in_ids(PACKS) | trusted_ids(*layers)
    resolved = resolve(layers[0], layers[1] if org is not None else None, known)
    if resolved.problems:
        return list(resolved.problems)
    out.write(f"# {' over '.join(layer.name for layer in layers)}: valid; the effective config:\n")
    out.write(resolved.describe())
    return []


def schema() -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of `.github/readiness.yml`, from RepoConfig."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **RepoConfig.model_json_schema(),
    }


def schema_text() -> str:
    """The schema as committed: indented JSON with a final newline."""
    return json.dumps(schema(), indent=2) + "\n"
