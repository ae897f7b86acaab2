"""Pack `cliff`: what its findings say, where they land, and its guards' annotated targets."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diff.parse import parse
from bot.rules.cliff import (
    ANY_HOST,
    AUTH_REMOVED,
    CORS_ANY,
    CORS_ANY_JS,
    DEBUG_ON,
    PACK,
    SWALLOWED,
    TLS_OFF,
    TLS_OFF_GO,
    TLS_OFF_JS,
)
from bot.rules.engine import evaluate
from bot.rules.model import Finding, Severity
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo
from tests.rules import annotated, declared

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


def run_pack(snap: Snapshot) -> list[Finding]:
    return declared.findings(PACK, snap)


def line_of(text: str, needle: str) -> int:
    """Return the 1-based number of the only line of `text` that contains `needle`."""
    numbers = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(numbers) == 1, (needle, numbers)
    return numbers[0]


async def test_removed_gate_is_reported_on_the_old_line_with_risk_and_fix(tmp_path: Path) -> None:
    """A removed @login_required is a LEFT finding naming the gate, the view, the risk, the fix."""
    path = "shop/web/account.py"
    repo = make_repo(tmp_path / "r", {path: VIEW_BASE}, {path: VIEW_HEAD})
    [finding] = run_pack(await repo.snapshot())
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
    bare = run_pack(Snapshot(parse(repo.diff)))
    assert [(f.rule, f.path, f.line) for f in bare] == [(SWALLOWED, "shop/sync.py", 4)]


async def test_fingerprints_survive_moved_lines(tmp_path: Path) -> None:
    """A finding that moves down the file keeps its fingerprint, so it is not reported twice."""
    base = {"shop/sync.py": "def push(order, client):\n    pass\n"}
    first = make_repo(tmp_path / "a", base, {"shop/sync.py": SYNC_HEAD})
    second = make_repo(tmp_path / "b", base, {"shop/sync.py": "import os\n\n" + SYNC_HEAD})
    [before] = run_pack(await first.snapshot())
    [after] = run_pack(await second.snapshot())
    assert (before.fingerprint, before.line + 2) == (after.fingerprint, after.line)


async def test_engine_reports_guards_under_the_cliff_pack_as_warnings(tmp_path: Path) -> None:
    """Guards run in process: `cliff/debug-enabled` comes out of the engine on the added line."""
    settings = "import os\n\nDEBUG = False\nSECRET_KEY = os.environ['SECRET_KEY']\n"
    repo = make_repo(
        tmp_path / "r",
        {"shop/settings.py": settings},
        {"shop/settings.py": settings.replace("DEBUG = False", "DEBUG = True")},
    )
    evaluation = await evaluate(await repo.snapshot(), packs=[PACK])
    found = [(f.rule, f.pack, f.line, f.severity) for f in evaluation.findings]
    assert found == [(DEBUG_ON, "cliff", 3, Severity.WARNING)]
    assert "stack traces" in evaluation.findings[0].message
    assert evaluation.problems == ()


@pytest.mark.parametrize("contents", [True, False], ids=["contents", "bare-diff"])
@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("cliff.py", "shop/settings.py"),
        ("cliff.ts", "server/src/app.ts"),
        ("cliff.go", "internal/payments/client.go"),
    ],
)
def test_annotated_targets(target: str, path: str, contents: bool) -> None:
    """Every `ruleid:` line of a guard target is reported under its rule, and no `ok:` line is."""
    reported, ruleid, ok = annotated.found(PACK, target, path, contents=contents)
    assert reported == {rule: ruleid.get(rule, set()) for rule in reported}
    assert all(not reported[rule] & lines for rule, lines in ok.items())


def test_every_guard_has_an_annotated_positive() -> None:
    """Each guard rule is exercised by at least one `ruleid:` line of the targets."""
    annotated_rules: set[str] = set()
    for target in ("cliff.py", "cliff.ts", "cliff.go"):
        text = (annotated.TARGETS / target).read_text(encoding="utf-8")
        annotated_rules |= annotated.expected(text)[0].keys()
    assert annotated_rules == {
        TLS_OFF,
        TLS_OFF_JS,
        TLS_OFF_GO,
        DEBUG_ON,
        ANY_HOST,
        CORS_ANY,
        CORS_ANY_JS,
    }


async def test_tls_turned_off_by_assignment_as_well_as_by_argument(tmp_path: Path) -> None:
    """`session.verify = False` and swapping in the unverified context are reported like
    `verify=False`; a CA bundle, `verify=True` or a variable is not."""
    base = """\
import ssl

import certifi
import requests


def client(ca_bundle: str) -> requests.Session:
    session = requests.Session()
    return session
"""
    head = """\
