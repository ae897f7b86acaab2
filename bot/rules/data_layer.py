"""Pack `data-layer`: production code must serve real data, not fixtures, mocks or literal records.

These checks read the diff, and the whole files when at hand. Reads of fixture files are found by
semgrep (`rules/semgrep/data-layer.yml`, `data-layer/fixture-read`): there the call around the
string matters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from bot.diff.model import ChangedFile, Line
from bot.rules import paths
from bot.rules.model import Finding, Pack, RuleContext, Severity, fingerprint

PACK_ID = "data-layer"
FIXTURE_IMPORT = "data-layer/fixture-import"
FIXTURE_READ = "data-layer/fixture-read"
LITERAL_RECORDS = "data-layer/literal-records"
QUERY_REPLACED = "data-layer/query-replaced-by-literals"

CODE_SUFFIXES = paths.PYTHON_SUFFIXES | paths.SCRIPT_SUFFIXES
DATA_ACCESS_WORDS = frozenset(
    {
        *("repository", "repositories", "repo", "repos", "dao", "daos", "dal", "db", "database"),
        *("store", "stores", "model", "models", "service", "services", "api", "apis"),
        *("client", "clients", "gateway", "gateways", "datasource", "datasources"),
    }
)
# Words a literal record may contain besides keys, strings and numbers.
LITERAL_WORDS = frozenset(
    {"True", "False", "None", "true", "false", "null", "undefined", "as", "const", "new", "Date"}
    | {"datetime", "date", "Decimal"}
)
IMPORT_WORDS = frozenset(
    {"import", "from", "as", "const", "let", "var", "type", "require", "await"}
)
MAX_LITERAL_LINES = 400
GUARD_LINES = 3
MAX_SNIPPET = 60

_PY_FROM = re.compile(r"^\s*from\s+(\.*)([\w.]*)\s+import\s+\(?\s*([\w\s,]*)")
_PY_IMPORT = re.compile(r"^\s*import\s+([\w.]+(?:\s*,\s*[\w.]+)*)")
_JS_SPECIFIER = re.compile(
    r"""(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire(?:\.resolve)?\s*\(\s*)
    (['"`])([^'"`]+)\1""",
    re.VERBOSE,
)
_COMMENT_LINE = re.compile(r"^\s*(?:#|//|/?\*)")
_TYPE_ONLY = re.compile(r"^\s*(?:import|export)\s+type\b")
_DEV_GUARD = re.compile(
    r"import\.meta\.env\.(?:DEV|MODE)|process\.env\.NODE_ENV|__DEV__|\bDEBUG\b|\w*MOCKS?_ENABLED|"
    r"\bUSE_MOCKS?\b|\bENABLE_MOCKS?\b"
)
_RETURN = re.compile(
    r"\breturn\s+|=>\s*(?=\[|\(\s*[\[{]|Promise\b)|\bresolve\(\s*(?=[\[{]|[A-Za-z_])"
)
_MOCK_NAME = re.compile(
    r"\b(?:MOCK|FAKE|SAMPLE|DUMMY|STUB)(?:_[A-Z0-9]+)+\b|\b(?:mock|fake|dummy|stub)[A-Z]\w*"
)
_WRAPPER = re.compile(
    r"^\s*(?:await\s+)?(?:Promise\.resolve|of|resolve|structuredClone|list|tuple|"
    r"(?:copy\.)?deepcopy)?\s*\("
)
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`""")
_TRAILING_COMMENT = re.compile(r"(?:#|//).*$")
_KEY = re.compile(r"[A-Za-z_$][\w$]*\s*:")
_WORD = re.compile(r"(?<![\w$.])[A-Za-z_$][\w$]*")
_ID_KEY = re.compile(r"""["']?\b(?:id|pk|uuid|guid|sku|email|\w+_id|\w+Id|\w+ID)\b["']?\s*:""")
_SPLIT_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_FUNCTION = re.compile(
    r"""^(?P<indent>\s*)(?:(?:export|default|public|private|protected|static|async|override)\s+)*
    (?:def\s+(?P<def>\w+)
      |function\*?\s*(?P<function>\w+)
      |(?:(?:const|let|var)\s+)?(?P<arrow>\w+)\s*(?::[^=]*?)?[:=]\s*(?:async\s*)?
        (?:function\b|\([^)]*\)\s*(?::[^=]*)?=>|\w+\s*=>)
      |(?P<method>\w+)\s*(?:<[^>]*>)?\((?:[^)]*\)\s*(?::\s*[^{=]+)?\{|[^)]*$))""",
    re.VERBOSE,
)
_OWNER = re.compile(
    r"""^(?P<indent>\s*)(?:export\s+)?(?:default\s+)?
    (?:(?:abstract\s+)?class\s+(?P<cls>\w+)|(?:const|let|var)\s+(?P<obj>\w+)\s*(?::[^=]*)?=\s*\{)""",
    re.VERBOSE,
)
_NOT_FUNCTIONS = frozenset(
    {"if", "for", "while", "switch", "catch", "with", "return", "elif", "super"}
)
_IO = re.compile(
    r"""\.objects\.|\bsession\.(?:query|execute|scalars?|get)\b|\bselect\(|\bfetch\(|\baxios\b
    |\bdb\.|\bcursor\.|\.execute\(|\brequests\.|\bhttpx\.|\baiohttp\.|\bprisma\.|\bknex\b
    |\.query\(|\.find(?:One|Many|All|Unique|First|By\w*)?\(|\bget_object_or_404\(
    |\b(?:http|client|api)\.(?:get|post)\(|(?i:\bselect\b.*\bfrom\b)""",
    re.VERBOSE,
)


async def check_fixture_imports(ctx: RuleContext) -> list[Finding]:
    """Flag production code importing fixture, mock or test modules: users would get fake data."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if paths.suffix(changed.path) not in CODE_SUFFIXES or not paths.is_production(changed.path):
            continue
        source: list[str] | None = None
        for line in changed.added:
            target = _fixture_target(line.text, paths.suffix(changed.path))
            if target is None:
                continue
            source = source or await _head_lines(ctx, changed)
            if _dev_only(source, line.number):
                continue
            message = (
                f"Production code imports `{target}`, which is fixture, mock or test code: real "
                "users would be served the same canned data, and the import breaks once the "
                "fixtures are left out of the build. Read the data from its real source; keep "
                "fixtures to tests, stories and seed scripts."
            )
            findings.append(_finding(FIXTURE_IMPORT, changed.path, line, Severity.ERROR, message))
    return findings


async def check_literal_records(ctx: RuleContext) -> list[Finding]:
    """Flag data-access functions that now return literal records or a mock constant."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if paths.suffix(changed.path) not in CODE_SUFFIXES or not paths.is_production(changed.path):
            continue
        candidates = [
            line
            for line in changed.added
            if _RETURN.search(line.text) and not _COMMENT_LINE.match(line.text)
        ]
        if not candidates:
            continue
        head = await _head_lines(ctx, changed)
        base = await ctx.contents.read(changed.old_path or changed.path, "base")
        imported = _fixture_names(head, paths.suffix(changed.path))
        findings += [
            finding
            for line in candidates
            if (finding := _literal_return(changed, line, head, base, imported)) is not None
        ]
    return findings


def _literal_return(
    changed: ChangedFile, line: Line, head: Sequence[str], base: str | None, imported: set[str]
) -> Finding | None:
    """Judge one added line holding a `return`; escalate when the function's query was removed."""
    index = line.number - 1
    returned = _returned(head, index, imported)
    if returned is None:
        return None
    detail, has_id = returned
    header = _enclosing(head, index, _FUNCTION, inclusive=True)
    function = _name(header[1]) if header else None
    owner = _enclosing(head, header[0], _OWNER, inclusive=False) if header else None
    if not _is_data_access(changed.path, _name(owner[1]) if owner else None):
        return None
    removed = _removed_in_function(changed, line, function, base)
    queries = [r.text for r in removed if _IO.search(r.text) and not _COMMENT_LINE.match(r.text)]
    name = f"`{function}`" if function else "This function"
    if queries:
        message = (
            f"{name} used to read its data (`{_snippet(queries[0])}`) and now returns {detail}: "
            "every caller gets the same literal records, and nothing is read from the database or "
            "API any more. Restore the query; keep sample records in tests, fixtures or a seed "
            "script."
        )
        return _finding(QUERY_REPLACED, changed.path, line, Severity.ERROR, message)
    if not has_id:
        return None
    message = (
        f"{name} returns {detail} from a data-access module: every caller gets the same literal "
        "records and nothing is read from the database or API, so real data never shows up. "
        "Read the records from the data source; keep sample records in tests, fixtures or a "
        "seed script."
    )
    return _finding(LITERAL_RECORDS, changed.path, line, Severity.WARNING, message)


def _fixture_target(text: str, suffix: str) -> str | None:
    """Return the fixture, mock or test module an import line names, if it names one."""
    if _COMMENT_LINE.match(text) or _TYPE_ONLY.match(text):
        return None
    if suffix in paths.PYTHON_SUFFIXES:
        return _python_target(text)
    match = _JS_SPECIFIER.search(text)
    if match is None:
        return None
    return match.group(2) if paths.is_test_module(match.group(2).split("/")) else None


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


def _fixture_names(lines: Sequence[str], suffix: str) -> set[str]:
    """Return the names a module binds by importing fixture, mock or test code."""
    names: set[str] = set()
    for text in lines:
        if _fixture_target(text, suffix) is None:
            continue
        specifier = _JS_SPECIFIER.search(text)
        bound = text[: specifier.start()] if specifier else text.partition(" import ")[2]
        names |= set(_WORD.findall(bound)) - IMPORT_WORDS
    return names


def _returned(lines: Sequence[str], index: int, imported: set[str]) -> tuple[str, bool] | None:
    """Describe the literal records or mock data returned at `index`, with "has an id key"."""
    text = lines[index]
    for match in _RETURN.finditer(text):
        start = match.end()
        expression = _STRING.sub('""', text[start:])
        if fixture := next((w for w in _WORD.findall(expression) if w in imported), None):
            return f"`{fixture}`, imported from fixture code", True
        if mock := _MOCK_NAME.search(expression):
            return f"the mock constant `{mock.group(0)}`", True
        literal = _literal(lines, index, start)
        if literal is None:
            continue
        skeleton, raw = literal
        while wrapper := _WRAPPER.match(skeleton):
            skeleton = skeleton[wrapper.end() :]
        skeleton = skeleton.strip()
        words = set(_WORD.findall(_KEY.sub("", skeleton))) - LITERAL_WORDS
        if words or not skeleton.startswith(("[", "{")):
            continue
        has_id = bool(_ID_KEY.search(raw))
        records, keys = _shape(skeleton)
        if skeleton.startswith("[") and records:
            plural = "s" if records > 1 else ""
            return f"a list of {records} literal record{plural}", has_id
        if skeleton.startswith("{") and keys >= 2:
            return "a literal record", has_id
    return None


def _literal(lines: Sequence[str], index: int, column: int) -> tuple[str, str] | None:
    """Return the bracketed expression at (index, column), strings blanked, and its raw text."""
    code: list[str] = []
    raw: list[str] = []
    depth = 0
    for offset, text in enumerate(lines[index : index + MAX_LITERAL_LINES]):
        part = text[column:] if offset == 0 else text
        blanked = _TRAILING_COMMENT.sub("", _STRING.sub('""', part))
        raw.append(part)
        for position, char in enumerate(blanked):
            depth += (char in "([{") - (char in ")]}")
            if depth <= 0 and char in ")]}":
                code.append(blanked[: position + 1])
                return "\n".join(code), "\n".join(raw)
        if depth == 0:
            return None
        code.append(blanked)
    return None


def _shape(skeleton: str) -> tuple[int, int]:
    """Count the records of a list literal and the keys of an object literal (top level)."""
    depth = records = keys = 0
    for char in skeleton:
        if char in "([{":
            depth += 1
            records += depth == 2 and char == "{"
        elif char in ")]}":
            depth -= 1
        elif char == ":" and depth == 1:
            keys += 1
    return records, keys


def _enclosing(
    lines: Sequence[str], index: int, pattern: re.Pattern[str], *, inclusive: bool
) -> tuple[int, re.Match[str]] | None:
    """Find the nearest line above `index` that matches `pattern` and is indented less."""
    if inclusive and (match := pattern.match(lines[index])) and _name(match):
        return index, match
    indent = _indent(lines[index])
    for above in range(index - 1, -1, -1):
        text = lines[above]
        match = pattern.match(text) if text.strip() and _indent(text) < indent else None
        if match and _name(match):
            return above, match
    return None


def _name(match: re.Match[str] | None) -> str | None:
    """Return the function or owner name a header match captured, unless it is a keyword."""
    name = next((g for g in match.groups()[1:] if g), None) if match else None
    return name if name not in _NOT_FUNCTIONS else None


def _removed_in_function(
    changed: ChangedFile, line: Line, function: str | None, base_text: str | None
) -> list[Line]:
    """Return the removed lines of the function around `line`: by name in base, else by hunk."""
    if base_text is None:
        return _removed_before(changed, line)
    base = base_text.splitlines()
    start = next(
        (i for i, text in enumerate(base) if function and _name(_FUNCTION.match(text)) == function),
        None,
    )
    if start is None:
        return []
    indent = _indent(base[start])
    end = next(
        (i for i in range(start + 1, len(base)) if base[i].strip() and _indent(base[i]) <= indent),
        len(base),
    )
    return [r for r in changed.removed if start < r.number <= end]


def _removed_before(changed: ChangedFile, line: Line) -> list[Line]:
    """Walk the hunk back from an added line to the nearest changed function header (diff only)."""
    hunks = zip(changed.new_ranges, changed.old_ranges, strict=False)
    old, new = next(((o[0], n[0]) for n, o in hunks if n[0] <= line.number <= n[1]), (0, 0))
    if len(changed.new_ranges) != len(changed.old_ranges) or not old:
        return []
    added = {a.number: a for a in changed.added}
    removed = {r.number: r for r in changed.removed}
    # Rebuild the hunk's order: git lists a block's removed lines before its added ones.
    walked: list[tuple[Line, bool]] = []
    while new < line.number or old in removed:
        if old in removed:
            walked.append((removed[old], True))
            old += 1
        elif new in added:
            walked.append((added[new], False))
            new += 1
        else:
            old, new = old + 1, new + 1
    found: list[Line] = []
    for previous, is_removed in reversed(walked):
        header = _FUNCTION.match(previous.text)
        if header and _name(header) and _indent(previous.text) < _indent(line.text):
            break
        if is_removed:
            found.insert(0, previous)
    return found


def _is_data_access(path: str, owner: str | None) -> bool:
    """Tell whether a module or class is named like a repository, DAO, store, service or client."""
    names = [*PurePosixPath(path).with_suffix("").parts, owner or ""]
    words = {w.lower() for name in names for w in _SPLIT_WORDS.findall(name)}
    return bool(words & DATA_ACCESS_WORDS)


async def _head_lines(ctx: RuleContext, changed: ChangedFile) -> list[str]:
    """Return the file at head, or what the diff shows of it on the right line numbers."""
    text = await ctx.contents.read(changed.path, "head")
    return text.splitlines() if text is not None else paths.from_diff(changed.added)


def _snippet(text: str) -> str:
    """Shorten a quoted line of code so the message stays readable."""
    text = text.strip()
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _finding(rule: str, path: str, line: Line, severity: Severity, message: str) -> Finding:
    content = fingerprint(rule, path, line.text)
    return Finding(rule, PACK_ID, path, line.number, severity, message, content)


PACK = Pack(
    id=PACK_ID,
    checks=(check_fixture_imports, check_literal_records),
    rules={
        FIXTURE_IMPORT: "Production code imports fixture, mock or test modules.",
        FIXTURE_READ: "Production code reads a file from a fixtures, mocks or testdata folder.",
        LITERAL_RECORDS: "A data-access function returns hard-coded records or a mock constant.",
        QUERY_REPLACED: "A data-access function that queried its data now returns literal records.",
    },
)
