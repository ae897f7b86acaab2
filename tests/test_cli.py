"""The newcomer's commands: `readiness scan` on the demo repository, and clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.rules.registry import rule_table

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo-shop.git"


def readiness(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("READINESS_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin.decode(),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **(env or {})},
        timeout=300,
        check=False,
    )


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
            "line",
            "severity",
            "message",
            "fingerprint",
        }


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
        usage.returncode == 2 and "one of the arguments --repo --diff is required" in usage.stderr
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
    """The README's rule table is the registry's, so docs and code cannot drift apart."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- rules:start -->\n")[1].split("<!-- rules:end -->")[0]
    assert block.strip() == rule_table()


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
