"""The image's HEALTHCHECK, run as Docker runs it, against a real `readiness serve`: it passes
while the server is ready on READINESS_PORT and fails once nothing answers there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from dockerfile_parse import DockerfileParser

from tests.conftest import APP_ID, SECRET, free_port
from tests.fake_github import make_app_key
from tests.serving import serving

ROOT = Path(__file__).resolve().parents[2]


def healthcheck_command() -> list[str]:
    """The exec form after `CMD` in the Dockerfile's HEALTHCHECK, run by this interpreter."""
    parser = DockerfileParser(str(ROOT / "deploy" / "Dockerfile"))
    (check,) = [i["value"] for i in parser.structure if i["instruction"] == "HEALTHCHECK"]
    command: list[str] = json.loads(check.split(" CMD ", 1)[1])
    assert command[0] == "python"  # the image's venv python, first on its PATH
    return [sys.executable, *command[1:]]


def test_the_healthcheck_passes_on_a_ready_server_and_fails_when_it_is_gone(
    tmp_path: Path,
) -> None:
    port = str(free_port())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("READINESS_")},
        "READINESS_APP_ID": str(APP_ID),
        "READINESS_PRIVATE_KEY": make_app_key()[0],
        "READINESS_WEBHOOK_SECRET": SECRET,
        "READINESS_GITHUB_API_URL": "http://127.0.0.1:9",  # no GitHub needed to be ready
        "READINESS_DATA_DIR": str(tmp_path / "data"),
        "READINESS_HOST": "127.0.0.1",
        "READINESS_PORT": port,
    }
    check_env = {**os.environ, "READINESS_PORT": port}
    with serving(env, tmp_path) as server:
        ready = subprocess.run(
            healthcheck_command(), env=check_env, capture_output=True, timeout=30, check=False
        )
        assert ready.returncode == 0, ready.stderr
        server.stop(timeout=60)
    gone = subprocess.run(
        healthcheck_command(), env=check_env, capture_output=True, timeout=30, check=False
    )
    assert gone.returncode != 0
    assert b"Connection refused" in gone.stderr
