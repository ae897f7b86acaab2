"""The newcomer's commands: `readiness scan` on the demo repository, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.rules.registry import rule_table
from tests.gitrepo import make_repo

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo-shop.git"


def readiness(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=_env(env),
        timeout=300,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    # Run from ROOT or a temporary folder, `python -m bot.cli` must import this checkout.
    return {**clean, "PYTHONPATH": str(ROOT), **(extra or {})}


def test_readme_quick_start_scan_finds_every_pack_in_the_demo_repository() -> None:
    """The README's first command: each pack catches what the demo's feature branch does."""
    done = readiness("scan", "--repo", str(DEMO), "--base", "main", "--format", "json")
    assert done.returncode == 1, done.stderr
    findings = json.loads(done.stdout)["findings"]
    by_rule = {(f["rule"], f["path"]) for f in findings}
    packs = {f["pack"] for f in findings}
    assert packs == {"secrets", "tests", "data-layer", "migrations"}
    assert any(rule.startswith("secrets/") and path == "shop/settings.py" for rule, path in by_rule)
    assert any(
        rule.startswith("tests/") and path == "tests/test_orders.py" for rule, path in by_rule
    )
    assert any(
        rule.startswith("migrations/") and path == "shop/orders/models.py" for rule, path in by_rule
    )
    assert "sk_live_51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iO" not in done.stdout
    for finding in findings:
        assert set(finding) == {
            "rule",
            "pack",
            "path",
            "side",
            "line",
            "end_line",
            "severity",
            "message",
            "fingerprint",
        }


def test_json_findings_say_which_side_of_the_diff_their_lines_are_on() -> None:
    """`side` LEFT: `line`..`end_line` are in the base file (a removed line); RIGHT: the head's."""
    done = readiness("scan", "--repo", str(DEMO), "--base", "main", "--format", "json")
    findings = json.loads(done.stdout)["findings"]
    commits = {"LEFT": "main", "RIGHT": "feature"}
    sides = set()
    for finding in findings:
        shown = subprocess.run(
            ["git", "-C", str(DEMO), "show", f"{commits[finding['side']]}:{finding['path']}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        assert 1 <= finding["line"] <= finding["end_line"] <= len(shown)
        sides.add(finding["side"])
    deleted = next(f for f in findings if f["rule"] == "tests/deleted-test-file")
    assert deleted["side"] == "LEFT"  # the file is gone at head: its lines exist only at base
    key = next(f for f in findings if f["pack"] == "secrets")
    assert key["side"] == "RIGHT"
    assert sides == {"LEFT", "RIGHT"}


def test_text_output_and_diff_from_stdin() -> None:
    diff = subprocess.run(
        ["git", "-C", str(DEMO), "diff", "main...feature"], capture_output=True, check=True
    ).stdout
    done = readiness("scan", "--diff", "-", stdin=diff)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert any(line.startswith("shop/settings.py:5: error [secrets/") for line in lines)
    assert lines[-1].startswith(f"{len(lines) - 1} finding(s): ")


def test_a_clean_change_exits_zero(tmp_path: Path) -> None:
    (tmp_path / "ok.diff").write_text(
        "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n"
        "@@ -1 +1,2 @@\n # Shop\n+Run `make dev` to start.\n"
    )
    done = readiness("scan", "--diff", str(tmp_path / "ok.diff"))
    assert (done.returncode, done.stdout) == (0, "No findings.\n")


def test_input_errors_exit_two_with_one_line() -> None:
    missing = readiness("scan", "--diff", "/nonexistent.diff")
    assert missing.returncode == 2
    assert (
        missing.stderr
        == "readiness: cannot read the diff /nonexistent.diff: No such file or directory\n"
    )
    bad_ref = readiness("scan", "--repo", str(DEMO), "--base", "no-such-branch")
    assert bad_ref.returncode == 2 and bad_ref.stderr.startswith(
        "readiness: cannot read the change"
    )
    inside_another = readiness("scan", "--repo", str(ROOT / "fixtures" / "demo"), "--base", "HEAD")
    assert inside_another.returncode == 2 and "not a git repository" in inside_another.stderr
    no_base = readiness("scan", "--repo", str(DEMO))
    assert no_base.returncode == 2 and "--repo needs --base" in no_base.stderr
    usage = readiness("scan")
    assert (
        usage.returncode == 2
        and "one of the arguments --repo --diff --staged is required" in usage.stderr
    )


def test_serve_with_missing_settings_names_the_variables_and_exits_two() -> None:
    done = readiness("serve", env={"READINESS_WEBHOOK_SECRET": "s3cr3t-value"})
    assert done.returncode == 2
    assert done.stderr == "readiness: READINESS_APP_ID: not set\n"
    assert "Traceback" not in done.stderr


def test_serve_without_a_private_key_says_which_variables_to_set() -> None:
    done = readiness("serve", env={"READINESS_APP_ID": "12", "READINESS_WEBHOOK_SECRET": "s3cr3t"})
    assert done.returncode == 2
    assert "READINESS_PRIVATE_KEY or READINESS_PRIVATE_KEY_PATH" in done.stderr
    assert "s3cr3t" not in done.stderr and "Traceback" not in done.stderr


def test_readme_lists_every_rule() -> None:
    """The README's rule table is the registry's, so docs and code cannot drift apart
    (`python -m bot.rules.docs` writes it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- rules:start -->\n")[1].split("<!-- rules:end -->")[0]
    assert block.strip() == rule_table(linked=True), "run python -m bot.rules.docs"


def test_jobs_lists_counts_and_the_dead_letter_queue(tmp_path: Path) -> None:
    """Operators see failed jobs and why, without opening the database."""
    import asyncio

    from bot.jobs.model import ReviewJob
    from bot.jobs.sqlite_store import SqliteStore

    async def fill() -> None:
        store = SqliteStore(tmp_path / "readiness.sqlite3")
        job = ReviewJob(1, "acme/shop", 7, "a" * 40, "pull_request.opened", "d1")
        await store.accept("d1", "pull_request", [job])
        claimed = await store.claim()
        assert claimed is not None
        await store.fail(claimed.id, "PermanentError: GitHub refused: 403 Resource not accessible")
        await store.close()

    asyncio.run(fill())
    env = {
        "READINESS_APP_ID": "1",
        "READINESS_PRIVATE_KEY": "unused",
        "READINESS_WEBHOOK_SECRET": "s",
        "READINESS_DATA_DIR": str(tmp_path),
    }
    done = readiness("jobs", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "queued: 0  running: 0  done: 0  failed: 1\n"
        "failed review acme/shop#7 (job 1, 1 attempts): "
        "PermanentError: GitHub refused: 403 Resource not accessible\n"
    )


def test_a_change_not_fully_reviewed_exits_two_unless_partial_is_allowed(tmp_path: Path) -> None:
    """An invalid repository config means the review ran on defaults: not a clean pass."""
    repo = make_repo(
        tmp_path / "repo",
        {".github/readiness.yml": "disable: [secrets\n", "README.md": "# Shop\n"},
        {".github/readiness.yml": "disable: [secrets\n", "README.md": "# Shop\n\nRun it.\n"},
    )
    scan = ("scan", "--repo", str(repo.path), "--base", repo.base)
    done = readiness(*scan)
    assert done.returncode == 2, done.stdout
    assert "not reviewed: `.github/readiness.yml` is not valid YAML" in done.stdout
    assert readiness(*scan, "--allow-partial").returncode == 0


LIVE_KEY = "sk_live_51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iO"


def _gnu_diff(cwd: Path, *args: str) -> bytes:
    done = subprocess.run(["diff", *args], cwd=cwd, capture_output=True, check=False)
    assert done.returncode == 1, done.stderr  # 1: the inputs differ
    return done.stdout


@pytest.mark.parametrize("options", ["-u", "-ruN"])
def test_scan_reads_plain_diff_output(tmp_path: Path, options: str) -> None:
    """`diff -u` and `diff -ruN` output are reviewed like `git diff` output: the key is found."""
    for tree, text in (("old", "DEBUG = False\n"), ("new", f'DEBUG = False\nKEY = "{LIVE_KEY}"\n')):
        (tmp_path / tree / "shop").mkdir(parents=True)
        (tmp_path / tree / "shop" / "settings.py").write_text(text)
    names = (
        ["old", "new"] if options == "-ruN" else ["old/shop/settings.py", "new/shop/settings.py"]
    )
    (tmp_path / "change.diff").write_bytes(_gnu_diff(tmp_path, options, *names))
    done = readiness("scan", "--diff", str(tmp_path / "change.diff"))
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("shop/settings.py:2: error [secrets/stripe-key]")
    assert LIVE_KEY not in done.stdout


NOT_DIFFS = {
    "garbage": b"this is not a diff\n",
    "binary junk": bytes(range(256)) * 8,
    "context diff": b"*** a.py\n--- b.py\n***************\n*** 1 ****\n! a = 1\n",
}


@pytest.mark.parametrize("data", NOT_DIFFS.values(), ids=NOT_DIFFS.keys())
def test_input_that_is_not_a_diff_is_an_input_error(tmp_path: Path, data: bytes) -> None:
    """Anything but `git diff` or `diff -u` output: one line on stderr and exit 2."""
    (tmp_path / "input").write_bytes(data)
    expected = "no file diff found; expected `git diff` or `diff -u` output\n"
    piped = readiness("scan", "--diff", "-", stdin=data)
    assert (piped.returncode, piped.stdout) == (2, "")
    assert piped.stderr == f"readiness: cannot read the diff on standard input: {expected}"
    named = readiness("scan", "--diff", str(tmp_path / "input"))
    assert (named.returncode, named.stdout) == (2, "")
    assert named.stderr == f"readiness: cannot read the diff {tmp_path / 'input'}: {expected}"


def test_an_empty_diff_has_no_findings() -> None:
    """`git diff` of no change writes nothing: a clean scan, not an error."""
    done = readiness("scan", "--diff", "-", stdin=b"")
    assert (done.returncode, done.stdout, done.stderr) == (0, "No findings.\n", "")


def test_a_diff_scanned_in_a_work_tree_follows_the_committed_settings(tmp_path: Path) -> None:
    """In a work tree, `--diff` applies the repository's `.github/readiness.yml` and
    `.gitattributes` as committed at HEAD; an uncommitted edit of the config does not count."""
    committed = {
        ".github/readiness.yml": 'ignore: ["scratch/*"]\n',
        ".gitattributes": "gen/** linguist-generated=true\n",
    }
    repo = make_repo(tmp_path / "repo", base=committed, head={"src/app.py": "VALUE = 1\n"})
    (repo.path / ".github" / "readiness.yml").write_text("ignore: []\n")  # not committed
    diff = (
        "diff --git a/scratch/keys.py b/scratch/keys.py\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/scratch/keys.py\n@@ -0,0 +1 @@\n"
        f'+KEY = "{LIVE_KEY}"\n'
        "diff --git a/gen/api.py b/gen/api.py\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/gen/api.py\n@@ -0,0 +1 @@\n+VALUE = 1\n"
    ).encode()

    inside = readiness("scan", "--diff", "-", stdin=diff, cwd=repo.path / "src")
    assert (inside.returncode, inside.stderr) == (0, "")
    assert inside.stdout == (
        "skipped by code rules: `gen/api.py`: marked `linguist-generated` in .gitattributes\n"
        "No findings.\n"
    )

    outside_env = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}  # no enclosing repository
    outside = readiness("scan", "--diff", "-", stdin=diff, cwd=tmp_path, env=outside_env)
    assert outside.returncode == 1, outside.stderr
    assert outside.stdout.startswith("scratch/keys.py:1: error [secrets/stripe-key]")
    assert "skipped" not in outside.stdout


@pytest.mark.parametrize(
    ("config", "severity"), [("", "notice"), ("deploys: rolling\n", "warning")]
)
def test_scan_reads_deploys_from_the_repository_s_config(
    tmp_path: Path, config: str, severity: str
) -> None:
    """A dropped column is a notice unless the config says releases roll: `--fail-on warning`
    passes the first and fails the second, as the server's check would."""
    base = {"db/migrations/V1__create.sql": "CREATE TABLE accounts (id bigint, plan text);\n"}
    if config:
        base[".github/readiness.yml"] = config
    drop = {"db/migrations/V2__drop_plan.sql": "ALTER TABLE accounts DROP COLUMN plan;\n"}
    repo = make_repo(tmp_path / "repo", base, drop)
    scan = ("scan", "--repo", str(repo.path), "--base", repo.base, "--fail-on", "warning")
    done = readiness(*scan, "--format", "json")
    found = [(f["rule"], f["severity"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [("migrations/drop-column", severity)]
    assert done.returncode == (1 if severity == "warning" else 0), done.stderr


@pytest.mark.parametrize(
    ("own", "severity"),
    [(None, "warning"), ("deploys: stop\n", "notice")],
)
def test_scan_applies_the_organisation_s_file_under_the_repository_s(
    tmp_path: Path, own: str | None, severity: str
) -> None:
    """`--org` is the organisation's settings as the server reads them from its `.github`
    repository: they apply to an index built without CONCURRENTLY unless the repository's own
    file says otherwise, and a file that cannot be read is one line naming it."""
    base = {"db/migrations/V1__create.sql": "CREATE TABLE accounts (id bigint, email text);\n"}
    if own is not None:
        base[".github/readiness.yml"] = own
    index = {"db/migrations/V2__index.sql": "CREATE INDEX accounts_email ON accounts (email);\n"}
    repo = make_repo(tmp_path / "repo", base, index)
    org = tmp_path / "org.yml"
    org.write_text("deploys: rolling\n", encoding="utf-8")
    scan = ("scan", "--repo", str(repo.path), "--base", repo.base, "--format", "json")
    done = readiness(*scan, "--org", str(org))
    found = [(f["rule"], f["severity"]) for f in json.loads(done.stdout)["findings"]]
    assert found == [("migrations/index-not-concurrent", severity)], done.stderr
    missing = readiness(*scan, "--org", str(tmp_path / "absent.yml"))
    assert missing.returncode == 2
    assert missing.stderr.strip() == (
        f"readiness: --org: cannot read {tmp_path / 'absent.yml'}: No such file or directory"
    )


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_reader_that_stops_early_is_not_an_error(fmt: str) -> None:
    """`readiness scan | head`: no traceback when the pipe closes; the exit code is the scan's."""
    command = ["scan", "--repo", str(DEMO), "--base", "main", "--format", fmt]
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=_env(),
    ) as scan:
        assert scan.stdout is not None and scan.stderr is not None
        scan.stdout.close()  # the reader is gone before a byte is written, as `head` may be
        stderr = scan.stderr.read().decode()
        assert scan.wait(timeout=300) == 1  # the demo's change has error findings
    assert stderr == ""


def test_version_comes_from_the_package_metadata() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    done = readiness("--version")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"readiness {project['version']}\n",
        "",
    )
