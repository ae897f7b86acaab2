"""The config a review applies: the repository's file over its organisation's over the defaults,
and what each setting does to a review, end to end through the GitHub double."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.config import Layer, RepoConfig, merge, parse, resolve
from tests.conftest import INSTALLATION, REPO, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.test_review_loop import BASE, HEAD, LIVE_KEY

ORG_REPO = "acme/.github"
ORG_SHA = "0" * 39 + "1"


def with_org(github: FakeGitHub, files: dict[str, bytes]) -> None:
    """Give the organisation a `.github` repository the app can read."""
    github.commit(ORG_REPO, ORG_SHA, files)
    github.add_installation(INSTALLATION, [ORG_REPO])


async def review(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, config: str | None = None
) -> dict[str, Any]:
    """Review BASE -> HEAD (a live Stripe key: an error; a skipped test: a warning) with this
    `.github/readiness.yml` on the base branch; return the completed check run."""
    base = {**BASE, ".github/readiness.yml": config} if config is not None else BASE
    data = open_pull(github, tmp_path / "repo", base, HEAD)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    assert run["status"] == "completed"
    return run


def org_queries(github: FakeGitHub) -> list[Any]:
    """The GraphQL requests that read the organisation's `.github` repository (a review reads
    it in the same request as its own files)."""
    return [
        c
        for c in github.calls("POST", "/graphql")
        if c.json["variables"].get("orgName") == ".github"
    ]


def titles(run: dict[str, Any]) -> dict[str, str]:
    """Annotated rule -> its level."""
    return {a["title"]: a["annotation_level"] for a in run["output"]["annotations"]}


async def test_the_organisation_s_file_applies_with_one_graphql_request(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    with_org(github, {"readiness.yml": b"disable: [tests]\n"})
    run = await review(bot, github, tmp_path)
    assert run["conclusion"] == "failure"
    assert not any(t.startswith("tests/") for t in titles(run))
    assert (
        "Config: `acme/.github/readiness.yml`, then built-in defaults." in run["output"]["summary"]
    )
    (query,) = github.calls("POST", "/graphql#object")  # the review's own files too
    assert org_queries(github) == [query] and query.json["variables"]["orgOwner"] == "acme"
    assert not github.calls(path=f"/repos/{ORG_REPO}/*")


async def test_the_repository_s_file_lies_over_the_organisation_s(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """`.github/readiness.yml` in the org repository counts too; the repository's severity
    entry wins, lists add up."""
    with_org(
        github,
        {".github/readiness.yml": b"severity: {secrets: notice, tests: notice}\nignore: [x/]\n"},
    )
    run = await review(bot, github, tmp_path, "severity: {secrets: warning}\n")
    assert titles(run) == {"secrets/stripe-key": "warning", "tests/skipped-test": "notice"}
    assert run["conclusion"] == "neutral"
    assert (
        "Config: `.github/readiness.yml`, then `acme/.github/.github/readiness.yml`, then "
        "built-in defaults." in run["output"]["summary"]
    )


async def test_extends_false_stops_inheritance(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The organisation's file rides along the review's one GraphQL request (the repository's
    own file, which says whether to inherit, is read in that same request) and is not applied."""
    with_org(github, {"readiness.yml": b"disable: [secrets, tests]\n"})
    run = await review(bot, github, tmp_path, "extends: false\n")
    assert set(titles(run)) == {"secrets/stripe-key", "tests/skipped-test"}
    assert len(github.calls("POST", "/graphql#object")) == 1
    assert "Config: `.github/readiness.yml`, then built-in defaults." in run["output"]["summary"]


@pytest.mark.parametrize("installed", [True, False])
async def test_no_organisation_repository_is_no_organisation_config(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, installed: bool
) -> None:
    """The org has no `.github` repository, or the app cannot see it: GitHub's NOT_FOUND."""
    if installed:
        github.add_installation(INSTALLATION, ["acme/other"])
    run = await review(bot, github, tmp_path)
    assert run["conclusion"] == "failure"
    assert "Not fully reviewed" not in run["output"]["summary"]
    assert "Config: built-in defaults." in run["output"]["summary"]
    assert len(org_queries(github)) == 1


