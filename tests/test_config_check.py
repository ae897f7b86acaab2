"""`readiness config check` and `readiness config schema`, run as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.config import RepoConfig
from tests.test_cli import ROOT, readiness

SCHEMA = ROOT / "docs" / "readiness-config.schema.json"


def test_the_committed_schema_is_the_one_the_model_gives() -> None:
    """Regenerate with `readiness config schema > docs/readiness-config.schema.json`."""
    done = readiness("config", "schema")
    assert done.returncode == 0, done.stderr
    assert done.stdout == SCHEMA.read_text(encoding="utf-8")
    assert json.loads(done.stdout)["properties"].keys() == RepoConfig.model_fields.keys()


def test_the_schema_accepts_the_readme_example_and_refuses_an_unknown_setting() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n# Paths no rule reports on.", 1)[1].split("```", 1)[0]
    jsonschema.validate(yaml.safe_load(example), schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors({"ignores": ["x/"]}))
    assert errors and "ignores" in errors[0].message


def test_check_prints_the_effective_config_of_a_valid_file(tmp_path: Path) -> None:
    config = tmp_path / "readiness.yml"
    config.write_text("ignore: [vendor/]\n", encoding="utf-8")
    done = readiness("config", "check", str(config))
    assert (done.returncode, done.stderr) == (0, "")
    effective = yaml.safe_load(done.stdout)
    assert effective == {"ignore": ["vendor/"], "allow": {}, "disable": []}


def test_check_names_each_problem_on_one_line_and_exits_two(tmp_path: Path) -> None:
    cases = {
        "disable: [secret]\n": "`disable` names `secret`, which is no pack or rule id (did you "
        "mean `secrets`?)",
        "ignores: [x/]\n": "is invalid: ignores: Extra inputs are not permitted",
        "allow: [\n": "is not valid YAML",
        "ignore: ['!']\n": "Invalid git pattern",
    }
    for text, problem in cases.items():
        config = tmp_path / "readiness.yml"
        config.write_text(text, encoding="utf-8")
        done = readiness("config", "check", str(config))
        assert (done.returncode, done.stdout) == (2, ""), text
        assert done.stderr.count("\n") == 1 and problem in done.stderr, done.stderr
    missing = readiness("config", "check", str(tmp_path / "nope.yml"))
    assert missing.returncode == 2 and "cannot read the config" in missing.stderr
