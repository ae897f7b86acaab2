"""Production guards turned off: TLS checks, DEBUG, any host, CORS for every origin with cookies.

Each is a matter of syntax (which call, which keyword, which object key, which assignment), so
each is read from the file's parse tree: `ast` for Python, tree-sitter for JS/TS and Go. A guard
named in a string or a comment turns nothing off. Tests, and settings named for development or
for a test or CI run (`settings/local.py`, `ci_settings.py`, `smoketest_configuration.py`), may
turn guards off: only production code is judged, on the lines the change adds.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import tree_sitter

from bot.rules import paths
from bot.rules.code import PYTHON, SCRIPT_LANGUAGES, make_finding, snippet
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot, Source
from bot.snapshot.trees import descendants, py_touches, text_of

TLS_OFF = "cliff/tls-verify-disabled"
TLS_OFF_JS = "cliff/tls-verify-disabled-js"
TLS_OFF_GO = "cliff/tls-verify-disabled-go"
DEBUG_ON = "cliff/debug-enabled"
ANY_HOST = "cliff/allowed-hosts-any"
CORS_ANY = "cliff/cors-any-with-credentials"
CORS_ANY_JS = "cliff/cors-any-with-credentials-js"

_TLS = (
    "`{}` turns TLS certificate checks off: anyone on the network path can impersonate the "
    "server and read or change the traffic, credentials included. "
)
_CORS = (
    "`{}`: CORS allows every origin and sends credentials, so any web site a signed-in user "
    "visits can call this API with the user's cookies and read the answers. List the trusted "
    "origins."
)
MESSAGES = {
    TLS_OFF: _TLS + "Remove the override; for a private CA pass its bundle "
    '(`verify="/path/to/ca.pem"`) instead.',
    TLS_OFF_JS: _TLS + "Remove the override; for a private CA pass its certificate (`ca:`) "
    "instead.",
    TLS_OFF_GO: _TLS + "Remove InsecureSkipVerify; for a private CA set RootCAs instead.",
    DEBUG_ON: "`{}` in settings that are not marked for development: a production error page "
    "then shows stack traces, settings and SQL to anyone. Read it from the environment, "
    "defaulting to False, and keep `True` in local or dev settings.",
    ANY_HOST: "`{}` accepts any host: Django then trusts whatever Host header arrives, which "
    "enables host-header poisoning of password-reset links and cache entries. List the real "
    "domains, read from the environment.",
    CORS_ANY: _CORS,
    CORS_ANY_JS: _CORS,
}
# Words in a file or class name that mark settings for development (tests and CI: `paths`).
DEV_WORDS = frozenset({"dev", "devel", "develop", "development", "local"})
_ALLOW_ALL = frozenset({"CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL"})
_TLS_KEYS = frozenset({"rejectUnauthorized", "strictSSL"})  # `strictSSL`: the `request` client


@dataclass(frozen=True)
class Hit:
    """A guard turned off: the rule, the lines that together turn it off, and what to quote."""

    rule: str
    lines: tuple[int, ...]
    shown: str


@dataclass(frozen=True)
class Scope:
    """Where a Python statement runs: settings are module or class level and unconditional."""

    function: bool = False
    conditional: bool = False
    dev_class: bool = False

    @property
    def settings(self) -> bool:
        return not (self.function or self.conditional or self.dev_class)


def check_guards(snap: Snapshot) -> list[Finding]:
    """Flag production guards turned off on added lines of production Python, JS/TS and Go."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if changed.binary or not changed.added or not production(changed.path):
            continue
        source = snap.head_or_diff(changed)
        added = {line.number: line for line in changed.added}
        reported: set[tuple[str, int]] = set()
        for hit in hits(source, sorted(added)):
            number = next((n for n in hit.lines if n in added), None)
            if number is None or (hit.rule, number) in reported:
                continue
            reported.add((hit.rule, number))
            message = MESSAGES[hit.rule].format(snippet(hit.shown))
            findings.append(
                make_finding(hit.rule, changed.path, added[number], Severity.WARNING, message)
            )
    return findings


def hits(source: Source, rows: Sequence[int]) -> Iterator[Hit]:
    """Find the guards turned off in one file by syntax that spans one of `rows` (sorted)."""
    if source.language == "python":
        if source.python is not None:
            yield from _python(source.python, rows)
    elif source.tree is not None and source.language in SCRIPT_LANGUAGES:
        if _may_hit_script(source.text or ""):
            yield from _script(descendants(source.tree.root_node, rows))
    elif source.tree is not None and source.language == "go":
        yield from _go(descendants(source.tree.root_node, rows))


