"""Data access and endpoints that answer with literal records, mock constants or fixture data.

The base version decides how loud a finding is: a function that used to query and now returns
literals is an error; literal records in a data-access module with no such history a warning.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.diff.model import ChangedFile, Line
from bot.rules import paths
from bot.rules.code import (
    COMMENT_LINE,
    FUNCTION,
    OWNER,
    enclosing,
    head_lines,
    in_handler,
    indent,
    io_lines,
    is_data_access,
    make_finding,
    name,
    production_code,
    removed_in_function,
    shown,
    snippet,
)
from bot.rules.data_layer.fixtures import WORD, fixture_names
from bot.rules.model import Finding, RuleContext, Severity

PACK_ID = "data-layer"
LITERAL_RECORDS = "data-layer/literal-records"
QUERY_REPLACED = "data-layer/query-replaced-by-literals"
CANNED_RESPONSE = "data-layer/canned-response"
CANNED_FALLBACK = "data-layer/canned-fallback"

# Words a literal record may contain besides keys, strings and numbers.
LITERAL_WORDS = frozenset(
    {"True", "False", "None", "true", "false", "null", "undefined", "as", "const", "new", "Date"}
    | {"datetime", "date", "Decimal"}
)
MAX_LITERAL_LINES = 400
DECORATOR_LINES = 8

RETURN = re.compile(
    r"\breturn\s+|=>\s*(?=\[|\(\s*[\[{]|Promise\b)|\bresolve\(\s*(?=[\[{]|[A-Za-z_])"
    r"|\.catch\(\s*(?:\(\s*\w*\s*\)|\w+)\s*=>\s*"
    r"|\b(?:res|response|reply)\s*(?:\.status\(\s*\d+\s*\))?\.(?:json|send)\(\s*"
    r"|\bctx\.body\s*=\s*"
)
MOCK_NAME = re.compile(
    r"\b(?:MOCK|FAKE|SAMPLE|DUMMY|STUB)(?:_[A-Z0-9]+)+\b|\b(?:mock|fake|dummy|stub|sample)[A-Z]\w*"
)
_WRAPPER = re.compile(
    r"""^\s*(?:await\s+)?(?:Promise\.resolve|of|resolve|structuredClone|list|tuple
    |(?:copy\.)?deepcopy|jsonify|JsonResponse|JSONResponse|Response|(?:Next)?Response\.json
    |web\.json_response)?\s*\(""",
    re.VERBOSE,
)
_STRING = re.compile(r""""(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'|`(?:\\.|[^`\\])*`""")
_TRAILING_COMMENT = re.compile(r"(?:#|//).*$")
_KEY = re.compile(r"[A-Za-z_$][\w$]*\s*:")
_KWARG = re.compile(r"\b\w+\s*=(?!=)")
_ID_KEY = re.compile(r"""["']?\b(?:id|pk|uuid|guid|sku|email|\w+_id|\w+Id|\w+ID)\b["']?\s*:""")
_ROUTE_DECORATOR = re.compile(
    r"""^\s*@(?:\w+\.)*(?:get|post|put|patch|delete|route|api_route|websocket)\(
    |^\s*@(?:api_view|action|require_(?:GET|POST|safe|http_methods))\b""",
    re.VERBOSE,
)
_NEXT_ROUTE = re.compile(r"(?:^|/)(?:app/(?:.*/)?route\.[cm]?[jt]sx?$|pages/api/)")
_HTTP_VERB = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE|handler)$")
# In a route handler any call on a module-level object (a repository, a client) fetched data.
_STORE_CALL = re.compile(
    r"(?<![\w.])(?!(?:self|request|req|res|response|json|JSON|jsonify|log|logger|logging|console"
    r"|Response|NextResponse|Math|Object|Array|Promise|router|app|bp)\b)[a-z_]\w*\.\w+\("
)
_DJANGO_VIEW = re.compile(r"^\s*(?:async\s+)?def\s+\w+\(\s*(?:self\s*,\s*)?request\b")


