"""No secret leaves the process: every rule that quotes code, every sink, one redaction step.

A credential of each provider sits on the very line a rule quotes, on an added line or a removed
one; the findings, the check run, the review, the logs and the CLI's JSON must hold only its
redacted form. Values are drawn from templates (tests/rules/test_secrets_corpus.py), so no live
looking key is committed here.
"""

from __future__ import annotations

import io
import json
import logging
import random
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot import cli, logs
from bot.redaction import scrub, scrub_data
from bot.rules.cliff import LOGGING_REMOVED
from bot.rules.data_layer.literals import QUERY_REPLACED
from bot.rules.engine import evaluate
from bot.rules.tests.ci import STEP_REMOVED
from tests.conftest import deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.gitrepo import make_repo
from tests.rules.test_secrets_corpus import fill

# Provider -> (value template, the text around it on a line). `§` keeps scanners off this file.
PROVIDERS = {
    "aws-access-key": ("AK§IA{u:16}", "{}"),
    "github-token": ("{crc:ghp_}", "{}"),
    "gitlab-token": ("gl§pat-{r:20}", "{}"),
    "slack-token": ("xo§xb-{d:12}-{d:13}-{r:24}", "{}"),
    "slack-webhook": ("T§{u:8}/B{u:8}/{r:24}", "https://hooks.slack.com/services/{}"),
    "stripe-key": ("sk_§live_{r:24}", "{}"),
    "sendgrid-key": ("S§G.{r:22}.{r:43}", "{}"),
    "openai-key": ("sk-§proj-{r:56}T3Blbk§FJ{r:56}", "{}"),
    "anthropic-key": ("sk-§ant-api03-{r:93}AA", "{}"),
    "google-api-key": ("AI§za{r:35}", "{}"),
    "npm-token": ("{crc:npm_}", "{}"),
    "pypi-token": ("py§pi-AgEIcHlwaS5vcmc{r:60}", "{}"),
    "shopify-token": ("sh§pat_{h:32}", "{}"),
    "jwt": ("{jwt:sub=svc-billing,role=admin,iat=1718000000}", "Bearer {}"),
    "database-url": ("{r:20}", "postgres://billing:{}@db-prod.internal:5432/billing"),
    "generic-secret": ("{r:24}", "password={}"),
}


def secret(provider: str, seed: int = 0) -> tuple[str, str]:
    """Return (value, the text that carries it) for one provider."""
    template, around = PROVIDERS[provider]
    value = fill(template, random.Random(f"{provider}{seed}")).replace("§", "")
    # A JWT's header only names the algorithm; its claims and signature are the secret part.
    return value.partition(".")[2] if provider == "jwt" else value, around.format(value)


SECRETS = [secret(provider) for provider in PROVIDERS]


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_scrub_masks_each_provider_wherever_it_stands(provider: str) -> None:
    value, text = secret(provider)
    for line in (text, f'log.error("failed: {text}")', json.dumps({"message": text})):
        scrubbed = scrub(line)
        assert value not in scrubbed and scrubbed != line
    assert scrub("No readiness regressions found") == "No readiness regressions found"


def test_scrub_masks_key_material_not_just_the_header() -> None:
    body = fill("{b:64}", random.Random(1))
    header = "-----BEGIN RSA PRIVATE KEY-----"
    for text in (f"{header}\n{body}\n-----END RSA PRIVATE KEY-----", f'key = "{header}\\n{body}"'):
        assert body not in scrub(text) and header in scrub(text)
    assert scrub(f'PEM_HEADER = "{header}"') == f'PEM_HEADER = "{header}"'  # code naming it


def test_scrub_data_reaches_every_string_of_a_request_body() -> None:
    value, text = secret("stripe-key")
    body = {"output": {"annotations": [{"message": text, "start_line": 3}]}, "n": 1}
    assert value not in json.dumps(scrub_data(body))
    assert scrub_data(body)["output"]["annotations"][0]["start_line"] == 3


# The rules whose messages quote a line of code: the removed log call, the removed query, the
# removed CI command. Each builder puts the credential on the quoted (removed) line and again on
# an added line, returning (base, head). Guards quote only the setting (`verify=False`).
LOGGED = """\
import logging

log = logging.getLogger(__name__)


def sync(client):
    try:
        client.push()
    except ConnectionError:
        log.error("push failed, check {}")
        return None
"""
REPOSITORY = """\
from shop.db import session


def list_orders(customer_id):
    rows = session.execute("{}")
    return [{{"id": row.id}} for row in rows]
"""
LITERALS = """\
def list_orders(customer_id):
    # {}
    return [
        {{"id": 1, "total": "19.99"}},
        {{"id": 2, "total": "5.00"}},
    ]
"""
WORKFLOW = """\
name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e . pytest
      - run: API_TOKEN="{}" pytest
"""
PROJECT = {
    "pyproject.toml": '[project]\nname = "shop"\n',
    "tests/test_shop.py": "def test_x(): pass\n",
}
Sides = tuple[dict[str, str | None], dict[str, str | None]]


def _without(text: str, needle: str, added: str) -> str:
    return "\n".join(added if needle in row else row for row in text.splitlines()) + "\n"