def production(path: str) -> bool:
    """Tell whether a path ships to users and is not named for development, CI or tests."""
    stem = str(PurePosixPath(path).with_suffix(""))
    return paths.is_production(path) and not _dev_or_test(stem)


def _dev_or_test(name: str) -> bool:
    """Tell whether a path or class name marks settings for development, a test or a CI run."""
    return paths.names_test_run(name) or not paths.name_words(name).isdisjoint(DEV_WORDS)


# Python ----------------------------------------------------------------------------------------


def _python(module: ast.Module, rows: Sequence[int]) -> Iterator[Hit]:
    for node, scope in _walk(module, rows):
        if isinstance(node, ast.Call):
            yield from _python_call(node)
        elif isinstance(node, (ast.Attribute, ast.Name)):
            if _name(node) == "_create_unverified_context":
                yield Hit(TLS_OFF, (node.lineno,), "ssl._create_unverified_context")
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            yield from _python_assignment(node, scope)
    yield from _django_cors(module)


def _walk(module: ast.Module, rows: Sequence[int]) -> Iterator[tuple[ast.AST, Scope]]:
    """Yield the nodes that span one of `rows`, with their scope; iterative, so deep
    expressions cannot overflow, and pruned, so a large file stays cheap."""
    stack: list[tuple[ast.AST, Scope]] = [(module, Scope())]
    while stack:
        node, scope = stack.pop()
        if not py_touches(node, rows):
            continue
        yield node, scope
        inner = scope
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = replace(scope, function=True)
        elif isinstance(node, ast.ClassDef):
            inner = replace(scope, dev_class=scope.dev_class or _dev_class(node))
        elif isinstance(node, (ast.If, ast.IfExp, ast.BoolOp, ast.ExceptHandler, ast.match_case)):
            inner = replace(scope, conditional=True)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))


def _django_cors(module: ast.Module) -> Iterator[Hit]:
    """`CORS_ALLOW_ALL_ORIGINS = True` with `CORS_ALLOW_CREDENTIALS = True` in settings: module
    level, or a settings class not named for development. Either line may be the added one."""
    bodies = [module.body]
    bodies += [c.body for c in module.body if isinstance(c, ast.ClassDef) and not _dev_class(c)]
    allow_all: list[tuple[int, str]] = []
    credentials: list[int] = []
    for statement in (s for body in bodies for s in body):
        if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or not _is(statement.value, True):
            continue
        names = {t.id for t in _targets(statement) if isinstance(t, ast.Name)}
        if "CORS_ALLOW_CREDENTIALS" in names:
            credentials.append(statement.lineno)
        if names & _ALLOW_ALL:
            allow_all.append((statement.lineno, min(names & _ALLOW_ALL)))
    for line, name in allow_all if credentials else ():
        yield Hit(CORS_ANY, (line, *credentials), f"{name} = True")


def _dev_class(node: ast.ClassDef) -> bool:
    return _dev_or_test(node.name)


def _python_call(call: ast.Call) -> Iterator[Hit]:
    keywords = {kw.arg: kw.value for kw in call.keywords if kw.arg}
    for name in ("verify", "verify_ssl"):
        if _is(keywords.get(name), False):
            yield Hit(TLS_OFF, (keywords[name].lineno,), f"{name}=False")
    if _cert_none(keywords.get("cert_reqs")):
        yield Hit(TLS_OFF, (keywords["cert_reqs"].lineno,), "cert_reqs=CERT_NONE")
    callee = _name(call.func)
    if callee == "add_middleware" and call.args and _name(call.args[0]) == "CORSMiddleware":
        origins, allowed = keywords.get("allow_origins"), keywords.get("allow_credentials")
        if origins is not None and allowed is not None and _any(origins) and _is(allowed, True):
            lines = (origins.lineno, allowed.lineno, call.lineno)
            yield Hit(CORS_ANY, lines, 'allow_origins=["*"], allow_credentials=True')
    elif callee == "CORS" and _is(keywords.get("supports_credentials"), True):
        origins = keywords.get("origins")
        # flask-cors allows every origin unless `origins` (or per-route `resources`) says which.
        if (origins is None and "resources" not in keywords) or _any(origins):
            where = (keywords["supports_credentials"].lineno, call.lineno)
            yield Hit(CORS_ANY, where, "CORS(..., supports_credentials=True)")