async def check_literal_records(ctx: RuleContext) -> list[Finding]:
    """Flag data access and endpoints that now return literal records, mocks or fixture data."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        if not production_code(changed):
            continue
        candidates = [
            line
            for line in changed.added
            if RETURN.search(line.text) and not COMMENT_LINE.match(line.text)
        ]
        if not candidates:
            continue
        head = await head_lines(ctx, changed)
        base = await ctx.contents.read(changed.old_path or changed.path, "base")
        imported = fixture_names(head, paths.suffix(changed.path))
        findings += [
            finding
            for line in candidates
            if (finding := _literal_return(changed, line, head, base, imported)) is not None
        ]
    return findings


def returned_mock_names(
    lines: Sequence[str], candidates: Sequence[Line], imported: set[str]
) -> set[str]:
    """Return the fixture-imported or mock-named identifiers that added lines hand back."""
    names: set[str] = set()
    for line in candidates:
        for match in RETURN.finditer(line.text):
            words = WORD.findall(_STRING.sub('""', line.text[match.end() :]))
            names |= {w for w in words if w in imported or MOCK_NAME.fullmatch(w)}
    return names


def _literal_return(
    changed: ChangedFile, line: Line, head: Sequence[str], base: str | None, imported: set[str]
) -> Finding | None:
    """Judge one added line holding a `return`; escalate when the function's query was removed."""
    index = line.number - 1
    header = enclosing(head, index, FUNCTION, inclusive=True)
    parameters = set(WORD.findall(head[header[0]])) if header else set()
    returned = _returned(head, index, imported, parameters)
    if returned is None:
        return None
    detail, has_id, canned = returned
    path = changed.path
    if in_handler(head, index) or ".catch(" in line.text:
        if not (canned or has_id):
            return None
        message = (
            f"When the real call fails, this now answers with {detail}: users see plausible "
            "records instead of an error, so an outage looks like data and nobody is alerted. "
            "Let the error propagate (or return an explicit error state) and log it; keep "
            "canned records in tests."
        )
        return make_finding(CANNED_FALLBACK, path, line, Severity.ERROR, message)
    function = name(header[1]) if header else None
    owner = enclosing(head, header[0], OWNER, inclusive=False) if header else None
    route = (
        header is not None and function is not None and _is_route(path, head, header[0], function)
    )
    if not route and not is_data_access(path, name(owner[1]) if owner else None):
        return None
    removed = removed_in_function(changed, line, function, base)
    queries = io_lines(removed) or (
        [r.text for r in removed if _STORE_CALL.search(r.text)] if route else []
    )
    label = shown(function) if function else "This function"
    if queries and route:
        message = (
            f"The endpoint {label} used to read its data (`{snippet(queries[0])}`) and now "
            f"answers with {detail}: every user gets the same records, whoever asks and whatever "
            "the database holds, and nothing is read from it any more. Restore the store call; "
            "keep canned payloads in tests or a mock server."
        )
        return make_finding(CANNED_RESPONSE, path, line, Severity.ERROR, message)
    if queries:
        message = (
            f"{label} used to read its data (`{snippet(queries[0])}`) and now returns {detail}: "
            "every caller gets the same literal records, and nothing is read from the database or "
            "API any more. Restore the query; keep sample records in tests, fixtures or a seed "
            "script."
        )
        return make_finding(QUERY_REPLACED, path, line, Severity.ERROR, message)
    if not has_id or (route and not canned):
        return None
    message = (
        f"{label} returns {detail} from data-access code: every caller gets the same literal "
        "records and nothing is read from the database or API, so real data never shows up. "
        "Read the records from the data source; keep sample records in tests, fixtures or a "
        "seed script."
    )
    return make_finding(LITERAL_RECORDS, path, line, Severity.WARNING, message)


def _is_route(path: str, lines: Sequence[str], header: int, function: str) -> bool:
    """Tell whether a function answers HTTP requests (Flask, FastAPI, Django, Express, Next.js)."""
    if function.endswith(("'", '"', "`")):  # an Express route registration
        return True
    if _NEXT_ROUTE.search(path) and _HTTP_VERB.match(function):
        return True
    if "views" in paths.parts(path)[-1] and _DJANGO_VIEW.match(lines[header]):
        return True
    depth = indent(lines[header])
    for text in reversed(lines[max(0, header - DECORATOR_LINES) : header]):
        outside = indent(text) < depth or (
            indent(text) == depth and not text.lstrip().startswith(("@", ")"))
        )
        if not text.strip() or outside:
            return False
        if _ROUTE_DECORATOR.match(text):
            return True
    return False


def _returned(
    lines: Sequence[str], index: int, imported: set[str], parameters: set[str]
) -> tuple[str, bool, bool] | None:
    """Describe what `index` returns: (detail, has an id key, is fixture or mock data).

    Records may echo the function's parameters (`{id: "inv-1", accountId}`) and stay literal.
    """
    text = lines[index]
    for match in RETURN.finditer(text):
        start = match.end()
        expression = _STRING.sub('""', text[start:])
        if fixture := next((w for w in WORD.findall(expression) if w in imported), None):
            return f"`{fixture}`, imported from fixture code", True, True
        if mock := MOCK_NAME.search(expression):
            return f"the mock data `{mock.group(0)}`", True, True
        literal = _literal(lines, index, start)
        if literal is None:
            continue
        skeleton, raw = literal
        while wrapper := _WRAPPER.match(skeleton):
            skeleton = skeleton[wrapper.end() :]
        skeleton = skeleton.strip()
        words = (
            set(WORD.findall(_KWARG.sub("", _KEY.sub("", skeleton)))) - LITERAL_WORDS - parameters
        )
        if words or not skeleton.startswith(("[", "{")):
            continue
        has_id = bool(_ID_KEY.search(raw))
        records, keys = _shape(skeleton)
        if skeleton.startswith("[") and records:
            plural = "s" if records > 1 else ""
            return f"a list of {records} literal record{plural}", has_id, False
        if skeleton.startswith("{") and keys >= 2:
            return "a literal record", has_id, False
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
