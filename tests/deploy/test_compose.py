"""deploy/compose.yaml: valid against the Compose Specification's JSON Schema (as vendored by
check-jsonschema), and wired as issue 14 asks: two replicas sharing Redis behind nginx, with
healthchecks, a data volume, the env file and a grace period over the shutdown timeout."""

from __future__ import annotations

import importlib.resources
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import crossplane
import jsonschema
import pytest
import yaml
from dotenv import dotenv_values

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
SHUTDOWN_TIMEOUT = Settings.model_fields["shutdown_timeout"].default
PINNED_TAG = re.compile(r"[\w./-]+:\d+\.\d+\.\d+(-[\w.]+)?(@sha256:[0-9a-f]{64})?")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = compose["services"]
    return found


def seconds(duration: str) -> float:
    """A Compose duration (`1m30s`, `35s`, `500ms`) in seconds."""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(h|ms|us|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


def nginx_directives(block: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Every `name` directive in `block` and the blocks nested in it."""
    found = []
    for directive in block:
        if directive["directive"] == name:
            found.append(directive)
        found.extend(nginx_directives(directive.get("block", []), name))
    return found


def test_the_file_is_valid_against_the_compose_specification(compose: dict[str, Any]) -> None:
    vendored = importlib.resources.files("check_jsonschema.builtin_schemas.vendor")
    schema = yaml.safe_load(vendored.joinpath("compose-spec.json").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(compose)


def test_two_replicas_share_the_redis_service_they_wait_for(services: dict[str, Any]) -> None:
    bot = services["readiness"]
    assert bot["deploy"]["replicas"] == 2
    # A fixed name or a published port would make the second replica fail to start.
    assert "container_name" not in bot and "ports" not in bot
    url = urlsplit(bot["environment"]["READINESS_REDIS_URL"])
    assert url.scheme == "redis" and url.hostname in services
    assert services[url.hostname]["image"].startswith("redis:")
    assert bot["depends_on"][url.hostname] == {"condition": "service_healthy"}


def test_every_service_has_a_healthcheck_and_the_bot_s_asks_readyz_on_its_port(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name
    bot = services["readiness"]
    port = bot["environment"]["READINESS_PORT"]
    probe = " ".join(bot["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/readyz" in probe


def test_stopping_gives_running_reviews_more_than_the_shutdown_timeout(
    services: dict[str, Any],
) -> None:
    bot = services["readiness"]
    assert seconds(bot["stop_grace_period"]) > SHUTDOWN_TIMEOUT
    assert "READINESS_SHUTDOWN_TIMEOUT" not in bot["environment"], "the default is assumed"


def test_redis_keeps_its_jobs_on_a_named_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    redis = services["redis"]
    assert "--appendonly" in redis["command"]
    assert redis["command"][redis["command"].index("--appendonly") + 1] == "yes"
    (mount,) = redis["volumes"]
    volume, target = mount.split(":")
    assert target == "/data" and volume in compose["volumes"]


def test_images_are_pinned_to_a_release(services: dict[str, Any]) -> None:
    for name in ("redis", "proxy"):
        assert PINNED_TAG.fullmatch(services[name]["image"]), services[name]["image"]


def test_the_env_file_example_names_only_settings_and_compose_supplies_the_rest(
    services: dict[str, Any],
) -> None:
    bot = services["readiness"]
    (env_file,) = bot["env_file"]
    assert env_file == {"path": "readiness.env", "required": True}
    example = dotenv_values(DEPLOY / "readiness.env.example")
    given = {**example, **bot["environment"]}
    for name in given:
        assert name.removeprefix("READINESS_").lower() in Settings.model_fields, name
    required = {n for n, f in Settings.model_fields.items() if f.is_required()}
    assert {f"READINESS_{n.upper()}" for n in required} <= given.keys()
    # The key comes in as a Compose secret, at the path the server is told to read.
    assert bot["secrets"] == ["private-key"]
    assert bot["environment"]["READINESS_PRIVATE_KEY_PATH"] == "/run/secrets/private-key"


def test_nginx_balances_over_the_replicas_and_keeps_metrics_inside(
    services: dict[str, Any],
) -> None:
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    (mount,) = proxy["volumes"]
    source, target, mode = mount.split(":")
    assert (target, mode) == ("/etc/nginx/nginx.conf", "ro")
    parsed = crossplane.parse(str(DEPLOY / source))
    assert parsed["status"] == "ok", parsed["errors"]
    config = parsed["config"][0]["parsed"]

    (upstream,) = nginx_directives(config, "upstream")
    servers = nginx_directives(upstream["block"], "server")
    bot_port = services["readiness"]["environment"]["READINESS_PORT"]
    # One name that Docker's DNS answers with every replica, re-resolved as they come and go.
    assert [s["args"] for s in servers] == [[f"readiness:{bot_port}", "resolve"]]
    assert nginx_directives(config, "resolver")[0]["args"][0] == "127.0.0.11"

    (listen,) = nginx_directives(config, "listen")
    (published,) = proxy["ports"]
    assert published.split(":")[-1] == listen["args"][0]
    locations = {tuple(d["args"]): d["block"] for d in nginx_directives(config, "location")}
    assert nginx_directives(locations[("/",)], "proxy_pass")[0]["args"] == [
        f"http://{upstream['args'][0]}"
    ]
    assert nginx_directives(locations[("=", "/metrics")], "return")[0]["args"] == ["404"]
    # GitHub's 25 MB payloads pass; the app answers 413 itself above its own cap.
    (body,) = nginx_directives(config, "client_max_body_size")
    assert int(body["args"][0].removesuffix("m")) > 26
