"""Client-bundle exposure: secrets shipped to every browser, no repository access needed."""

from __future__ import annotations

import functools
import re
from pathlib import PurePosixPath

from bot.rules import paths
from bot.rules.model import Rule, Severity
from bot.rules.secrets.declare import ROTATE, example
from bot.rules.secrets.detectors import Hit

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


def exposure(path: str, text: str, hit: Hit, browser: bool = False) -> str | None:
    """Return why a secret found on this line reaches the browser, or None when it does not.

    `browser`: the repository's config puts the file under a frontend root.
    """
    if hit.name in BROWSER_SAFE:
        return None
    public = _PUBLIC_NAME.search(text, 0, hit.span[0])
    if public:
        return (
            f"`{public.group()}` is a browser-exposed variable: the build inlines its value into "
            "the JavaScript bundle"
        )
    if browser or is_client(path):
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