def _python_assignment(
    node: ast.Assign | ast.AnnAssign | ast.AugAssign, scope: Scope
) -> Iterator[Hit]:
    value = node.value
    for target in _targets(node):
        if isinstance(target, ast.Attribute):
            off = (target.attr in ("verify", "check_hostname") and _is(value, False)) or (
                target.attr == "verify_mode" and _cert_none(value)
            )
            rule = TLS_OFF if off else None
        elif isinstance(target, ast.Subscript):
            rule = TLS_OFF if _is(target.slice, "verify") and _is(value, False) else None
        elif isinstance(target, ast.Name) and scope.settings:
            debug = target.id == "DEBUG" and _is(value, True)
            hosts = target.id == "ALLOWED_HOSTS" and _any(value)
            rule = DEBUG_ON if debug else ANY_HOST if hosts else None
        else:
            rule = None
        if rule is not None and value is not None:
            yield Hit(rule, (node.lineno,), f"{ast.unparse(target)} = {ast.unparse(value)}")


def _targets(node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> list[ast.expr]:
    return node.targets if isinstance(node, ast.Assign) else [node.target]


def _name(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    return node.attr if isinstance(node, ast.Attribute) else None


def _is(node: ast.AST | None, value: object) -> bool:
    """Tell whether a node is the literal `value` (`is` for booleans: `0` is not `False`)."""
    if not isinstance(node, ast.Constant):
        return False
    return node.value is value if isinstance(value, bool) else node.value == value


def _any(node: ast.AST | None) -> bool:
    """Tell whether an origins or hosts value is, or lists, the wildcard `"*"`."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return any(_is(item, "*") for item in node.elts)
    return _is(node, "*")


def _cert_none(node: ast.AST | None) -> bool:
    return _name(node) == "CERT_NONE" or _is(node, "CERT_NONE") or _is(node, "NONE")


# JavaScript and TypeScript ---------------------------------------------------------------------


def _may_hit_script(text: str) -> bool:
    """Tell whether JS/TS code can hold a hit: each spells a TLS key, or calls something named
    for CORS (in any case). Most files of a large change spell none, and are not walked."""
    tls = any(key in text for key in _TLS_KEYS) or "NODE_TLS_REJECT_UNAUTHORIZED" in text
    return tls or "cors" in text.lower()


def _script(nodes: Iterable[tree_sitter.Node]) -> Iterator[Hit]:
    for node in nodes:
        if node.type == "pair":
            key, value = key_of(node.child_by_field_name("key")), node.child_by_field_name("value")
            if key in _TLS_KEYS and value is not None and value.type == "false":
                yield Hit(TLS_OFF_JS, (_row(node),), f"{key}: false")
        elif node.type == "assignment_expression":
            yield from _script_assignment(node)
        elif node.type == "call_expression":
            yield from _express_cors(node)


def _script_assignment(node: tree_sitter.Node) -> Iterator[Hit]:
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return
    if left.type == "member_expression":
        target = key_of(left.child_by_field_name("property"))
    elif left.type == "subscript_expression":
        target = key_of(left.child_by_field_name("index"))
    else:
        return
    value = text_of(right).strip("'\"`")
    if (target in _TLS_KEYS and right.type == "false") or (
        target == "NODE_TLS_REJECT_UNAUTHORIZED" and value == "0"
    ):
        yield Hit(TLS_OFF_JS, (_row(node),), text_of(node))


def _express_cors(call: tree_sitter.Node) -> Iterator[Hit]:
    """`cors({origin: "*" | true, credentials: true})`, and the same options given to
    `app.enableCors(...)` or `app.register(cors, ...)`."""
    callee, arguments = call.child_by_field_name("function"), call.child_by_field_name("arguments")
    if callee is None or arguments is None:
        return
    names = [key_of(callee.child_by_field_name("property")) or text_of(callee)]
    names += [text_of(a) for a in arguments.named_children if a.type == "identifier"]
    if not any(name and "cors" in name.lower() for name in names):
        return
    for options in (a for a in arguments.named_children if a.type == "object"):
        pairs = {key_of(p.child_by_field_name("key")): p for p in options.named_children}
        origin, credentials = pairs.get("origin"), pairs.get("credentials")
        if origin is None or credentials is None:
            continue
        value = origin.child_by_field_name("value")
        allowed = credentials.child_by_field_name("value")
        if _any_origin(value) and allowed is not None and allowed.type == "true":
            lines = (_row(origin), _row(credentials), _row(call))
            yield Hit(CORS_ANY_JS, lines, f"{text_of(origin)}, {text_of(credentials)}")


def _any_origin(node: tree_sitter.Node | None) -> bool:
    if node is None:
        return False
    if node.type == "array":
        return any(key_of(item) == "*" for item in node.named_children)
    return node.type == "true" or key_of(node) == "*"


# Go --------------------------------------------------------------------------------------------


def _go(nodes: Iterable[tree_sitter.Node]) -> Iterator[Hit]:
    for node in nodes:
        if node.type == "keyed_element":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            if key is not None and value is not None and _insecure(key, value):
                yield Hit(TLS_OFF_GO, (_row(node),), "InsecureSkipVerify: true")
        elif node.type == "assignment_statement":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is None or right is None:
                continue
            for target, value in zip(left.named_children, right.named_children, strict=False):
                field = target.child_by_field_name("field")
                if target.type == "selector_expression" and field and _insecure(field, value):
                    yield Hit(TLS_OFF_GO, (_row(node),), text_of(node))


def _insecure(key: tree_sitter.Node, value: tree_sitter.Node) -> bool:
    return text_of(key).strip() == "InsecureSkipVerify" and text_of(value).strip() == "true"


# Shared tree-sitter helpers --------------------------------------------------------------------


def key_of(node: tree_sitter.Node | None) -> str | None:
    """Return an identifier's name or a plain string's content, the way a key is written."""
    if node is None:
        return None
    if node.type in ("property_identifier", "identifier", "field_identifier"):
        return text_of(node)
    if node.type == "string":
        return text_of(node)[1:-1]
    return None


def _row(node: tree_sitter.Node) -> int:
    return node.start_point[0] + 1


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

# Shared by several rules of this module: one change shows them all.
_DEV_SETTINGS_RELAX = Example(
    title="dev settings and tests may relax the guards",
    base=(("shop/settings/__init__.py", ""),),
    head=(
        (
            "shop/settings/base.py",
            """\
import os

DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]
CORS_ALLOW_CREDENTIALS = True
""",
        ),
        (
            "shop/settings/dev.py",
            """\
DEBUG = True
ALLOWED_HOSTS = ["*"]
""",
        ),
        (
            "shop/settings/local.py",
            """\
DEBUG = True
""",
        ),
        (
            "tests/test_client.py",
            """\
import requests


def test_self_signed():
    assert requests.get("https://localhost:8443", verify=False).ok
""",
        ),
    ),
)

_NODE_AGENT_AND_CORS = Example(
    title="node agent and express cors",
    base=(
        (
            "server/app.ts",
            """\
import express from "express";

export const app = express();
""",
        ),
    ),
    head=(
        (
            "server/app.ts",
            """\
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use(cors({ origin: "*", credentials: true }));
export const agent = new https.Agent({ rejectUnauthorized: false });
""",
        ),
    ),
)

_CLIENTS_KEEP_VERIFYING = Example(
    title="JS and Go clients keep verification on; CORS names its origins or sends no cookies",
    base=(
        (
            "internal/billing/client.go",
            """\
package billing

import "net/http"

var Client = &http.Client{}
""",
        ),
        (
            "server/app.ts",
            """\
import express from "express";

export const app = express();
""",
        ),
        (
            "server/main.ts",
            """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";
""",
        ),
    ),
    head=(
        (
            "internal/billing/client.go",
            """\
package billing

import (
	"crypto/tls"
	"net/http"
)

var Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: false}}}
""",  # noqa: E501
        ),
        (
            "internal/billing/client_test.go",
            """\
