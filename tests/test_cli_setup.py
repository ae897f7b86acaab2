"""`readiness setup` as an operator runs it, driven as their browser would: open the local page,
post its form to GitHub (the double's new-app page), follow GitHub's redirect back, then read the
`.env` it wrote, and load `readiness serve`'s settings from it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import aiohttp
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from dotenv import dotenv_values

from bot.settings import Settings
from tests.fake_github import FakeGitHub

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = "https://readiness.acme.example"
NAME = "Readiness for Acme"  # the double's own app is already called Readiness
STARTED = 60.0  # seconds a start-up may take on a loaded machine: a hang guard, not a measure


class Form(HTMLParser):
    """The page's form as a browser sees it: where it posts and its fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.method = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action, self.method = values["action"], values["method"]
        elif tag == "input":
            self.fields[values["name"]] = values["value"]


@dataclass
class Setup:
    """A running `readiness setup` and the local page it told the operator to open."""

    process: asyncio.subprocess.Process
    page: str
    announced: str

    async def finish(self) -> tuple[int, str, str]:
        """Wait for the command to end; return its exit code, the rest of stdout, and stderr."""
        out, err = await asyncio.wait_for(self.process.communicate(), STARTED)
        assert self.process.returncode is not None
        return self.process.returncode, out.decode(), err.decode()


def clean_env(github: FakeGitHub) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    return {**env, "READINESS_GITHUB_API_URL": github.url}


