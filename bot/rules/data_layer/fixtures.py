"""Production code importing fixture, mock or test modules, and the names it binds from them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.rules import paths
from bot.rules.code import CODE_LANGUAGES, COMMENT_LINE, make_finding, production_code
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot

PACK_ID = "data-layer"
FIXTURE_IMPORT = "data-layer/fixture-import"
IMPORT_WORDS = frozenset(
    {"import", "from", "as", "const", "let", "var", "type", "require", "await"}
)
GUARD_LINES = 3
# Every import a line can hold spells one of these: a line without them is not read further.
_IMPORT_WORDS = ("import", "from", "require")

_PY_FROM = re.compile(r"^\s*from\s+(\.*)([\w.]*)\s+import\s+\(?\s*([\w\s,]*)")
_PY_IMPORT = re.compile(r"^\s*import\s+([\w.]+(?:\s*,\s*[\w.]+)*)")
JS_SPECIFIER = re.compile(
    r"""(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire(?:\.resolve)?\s*\(\s*)
    (['"`])([^'"`]+)\1""",
    re.VERBOSE,
)
_TYPE_ONLY = re.compile(r"^\s*(?:import|export)\s+type\b")
_DEV_GUARD = re.compile(
    r"import\.meta\.env\.(?:DEV|MODE)|process\.env\.NODE_ENV|__DEV__|\bDEBUG\b|\w*MOCKS?_ENABLED|"
    r"\bUSE_MOCKS?\b|\bENABLE_MOCKS?\b"
)
WORD = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*")


def check_fixture_imports(snap: Snapshot) -> list[Finding]:
    """Flag production code importing fixture, mock or test modules: users would get fake data."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if not production_code(changed):
            continue
        source: list[str] | None = None
        for line in changed.added:
            target = fixture_target(line.text, paths.suffix(changed.path))
            if target is None:
                continue
            source = source or snap.head_lines(changed)
            if _dev_only(source, line.number):
                continue
            message = (
                f"Production code imports `{target}`, which is fixture, mock or test code: real "
                "users would be served the same canned data, and the import breaks once the "
                "fixtures are left out of the build. Read the data from its real source; keep "
                "fixtures to tests, stories and seed scripts."
            )
            findings.append(
                make_finding(FIXTURE_IMPORT, changed.path, line, Severity.WARNING, message)
            )
    return findings


def fixture_target(text: str, suffix: str) -> str | None:
    """Return the fixture, mock or test module an import line names, if it names one."""
    if not any(word in text for word in _IMPORT_WORDS):
        return None
    if COMMENT_LINE.match(text) or _TYPE_ONLY.match(text):
        return None
    if suffix in paths.PYTHON_SUFFIXES:
        return _python_target(text)
    match = JS_SPECIFIER.search(text)
    if match is None:
        return None
    return match.group(2) if paths.is_test_module(match.group(2).split("/")) else None


def fixture_names(lines: Sequence[str], suffix: str) -> set[str]:
    """Return the names a module binds by importing fixture, mock or test code."""
    names: set[str] = set()
    for text in lines:
        if fixture_target(text, suffix) is None:
            continue
        specifier = JS_SPECIFIER.search(text)
        bound = text[: specifier.start()] if specifier else text.partition(" import ")[2]
        names |= set(WORD.findall(bound)) - IMPORT_WORDS
    return names


def _python_target(text: str) -> str | None:
    """Return the test-side module a Python import names: fixtures, mocks, tests, unittest.mock."""
    if match := _PY_FROM.match(text):
        dots, module, names = match.groups()
        candidates = module.split(".") if module else [n.strip() for n in names.split(",")]
        if module == "unittest" and "mock" in names.replace(",", " ").split():
            return "unittest.mock"
        if paths.is_test_module(candidates) or module.startswith("unittest.mock"):
            return f"{dots}{module}" if module else f"{dots}{names.split(',')[0].strip()}"
    elif match := _PY_IMPORT.match(text):
        for module in (m.strip() for m in match.group(1).split(",")):
            if module in ("mock", "unittest.mock") or paths.is_test_module(module.split(".")):
                return module
    return None


def _dev_only(source: Sequence[str], number: int) -> bool:
    """Tell whether the import sits under a development-only guard (mock service workers)."""
    window = source[max(0, number - 1 - GUARD_LINES) : number]
    return any(_DEV_GUARD.search(text) for text in window)


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

# Dev-only mocks that name the fixtures folder: quiet for fixture imports and reads alike
# (`reads.py` shows it too).
DEV_ONLY_MOCKS = Example(
    title="dev-only mock service worker and settings that name the fixtures folder",
    base=(
        (
            "shop/settings.py",
            """\
from pathlib import Path

BASE_DIR = Path(__file__).parent
""",
        ),
        (
            "web/src/main.tsx",
            """\
import { createRoot } from "react-dom/client";
import { App } from "./App";

createRoot(document.getElementById("root")!).render(<App />);
""",
        ),
    ),
    head=(
        (
            "shop/settings.py",
            """\
from pathlib import Path

BASE_DIR = Path(__file__).parent
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
""",
        ),
        (
            "web/src/main.tsx",
            """\
import { createRoot } from "react-dom/client";
import { App } from "./App";

if (import.meta.env.DEV) {
  const { worker } = await import("./mocks/browser");
  await worker.start();
}
createRoot(document.getElementById("root")!).render(<App />);
""",
        ),
    ),
)

RULES = (
    Rule(
        FIXTURE_IMPORT,
        Severity.WARNING,
        "Production code imports fixture, mock or test modules.",
        "Import the real implementation; keep fixtures and mocks in tests.",
        CODE_LANGUAGES,
        why="Production code serving fixture or mock data shows every user the same canned "
        "records, and breaks when fixtures are left out of the build.",
        flagged=Example(
            title="react hook imports json fixture",
            base=(
                (
                    "web/src/hooks/useProducts.ts",
                    """\
import { useQuery } from "@tanstack/react-query";

export function useProducts() {
  return useQuery({ queryKey: ["products"], queryFn: () => fetch("/api/products").then((r) => r.json()) });
}
""",  # noqa: E501
                ),
            ),
            head=(
                (
                    "web/src/hooks/useProducts.ts",
                    """\
import products from "../__mocks__/products.json";

export function useProducts() {
  return { data: products, isLoading: false };
}
""",
                ),
            ),
        ),
        quiet=DEV_ONLY_MOCKS,
    ),
)
CHECKS = {check_fixture_imports: (FIXTURE_IMPORT,)}
