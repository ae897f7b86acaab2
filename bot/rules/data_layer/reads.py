"""Production code that reads files out of fixture, mock or testdata folders.

The string names the fixture; the call around it (`open`, `Path`, `/`, `readFileSync`, `fetch`...)
is what makes it a read, so both are read from the parse tree. A folder name in a list of
excluded folders, a help text or Django's `FIXTURE_DIRS` setting reads nothing.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

import tree_sitter

from bot.rules.code import SCRIPT_LANGUAGES, make_finding, production_code, snippet
from bot.rules.data_layer.fixtures import DEV_ONLY_MOCKS
from bot.rules.model import Example, Finding, Rule, Severity
from bot.snapshot.model import Snapshot, Source
from bot.snapshot.trees import py_touches, text_of, touches

FIXTURE_READ = "data-layer/fixture-read"
FIXTURE_READ_JS = "data-layer/fixture-read-js"

FIXTURE_PATH = re.compile(
    r"(?:^|/)(?:fixtures|__fixtures__|__mocks__|mocks|testdata|test_data|test-data)(?:/|$)"
    r"|\.fixtures?\.\w+$|(?:^|/)mocks?[\w.-]*\.json$"
)
# Python: `open`, `Path`, pandas' readers and `.joinpath` read what they are given.
_PY_READERS = frozenset(
    {"open", "Path", "joinpath", "read_csv", "read_json", "read_parquet", "read_excel"}
)
_JS_READERS = frozenset({"readFileSync", "readFile", "createReadStream"})
# Every match of FIXTURE_PATH holds one of these.
_FIXTURE_WORDS = ("fixture", "mock", "testdata", "test_data", "test-data")


def check_fixture_reads(snap: Snapshot) -> list[Finding]:
    """Flag production code reading a fixture, mock or testdata file: users get canned data."""
    findings: list[Finding] = []
    for changed in snap.change.files:
        if changed.binary or not changed.added or not production_code(changed):
            continue
        source = snap.head_or_diff(changed)
        rule = FIXTURE_READ if source.language == "python" else FIXTURE_READ_JS
        added = {line.number: line for line in changed.added}
        reported: set[int] = set()
        for number, path in reads(source, sorted(added)):
            if number not in added or number in reported:
                continue
            reported.add(number)
            message = (
                f"Production code reads from `{snippet(path)}`, a fixture, mock or testdata "
                "path: real users would be served the same canned data, and the read fails "
                "wherever the fixtures are not deployed. Read the data from its real source "
                "(database, API, object storage); keep fixtures to tests and seed scripts."
            )
            findings.append(
                make_finding(rule, changed.path, added[number], Severity.WARNING, message)
            )
    return findings


def reads(source: Source, rows: Sequence[int]) -> Iterator[tuple[int, str]]:
    """Yield (line, path) for the fixture paths read calls are given on `rows` (sorted)."""
    if source.language == "python":
        if source.python is not None:
            yield from _python(source.python, rows)
    elif (
        source.language in SCRIPT_LANGUAGES
        and source.tree is not None
        # JS/TS strings are read as written: a file that spells no fixture word reads none.
        and any(word in (source.text or "") for word in _FIXTURE_WORDS)
    ):
        yield from _script(source.tree.root_node, rows)


def _python(module: ast.Module, rows: Sequence[int]) -> Iterator[tuple[int, str]]:
    stack: list[tuple[ast.AST, bool]] = [(module, False)]
    while stack:
        node, in_read = stack.pop()
        if not py_touches(node, rows):
            continue
        if _names_fixture_dirs(node):
            continue  # Django's setting names the folder `loaddata` reads: no read happens here
        if in_read and isinstance(node, (ast.Constant, ast.JoinedStr)):
            text = _python_string(node)
            if text is not None and FIXTURE_PATH.search(text):
                yield node.lineno, text
            continue
        in_read = in_read or _python_read(node)
        stack.extend((child, in_read) for child in ast.iter_child_nodes(node))


def _python_read(node: ast.AST) -> bool:
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, ast.Div)  # pathlib's `base / "fixtures"`
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id in _PY_READERS
    if not isinstance(func, ast.Attribute):
        return False
    # `os.path.join`, not `", ".join`: a path is joined only by a `path` module.
    owner = func.value.attr if isinstance(func.value, ast.Attribute) else None
    owner = func.value.id if isinstance(func.value, ast.Name) else owner
    return func.attr in _PY_READERS or (func.attr == "join" and owner in ("path", "posixpath"))


def _python_string(node: ast.Constant | ast.JoinedStr) -> str | None:
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    return "".join(
        part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}"
        for part in node.values
    )


def _names_fixture_dirs(node: ast.AST) -> bool:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    else:
        return False
    return any(isinstance(t, ast.Name) and t.id == "FIXTURE_DIRS" for t in targets)


def _script(root: tree_sitter.Node, rows: Sequence[int]) -> Iterator[tuple[int, str]]:
    stack: list[tuple[tree_sitter.Node, bool]] = [(root, False)]
    while stack:
        node, in_read = stack.pop()
        if not touches(node, rows):
            continue
        if in_read and node.type in ("string", "template_string"):
            text = _script_string(node)
            if FIXTURE_PATH.search(text):
                yield node.start_point[0] + 1, text
            continue
        in_read = in_read or _script_read(node)
        stack.extend((child, in_read) for child in node.named_children)


def _script_read(node: tree_sitter.Node) -> bool:
    if node.type == "new_expression":
        constructor = node.child_by_field_name("constructor")
        return constructor is not None and text_of(constructor) == "URL"
    callee = node.child_by_field_name("function") if node.type == "call_expression" else None
    if callee is None:
        return False
    if callee.type == "identifier":
        return text_of(callee) in (_JS_READERS | {"fetch"})
    owner, prop = callee.child_by_field_name("object"), callee.child_by_field_name("property")
    if callee.type != "member_expression" or owner is None or prop is None:
        return False
    name, owner_name = text_of(prop), text_of(owner)
    return (
        name in _JS_READERS
        or (owner_name == "path" and name in ("join", "resolve"))
        or (owner_name == "axios" and name == "get")
    )


def _script_string(node: tree_sitter.Node) -> str:
    """Return a string's content; a template's substitutions read as `{}`."""
    if node.type == "string":
        return text_of(node)[1:-1]
    return "".join(
        "{}" if part.type == "template_substitution" else text_of(part)
        for part in node.named_children
    )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        FIXTURE_READ,
        Severity.WARNING,
        "Production code reads a file from a fixtures, mocks or testdata folder.",
        "Read the data from its real store; keep fixture files for tests.",
        frozenset({"python"}),
        why="Reading from a fixtures or testdata folder in production serves sample data to real "
        "users, and fails where that folder is not deployed.",
        flagged=Example(
            title="python service reads fixture json",
            base=(
                (
                    "catalog/service.py",
                    """\