import ssl

import certifi
import requests

ssl._create_default_https_context = ssl._create_unverified_context


def client(ca_bundle: str) -> requests.Session:
    session = requests.Session()
    session.verify = False
    requests.get("https://pay.example.com", verify=False, timeout=5)
    requests.get("https://pay.example.com", verify=True, timeout=5)
    requests.get("https://pay.example.com", verify=certifi.where(), timeout=5)
    requests.get("https://pay.example.com", verify=ca_bundle, timeout=5)
    session.verify = ca_bundle
    return session
"""
    path = "shop/payments/client.py"
    repo = make_repo(tmp_path / "r", {path: base}, {path: head})
    found = [(f.rule, f.line) for f in run_pack(await repo.snapshot())]
    assert sorted(found) == [
        (TLS_OFF, line_of(head, "_create_unverified_context")),
        (TLS_OFF, line_of(head, "session.verify = False")),
        (TLS_OFF, line_of(head, "verify=False")),
    ]
    message = next(f.message for f in run_pack(await repo.snapshot()) if f.line == 11)
    assert message.startswith("`session.verify = False` turns TLS certificate checks off")


async def test_guards_in_tests_and_dev_settings_are_left_alone(tmp_path: Path) -> None:
    """Test code, dev or local settings and dev scripts may turn guards off: no findings."""
    relaxed = "import requests\n\nDEBUG = True\nrequests.get('https://localhost', verify=False)\n"
    repo = make_repo(
        tmp_path / "r",
        {"shop/__init__.py": ""},
        {
            "shop/settings/local.py": relaxed,
            "shop/settings_dev.py": relaxed,
            "tests/test_client.py": relaxed,
            "scripts/dev-server.ts": "export const o = { rejectUnauthorized: false };\n",
            "cart/client_test.go": "package cart\n\nvar c = tls.Config{InsecureSkipVerify: true}\n",
        },
    )
    assert run_pack(await repo.snapshot()) == []


async def test_settings_for_a_test_or_ci_run_are_not_production_settings(tmp_path: Path) -> None:
    """Settings whose file, folder or class name says test, testing, CI, e2e or a kind of test
    (`smoketest`, `LoadTest`) configure a throwaway run; production settings, plain
    `settings.py` and names that merely contain the letters (`contest`, `latest`) still warn."""
    relaxed = "DEBUG = True\nALLOWED_HOSTS = ['*']\n"
    quiet = {
        "scripts/smoketest_configuration.py": relaxed,
        "netbox/netbox/configuration_testing.py": relaxed,
        "shop/settings/testing.py": relaxed,
        "shop/ci_settings.py": relaxed,
        "deploy/loadtest/settings.py": relaxed,
        "shop/settings/classes.py": (
            "class SmokeTestSettings:\n    DEBUG = True\n\n\n"
            "class CISettings:\n    ALLOWED_HOSTS = ['*']\n"
        ),
    }
    loud = {
        "shop/settings/production.py": relaxed,
        "shop/settings.py": relaxed,
        "contest/settings.py": relaxed,
        "shop/settings/latest.py": relaxed,
        "shop/settings/deployed.py": "class ProductionSettings:\n    ALLOWED_HOSTS = ['*']\n",
    }
    repo = make_repo(tmp_path / "r", {"shop/__init__.py": ""}, {**quiet, **loud})
    found = {(f.rule, f.path, f.line) for f in run_pack(await repo.snapshot())}
    relaxed_paths = [path for path, text in loud.items() if text == relaxed]
    assert found == {
        *((DEBUG_ON, path, 1) for path in relaxed_paths),
        *((ANY_HOST, path, 2) for path in relaxed_paths),
        (ANY_HOST, "shop/settings/deployed.py", 2),
    }


async def test_bare_diff_reads_guards_from_what_the_diff_shows(tmp_path: Path) -> None:
    """Without contents, a module-level guard the diff shows is found; a fragment that does not
    parse on its own is skipped without failing the review."""
    settings = "import os\n\nDEBUG = False\n"
    client = "import requests\n\n\ndef get(url):\n    return requests.get(url)\n"
    repo = make_repo(
        tmp_path / "r",
        {"shop/settings.py": settings, "shop/client.py": client},
        {
            "shop/settings.py": settings.replace("DEBUG = False", "DEBUG = True"),
            "shop/client.py": client.replace("get(url)\n", "get(url, verify=False)\n"),
        },
    )
    change = parse(repo.diff)
    assert change.paths == {"shop/settings.py", "shop/client.py"}
    bare = run_pack(Snapshot(change))
    assert [(f.rule, f.path, f.line) for f in bare] == [(DEBUG_ON, "shop/settings.py", 3)]
