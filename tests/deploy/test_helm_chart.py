"""deploy/helm/readiness: linted and rendered by Helm's own Go SDK (helm-python-sdk, no cluster
needed), each manifest checked against Kubernetes' schemas (kubernetes-validate), and what it
wires checked against what `readiness serve` accepts."""

from __future__ import annotations

import base64
import copy
import os
import re
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from bot.settings import LOG_LEVELS, Settings
from tests.fake_github.auth import make_app_key

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "readiness"
SHUTDOWN_TIMEOUT = Settings.model_fields["shutdown_timeout"].default
# The oldest Kubernetes release still in upstream support when this was written, and the newest
# schema kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())
REDIS_URL = "redis://:hunter2@redis.example.internal:6379/2"

Manifest = dict[str, Any]


def values(**overrides: Any) -> dict[str, Any]:
    """The least a user must give (app id, key, webhook secret), deep-merged with `overrides`."""
    merged: dict[str, Any] = {
        "github": {"appId": 4242, "privateKey": make_app_key()[0], "webhookSecret": "s3cret"}
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def render(chart_values: dict[str, Any]) -> list[Manifest]:
    """Every manifest `helm template` would print for these values (NOTES.txt aside)."""
    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(chart_values, name="demo", namespace="bots")
    return [
        document
        for path, text in sorted(rendered.items())
        if path.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    ]


def only(manifests: list[Manifest], kind: str) -> Manifest:
    (found,) = [m for m in manifests if m["kind"] == kind]
    return found


def kinds(manifests: list[Manifest]) -> list[str]:
    return sorted(m["kind"] for m in manifests)


def container(manifests: list[Manifest]) -> Manifest:
    (found,) = only(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
    return found


def env_value(manifests: list[Manifest], name: str) -> Any:
    """An env entry's `value`, or its `valueFrom` when it comes from a Secret."""
    (entry,) = [e for e in container(manifests)["env"] if e["name"] == name]
    return entry.get("value", entry.get("valueFrom"))


# What each kind of deployment renders: one pod on SQLite; pods sharing the user's Redis, scaled
# by an HPA behind an Ingress; the Bitnami subchart; and Secrets the user made themselves.
CASES = {
    "sqlite": values(),
    "external-redis-autoscaled": values(
        externalRedis={"url": REDIS_URL},
        autoscaling={"enabled": True},
        ingress={"enabled": True, "className": "nginx", "tls": [{"hosts": ["r.example.com"]}]},
    ),
    "bitnami-redis": values(redis={"enabled": True}, replicaCount=3),
    "existing-secrets": {
        "github": {"appId": "4242", "existingSecret": "readiness-github"},
        "externalRedis": {"existingSecret": "readiness-redis", "existingSecretKey": "url"},
        "replicaCount": 2,
    },
}


def test_helm_lint_finds_no_error_and_warns_only_that_the_optional_redis_is_not_vendored() -> None:
    report = helm.lint(CHART, values(), kube_version="v1.31.0")
    assert report["errors"] == []
    problems = [m["error"] for m in report["messages"] if m["severity"] >= 2]
    assert problems == ["chart directory is missing these dependencies: redis"]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_kubernetes(case: str, version: str) -> None:
    manifests = render(CASES[case])
    assert manifests
    for manifest in manifests:
        # strict: a misspelt or misplaced field is an error, not silently dropped by the API.
        kubernetes_validate.validate(manifest, version, strict=True)


def test_one_pod_on_sqlite_keeps_its_data_on_a_volume_and_is_replaced_not_rolled() -> None:
    manifests = render(CASES["sqlite"])
    assert kinds(manifests) == ["Deployment", "PersistentVolumeClaim", "Secret", "Service"]
    deployment = only(manifests, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    claim = only(manifests, "PersistentVolumeClaim")["metadata"]["name"]
    assert volumes["data"]["persistentVolumeClaim"] == {"claimName": claim}
    assert {"name": "data", "mountPath": "/data"} in container(manifests)["volumeMounts"]
    assert env_value(manifests, "READINESS_DATA_DIR") == "/data"
    assert all(not e["name"].startswith("READINESS_REDIS") for e in container(manifests)["env"])


@pytest.mark.parametrize(
    ("overrides", "refusal"),
    [
        ({"replicaCount": 2}, "replicaCount > 1 needs Redis"),
        ({"autoscaling": {"enabled": True}}, "autoscaling.enabled needs Redis"),
        (
            {
                "externalRedis": {"url": REDIS_URL},
                "autoscaling": {"enabled": True},
                "resources": {"requests": {"cpu": None}},  # null deletes a default in Helm
            },
            "autoscaling.enabled needs resources.requests.cpu",
        ),
        ({"github": {"appId": ""}}, "github.appId is required"),
        ({"github": {"privateKey": ""}}, "set github.existingSecret, or both github.privateKey"),
        (
            {"redis": {"enabled": True}, "externalRedis": {"url": REDIS_URL}},
            "set redis.enabled or externalRedis, not both",
        ),
        (
            {"terminationGracePeriodSeconds": 30},
            "terminationGracePeriodSeconds must exceed preStopSleepSeconds + "
            "server.shutdownTimeoutSeconds",
        ),
        ({"server": {"logLevel": "LOUD"}}, "/server/logLevel"),
        ({"replicas": 2}, "additional properties 'replicas' not allowed"),
    ],
)
def test_the_chart_refuses_values_that_would_deploy_something_broken(
    overrides: dict[str, Any], refusal: str
) -> None:
    """Above all: several pods on SQLite would each keep their own queue, so it needs Redis."""
    with pytest.raises((helm.HelmRenderError, helm.HelmValuesError), match=re.escape(refusal)):
        render(values(**overrides))


def test_pods_sharing_redis_roll_one_at_a_time_under_an_hpa_and_a_disruption_budget() -> None:
    manifests = render(CASES["external-redis-autoscaled"])
    assert kinds(manifests) == [
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "PodDisruptionBudget",
        "Secret",
        "Secret",
        "Service",
    ]
    deployment = only(manifests, "Deployment")
    assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": 0, "maxSurge": 1}
    hpa = only(manifests, "HorizontalPodAutoscaler")["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert hpa["minReplicas"] >= 2
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    budget = only(manifests, "PodDisruptionBudget")["spec"]
    assert budget["minAvailable"] == 1
    assert budget["selector"]["matchLabels"].items() <= pod_labels.items()
    service = only(manifests, "Service")["spec"]
    assert service["selector"].items() <= pod_labels.items()
    ingress_paths = only(manifests, "Ingress")["spec"]["rules"][0]["http"]["paths"]
    assert [p["path"] for p in ingress_paths] == ["/webhook", "/"], "/metrics stays inside"
    # The URL may carry a password: it reaches the pod from a Secret, never as plain env.
    assert env_value(manifests, "READINESS_REDIS_URL") == {
        "secretKeyRef": {"name": "demo-readiness-redis-url", "key": "redis-url"}
    }
    (url_secret,) = [m for m in manifests if m["metadata"]["name"] == "demo-readiness-redis-url"]
    assert base64.b64decode(url_secret["data"]["redis-url"]).decode() == REDIS_URL
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"] == {"name": "data", "emptyDir": {}}


def test_a_single_pod_gets_no_disruption_budget_that_would_block_every_node_drain() -> None:
    assert "PodDisruptionBudget" not in kinds(render(CASES["sqlite"]))
    assert "PodDisruptionBudget" in kinds(render(CASES["bitnami-redis"]))


def test_the_bitnami_subchart_is_reached_on_its_master_service_with_its_generated_password() -> (
    None
):
    manifests = render(CASES["bitnami-redis"])
    assert only(manifests, "Deployment")["spec"]["replicas"] == 3
    assert env_value(manifests, "REDIS_PASSWORD") == {
        "secretKeyRef": {"name": "demo-redis", "key": "redis-password"}
    }
    # Kubernetes expands $(REDIS_PASSWORD) because that variable is defined earlier in the list.
    names = [e["name"] for e in container(manifests)["env"]]
    assert names.index("REDIS_PASSWORD") < names.index("READINESS_REDIS_URL")
    assert (
        env_value(manifests, "READINESS_REDIS_URL")
        == "redis://:$(REDIS_PASSWORD)@demo-redis-master:6379/0"
    )


def test_the_bitnami_subchart_without_auth_is_reached_without_a_password() -> None:
    manifests = render(values(redis={"enabled": True, "auth": {"enabled": False}}))
    names = [e["name"] for e in container(manifests)["env"]]
    assert "REDIS_PASSWORD" not in names
    assert env_value(manifests, "READINESS_REDIS_URL") == "redis://demo-redis-master:6379/0"


def test_existing_secrets_are_used_and_none_is_created() -> None:
    manifests = render(CASES["existing-secrets"])
    assert "Secret" not in kinds(manifests)
    assert env_value(manifests, "READINESS_WEBHOOK_SECRET") == {
        "secretKeyRef": {"name": "readiness-github", "key": "webhook-secret"}
    }
    assert env_value(manifests, "READINESS_REDIS_URL") == {
        "secretKeyRef": {"name": "readiness-redis", "key": "url"}
    }
    volumes = only(manifests, "Deployment")["spec"]["template"]["spec"]["volumes"]
    (github,) = [v for v in volumes if v["name"] == "github"]
    assert github["secret"]["secretName"] == "readiness-github"


@pytest.mark.parametrize("case", CASES)
def test_probes_ask_readyz_and_healthz_on_the_port_the_server_is_given(case: str) -> None:
    manifests = render(CASES[case])
    app = container(manifests)
    (port,) = app["ports"]
    assert port["name"] == "http"
    assert env_value(manifests, "READINESS_PORT") == str(port["containerPort"])
    assert app["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert app["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert app["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert app["resources"]["requests"].keys() == {"cpu", "memory"}


@pytest.mark.parametrize("shutdown", [SHUTDOWN_TIMEOUT, 50])
def test_the_grace_period_outlasts_the_pre_stop_pause_and_the_shutdown_timeout(
    shutdown: int,
) -> None:
    """Killed before READINESS_SHUTDOWN_TIMEOUT ends, running reviews would be cut off."""
    grace = int(shutdown) + 20
    manifests = render(
        values(server={"shutdownTimeoutSeconds": shutdown}, terminationGracePeriodSeconds=grace)
    )
    pod = only(manifests, "Deployment")["spec"]["template"]["spec"]
    timeout = float(env_value(manifests, "READINESS_SHUTDOWN_TIMEOUT"))
    assert timeout == shutdown
    (app,) = pod["containers"]
    sleep = app["lifecycle"]["preStop"]["exec"]["command"]
    assert sleep[0] == "sleep"
    assert pod["terminationGracePeriodSeconds"] > int(sleep[1]) + timeout


def test_the_defaults_match_the_server_s() -> None:
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    server = Settings.model_fields
    assert defaults["server"]["shutdownTimeoutSeconds"] == server["shutdown_timeout"].default
    assert defaults["server"]["port"] == server["port"].default
    assert defaults["server"]["workers"] == server["workers"].default
    assert defaults["server"]["maxQueued"] == server["max_queued"].default
    assert defaults["externalRedis"]["prefix"] == server["redis_prefix"].default
    schema = (CHART / "values.schema.json").read_text()
    assert f'"logLevel": {{"enum": {list(LOG_LEVELS)}}}'.replace("'", '"') in schema


def test_the_pod_s_environment_is_one_readiness_serve_accepts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Resolve the rendered env as the kubelet would (Secrets, the key file's mount) and build
    the server's Settings from it: a misnamed variable or a wrong mount fails here."""
    manifests = render(CASES["external-redis-autoscaled"])
    secrets = {m["metadata"]["name"]: m["data"] for m in manifests if m["kind"] == "Secret"}
    app = container(manifests)
    (mount,) = [m for m in app["volumeMounts"] if m["name"] == "github"]
    pod_volumes = only(manifests, "Deployment")["spec"]["template"]["spec"]["volumes"]
    (key_volume,) = [v["secret"] for v in pod_volumes if v["name"] == "github"]
    for item in key_volume["items"]:
        data = secrets[key_volume["secretName"]][item["key"]]
        (tmp_path / item["path"]).write_bytes(base64.b64decode(data))

    for name in [name for name in os.environ if name.startswith("READINESS_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for entry in app["env"]:
        assert entry["name"].removeprefix("READINESS_").lower() in Settings.model_fields
        if "value" in entry:
            value = entry["value"].replace(mount["mountPath"], str(tmp_path))
        else:
            ref = entry["valueFrom"]["secretKeyRef"]
            if ref["key"] not in secrets[ref["name"]] and ref.get("optional"):
                continue
            value = base64.b64decode(secrets[ref["name"]][ref["key"]]).decode()
        monkeypatch.setenv(entry["name"], value)

    settings = Settings()  # every required field comes from the environment
    assert settings.app_id == 4242
    assert settings.webhook_secret.get_secret_value() == "s3cret"
    assert settings.private_key_path == tmp_path / "private-key.pem"
    assert settings.redis_url is not None and settings.redis_url.get_secret_value() == REDIS_URL
    assert settings.port == app["ports"][0]["containerPort"]
