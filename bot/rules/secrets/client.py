"""Client-bundle exposure: secrets shipped to every browser, no repository access needed."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

import tree_sitter

from bot.diff.model import ChangedFile
from bot.rules import paths
from bot.rules.model import Rule, Severity
from bot.rules.secrets.declare import ROTATE, example
from bot.rules.secrets.detectors import Hit
from bot.snapshot.model import Snapshot, Source
from bot.snapshot.trees import text_of

CLIENT_SUFFIXES = frozenset({".jsx", ".tsx", ".vue", ".svelte", ".astro"})
BROWSER_SUFFIXES = paths.SCRIPT_SUFFIXES | {".html", ".htm"}
CLIENT_DIRS = frozenset({
    "components", "pages", "public", "static", "frontend", "client", "web", "www", "browser",
    "assets", "hooks", "views", "widgets", "webapp", "ui",
})  # fmt: skip
SERVER_DIRS = frozenset({
    "api", "server", "servers", "functions", "backend", "scripts", "lambda", "lambdas", "cmd",
    "migrations", "middleware", "workers", "cron", "bin",
})  # fmt: skip
# Formats meant for browsers (restricted Google keys) or harmless there (Stripe test keys).
BROWSER_SAFE = frozenset({"google-api-key", "stripe-test-key"})
PUBLIC_PREFIXES = ("NEXT_PUBLIC_", "VITE_", "REACT_APP_", "EXPO_PUBLIC_", "NUXT_PUBLIC_", "GATSBY_")
ENV_READ_KEYWORDS = ("process.env", "import.meta.env")
# Node's built-ins no bundler polyfills for the browser (webpack 4 and old CRA polyfill `crypto`,
# `path`, `http`... so those prove nothing unless named with `node:`).
NODE_ONLY = frozenset({
    "fs", "fs/promises", "child_process", "cluster", "dgram", "dns", "dns/promises", "net",
    "readline", "repl", "tls", "worker_threads", "http2", "v8", "async_hooks", "perf_hooks",
    "inspector",
})  # fmt: skip
# Packages that refuse to load outside a server: `server-only` fails the client build on purpose.
SERVER_PACKAGES = frozenset({
    "server-only", "next/headers", "@prisma/client", "firebase-admin", "nodemailer", "ioredis",
    "mysql2", "pg", "mongodb", "bcrypt",
})  # fmt: skip
# A Next.js project's root holds its config; under it `app/` is the App Router, whose modules
# are server code unless they say "use client":
# https://nextjs.org/docs/app/getting-started/server-and-client-components
NEXT_CONFIGS = tuple(f"next.config.{ext}" for ext in ("js", "mjs", "cjs", "ts", "mts"))
APP_ROUTER_DIRS = (("app",), ("src", "app"))

_PUBLIC_NAME = re.compile(r"\b(?:" + "|".join(PUBLIC_PREFIXES) + r")[A-Z0-9_]*")
_ENV_READ = re.compile(r"\b(?:process\.env|import\.meta\.env)\.(?P<name>[A-Z][A-Z0-9_]{2,80})\b")
_SECRET_NAME = re.compile(r"SECRET|PRIVATE|PASSWORD|PASSWD|TOKEN|CREDENTIAL|(?:API|AUTH|_)KEY$")
_PUBLIC_VALUE_NAME = re.compile(r"PUBLISHABLE|PUBLIC_KEY|ANON_KEY|SITE_KEY|CLIENT_ID|_URL$")


@functools.lru_cache(maxsize=4096)  # asked once per finding; a review has few distinct paths
def is_client(path: str) -> bool:
    """Tell whether a file is bundled for the browser: a component, or a script in a web root."""
    folders = {part.lower() for part in paths.parts(path)[:-1]}
    name = PurePosixPath(path).name.lower()
    suffix = PurePosixPath(name).suffix
    if not folders.isdisjoint(SERVER_DIRS) or ".server." in name or not paths.is_production(path):
        return False
    return suffix in CLIENT_SUFFIXES or (
        suffix in BROWSER_SUFFIXES and not folders.isdisjoint(CLIENT_DIRS)
    )


def bundled(snap: Snapshot, changed: ChangedFile) -> bool:
    """Tell whether a changed file is bundled for the browser, from the best evidence at hand.

    The module's own word first: "use client" puts it in the browser; "use server", or an
    import no browser can load (`server-only`, `node:dns`, prisma), keeps it out. Then the
    repository's config (`frontend` roots), then the folders: inside a Next.js project (its
    `next.config.*` in the listing) only the project's own folders count, and its `app/` is
    server code, so `apps/web/lib/` is not a web root.
    """
    side = declared_side(snap.head_or_diff(changed))
    if side is not None:
        return side == "client" and paths.is_production(changed.path)
    if snap.layout.browser(changed.path):
        return True
    if not is_client(changed.path):
        return False
    root = next_root(changed.path, snap.listing("head"))
    if root is None:
        return True
    inside = paths.parts(changed.path)[len(paths.parts(root)) :]
    if any(inside[: len(folders)] == folders for folders in APP_ROUTER_DIRS):
        return False
    return is_client("/".join(inside))


def declared_side(source: Source) -> str | None:
    """Return "client" or "server" when a JS/TS module says where it runs, else None."""
    tree = source.tree if source.language in ("javascript", "typescript", "tsx") else None
    if tree is None:
        return None
    for directive in _directives(tree.root_node):
        if directive == "use client":
            return "client"
        if directive == "use server":
            return "server"
    if any(_server_only(module) for module in _imported(tree.root_node)):
        return "server"
    return None


def next_root(path: str, listing: frozenset[str] | None) -> str | None:
    """Return the folder of the nearest Next.js project holding this path ("" for the
    repository's root), or None when none does or the listing is unknown."""
    if not listing:
        return None
    folders = paths.parts(path)[:-1]
    for depth in range(len(folders), -1, -1):
        folder = "/".join(folders[:depth])
        prefix = f"{folder}/" if folder else ""
        if any(prefix + name in listing for name in NEXT_CONFIGS):
            return folder
    return None


def _directives(root: tree_sitter.Node) -> Iterator[str]:
    """Yield the directive prologue's strings: a module's leading string statements."""
    for statement in root.named_children:
        if statement.type == "comment":
            continue
        string = statement.named_children[0] if statement.named_children else None
        if statement.type != "expression_statement" or string is None or string.type != "string":
            return
        yield text_of(string)[1:-1]


def _imported(root: tree_sitter.Node) -> Iterator[str]:
    """Yield the modules a module loads at its top level, leaving out type-only imports."""
    for statement in root.named_children:
        if statement.type in ("import_statement", "export_statement"):
            source = statement.child_by_field_name("source")
            if source is not None and not _type_only(statement):
                yield text_of(source)[1:-1]
        elif statement.type in ("lexical_declaration", "variable_declaration"):
            for declarator in statement.named_children:
                value = declarator.child_by_field_name("value")
                if value is not None:
                    yield from _required(value)
        elif statement.type == "expression_statement" and statement.named_children:
            yield from _required(statement.named_children[0])


def _required(node: tree_sitter.Node) -> Iterator[str]:
    """Yield the module a `require("...")` call loads."""
    function = node.child_by_field_name("function") if node.type == "call_expression" else None
    arguments = node.child_by_field_name("arguments")
    if function is None or text_of(function) != "require" or arguments is None:
        return
    first = arguments.named_children[0] if arguments.named_children else None
    if first is not None and first.type == "string":
        yield text_of(first)[1:-1]


def _type_only(statement: tree_sitter.Node) -> bool:
    """Tell whether an import or re-export brings in types alone (erased from the bundle)."""
    if any(child.type == "type" for child in statement.children):
        return True
    clause = next((c for c in statement.named_children if c.type == "import_clause"), None)
    named = clause.named_children if clause is not None else []
    specifiers = [s for n in named if n.type == "named_imports" for s in n.named_children]
    return (
        bool(specifiers)
        and len(named) == 1
        and all(any(c.type == "type" for c in s.children) for s in specifiers)
    )


def _server_only(module: str) -> bool:
    if module.startswith("node:"):
        return True
    package = "/".join(module.split("/")[: 2 if module.startswith("@") else 1])
    return module in NODE_ONLY or module in SERVER_PACKAGES or package in SERVER_PACKAGES


def exposure(text: str, hit: Hit, browser: bool) -> str | None:
    """Return why a secret found on this line reaches the browser, or None when it does not.

    `browser`: the file is bundled for the browser (`bundled`).
    """
    if hit.name in BROWSER_SAFE:
        return None
    public = _PUBLIC_NAME.search(text, 0, hit.span[0])
    if public:
        return (
            f"`{public.group()}` is a browser-exposed variable: the build inlines its value into "
            "the JavaScript bundle"
        )
    if browser:
        return "this file is bundled into the JavaScript sent to the browser"
    return None


def server_env_reads(text: str) -> list[tuple[str, bool]]:
    """Return the secret-like environment variables a line of client code reads, and whether
    each carries a prefix that makes the bundler inline it.
    """
    if not any(keyword in text for keyword in ENV_READ_KEYWORDS):
        return []
    reads = []
    for match in _ENV_READ.finditer(text):
        name = match["name"]
        if _SECRET_NAME.search(name) and not _PUBLIC_VALUE_NAME.search(name):
            reads.append((name, name.startswith(PUBLIC_PREFIXES)))
    return reads


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        "secrets/client-exposed-secret",
        Severity.ERROR,
        "Secret placed where it ships to the browser bundle (an error for a provider credential)",
        ROTATE,
        why="Code bundled for the browser is sent to every visitor: a secret in it is public, no "
        "repository access needed, and stays in cached bundles and CDNs after it is removed.",
        flagged=example(
            base=(),
            head=(
                (
                    "web/src/api.js",
                    """\
const API_SECRET = "zm§v5lOaHXSa2vRDio8hSiMlCAuQBitkh";
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "node_modules/lib/index.js",
                    """\
const secret = "a9§SNIM5483QtV5JaH44vWrwL6WjM0Y26";
""",
                ),
            ),
        ),
    ),
    Rule(
        "secrets/client-env-read",
        Severity.WARNING,
        "Server-only secret environment variable read in browser code",
        "Read the variable in a server route or function and send the browser only the result.",
        # Browser code (`client.is_client`): scripts, components and pages.
        frozenset({"javascript", "typescript", "tsx", "vue", "svelte", "astro", "html"}),
        why="Bundlers either leave a server-only variable undefined in the browser (the feature "
        "breaks in production) or inline its value into the bundle, where every visitor can "
        "read it.",
        flagged=example(
            base=(),
            head=(
                (
                    "frontend/src/lib/ai.ts",
                    """\
const token = import.meta.env.VITE_GITHUB_TOKEN;
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "src/config.ts",
                    """\
export const apiKey = import.meta.env.VITE_MAPS_PUBLIC_KEY;
""",
                ),
            ),
        ),
    ),
)
