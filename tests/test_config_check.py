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
    assert effective == {**RepoConfig().model_dump(mode="json"), "ignore": ["vendor/"]}
    assert f"ignore:  # {config}\n" in done.stdout
    assert "fail_on: error  # built-in default\n" in done.stdout


def test_check_lays_the_organisation_s_file_under_it(tmp_path: Path) -> None:
    own, org = tmp_path / "readiness.yml", tmp_path / "org.yml"
    own.write_text("severity: {tests: error}\nignore: ['!vendor/ours/']\n", encoding="utf-8")
    org.write_text("severity: {tests: notice, cliff: warning}\nignore: [vendor/]\n", "utf-8")
    done = readiness("config", "check", str(own), "--org", str(org))
    assert (done.returncode, done.stderr) == (0, "")
    effective = yaml.safe_load(done.stdout)
    assert effective["severity"] == {"tests": "error", "cliff": "warning"}
    assert effective["ignore"] == ["vendor/", "!vendor/ours/"]
    assert f"severity:  # {org}, {own}\n" in done.stdout
    org.write_text("fail_on: sometimes\n", encoding="utf-8")
    broken = readiness("config", "check", str(own), "--org", str(org))
    assert broken.returncode == 2 and f"`{org}` is invalid: fail_on" in broken.stderr


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