QUOTING_RULES: dict[str, tuple[str, Any]] = {
    LOGGING_REMOVED: (
        "shop/sync.py",
        lambda t: (LOGGED.format(t), _without(LOGGED.format(t), "log.error", f"        # {t}")),
    ),
    QUERY_REPLACED: (
        "shop/orders/repository.py",
        lambda t: (REPOSITORY.format(t), LITERALS.format(t)),
    ),
    STEP_REMOVED: (
        ".github/workflows/ci.yml",
        lambda t: (WORKFLOW.format(t), _without(WORKFLOW.format(t), "pytest", f"      # {t}")),
    ),
}


def sides(rule: str, text: str) -> Sides:
    path, build = QUOTING_RULES[rule]
    base, head = build(text)
    return {**PROJECT, path: base}, {**PROJECT, path: head}


def shown(value: str, text: str) -> bool:
    """Tell whether more of a value shows than its redacted form (at most 8 leading and 4
    trailing characters): any 9 characters of it in a row, so a cut-off secret counts too."""
    return any(value[i : i + 9] in text for i in range(len(value) - 8))


@pytest.mark.parametrize("rule", sorted(QUOTING_RULES))
async def test_no_rule_that_quotes_code_quotes_a_secret(rule: str, tmp_path: Path) -> None:
    """Every provider's credential on the quoted removed line and on an added line: the rule
    still fires and quotes the line, with the credential masked even where the quote is cut."""
    for index, provider in enumerate(sorted(PROVIDERS)):
        value, text = secret(provider, seed=index)
        base, head = sides(rule, text)
        repo = make_repo(tmp_path / f"{provider}", base, head)
        evaluation = await evaluate(await repo.snapshot())
        quoting = [f for f in evaluation.findings if f.rule == rule]
        assert quoting, (rule, provider, evaluation.findings)
        outbound = json.dumps([f.message for f in evaluation.findings] + [*evaluation.problems])
        assert not shown(value, outbound), (rule, provider, outbound)


async def test_the_review_posts_and_logs_no_secret(
    bot: TestClient[Any, Any],
    github: FakeGitHub,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """End to end: removed and added lines quoting credentials of every provider; no request
    body sent to GitHub (check run, annotations, review, comments) and no log line holds one."""
    caplog.set_level(logging.DEBUG)
    base: dict[str, str | bytes | None] = dict(PROJECT)
    head: dict[str, str | bytes | None] = dict(PROJECT)
    for index, (_, text) in enumerate(SECRETS):
        for rule in (LOGGING_REMOVED, QUERY_REPLACED):
            name, build = QUOTING_RULES[rule]
            path = f"shop/p{index}/{Path(name).name}"
            base[path], head[path] = build(text)
    data = open_pull(github, tmp_path / "repo", base, head)
    assert (await deliver(bot, "pull_request", data)).status == 202
    assert await settle(bot) == {"done": 1}
    sent = b"\n".join(call.body for call in github.calls()).decode()
    assert "error-logging-removed" in sent and "query-replaced-by-literals" in sent
    logging.getLogger("shop").error("leaked in a log: %s", SECRETS[0][1])
    for value, _ in SECRETS:
        assert not shown(value, sent)
    handler = logs.redacted(logging.StreamHandler(stream := io.StringIO()))
    handler.setFormatter(logs.JsonFormatter())
    for record in caplog.records:
        handler.handle(record)
    assert not any(shown(value, stream.getvalue()) for value, _ in SECRETS)


def test_log_records_and_tracebacks_are_scrubbed() -> None:
    value, text = secret("database-url")
    handler = logs.redacted(logging.StreamHandler(stream := io.StringIO()))
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    try:
        try:
            raise ConnectionError(f"could not connect to {text}")
        except ConnectionError:
            logger.exception("store failed: %s", text)
    finally:
        logger.removeHandler(handler)
    entry = json.loads(stream.getvalue())
    assert value not in stream.getvalue()
    assert "store failed: postgres://billing:" in entry["message"]
    assert "ConnectionError: could not connect to postgres://billing:" in entry["exception"]


def test_cli_json_output_holds_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    values = []
    base: dict[str, str | None] = dict(PROJECT)
    head: dict[str, str | None] = dict(PROJECT)
    for index, provider in enumerate(sorted(PROVIDERS)):
        value, text = secret(provider, seed=index)
        values.append(value)
        rule_base, rule_head = sides(LOGGING_REMOVED, text)
        base[f"shop/p{index}.py"] = rule_base["shop/sync.py"]
        head[f"shop/p{index}.py"] = rule_head["shop/sync.py"]
    repo = make_repo(tmp_path / "repo", base, head)
    code = cli.main(["scan", "--repo", str(repo.path), "--base", repo.base, "--format", "json"])
    out = capsys.readouterr().out
    report = json.loads(out)
    # The base side held every value already: the added copies are notices (no new exposure),
    # but they are still reported, and quoted nowhere.
    assert code == 0
    held = [f for f in report["findings"] if f["rule"].startswith("secrets/")]
    assert held and {f["severity"] for f in held} == {"notice"}
    quoting = [f for f in report["findings"] if f["rule"] == LOGGING_REMOVED]
    assert len(quoting) == len(PROVIDERS)
    assert not any(shown(value, out) for value in values)