package billing

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestChargeAgainstSelfSignedServer(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	if _, err := client.Get(srv.URL); err != nil {
		t.Fatal(err)
	}
}
""",  # noqa: E501
        ),
        (
            "server/app.ts",
            """\
import fs from "node:fs";
import https from "node:https";
import cors from "cors";
import express from "express";

export const app = express();
app.use("/api/public", cors());
app.use("/api", cors({ origin: ["https://shop.example.com"], credentials: true }));
export const agent = new https.Agent({
  rejectUnauthorized: true,
  ca: fs.readFileSync("/etc/ssl/certs/internal-ca.pem"),
});
""",
        ),
        (
            "server/main.ts",
            """\
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.enableCors({ origin: process.env.WEB_ORIGIN, credentials: true });
  await app.listen(3000);
}
bootstrap();
""",
        ),
    ),
)

_PRODUCTION_SETTINGS_OPEN = Example(
    title="production settings turn on DEBUG, any host and open CORS",
    base=(
        (
            "shop/settings/production.py",
            """\
import os

DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
""",
        ),
    ),
    head=(
        (
            "shop/settings/production.py",
            """\
import os

DEBUG = True
ALLOWED_HOSTS = ["*"]
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = True
""",
        ),
    ),
)

RULES = (
    Rule(
        TLS_OFF,
        Severity.WARNING,
        "TLS certificate verification turned off in Python (`verify=False`, "
        "`session.verify = False`, unverified SSL contexts).",
        'Remove the override; for a private CA pass its bundle (`verify="/path/ca.pem"`).',
        PYTHON,
        why="Without certificate verification anyone on the network path can impersonate the "
        "server and read or change the traffic, credentials included.",
        flagged=Example(
            title="payment client stops verifying certificates",
            base=(
                (
                    "shop/payments/client.py",
                    """\
