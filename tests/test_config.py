"""The repository config: read from the base branch, applied to every pack, never fatal."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.config import RepoConfig, parse
from bot.rules.engine import evaluate
from bot.rules.model import Finding, Severity
from bot.rules.registry import PACKS, RULES
from tests.conftest import REPO, deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.gitrepo import Repo, make_repo
from tests.report.test_review import allow_snippet
from tests.test_review_loop import BASE, HEAD, TESTS_HEAD

LIVE_KEY = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc9Xk2LmQ"
SETTINGS = f'STRIPE_API_KEY = "{LIVE_KEY}"\n'
DEMO_REPOSITORY = """\
from fixtures.orders import ORDERS


def recent_orders(limit: int = 20) -> list[dict]:
    return ORDERS[:limit]
"""


def finding(rule: str, path: str) -> Finding:
    pack = rule.split("/")[0]
    return Finding(rule, pack, path, 1, Severity.ERROR, "m", "f" * 20)


def reported(rule: str, severity: Severity) -> Finding:
    """A finding of `rule` as its check reported it, before the config applies."""
    return Finding(
        rule, rule.split("/")[0], "db/migrations/V2__change.sql", 1, severity, "m", "f" * 20
    )


def test_ignore_allow_and_disable_drop_findings() -> None:
    config, problem = parse(
        "ignore: ['vendor/*']\n"
        "allow:\n  data-layer: ['demo/*']\n  secrets/generic-secret: ['docs/*']\n"
        "disable: [migrations]\n"
    )
    assert problem is None
    assert not config.keeps(finding("secrets/stripe-key", "vendor/lib/x.py"))
    assert not config.keeps(finding("data-layer/fixture-import", "demo/shop/repo.py"))
    assert config.keeps(finding("data-layer/fixture-import", "shop/repo.py"))
    assert not config.keeps(finding("secrets/generic-secret", "docs/setup.md"))
    assert config.keeps(finding("secrets/stripe-key", "docs/setup.md"))
    assert not config.keeps(finding("migrations/django-missing-migration", "app/models.py"))


def test_bad_config_is_reported_and_defaults_apply() -> None:
    assert parse("ignore: [unclosed")[0] == RepoConfig()
    assert "is not valid YAML" in str(parse("ignore: [unclosed")[1])
    config, problem = parse("ignroe: ['x']\n")
    assert config == RepoConfig()
    assert problem == (
        "`.github/readiness.yml` is invalid: ignroe: Extra inputs are not permitted; defaults used"
    )
    assert parse("- just a list\n")[1] == (
        "`.github/readiness.yml` is invalid: the file must be a mapping of settings; defaults used"
    )


def test_deploys_is_read_and_a_value_it_does_not_know_is_named() -> None:
    """`deploys` takes `stop` (the default) or `rolling`; anything else is reported, not guessed."""
    assert RepoConfig().deploys == "stop"
    assert parse("deploys: rolling\n") == (RepoConfig(deploys="rolling"), None)
    assert parse("deploys: blue-green\n") == (
        RepoConfig(),
        "`.github/readiness.yml` is invalid: deploys: Input should be 'stop' or 'rolling'; "
        "defaults used",
    )


ROLLING_ONLY = (
    "migrations/drop-column",
    "migrations/drop-table",
    "migrations/rename",
    "migrations/index-not-concurrent",
)
ANY_DEPLOY = ("migrations/not-null-on-existing-table", "migrations/column-type-change")


@pytest.mark.parametrize(
    ("text", "rolling_only", "any_deploy"),
    [
        ("", "notice", "warning"),
        ("deploys: rolling\n", "warning", "warning"),
        # An explicit entry, the rule's or its pack's, wins over `deploys` either way.
        (
            "severity: {migrations/drop-column: warning, migrations/rename: warning,"
            " migrations/index-not-concurrent: warning, migrations/drop-table: warning}\n",
            "warning",
            "warning",
        ),
        ("deploys: rolling\nseverity: {migrations: notice}\n", "notice", "notice"),
        ("severity: {migrations: error}\n", "error", "error"),
    ],
)
def test_a_rule_harming_only_rolling_deploys_is_a_notice_unless_releases_roll(
    text: str, rolling_only: str, any_deploy: str
) -> None:
    """A dropped or renamed column breaks only an old version serving beside the migrated
    database, a plain index build blocks only its writes and a dropped table fails only its
    queries; NOT NULL on existing rows or a rewritten column hurts whatever the deploy style."""
    config, problem = parse(text)
    assert problem is None
    severities = {
        rule: config.severity_of(reported(rule, Severity.WARNING), RULES[rule]).value
        for rule in (*ROLLING_ONLY, *ANY_DEPLOY)
    }
    assert severities == {
        **dict.fromkeys(ROLLING_ONLY, rolling_only),
        **dict.fromkeys(ANY_DEPLOY, any_deploy),
    }


def test_deploys_lowers_severities_and_never_raises_them() -> None:
    """`rolling` lets a rule report up to its declared severity, not above what it found; a
    repository's own semgrep rule (no registry entry) keeps its severity."""
    rolling = RepoConfig(deploys="rolling")
    notice = reported("migrations/drop-column", Severity.NOTICE)
    assert rolling.severity_of(notice, RULES[notice.rule]) is Severity.NOTICE
    own = reported("repo/no-drop", Severity.WARNING)
    assert RepoConfig().severity_of(own, None) is Severity.WARNING