@pytest.fixture
async def browser() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def start_setup(github: FakeGitHub, cwd: Path, *args: str) -> Setup:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "setup",
        "--url",
        PUBLIC,
        "--name",
        NAME,
        "--port",
        "0",
        *args,
        cwd=cwd,
        env={**clean_env(github), "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), STARTED)).decode()
    match = re.fullmatch(r"Open (http://127\.0\.0\.1:\d+/) in a browser to register .*\n", line)
    assert match, line
    return Setup(process, match.group(1), line)


async def open_form(browser: aiohttp.ClientSession, setup: Setup) -> Form:
    async with browser.get(setup.page) as response:
        assert response.status == 200
        assert response.headers["Cache-Control"] == "no-store"
        form = Form()
        form.feed(await response.text())
    return form


async def test_setup_registers_the_app_and_writes_a_private_env_that_serve_loads(
    github: FakeGitHub,
    browser: aiohttp.ClientSession,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The form posts app.yml with the operator's URL to GitHub; GitHub's code comes back, is
    redeemed once, and the id, key and webhook secret land in a 0600 .env and key file."""
    setup = await start_setup(github, tmp_path)
    assert f"on {github.url} (your account)" in setup.announced
    form = await open_form(browser, setup)

    assert form.method == "post"
    assert form.action.startswith(f"{github.url}/settings/apps/new?state=")
    posted = json.loads(form.fields["manifest"])
    shipped = yaml.safe_load((ROOT / "app.yml").read_text())
    assert posted["hook_attributes"] == {"url": f"{PUBLIC}/webhook", "active": True}
    assert posted["redirect_url"] == f"{setup.page}registered"
    assert posted["name"] == NAME
    assert posted["default_permissions"] == shipped["default_permissions"]
    assert posted["default_events"] == shipped["default_events"]

    async with browser.post(form.action, data=form.fields) as answer:  # GitHub redirects back
        assert answer.status == 200, await answer.text()
        assert answer.url.path == "/registered" and answer.url.port == browser_port(setup)
        page = await answer.text()
    code, out, err = await setup.finish()
    assert (code, err) == (0, ""), err

    (registration,) = github.manifests.registrations
    app = registration.app
    assert registration.redeemed and len(github.calls("POST", "/app-manifests/*")) == 1
    install = f"https://github.com/apps/{app['slug']}/installations/new"
    assert out.splitlines()[-1] == f"Install it: {install}"
    assert f'href="{install}"' in page

    env_file, key_file = tmp_path / ".env", tmp_path / "readiness.private-key.pem"
    for path in (env_file, key_file):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert dotenv_values(env_file) == {
        "READINESS_APP_ID": str(app["id"]),
        "READINESS_PRIVATE_KEY_PATH": str(key_file),
        "READINESS_WEBHOOK_SECRET": app["webhook_secret"],
        "READINESS_GITHUB_API_URL": github.url,  # not github.com: serve must call the same GitHub
    }
    written = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    public = written.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert public.decode() == registration.public_key

    for variable in [v for v in os.environ if v.startswith("READINESS_")]:
        monkeypatch.delenv(variable)
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert settings.app_id == app["id"]
    assert settings.webhook_secret.get_secret_value() == app["webhook_secret"]
    assert settings.private_key_pem() == app["pem"] + ("" if app["pem"].endswith("\n") else "\n")
    assert settings.github_api_url == github.url


def browser_port(setup: Setup) -> int:
    port = re.search(r":(\d+)/", setup.page)
    assert port
    return int(port.group(1))


async def test_an_answer_with_another_state_is_refused_and_setup_keeps_waiting(
    github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A redirect this run did not ask for (a stale tab, a forged link) redeems nothing."""
    setup = await start_setup(github, tmp_path, "--org", "acme")
    form = await open_form(browser, setup)
    assert form.action.startswith(f"{github.url}/organizations/acme/settings/apps/new?state=")

    for query in ({"code": "0123456789abcdef0123", "state": "forged"}, {"code": "0123"}):
        async with browser.get(f"{setup.page}registered", params=query) as refused:
            assert refused.status == 400
            assert "does not match" in await refused.text()
    assert not github.calls("POST", "/app-manifests/*")
    assert setup.process.returncode is None and not (tmp_path / ".env").exists()

    async with browser.post(form.action, data=form.fields) as answer:
        assert answer.status == 200, await answer.text()
    code, _, err = await setup.finish()
    assert (code, err) == (0, "")
    (registration,) = github.manifests.registrations
    assert registration.app["owner"] == {**registration.app["owner"], "login": "acme"}
    assert registration.app["owner"]["type"] == "Organization"
    assert dotenv_values(tmp_path / ".env")["READINESS_APP_ID"] == str(registration.app["id"])


async def test_a_code_github_does_not_know_is_one_line_and_nothing_is_written(
    github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """A used or expired code (404): exit 2, one line saying to run setup again."""
    setup = await start_setup(github, tmp_path)
    form = await open_form(browser, setup)
    state = form.action.split("state=", 1)[1]

    query = {"code": "0123456789abcdef0123", "state": state}
    async with browser.get(f"{setup.page}registered", params=query) as answer:
        assert answer.status == 502
        assert "GitHub does not know this code" in await answer.text()
    code, _, err = await setup.finish()
    assert code == 2
    assert (
        err.startswith("readiness: GitHub does not know this code (404)") and err.count("\n") == 1
    )
    assert "run readiness setup again" in err
    assert not os.listdir(tmp_path)


async def test_a_code_github_refuses_is_one_line_and_nothing_is_written(
    github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """GitHub refusing the conversion (422) ends setup with its message on one line."""
    github.fail(
        "POST",
        "/app-manifests/*/conversions",
        422,
        json={"message": "Validation Failed", "documentation_url": "https://docs.github.com/rest"},
    )
    setup = await start_setup(github, tmp_path)
    form = await open_form(browser, setup)
    async with browser.post(form.action, data=form.fields) as answer:
        assert answer.status == 502
    code, _, err = await setup.finish()
    assert code == 2
    assert err == "readiness: GitHub refused the code (422: Validation Failed)\n"
    assert not os.listdir(tmp_path)


def test_an_existing_env_is_kept_unless_forced(github: FakeGitHub, tmp_path: Path) -> None:
    """Credentials already written are never replaced by accident: exit 2 before any page."""
    (tmp_path / ".env").write_text("READINESS_APP_ID=1\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "setup", "--url", PUBLIC, "--port", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**clean_env(github), "PYTHONPATH": str(ROOT)},
        timeout=STARTED,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == "readiness: .env exists; pass --force to replace it\n"
    assert (tmp_path / ".env").read_text() == "READINESS_APP_ID=1\n"


async def test_force_replaces_an_existing_env_and_key(
    github: FakeGitHub, browser: aiohttp.ClientSession, tmp_path: Path
) -> None:
    env_file = tmp_path / "deploy.env"
    env_file.write_text("READINESS_APP_ID=1\n")
    (tmp_path / "readiness.private-key.pem").write_text("old key\n")
    env_file.chmod(0o644)
    setup = await start_setup(github, tmp_path, "--force", "--env-file", str(env_file))
    form = await open_form(browser, setup)
    async with browser.post(form.action, data=form.fields) as answer:
        assert answer.status == 200
    code, _, err = await setup.finish()
    assert (code, err) == (0, "")
    (registration,) = github.manifests.registrations
    assert dotenv_values(env_file)["READINESS_APP_ID"] == str(registration.app["id"])
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    key = (tmp_path / "readiness.private-key.pem").read_text()
    assert key.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert sorted(os.listdir(tmp_path)) == ["deploy.env", "readiness.private-key.pem"]


@pytest.mark.parametrize(
    ("args", "api", "line"),
    [
        (["--url", "readiness.acme.example"], None, "readiness: --url: not an http(s) URL"),
        (["--url", PUBLIC, "--org", "acme/x"], None, "readiness: --org: not an organisation"),
        (["--url", PUBLIC], "ghe.example.com/api/v3", "readiness: READINESS_GITHUB_API_URL: "),
    ],
)
def test_a_setting_setup_cannot_use_is_one_line_naming_it(
    github: FakeGitHub, tmp_path: Path, args: list[str], api: str | None, line: str
) -> None:
    env = {**clean_env(github), "PYTHONPATH": str(ROOT)}
    if api is not None:
        env["READINESS_GITHUB_API_URL"] = api
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "setup", "--port", "0", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=STARTED,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(line) and done.stderr.count("\n") == 1, done.stderr
    assert not os.listdir(tmp_path)