from catalog.db import session


def products() -> list[dict[str, object]]:
    return [p.as_dict() for p in session.query_products()]
""",
                ),
            ),
            head=(
                (
                    "catalog/service.py",
                    """\
import json
from pathlib import Path

HERE = Path(__file__).parent


def products() -> list[dict[str, object]]:
    with open(HERE / "fixtures" / "products.json", encoding="utf-8") as handle:
        return list(json.load(handle))
""",
                ),
            ),
        ),
        quiet=DEV_ONLY_MOCKS,
    ),
    Rule(
        FIXTURE_READ_JS,
        Severity.WARNING,
        "Production JS/TS code reads a file from a fixtures, mocks or testdata folder.",
        "Read the data from its real store; keep fixture files for tests and stories.",
        frozenset({"javascript", "typescript", "tsx"}),
        why="Reading from a fixtures or testdata folder in production serves sample data to real "
        "users, and fails where that folder is not deployed.",
        flagged=Example(
            title="node api reads mock json",
            base=(
                (
                    "api/src/inventory.ts",
                    """\
import { pool } from "./db";

export async function stock(): Promise<unknown[]> {
  const { rows } = await pool.query("SELECT sku, quantity FROM stock");
  return rows;
}
""",
                ),
            ),
            head=(
                (
                    "api/src/inventory.ts",
                    """\
import fs from "node:fs";
import path from "node:path";

export async function stock(): Promise<unknown[]> {
  return JSON.parse(fs.readFileSync(path.join(__dirname, "mocks/stock.json"), "utf8"));
}
""",
                ),
            ),
        ),
        quiet=Example(
            title="production code that names fixture paths without reading them",
            base=(
                (
                    "shop/management/help.py",
                    """\
HELP = "Load demo data."
""",
                ),
            ),
            head=(
                (
                    "shop/management/help.py",
                    """\
import logging

log = logging.getLogger(__name__)
HELP = "Load demo data with `manage.py loaddata fixtures/orders.json`."
SKIPPED_FOLDERS = ", ".join(["fixtures", "__mocks__", "testdata"])


def explain() -> str:
    log.info("demo data lives in fixtures/orders.json")
    return HELP
""",
                ),
                (
                    "web/src/help.ts",
                    """\
export const HELP = ["Demo data lives in", "fixtures/orders.json"].join(" ");
console.info("mocks/users.json is for tests only");
""",
                ),
            ),
        ),
    ),
)
CHECKS = {
    check_fixture_reads: (
        FIXTURE_READ,
        FIXTURE_READ_JS,
    )
}