async def test_a_broken_organisation_file_is_named_and_the_run_is_neutral(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    with_org(github, {"readiness.yml": b"disable: [tests\n"})
    run = await review(bot, github, tmp_path, "severity: {secrets: warning}\n")
    summary = run["output"]["summary"]
    assert run["conclusion"] == "neutral"
    assert "`acme/.github/readiness.yml` is not valid YAML" in summary
    assert "Config: `.github/readiness.yml`, then built-in defaults." in summary
    assert "tests/skipped-test" in titles(run)  # the broken file's `disable` did not apply


async def test_severity_off_and_fail_on(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """The key is made a warning and the skipped test turned off: `fail_on: warning` fails."""
    config = "severity:\n  secrets/stripe-key: warning\n  tests: off\nfail_on: warning\n"
    run = await review(bot, github, tmp_path, config)
    assert titles(run) == {"secrets/stripe-key": "warning"}
    assert run["conclusion"] == "failure"


async def test_fail_on_never_keeps_an_error_neutral(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    run = await review(bot, github, tmp_path, "fail_on: never\n")
    assert titles(run)["secrets/stripe-key"] == "failure"
    assert run["conclusion"] == "neutral"


async def test_annotations_only_posts_no_review(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    run = await review(bot, github, tmp_path, "comments: annotations-only\n")
    assert set(titles(run)) == {"secrets/stripe-key", "tests/skipped-test"}
    assert github.reviews == [] and not github.calls("POST", f"/repos/{REPO}/pulls/7/reviews")


async def test_comments_off_leaves_the_summary_alone(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    run = await review(bot, github, tmp_path, "comments: off\n")
    assert run["output"]["annotations"] == [] and github.reviews == []
    assert "`secrets/stripe-key`" in run["output"]["summary"]
    assert run["conclusion"] == "failure"


async def test_max_comments_lists_the_rest_in_the_review_body(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    await review(bot, github, tmp_path, "max_comments: 1\n")
    (comment,) = github.review_comments(REPO, 7)
    assert comment["path"] == "shop/config.py"  # errors first
    (posted,) = github.reviews
    assert "1 more, not commented inline" in posted["body"]
    assert "`tests/skipped-test`" in posted["body"]


async def test_generated_paths_are_skipped_by_code_rules_but_not_secrets(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    run = await review(bot, github, tmp_path, "generated: [tests/, shop/]\n")
    assert set(titles(run)) == {"secrets/stripe-key"}
    (row,) = [r for r in run["output"]["summary"].splitlines() if r.startswith("| generated |")]
    assert "`tests/test_checkout.py`" in row


def test_lists_add_up_maps_merge_per_key_and_single_values_are_the_repository_s() -> None:
    org = parse(
        "ignore: [vendor/]\nallow: {secrets: [docs/]}\nseverity: {tests: notice, cliff: error}\n"
        "fail_on: warning\nmax_comments: 5\n"
    )[0]
    own = parse(
        "ignore: ['!vendor/ours/']\nallow: {secrets: [demo/]}\nseverity: {tests: error}\n"
        "max_comments: 10\n"
    )[0]
    merged = merge(org, own)
    assert merged.ignore == ("vendor/", "!vendor/ours/")
    assert merged.allow == {"secrets": ("docs/", "demo/")}
    assert merged.severity == {"tests": "error", "cliff": "error"}
    assert (merged.fail_on, merged.max_comments) == ("warning", 10)
    assert merge(RepoConfig(), own) == own


def test_deploys_is_the_repository_s_and_else_the_organisation_s() -> None:
    """`deploys` is a single value: the repository's file sets it for itself, and a file that
    leaves it out follows its organisation's."""
    org = Layer("acme/.github/readiness.yml", "deploys: rolling\n")
    own = resolve(Layer(".github/readiness.yml", "deploys: stop\n"), org)
    assert own.config.deploys == "stop"
    assert own.origin("deploys") == "`.github/readiness.yml`"
    inherited = resolve(Layer(".github/readiness.yml", "fail_on: warning\n"), org)
    assert inherited.config.deploys == "rolling"
    assert inherited.origin("deploys") == "`acme/.github/readiness.yml`"
    assert resolve(Layer(".github/readiness.yml", None), None).config.deploys == "stop"


def test_resolve_says_where_each_setting_came_from() -> None:
    resolved = resolve(
        Layer(".github/readiness.yml", "max_comments: 3\nignore: [a/]\n"),
        Layer("acme/.github/readiness.yml", "ignore: [b/]\nfail_on: never\n"),
    )
    assert resolved.files == (".github/readiness.yml", "acme/.github/readiness.yml")
    assert resolved.origin("max_comments") == "`.github/readiness.yml`"
    assert resolved.origin("fail_on") == "`acme/.github/readiness.yml`"
    assert resolved.origin("ignore") == "`acme/.github/readiness.yml`, `.github/readiness.yml`"
    assert resolved.origin("comments") == "built-in default"
    assert "fail_on: never  # acme/.github/readiness.yml" in resolved.describe()


MIGRATION = "CREATE TABLE orders (id integer PRIMARY KEY);\n"
EDITED_MIGRATION = "CREATE TABLE orders (id integer PRIMARY KEY, total integer NOT NULL);\n"
BUNDLED = f'export const STRIPE_KEY = "{LIVE_KEY}";\n'


async def rules_of(
    bot: TestClient[Any, Any],
    github: FakeGitHub,
    root: Path,
    base: dict[str, str | bytes | None],
    head: dict[str, str | bytes | None],
) -> set[str]:
    data = open_pull(github, root, base, head)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    return {a["title"] for a in run["output"]["annotations"]}


@pytest.mark.parametrize("configured", [False, True])
async def test_migration_folders_the_defaults_miss(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, configured: bool
) -> None:
    """`db/changes/` is no conventional migrations folder: only the config says it is one."""
    config = {".github/readiness.yml": "migrations: [/db/changes/]\n"} if configured else {}
    base = {"db/changes/001_orders.sql": MIGRATION, **config}
    head = {"db/changes/001_orders.sql": EDITED_MIGRATION}
    found = await rules_of(bot, github, tmp_path / "repo", base, head)
    assert ("migrations/edited-migration" in found) is configured


@pytest.mark.parametrize("configured", [False, True])
async def test_frontend_roots_the_defaults_miss(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path, configured: bool
) -> None:
    """`app/src/` is no conventional browser folder: a key there is exposed when it is one."""
    base = {".github/readiness.yml": "frontend: [/app/src/]\n"} if configured else {}
    found = await rules_of(bot, github, tmp_path / "repo", base, {"app/src/keys.js": BUNDLED})
    assert found == ({"secrets/client-exposed-secret"} if configured else {"secrets/stripe-key"})


ACCOUNTS = (
    "CREATE TABLE accounts (id bigserial PRIMARY KEY, plan text);\n"
    "CREATE TABLE invites (id bigserial PRIMARY KEY);\n"
)


@pytest.mark.parametrize(
    ("config", "column", "verdict"),
    [
        (None, "notice", "2 notices — does not fail (fails on error)"),
        ("deploys: rolling\n", "warning", "2 warnings — does not fail (fails on error)"),
    ],
)
async def test_a_dropped_column_is_a_notice_unless_releases_roll(
    bot: TestClient[Any, Any],
    github: FakeGitHub,
    tmp_path: Path,
    config: str | None,
    column: str,
    verdict: str,
) -> None:
    """A column or table dropped breaks only the old version serving during a rolling deploy:
    a notice by default, a warning with `deploys: rolling`."""
    base = {"db/migrations/V1__create.sql": ACCOUNTS}
    if config is not None:
        base[".github/readiness.yml"] = config
    head = {
        "db/migrations/V2__drop_plan.sql": "ALTER TABLE accounts DROP COLUMN plan;\n",
        "db/migrations/V3__drop_invites.sql": "DROP TABLE invites;\n",
    }
    data = open_pull(github, tmp_path / "repo", base, head)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    assert titles(run) == {"migrations/drop-column": column, "migrations/drop-table": column}
    assert run["output"]["summary"].startswith(f"**{verdict}**")
    assert run["conclusion"] == "neutral"


async def test_a_failing_graphql_answer_is_retried(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    with_org(github, {"readiness.yml": b"disable: [tests]\n"})
    github.fail("POST", "/graphql", 502)  # the review's query: its files and the org's
    run = await review(bot, github, tmp_path)
    assert not any(t.startswith("tests/") for t in titles(run))
    reads = github.calls("POST", "/graphql#object")  # file reads, not the conversation's
    assert len(reads) == 2 and len(org_queries(github)) == 2