import requests


def charge(payload: dict) -> dict:
    return requests.post("https://pay.example.com/charge", json=payload, timeout=10).json()
""",
                ),
            ),
            head=(
                (
                    "shop/payments/client.py",
                    """\
import requests


def charge(payload: dict) -> dict:
    return requests.post("https://pay.example.com/charge", json=payload, timeout=10, verify=False).json()
""",  # noqa: E501
                ),
            ),
        ),
        quiet=_DEV_SETTINGS_RELAX,
    ),
    Rule(
        TLS_OFF_JS,
        Severity.WARNING,
        "TLS certificate verification turned off in JS/TS (rejectUnauthorized, "
        "NODE_TLS_REJECT_UNAUTHORIZED).",
        "Remove the override; for a private CA pass its certificate (`ca:`).",
        SCRIPT_LANGUAGES,
        why="Without certificate verification anyone on the network path can impersonate the "
        "server and read or change the traffic, credentials included.",
        flagged=_NODE_AGENT_AND_CORS,
        quiet=_CLIENTS_KEEP_VERIFYING,
    ),
    Rule(
        TLS_OFF_GO,
        Severity.WARNING,
        "TLS certificate verification turned off in Go (InsecureSkipVerify).",
        "Remove InsecureSkipVerify; for a private CA set RootCAs.",
        frozenset({"go"}),
        why="Without certificate verification anyone on the network path can impersonate the "
        "server and read or change the traffic, credentials included.",
        flagged=Example(
            title="go client skips certificate verification",
            base=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import "net/http"

var Client = &http.Client{}
""",
                ),
            ),
            head=(
                (
                    "internal/billing/client.go",
                    """\
package billing

import (
	"crypto/tls"
	"net/http"
)

var Client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
""",  # noqa: E501
                ),
            ),
        ),
        quiet=_CLIENTS_KEEP_VERIFYING,
    ),
    Rule(
        DEBUG_ON,
        Severity.WARNING,
        "DEBUG = True in settings that are not local, dev or test settings.",
        "Read DEBUG from the environment, defaulting to False; keep True in dev settings.",
        PYTHON,
        why="Debug mode in production shows stack traces, settings and source to any visitor who "
        "triggers an error, and slows the app down.",
        flagged=_PRODUCTION_SETTINGS_OPEN,
        quiet=_DEV_SETTINGS_RELAX,
    ),
    Rule(
        ANY_HOST,
        Severity.WARNING,
        'Django ALLOWED_HOSTS accepts any host ("*").',
        "List the real domains, read from the environment.",
        PYTHON,
        why="Accepting any Host header lets attackers poison password-reset links and caches "
        "with a host name of their choosing.",
        flagged=_PRODUCTION_SETTINGS_OPEN,
        quiet=_DEV_SETTINGS_RELAX,
    ),
    Rule(
        CORS_ANY,
        Severity.WARNING,
        "CORS allows any origin together with credentials (cookies).",
        "List the trusted origins.",
        PYTHON,
        why="Any website a user visits can then call the API with the user's cookies and read "
        "the answers: their data is readable cross-site.",
        flagged=_PRODUCTION_SETTINGS_OPEN,
        quiet=_DEV_SETTINGS_RELAX,
    ),
    Rule(
        CORS_ANY_JS,
        Severity.WARNING,
        "CORS allows any origin together with credentials in JS/TS (`cors()`, `enableCors`).",
        "List the trusted origins.",
        SCRIPT_LANGUAGES,
        why="Any website a user visits can then call the API with the user's cookies and read "
        "the answers: their data is readable cross-site.",
        flagged=_NODE_AGENT_AND_CORS,
        quiet=_CLIENTS_KEEP_VERIFYING,
    ),
)
CHECKS = {
    check_guards: (
        TLS_OFF,
        TLS_OFF_JS,
        TLS_OFF_GO,
        DEBUG_ON,
        ANY_HOST,
        CORS_ANY,
        CORS_ANY_JS,
    )
}
