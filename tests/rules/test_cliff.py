"""Pack `cliff`: what its findings say, where they land, and its semgrep rules' own tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from bot.diff.parse import parse
from bot.rules.cliff import AUTH_REMOVED, PACK, SWALLOWED
from bot.rules.engine import evaluate
from bot.rules.model import Finding, NoContents, RuleContext
from bot.rules.semgrep import RULES_DIR, semgrep_binary
from tests.gitrepo import make_repo

SEMGREP_TARGETS = Path(__file__).resolve().parent / "semgrep"

VIEW_BASE = """\
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("account", __name__)


@bp.route("/account/orders")
@login_required
def my_orders():
    return "orders"
"""
VIEW_HEAD = VIEW_BASE.replace("@login_required\n", "").replace(
    "from flask_login import login_required\n", ""
)
SYNC_HEAD = """\
def push(order, client):
    try:
        client.send(order)
    except Exception:
        pass
"""


async def run_pack(ctx: RuleContext) -> list[Finding]:
    return [finding for check in PACK.checks for finding in await check(ctx)]


async def test_removed_gate_is_reported_on_the_old_line_with_risk_and_fix(tmp_path: Path) -> None:
    """A removed @login_required is a LEFT finding naming the gate, the view, the risk, the fix."""
    path = "shop/web/account.py"
    repo = make_repo(tmp_path / "r", {path: VIEW_BASE}, {path: VIEW_HEAD})
    [finding] = await run_pack(repo.context)
    assert (finding.rule, finding.side, finding.line) == (AUTH_REMOVED, "LEFT", 8)
    assert finding.message.startswith("`@login_required` was removed, and `my_orders` still")
    assert "open to the internet" in finding.message
    assert "Put the check back" in finding.message


async def test_bare_diff_finds_swallowed_errors_but_claims_no_removed_gates(tmp_path: Path) -> None:
    """Without file contents, checks that need base and head stay quiet instead of guessing."""
    repo = make_repo(
        tmp_path / "r",
        {"shop/web/account.py": VIEW_BASE, "shop/sync.py": "def push(order, client):\n    pass\n"},
        {"shop/web/account.py": VIEW_HEAD, "shop/sync.py": SYNC_HEAD},
    )
    bare = await run_pack(RuleContext(parse(repo.diff), NoContents()))
    assert [(f.rule, f.path, f.line) for f in bare] == [(SWALLOWED, "shop/sync.py", 4)]


async def test_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    """A finding that moves down the file keeps its fingerprint, so it is not reported twice."""
    base = {"shop/sync.py": "def push(order, client):\n    pass\n"}
    first = make_repo(tmp_path / "a", base, {"shop/sync.py": SYNC_HEAD})
    second = make_repo(tmp_path / "b", base, {"shop/sync.py": "import os\n\n" + SYNC_HEAD})
    [before] = await run_pack(first.context)
    [after] = await run_pack(second.context)
    assert (before.fingerprint, before.line + 2) == (after.fingerprint, after.line)


async def test_engine_reports_semgrep_guards_under_the_cliff_pack(tmp_path: Path) -> None:
    """semgrep's `cliff.*` rules come out of the engine as pack `cliff`, on added lines only."""
    settings = "import os\n\nDEBUG = False\nSECRET_KEY = os.environ['SECRET_KEY']\n"
    repo = make_repo(
        tmp_path / "r",
        {"shop/settings.py": settings},
        {"shop/settings.py": settings.replace("DEBUG = False", "DEBUG = True")},
    )
    evaluation = await evaluate(repo.context, packs=[PACK], semgrep_rules=RULES_DIR)
    found = [(f.rule, f.pack, f.line) for f in evaluation.findings]
    assert found == [("cliff/debug-enabled", "cliff", 3)]
    assert "stack traces" in evaluation.findings[0].message


def test_semgrep_rule_tests_pass(tmp_path: Path) -> None:
    """`semgrep --test` passes on the cliff pack's annotated Python, TypeScript and Go targets.

    semgrep 1.182 cannot pair a single config file with a target folder (IndexError), so the
    pack's YAML and its targets are copied into folders of their own.
    """
    config, targets = tmp_path / "config", tmp_path / "targets"
    config.mkdir()
    targets.mkdir()
    shutil.copy(RULES_DIR / "cliff.yml", config)
    for target in SEMGREP_TARGETS.glob("cliff.*"):
        shutil.copy(target, targets)
    done = subprocess.run(
        [
            *(semgrep_binary(), "--test", "--json"),
            *("--disable-version-check", "--metrics=off"),
            *("--config", str(config), str(targets)),
        ],
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout.decode() + done.stderr.decode()
    checks = json.loads(done.stdout)["results"][str(config / "cliff.yml")]["checks"]
    assert sorted(checks) == [
        "cliff.allowed-hosts-any",
        "cliff.cors-any-with-credentials",
        "cliff.cors-any-with-credentials-js",
        "cliff.debug-enabled",
        "cliff.tls-verify-disabled",
        "cliff.tls-verify-disabled-go",
        "cliff.tls-verify-disabled-js",
    ]
