"""`readiness serve` as an operator runs it: a setting that cannot work stops start-up with one
line naming it (exit 2), and the server logs where it listens and why it stops, as JSON lines."""

from __future__ import annotations

import importlib.metadata
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import APP_ID, SECRET
from tests.fake_github import make_app_key
from tests.serving import serving

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "redis-pass-w0rd"


@pytest.fixture
def good_env(tmp_path: Path) -> dict[str, str]:
    """Settings that start a server: each test breaks one of them."""
    private, _ = make_app_key()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    return {
        **clean,
        "READINESS_APP_ID": str(APP_ID),
        "READINESS_PRIVATE_KEY": private,
        "READINESS_WEBHOOK_SECRET": SECRET,
        "READINESS_GITHUB_API_URL": "http://127.0.0.1:9",  # start-up must not need GitHub
        "READINESS_DATA_DIR": str(tmp_path / "data"),
        "READINESS_HOST": "127.0.0.1",
        "READINESS_PORT": "0",
    }


def serve(env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `readiness serve`; a server that starts instead of refusing fails the test."""
    try:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "serve"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"serve started (or hung) instead of refusing: {exc.stderr!r}"
        ) from None


def assert_refused(done: subprocess.CompletedProcess[str], variable: str, problem: str) -> None:
    """Exit 2 and exactly one line on stderr: `readiness: VARIABLE: problem…`."""
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"readiness: {variable}: {problem}"), done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.endswith("\n"), done.stderr
    assert "Traceback" not in done.stderr


def pem(key: ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    return data.decode()


def test_an_invalid_private_key_stops_start_up_without_echoing_it(good_env: dict[str, str]) -> None:
    """It used to start, answer /readyz 200, and fail at the first JWT and again at SIGTERM."""
    garbage = (
        "-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5IGF0IGFsbA==\n-----END RSA PRIVATE KEY-----"
    )
    done = serve({**good_env, "READINESS_PRIVATE_KEY": garbage})
    assert_refused(done, "READINESS_PRIVATE_KEY", "not a PEM RSA private key")
    assert "bm90IGEga2V5" not in done.stderr


def test_a_key_of_another_kind_or_encrypted_is_refused(
    good_env: dict[str, str], tmp_path: Path
) -> None:
    """GitHub signs app JWTs with RS256: an EC key, a public key or an encrypted key cannot work."""
    ec_key = ec.generate_private_key(ec.SECP256R1())
    done = serve({**good_env, "READINESS_PRIVATE_KEY": pem(ec_key)})
    assert_refused(done, "READINESS_PRIVATE_KEY", "not a PEM RSA private key")

    _, public = make_app_key()
    key_file = tmp_path / "public.pem"
    key_file.write_text(public)
    without_key = {k: v for k, v in good_env.items() if k != "READINESS_PRIVATE_KEY"}
    done = serve({**without_key, "READINESS_PRIVATE_KEY_PATH": str(key_file)})
    assert_refused(done, "READINESS_PRIVATE_KEY_PATH", "not a PEM RSA private key")

    key_file.write_text(pem(ec_key, password=b"pass"))
    done = serve({**without_key, "READINESS_PRIVATE_KEY_PATH": str(key_file)})
    assert_refused(done, "READINESS_PRIVATE_KEY_PATH", "an encrypted key")

    done = serve({**without_key, "READINESS_PRIVATE_KEY_PATH": str(tmp_path / "missing.pem")})
    assert_refused(done, "READINESS_PRIVATE_KEY_PATH", "cannot read the file")


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("READINESS_APP_ID", "my-app", "Input should be a valid integer"),
        ("READINESS_APP_ID", "-5", "Input should be greater than 0"),
        ("READINESS_LOG_LEVEL", "chatty", "not a log level"),
    ],
)
def test_a_bad_value_is_named_and_not_echoed(
    good_env: dict[str, str], variable: str, value: str, problem: str
) -> None:
    done = serve({**good_env, variable: value})
    assert_refused(done, variable, problem)
    assert value not in done.stderr


def test_a_data_directory_that_cannot_be_written_is_refused(
    good_env: dict[str, str], tmp_path: Path
) -> None:
    """A file in the way, or a directory that cannot be created, stop start-up (root too)."""
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("")
    done = serve({**good_env, "READINESS_DATA_DIR": str(in_the_way)})
    assert_refused(done, "READINESS_DATA_DIR", "a file, not a directory")
    done = serve({**good_env, "READINESS_DATA_DIR": str(in_the_way / "data")})
    assert_refused(done, "READINESS_DATA_DIR", "cannot write there (Not a directory)")
    assert str(in_the_way) not in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through permission bits")
def test_a_read_only_data_directory_is_refused(good_env: dict[str, str], tmp_path: Path) -> None:
    read_only = tmp_path / "read-only"
    read_only.mkdir(mode=0o555)
    done = serve({**good_env, "READINESS_DATA_DIR": str(read_only)})
    assert_refused(done, "READINESS_DATA_DIR", "cannot write there (Permission denied)")


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections (the kernel's backlog) but never answers."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()[1]


def test_an_unreachable_redis_is_refused_without_its_password(good_env: dict[str, str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        closed_port = taken.getsockname()[1]
    url = f"redis://:{PASSWORD}@127.0.0.1:{closed_port}/0"
    done = serve({**good_env, "READINESS_REDIS_URL": url})
    assert_refused(done, "READINESS_REDIS_URL", "cannot connect to Redis (Connection refused)")
    assert PASSWORD not in done.stderr and str(closed_port) not in done.stderr

    done = serve({**good_env, "READINESS_REDIS_URL": f"http://:{PASSWORD}@127.0.0.1/0"})
    assert_refused(done, "READINESS_REDIS_URL", "not a Redis URL")
    assert PASSWORD not in done.stderr


def test_a_redis_that_never_answers_fails_start_up_within_the_connect_timeout(
    good_env: dict[str, str], silent_port: int
) -> None:
    started = time.monotonic()
    done = serve({**good_env, "READINESS_REDIS_URL": f"redis://127.0.0.1:{silent_port}/0"}, 40)
    assert time.monotonic() - started < 20
    assert_refused(done, "READINESS_REDIS_URL", "Redis did not answer within 5 s")


def test_a_port_in_use_is_refused(good_env: dict[str, str]) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        done = serve({**good_env, "READINESS_PORT": port})
    assert_refused(done, "READINESS_PORT", "cannot listen there (Address already in use)")
    assert port not in done.stderr


def test_the_server_logs_where_it_listens_and_sigterm_with_its_version(
    good_env: dict[str, str],
) -> None:
    """Operators see the version, address and port at start, and why the process stopped."""
    version = importlib.metadata.version("readiness")
    with serving(good_env, ROOT) as served:
        listening = json.loads(served.started[-1])
        assert listening["version"] == version and listening["host"] == "127.0.0.1"
        assert (
            listening["message"]
            == f"readiness {version} listening on 127.0.0.1 port {listening['port']}"
        )
        url = f"http://127.0.0.1:{served.port}/healthz"
        with urllib.request.urlopen(url, timeout=10) as health:
            assert health.status == 200
        rest = served.stop()
    assert served.process.returncode == 0
    after = [json.loads(line) for line in rest.splitlines()]
    stopping = [entry for entry in after if entry.get("signal") == "SIGTERM"]
    assert [entry["message"] for entry in stopping] == [
        f"readiness {version} received SIGTERM: stopping"
    ]
    assert stopping[0]["version"] == version and stopping[0]["level"] == "info"
    assert after[-1]["message"] == f"readiness {version} stopped"
