"""The secrets pack: credentials added in plain text, what it must leave alone, removed secrets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.diff.parse import parse
from bot.rules.engine import evaluate
from bot.rules.model import Finding, Severity
from bot.rules.secrets import PACK, check_secrets
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

# Fixture credentials are assembled from parts so that push protection and secret scanners do not
# take this file for a leak; none of them was ever issued.
AWS_KEY_ID = "AKIA" + "Q3EGRTLV5NKZ7XWA"
AWS_SECRET = "k9Xq2LmP0vRt7YwZ3nB8" + "cD1eF4gH6jK5lM9oP2qR"
STRIPE_LIVE = "sk_live_" + "51HqLyjWDarjtT1zdp7d9f2c"
STRIPE_TEST = "sk_test_" + "51HqLyjWDarjtT1zdp7d9f2c"
# Installation tokens may be longer than the classic 40 characters.
GITHUB_TOKEN = "ghs_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w3X4"
SLACK_TOKEN = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_WEBHOOK = "https://hooks.slack.com/services/" + "T0123ABCD/B0456EFGH/a1B2c3D4e5F6g7H8i9J0k1L2"
SESSION_SECRET = "q8Wz3Rk1Vn5Ty7Pm" + "Xc2Lb6Hd"
DB_PASSWORD = "Hq7-vT2!" + "pXs9wK"
KEY_HEADER = "-----BEGIN " + "RSA PRIVATE KEY-----"
KEY_BODY = "MIIEowIBAAKCAQEAvXq8zJ1kq9Lr3t5Y6u7I8o9P0a1S2d3F4g5H6j7K8l9Z0x1C2v3"

FLASK_APP = '''"""The payments service."""

from flask import Flask, jsonify

from app import settings

app = Flask(__name__)
app.config.from_object(settings)


@app.get("/health")
def health():
    return jsonify(status="ok", debug=settings.DEBUG)
'''

SETTINGS_BASE = '''"""Settings for the payments service, read once at start-up."""

import os

DEBUG = os.getenv("DEBUG") == "1"
DATABASE_URL = os.environ["DATABASE_URL"]
'''


def line_of(text: str, needle: str) -> int:
    """Return the 1-based number of the first line of `text` that contains `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def summary(findings: Sequence[Finding]) -> list[tuple[str, str, int, Severity, str]]:
    return sorted((f.rule, f.path, f.line, f.severity, f.side) for f in findings)


def assert_hidden(findings: Sequence[Finding], *secrets: str) -> None:
    for finding in findings:
        for secret in secrets:
            assert secret not in finding.message
            assert secret not in finding.fingerprint


async def test_provider_credentials_in_a_settings_module_are_errors(tmp_path: Path) -> None:
    """AWS, Stripe live and GitHub credentials added to Python settings are errors, redacted."""
    settings = (
        SETTINGS_BASE
        + f'\nAWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"\n'
        + f'AWS_SECRET_ACCESS_KEY = "{AWS_SECRET}"\n'
        + f'STRIPE_API_KEY = "{STRIPE_LIVE}"\n'
        + f"GITHUB_TOKEN: str = '{GITHUB_TOKEN}'\n"
    )
    repo = make_repo(
        tmp_path / "r",
        base={"app/__init__.py": FLASK_APP, "app/settings.py": SETTINGS_BASE},
        head={"app/settings.py": settings},
    )

    findings = check_secrets(await repo.snapshot())

    path = "app/settings.py"
    assert summary(findings) == [
        ("secrets/aws-access-key", path, line_of(settings, "AWS_ACCESS_KEY_ID"), "error", "RIGHT"),
        ("secrets/aws-secret-key", path, line_of(settings, "AWS_SECRET"), "error", "RIGHT"),
        ("secrets/github-token", path, line_of(settings, "GITHUB_TOKEN"), "error", "RIGHT"),
        ("secrets/stripe-key", path, line_of(settings, "STRIPE_API_KEY"), "error", "RIGHT"),
    ]
    assert all(f.pack == "secrets" for f in findings)
    assert_hidden(findings, AWS_KEY_ID, AWS_SECRET, STRIPE_LIVE, GITHUB_TOKEN)
    stripe = next(f for f in findings if f.rule == "secrets/stripe-key")
    assert "`sk_live_…9f2c`" in stripe.message
    assert "https://docs.stripe.com/keys#rolling-keys" in stripe.message
    assert "environment variable" in stripe.message


async def test_express_config_slack_and_generic_secrets(tmp_path: Path) -> None:
    """Slack tokens and webhooks are errors; a random session secret literal is a warning."""
    config = (
        "module.exports = {\n"
        "  port: Number(process.env.PORT || 3000),\n"
        "  slack: {\n"
        f'    token: "{SLACK_TOKEN}",\n'
        f'    webhook: "{SLACK_WEBHOOK}",\n'
        "  },\n"
        f'  sessionSecret: "{SESSION_SECRET}",\n'
        "  apiKey: process.env.API_KEY,\n"
        "  aws: { region: 'eu-west-1', accessKeyId: process.env.AWS_ACCESS_KEY_ID,\n"
        f"    secretAccessKey: '{AWS_SECRET}' }},\n"
        "};\n"
    )
    server = (
        "const express = require('express');\n"
        "const config = require('./config');\n\n"
        "const app = express();\n"
        "app.get('/health', (req, res) => res.json({ ok: true }));\n"
        "app.listen(config.port);\n"
    )
    repo = make_repo(
        tmp_path / "r", base={"server/index.js": server}, head={"server/config.js": config}
    )

    findings = check_secrets(await repo.snapshot())

    path = "server/config.js"
    assert summary(findings) == [
        ("secrets/aws-secret-key", path, line_of(config, "secretAccessKey"), "error", "RIGHT"),
        ("secrets/generic-secret", path, line_of(config, "sessionSecret"), "warning", "RIGHT"),
        ("secrets/slack-token", path, line_of(config, "token:"), "error", "RIGHT"),
        ("secrets/slack-webhook", path, line_of(config, "webhook:"), "error", "RIGHT"),
    ]
    assert_hidden(findings, SLACK_TOKEN, SLACK_WEBHOOK, SESSION_SECRET, AWS_SECRET)
    generic = next(f for f in findings if f.rule == "secrets/generic-secret")
    assert "`sessionSecret`" in generic.message


async def test_private_key_env_yaml_and_json_assignments(tmp_path: Path) -> None:
    """A PEM key file, an .env password, a compose password and a JSON api key are all caught."""
    pem = f"{KEY_HEADER}\n{KEY_BODY}\n{KEY_BODY[::-1]}\n-----END RSA PRIVATE KEY-----\n"
    env = f"# local development\nDEBUG=1\nDB_PASSWORD={DB_PASSWORD}\n"
    compose = (
        "services:\n"
        "  db:\n"
        "    image: postgres:16\n"
        "    environment:\n"
        f"      POSTGRES_PASSWORD: {DB_PASSWORD}\n"
    )
    settings_json = f'{{\n  "region": "eu-west-1",\n  "api_key": "{SESSION_SECRET}"\n}}\n'
    repo = make_repo(
        tmp_path / "r",
        base={"README.md": "# deploy\n"},
        head={
            "deploy/id_rsa": pem,
            ".env": env,
            "docker-compose.yml": compose,
            "config/settings.json": settings_json,
        },
    )

    findings = check_secrets(await repo.snapshot())

    assert summary(findings) == [
        ("secrets/committed-secret-file", ".env", 1, "warning", "RIGHT"),
        ("secrets/committed-secret-file", "deploy/id_rsa", 1, "error", "RIGHT"),
        ("secrets/generic-secret", ".env", 3, "warning", "RIGHT"),
        ("secrets/generic-secret", "config/settings.json", 3, "warning", "RIGHT"),
        ("secrets/generic-secret", "docker-compose.yml", 5, "warning", "RIGHT"),
        ("secrets/private-key", "deploy/id_rsa", 1, "error", "RIGHT"),
    ]
    assert_hidden(findings, DB_PASSWORD, SESSION_SECRET, KEY_BODY)


async def test_placeholders_lookups_and_documented_examples_are_left_alone(
    tmp_path: Path,
) -> None:
    """Env and settings lookups, placeholders and AWS's documented example keys do not fire."""
    settings = (
        SETTINGS_BASE
        + 'AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n'
        + 'AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\n'
        + 'STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]\n'
        + 'GITHUB_TOKEN = os.getenv("GITHUB_TOKEN", "")\n'
        + "SECRET_KEY = settings.SECRET_KEY\n"
        + 'password = "changeme"\n'
        + 'api_key = "your-api-key"\n'
        + 'auth_token = "<token>"\n'
        + 'slack_token = "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx"\n'
        + 'webhook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"\n'
        + "max_tokens = 4096\n"
        + 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    pass\n'
    )
    client = (
        "export function client() {\n"
        "  const token = process.env.GITHUB_TOKEN;\n"
        "  return new Octokit({ auth: token, userAgent: 'payments' });\n"
        "}\n"
    )
    env_example = "API_KEY=your-api-key\nDB_PASSWORD=${DB_PASSWORD}\nSECRET=xxxxxxxxxxxxxxxx\n"
    compose = "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n"
    terraform = (
        'resource "aws_db_instance" "main" {\n'
        "  username = var.db_user\n"
        "  password = var.db_password_from_vault\n"
        "  secret_arn = aws_secretsmanager_secret.db.arn\n"
        "}\n"
    )
    translations = (
        '{\n  "login": "Anmelden",\n  "password": "Passwort",\n  "apiKey": "APISchluessel"\n}\n'
    )
    repo = make_repo(
        tmp_path / "r",
        base={"app/settings.py": SETTINGS_BASE},
        head={
            "app/settings.py": settings,
            "src/github/client.ts": client,
            ".env.example": env_example,
            "docker-compose.yml": compose,
            "infra/db.tf": terraform,
            "web/locales/de.json": translations,
        },
    )

    assert check_secrets(await repo.snapshot()) == []


async def test_removed_secret_is_a_notice_on_the_old_line(tmp_path: Path) -> None:
    """Replacing a literal key by an env lookup leaves one notice: rotate, history keeps it."""
    base = SETTINGS_BASE + f'STRIPE_API_KEY = "{STRIPE_LIVE}"\n'
    head = SETTINGS_BASE + 'STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]\n'
    repo = make_repo(tmp_path / "r", base={"app/settings.py": base}, head={"app/settings.py": head})

    findings = check_secrets(await repo.snapshot())

    old_line = line_of(base, "STRIPE_API_KEY")
    assert summary(findings) == [
        ("secrets/removed-secret", "app/settings.py", old_line, "notice", "LEFT")
    ]
    assert "git history" in findings[0].message
    assert "roll it" in findings[0].message
    assert_hidden(findings, STRIPE_LIVE)


async def test_moved_secret_is_reported_where_added_only(tmp_path: Path) -> None:
    """A secret moved to another module is no new exposure: a notice there that it still needs
    revoking, not an error, and not also a removal notice."""
    base = SETTINGS_BASE + f'GITHUB_TOKEN = "{GITHUB_TOKEN}"\n'
    config = f'"""GitHub access."""\n\nGITHUB_TOKEN = "{GITHUB_TOKEN}"\n'
    repo = make_repo(
        tmp_path / "r",
        base={"app/settings.py": base},
        head={"app/settings.py": SETTINGS_BASE, "app/github.py": config},
    )

    findings = check_secrets(await repo.snapshot())

    assert summary(findings) == [("secrets/github-token", "app/github.py", 3, "notice", "RIGHT")]
    assert "already held" in findings[0].message
    assert_hidden(findings, GITHUB_TOKEN)


async def test_test_keys_and_test_fixtures_are_notices(tmp_path: Path) -> None:
    """A Stripe test key, or a generic secret in a test file, is a notice, not an error."""
    conftest = (
        "import pytest\n\n\n"
        "@pytest.fixture\n"
        "def stripe_client():\n"
        f'    return StripeClient(api_key="{STRIPE_TEST}")\n\n\n'
        "@pytest.fixture\n"
        "def user():\n"
        f'    return User(name="ada", password="{DB_PASSWORD}")\n'
    )
    repo = make_repo(
        tmp_path / "r", base={"tests/__init__.py": ""}, head={"tests/conftest.py": conftest}
    )

    findings = check_secrets(await repo.snapshot())

    assert summary(findings) == [
        ("secrets/generic-secret", "tests/conftest.py", 11, "notice", "RIGHT"),
        ("secrets/stripe-test-key", "tests/conftest.py", 6, "notice", "RIGHT"),
    ]
    assert_hidden(findings, STRIPE_TEST, DB_PASSWORD)


async def test_bare_diff_gives_the_same_findings(tmp_path: Path) -> None:
    """Without file contents, the diff alone yields the same findings."""
    base = SETTINGS_BASE + f'STRIPE_API_KEY = "{STRIPE_LIVE}"\n'
    head = SETTINGS_BASE + f'AWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"\n'
    repo = make_repo(tmp_path / "r", base={"app/settings.py": base}, head={"app/settings.py": head})

    bare = check_secrets(Snapshot(parse(repo.diff)))

    assert bare == check_secrets(await repo.snapshot())
    assert summary(bare) == [
        ("secrets/aws-access-key", "app/settings.py", 7, "error", "RIGHT"),
        ("secrets/removed-secret", "app/settings.py", 7, "notice", "LEFT"),
    ]
    assert_hidden(bare, STRIPE_LIVE, AWS_KEY_ID)


async def test_engine_runs_the_pack_and_honours_allow_markers(tmp_path: Path) -> None:
    """Through the engine, findings keep their fields and an allow marker drops one of them."""
    head = (
        SETTINGS_BASE
        + f'AWS_ACCESS_KEY_ID = "{AWS_KEY_ID}"\n'
        + f'SANDBOX_TOKEN = "{GITHUB_TOKEN}"  # readiness:allow - revoked sandbox token\n'
    )
    repo = make_repo(
        tmp_path / "r",
        base={"app/settings.py": SETTINGS_BASE, "app/__init__.py": FLASK_APP},
        head={"app/settings.py": head},
    )

    evaluation = await evaluate(await repo.snapshot(), packs=[PACK])

    findings = [f for f in evaluation.findings if f.pack == "secrets"]
    assert summary(findings) == [("secrets/aws-access-key", "app/settings.py", 7, "error", "RIGHT")]
    assert evaluation.problems == ()
    assert_hidden(findings, AWS_KEY_ID, GITHUB_TOKEN)


def test_every_rule_id_is_described_in_one_line() -> None:
    """Every rule has a one-line description for the README and the check run."""
    assert len(PACK.rules) == 33
    for rule in PACK.rules:
        text = rule.description
        assert rule.id.startswith("secrets/") and text[0].isupper() and "\n" not in text