async def test_config_on_the_base_branch_applies_and_the_head_cannot_silence_itself(
    tmp_path: Path,
) -> None:
    """Demo folders allowed on main stay quiet; a PR that disables `secrets` is still reviewed."""
    repo = make_repo(
        tmp_path / "r",
        base={
            ".github/readiness.yml": "allow:\n  data-layer: ['demo/*']\n",
            "fixtures/orders.py": "ORDERS = [{'id': 1}]\n",
        },
        head={
            ".github/readiness.yml": "disable: [secrets]\nallow:\n  data-layer: ['demo/*']\n",
            "demo/orders/repository.py": DEMO_REPOSITORY,
            "shop/settings.py": SETTINGS,
        },
    )
    evaluation = await evaluate(await repo.snapshot())
    assert {(f.rule, f.path) for f in evaluation.findings} == {
        ("secrets/stripe-key", "shop/settings.py")
    }
    assert evaluation.problems == ()


async def test_invalid_config_is_a_problem_of_the_review(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness.yml": "disable: secrets\n"},
        head={"shop/settings.py": SETTINGS},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert [f.rule for f in evaluation.findings] == ["secrets/stripe-key"]
    assert evaluation.problems == (
        "`.github/readiness.yml` is invalid: disable: Input should be a valid tuple; defaults used",
    )


async def test_the_server_reads_the_config_from_the_base_commit_through_the_api(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Through GitHub: main's config turns `tests` off; the PR's attempt to drop `secrets` fails."""
    base = {**BASE, ".github/readiness.yml": "disable: [tests]\n"}
    head = {**HEAD, ".github/readiness.yml": "disable: [tests, secrets]\n"}
    data = open_pull(github, tmp_path / "repo", base, head)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    rules = {a["title"] for a in run["output"]["annotations"]}
    assert any(rule.startswith("secrets/") for rule in rules)
    assert not any(rule.startswith("tests/") for rule in rules)
    queries = github.calls("POST", "/graphql#object")  # file reads, not the conversation's
    (query,) = [c for c in queries if c.json["variables"]["name"] == "shop"]
    read = set(query.json["variables"].values())
    # Read at base for the config; the head side is read too, as a changed file rules review.
    assert f"{data['pull_request']['base']['sha']}:.github/readiness.yml" in read


async def test_the_server_runs_the_base_branch_s_semgrep_rules_through_the_api(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Through GitHub: main's rule reports as `repo/no-print`; a rule the PR adds does not run."""
    from tests.rules.test_repository_semgrep import JOB, JOB_HEAD, NO_PRINT

    own_rule = NO_PRINT.replace("no-print", "pr-own-rule").replace("print(...)", "int(...)")
    base = {**BASE, ".github/readiness/semgrep/x.yml": NO_PRINT, "shop/jobs.py": JOB}
    head = {
        **HEAD,
        "shop/jobs.py": JOB_HEAD + "COUNT = int('3')\n",
        ".github/readiness/semgrep/own.yml": own_rule,
    }
    data = open_pull(github, tmp_path / "repo", base, head)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    found = {(a["title"], a["path"], a["start_line"]) for a in run["output"]["annotations"]}
    assert ("repo/no-print", "shop/jobs.py", 2) in found
    assert not any(title == "repo/pr-own-rule" for title, _, _ in found)


async def test_the_server_reads_gitattributes_from_the_base_through_the_api(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Through GitHub: a PR that marks everything generated is still reviewed by code rules."""
    head = {**HEAD, ".gitattributes": "* linguist-generated\n"}
    data = open_pull(github, tmp_path / "repo", BASE, head)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    rules = {a["title"] for a in run["output"]["annotations"]}
    assert "tests/skipped-test" in rules
    assert "Not reviewed by code rules" not in run["output"]["summary"]


VENDOR_PATHS = ("vendor/lib/x.py", "vendor/x.py", "src/vendor/x.py", "vendorish/x.py")


@pytest.mark.parametrize(
    ("pattern", "dropped"),
    [
        ("vendor/", {"vendor/lib/x.py", "vendor/x.py", "src/vendor/x.py"}),
        ("/vendor/**", {"vendor/lib/x.py", "vendor/x.py"}),
        ("**/vendor/**", {"vendor/lib/x.py", "vendor/x.py", "src/vendor/x.py"}),
        ("/vendor/*", {"vendor/lib/x.py", "vendor/x.py"}),
        ("*.min.js", set()),
    ],
)
def test_paths_are_matched_as_gitignore_lines(pattern: str, dropped: set[str]) -> None:
    """`vendor/`, `/vendor/**` and `**/vendor/**` mean what they mean in `.gitignore`."""
    config, problem = parse(f"ignore: [{pattern!r}]\nallow:\n  secrets: [{pattern!r}]\n")
    assert problem is None
    ignored = {p for p in VENDOR_PATHS if not config.keeps(finding("tests/removed-test", p))}
    allowed = {p for p in VENDOR_PATHS if not config.keeps(finding("secrets/stripe-key", p))}
    assert ignored == allowed == dropped


def test_a_pattern_without_a_slash_matches_at_any_depth_and_one_with_a_slash_is_anchored() -> None:
    config, _ = parse("ignore: ['*.min.js', 'docs/*.md']\n")
    assert not config.keeps(finding("secrets/stripe-key", "web/static/app.min.js"))
    assert not config.keeps(finding("secrets/stripe-key", "docs/setup.md"))
    assert config.keeps(finding("secrets/stripe-key", "docs/ops/setup.md"))
    assert config.keeps(finding("secrets/stripe-key", "guide/docs/setup.md"))


def test_a_negated_pattern_brings_a_path_back() -> None:
    """`!` re-includes, and the last matching line wins, in `ignore` and in `allow` lists."""
    config, problem = parse(
        "ignore: ['vendor/', '!vendor/our-fork/']\n"
        "allow:\n  data-layer: ['demo/**', '!demo/shop/live.py']\n"
    )
    assert problem is None
    assert not config.keeps(finding("secrets/stripe-key", "vendor/lib/x.py"))
    assert config.keeps(finding("secrets/stripe-key", "vendor/our-fork/x.py"))
    assert not config.keeps(finding("data-layer/fixture-import", "demo/shop/repo.py"))
    assert config.keeps(finding("data-layer/fixture-import", "demo/shop/live.py"))


def test_a_pattern_git_rejects_is_a_config_error() -> None:
    config, problem = parse("ignore: ['vendor/']\nallow:\n  secrets: ['!']\n")
    assert config == RepoConfig()
    assert problem == (
        "`.github/readiness.yml` is invalid: allow.secrets: Value error, Invalid git pattern: "
        "'!'; defaults used"
    )


async def test_a_gitignore_style_path_is_ignored_by_the_engine(tmp_path: Path) -> None:
    """On the base branch, `/vendor/` drops the vendored copy and keeps `shop/vendor/`."""
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness.yml": "ignore: [/vendor/]\n"},
        head={"vendor/stripe/settings.py": SETTINGS, "shop/vendor/settings.py": SETTINGS},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert {(f.rule, f.path) for f in evaluation.findings} == {
        ("secrets/stripe-key", "shop/vendor/settings.py")
    }
    assert evaluation.problems == ()


KNOWN = frozenset({"secrets", "secrets/stripe-key", "data-layer", "data-layer/fixture-import"})


def test_an_unknown_id_is_reported_with_the_closest_known_one() -> None:
    config, problem = parse(
        "disable: [secret, data-layer]\n"
        "allow:\n  secrets/stripe-keys: [docs/]\n  data-layer: [demo/]\n  zzz: [x/]\n"
    )
    assert problem is None
    assert config.unknown_ids(KNOWN) == [
        "`.github/readiness.yml`: `disable` names `secret`, which is no pack or rule id "
        "(did you mean `secrets`?); that entry has no effect",
        "`.github/readiness.yml`: `allow` names `secrets/stripe-keys`, which is no pack or rule "
        "id (did you mean `secrets/stripe-key`?); that entry has no effect",
        "`.github/readiness.yml`: `allow` names `zzz`, which is no pack or rule id "
        "(`/readiness help` lists them); that entry has no effect",
    ]


async def test_a_typo_in_disable_is_a_problem_of_the_review_and_the_rest_applies(
    tmp_path: Path,
) -> None:
    """`disable: [secret]` turns nothing off, and says so; the valid `ignore` still applies."""
    repo = make_repo(
        tmp_path / "r",
        base={".github/readiness.yml": "disable: [secret]\nignore: [vendor/]\n"},
        head={"shop/settings.py": SETTINGS, "vendor/settings.py": SETTINGS},
    )
    evaluation = await evaluate(await repo.snapshot())
    assert [(f.rule, f.path) for f in evaluation.findings] == [
        ("secrets/stripe-key", "shop/settings.py")
    ]
    assert evaluation.problems == (
        "`.github/readiness.yml`: `disable` names `secret`, which is no pack or rule id "
        "(did you mean `secrets`?); that entry has no effect",
    )


async def test_the_server_reports_an_unknown_id_in_the_check_run(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Through GitHub: a misspelt rule id in `allow` reaches the check run's summary."""
    base = {**BASE, ".github/readiness.yml": "allow:\n  tests/skiped-test: [tests/]\n"}
    data = open_pull(github, tmp_path / "repo", base, HEAD)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    assert "tests/skipped-test" in {a["title"] for a in run["output"]["annotations"]}
    assert (
        "`allow` names `tests/skiped-test`, which is no pack or rule id (did you mean "
        "`tests/skipped-test`?)" in run["output"]["summary"]
    )


def test_a_setting_given_twice_is_a_config_error() -> None:
    """PyYAML would keep the second `allow:` silently and drop the first one's entries."""
    config, problem = parse("allow:\n  secrets: [docs/]\nignore: [x/]\nallow:\n  cliff: [demo/]\n")
    assert config == RepoConfig()
    assert problem == (
        "`.github/readiness.yml` is not valid YAML (key `allow` given twice (line 4)); "
        "defaults used"
    )


async def test_the_allow_entry_a_removed_line_s_comment_shows_silences_it_on_the_base(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """Through GitHub: a removed test's comment gives YAML instead of the marker it cannot
    carry; committed to the base branch, those lines silence that finding and nothing else."""
    checkout = "def charge(user, cents):\n    return stripe.charge(user, cents)\n"
    base = {**BASE, "shop/checkout.py": checkout}
    head = {
        **HEAD,
        "shop/checkout.py": checkout,
        "tests/test_checkout.py": TESTS_HEAD.split("\n\ndef test_charge_succeeds")[0] + "\n",
    }
    await deliver(bot, "pull_request", open_pull(github, tmp_path / "first", base, head))
    await settle(bot)
    comments = {c["side"]: c for c in github.review_comments(REPO, 7)}
    assert "add `readiness:allow` in a comment on this line" in comments["RIGHT"]["body"]
    removed = comments["LEFT"]
    assert removed["path"] == "tests/test_checkout.py"
    assert "`tests/removed-test`" in removed["body"]
    assert "cannot carry `readiness:allow`" in removed["body"]
    snippet = allow_snippet(removed["body"])
    assert snippet is not None

    base_with_config = {**base, ".github/readiness.yml": snippet}
    data = open_pull(github, tmp_path / "second", base_with_config, head, number=8)
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = [r for r in github.check_runs if r["head_sha"] == data["pull_request"]["head"]["sha"]]
    assert "tests/removed-test" not in run["output"]["summary"]
    assert "tests/skipped-test" in run["output"]["summary"]
    assert "Not fully reviewed" not in run["output"]["summary"]  # the config is valid
    assert [c["side"] for c in github.review_comments(REPO, 8)] == ["RIGHT", "RIGHT"]


def test_the_readme_example_is_a_valid_config_naming_only_known_ids() -> None:
    """The commented YAML in the README parses, and every id in it exists."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```yaml\n(# Paths no rule reports on\..*?)```", readme, re.DOTALL)
    assert match is not None
    config, problem = parse(match.group(1))
    assert problem is None and config.ignore and config.allow and config.disable
    known = {"repo", *(i for pack in PACKS for i in (pack.id, *pack.ids))}
    assert config.unknown_ids(frozenset(known)) == []


async def test_the_server_reads_the_base_side_where_the_head_branched_off(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    """main gains a test after the PR branched off; the PR adds its own test to that file. Read
    at main's tip, main's new test would look removed by the PR; read at the merge base (what
    the PR's diff is against), nothing is removed."""
    tests_base = "def test_orders():\n    assert True\n"
    data = open_pull(
        github,
        tmp_path / "repo",
        {"tests/test_orders.py": tests_base, "shop/orders.py": "X = 1\n"},
        {"tests/test_orders.py": tests_base + "\n\ndef test_refunds():\n    assert True\n"},
    )
    pull = data["pull_request"]
    repo = Repo(tmp_path / "repo", pull["base"]["sha"], pull["head"]["sha"])
    on_main = tests_base + "\n\ndef test_totals():\n    assert 1 + 1 == 2\n"
    tip = repo.advance_base({"tests/test_orders.py": on_main})
    github.move_base(REPO, 7, tip, repo.files(tip))
    data["pull_request"]["base"]["sha"] = tip
    await deliver(bot, "pull_request", data)
    await settle(bot)
    (run,) = github.check_runs
    assert run["conclusion"] == "success", run["output"]["summary"]
    (compare,) = github.calls("GET", f"/repos/{REPO}/compare/*")
    assert compare.path.endswith(f"/compare/{tip}...{data['pull_request']['head']['sha']}")
