"""Auth that stops gating: checks removed from routes that stay, public access switched on."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import partial

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules import paths
from bot.rules.cliff.authorization import access_checked
from bot.rules.cliff.dispatch import RAILS_GATE, handed_off
from bot.rules.code import (
    CODE_LANGUAGES,
    COMMENT_LINE,
    FUNCTION,
    OWNER,
    enclosing,
    indent,
    make_finding,
    name,
    production_code,
)
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "cliff"
AUTH_REMOVED = "cliff/auth-removed"
AUTH_BYPASSED = "cliff/auth-bypassed"

SUFFIXES = paths.PYTHON_SUFFIXES | paths.SCRIPT_SUFFIXES | {".rb", ".java", ".kt"}
_MIDDLEWARE = (
    r"(?:requireAuth\w*|isAuthenticated|ensureAuthenticated|ensureLoggedIn\(\)|authenticate\w*"
    r"|auth(?:Middleware|Guard|orize\w*)?(?:\(\))?|verifyToken|verifyJwt|checkJwt|requireLogin"
    r"|requireUser|protect|withAuth|passport\.authenticate\([^)]*\))"
)
AUTH = re.compile(
    rf"""^\s*@(?:\w+\.)*(?P<decorator>login_required|permission_required|user_passes_test
        |staff_member_required|superuser_required|jwt_required|auth_required|requires_auth
        |token_required|admin_required|roles_required|roles_accepted|authenticated)\b
    |(?P<depends>(?:Depends|Security)\(\s*(?:\w+\.)*(?:get_current_\w+|require_\w+|verify_\w+
        |\w*authenticat\w*|\w*auth\w*)\s*[,)])
    |(?P<drf>\bpermission_classes\s*=\s*[\[(]\s*(?:\w+\.)*Is(?:Authenticated|Admin)\w*)
    |(?P<rails>^\s*before_action\s+:(?:{RAILS_GATE}))
    |(?P<express>\.(?:get|post|put|patch|delete|all|use)\(\s*(?:["'`][^"'`]+["'`]\s*,\s*)?
        (?:\[\s*)?(?:\w+\.)*{_MIDDLEWARE}\s*[,\])])""",
    re.VERBOSE,
)
_ROUTE = re.compile(r"""\.(get|post|put|patch|delete|all)\(\s*(["'`][^"'`]+["'`])""")
_BYPASS = re.compile(
    r"""(?<![\w.])(?:(?:\w+\.)*AllowAny\b|permit_all\b|permitAll\(\)
    |skip_before_action\s+:(?:authenticate_\w+!?|require_login|authorize\w*))""",
    re.VERBOSE,
)
_IMPORT = re.compile(r"^\s*(?:from\s|import\s)")
# Endpoints that are public by nature: signing in, signing up, probes, webhooks.
_PUBLIC = re.compile(
    r"log_?in|sign_?(?:in|up)|register|token|password|reset|health|public|webhook|callback|ping"
    r"|status|verify|confirm|session|oauth",
    re.IGNORECASE,
)
_SIGNATURE_LINES = 12


def check_auth_removed(snap: Snapshot) -> list[Finding]:
    """Flag auth decorators, dependencies and middleware removed from routes that still exist."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed, SUFFIXES) or changed.status is FileStatus.REMOVED:
            continue
        gates = [(r, m) for r in changed.removed if (m := AUTH.search(r.text))]
        if not gates or COMMENT_LINE.match(gates[0][0].text):
            continue
        base_text = snap.read(changed.old_path or changed.path, "base")
        head_text = snap.read(changed.path, "head")
        if base_text is None or head_text is None:
            continue
        base, head = base_text.splitlines(), head_text.splitlines()
        kept = {" ".join(text.split()) for text in head}
        for line, match in gates:
            if " ".join(line.text.split()) in kept:
                continue  # moved, not removed
            moved = partial(handed_off, snap, changed.path)
            subject = _unguarded_subject(match, line, base, head, moved)
            if subject is None:
                continue
            gate = " ".join(match.group(0).split()).strip(",)]")
            message = (
                f"`{gate}` was removed, and {subject} still exists: it now answers anyone, "
                "signed in or not, so its data and actions are open to the internet. Put the "
                "check back; if the endpoint must be public, make that explicit and say why."
            )
            findings.append(
                make_finding(AUTH_REMOVED, changed.path, line, Severity.WARNING, message, "LEFT")
            )
    return findings


def check_auth_bypassed(snap: Snapshot) -> list[Finding]:
    """Flag AllowAny, permit_all and skipped authentication added outside public endpoints,
    unless every action it opens checks authorization itself (`authorization.py`)."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed, SUFFIXES):
            continue
        for line in changed.added:
            match = _BYPASS.search(line.text)
            if match is None or COMMENT_LINE.match(line.text) or _IMPORT.match(line.text):
                continue
            if _PUBLIC.search(line.text) or _PUBLIC.search(_around(snap, changed, line)):
                continue
            # Judged on the whole file only (its text, or an added file's diff): a bare diff of
            # an edited file may hide an action that checks nothing.
            whole = changed.status is FileStatus.ADDED
            whole = whole or snap.source(changed.path, "head").text is not None
            if whole and access_checked(snap.head_or_diff(changed), line.number):
                continue  # signed out is let in, and each action checks what it may do
            message = (
                f"`{match.group(0)}` lets anyone call this endpoint without signing in: its data "
                "and actions are open to the internet. Require authentication, or, if it must "
                "be public, limit it to the endpoints that need it and say why."
            )
            findings.append(
                make_finding(AUTH_BYPASSED, changed.path, line, Severity.WARNING, message)
            )
    return findings


def _unguarded_subject(
    match: re.Match[str],
    line: Line,
    base: Sequence[str],
    head: Sequence[str],
    moved: Callable[[str], bool],
) -> str | None:
    """Name the route or view that lost its gate, if it still exists at head ungated: a
    controller that now hands each request to authenticated controllers (`dispatch.py`) kept it."""
    index = line.number - 1
    if match.group("express"):
        route = _ROUTE.search(line.text)
        if route is None:  # app.use(auth): every route registered after it lost the gate
            routes = [t for t in head if _ROUTE.search(t)]
            gated = any(AUTH.search(t) and ".use(" in t for t in head)
            return "the routes of this router" if routes and not gated else None
        verb, target = route.groups()
        same = [t for t in head if f".{verb}(" in t and target in t]
        return (
            f"`{verb.upper()} {target.strip(chr(34) + chr(39) + '`')}`"
            if same and not any(AUTH.search(t) for t in same)
            else None
        )
    if match.group("decorator"):
        after = (
            i for i in range(index + 1, len(base)) if re.match(r"\s*(?:async\s+)?def\s", base[i])
        )
        header = next(after, None)
        function = name(FUNCTION.match(base[header])) if header is not None else None
        return _still_there(function, head, with_decorators=True)
    if match.group("depends"):
        found = enclosing(base, index, FUNCTION, inclusive=True)
        return _still_there(name(found[1]) if found else None, head, with_decorators=False)
    owner = enclosing(base, index, OWNER, inclusive=False)
    cls = name(owner[1]) if owner else None
    start = next(
        (i for i, t in enumerate(head) if cls and re.match(rf"\s*class\s+{cls}\b", t)), None
    )
    if start is None:
        return None
    body = [t for t in head[start + 1 :] if not t.strip() or indent(t) > indent(head[start])]
    gated = any(AUTH.search(t) for t in body) or moved(cls or "")
    return None if gated else f"`{cls}`"


def _still_there(function: str | None, head: Sequence[str], *, with_decorators: bool) -> str | None:
    """Return the quoted function if head still defines it with no auth gate of its own."""
    at = next(
        (i for i, t in enumerate(head) if function and name(FUNCTION.match(t)) == function), None
    )
    if at is None:
        return None
    gates: list[str] = []
    above = at - 1
    while with_decorators and above >= 0 and head[above].lstrip().startswith(("@", ")")):
        gates.append(head[above])
        above -= 1
    for text in head[at : at + _SIGNATURE_LINES]:
        gates.append(text)
        if text.rstrip().endswith((":", "{")):
            break
    return None if any(AUTH.search(t) for t in gates) else f"`{function}`"


def _around(snap: Snapshot, changed: ChangedFile, line: Line) -> str:
    """Return the names of the function and class around an added line, and the file's name."""
    lines = snap.head_lines(changed)
    index = line.number - 1
    function = enclosing(lines, index, FUNCTION, inclusive=True)
    owner = enclosing(lines, index, OWNER, inclusive=False)
    return " ".join(
        filter(
            None,
            [
                changed.path,
                name(function[1]) if function else None,
                name(owner[1]) if owner else None,
            ],
        )
    )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        AUTH_REMOVED,
        Severity.WARNING,
        "Auth decorator, dependency or middleware removed from a route that stays.",
        "Keep the route protected, or say in the pull request why it is now public.",
        CODE_LANGUAGES | {"ruby", "java", "kotlin"},
        why="The route stays reachable but no longer checks who is calling: anyone who finds the "
        "URL can use it.",
        flagged=Example(
            title="rails controller loses authenticate_user!",
            base=(
                (
                    "app/controllers/orders_controller.rb",
                    """\
class OrdersController < ApplicationController
  before_action :authenticate_user!

  def index
    @orders = current_user.orders
  end
end
""",
                ),
            ),
            head=(
                (
                    "app/controllers/orders_controller.rb",
                    """\
class OrdersController < ApplicationController
  def index
    @orders = Order.all
  end
end
""",
                ),
            ),
        ),
        quiet=Example(
            title="route deleted with its decorator, or gate moved into a router dependency",
            base=(
                (
                    "app/routers/reports.py",
                    """\
from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter()


@router.get("/reports")
async def reports(user=Depends(get_current_user)):
    return []
""",
                ),
                (
                    "shop/web/admin.py",
                    """\
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__)


@bp.route("/admin/export")
@login_required
def export():
    return "csv"


@bp.route("/admin/stats")
@login_required
def stats():
    return "stats"
""",
                ),
            ),
            head=(
                (
                    "app/routers/reports.py",
                    """\
from fastapi import APIRouter, Depends

from app.auth import get_current_user

router = APIRouter()


@router.get("/reports")
async def reports(
    user=Depends(get_current_user),
):
    return []
""",
                ),
                (
                    "shop/web/admin.py",
                    """\
from flask import Blueprint
from flask_login import login_required

bp = Blueprint("admin", __name__)


@bp.route("/admin/stats")
@login_required
@admin_required
def stats():
    return "stats"
""",
                ),
            ),
        ),
    ),
    Rule(
        AUTH_BYPASSED,
        Severity.WARNING,
        "AllowAny, permit_all or a skipped authentication filter added.",
        "Limit the exception to the routes that must be public.",
        CODE_LANGUAGES | {"ruby", "java", "kotlin"},
        why="A blanket AllowAny or permit_all opens every route it covers, including ones added "
        "later, to unauthenticated callers.",
        flagged=Example(
            title="drf view switched to AllowAny",
            base=(
                (
                    "api/views.py",
                    """\
from rest_framework.permissions import IsAuthenticated
from rest_framework.viewsets import ModelViewSet


class PaymentViewSet(ModelViewSet):
    permission_classes = [IsAuthenticated]
""",
                ),
            ),
            head=(
                (
                    "api/views.py",
                    """\
from rest_framework.permissions import AllowAny
from rest_framework.viewsets import ModelViewSet


class PaymentViewSet(ModelViewSet):
    permission_classes = [AllowAny]
""",
                ),
            ),
        ),
        quiet=Example(
            title="AllowAny on sign-up, login and webhook endpoints",
            base=(
                (
                    "accounts/views.py",
                    """\
from rest_framework.views import APIView
""",
                ),
            ),
            head=(
                (
                    "accounts/views.py",
                    """\
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView


class RegisterView(APIView):
    permission_classes = [AllowAny]


class StripeWebhookView(APIView):
    permission_classes = [AllowAny]
""",
                ),
            ),
        ),
    ),
)
CHECKS = {check_auth_removed: (AUTH_REMOVED,), check_auth_bypassed: (AUTH_BYPASSED,)}
