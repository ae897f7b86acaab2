"""Read source text without parsing it: function headers, blocks, owners, I/O calls.

Shared by the `data-layer` and `cliff` packs. Everything here works on lines, so it also works on
what a bare diff shows of a file, where a parser would fail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from bot.diff.model import ChangedFile, Line
from bot.rules import paths
from bot.rules.model import Finding, RuleContext, Severity, Side, finding

CODE_SUFFIXES = paths.PYTHON_SUFFIXES | paths.SCRIPT_SUFFIXES
DATA_ACCESS_WORDS = frozenset(
    {
        *("repository", "repositories", "repo", "repos", "dao", "daos", "dal", "db", "database"),
        *("store", "stores", "model", "models", "service", "services", "api", "apis"),
        *("client", "clients", "gateway", "gateways", "datasource", "datasources"),
    }
)
MAX_SNIPPET = 60

COMMENT_LINE = re.compile(r"^\s*(?:#|//|/?\*)")
FUNCTION = re.compile(
    r"""^(?P<indent>\s*)(?:(?:export|default|public|private|protected|static|async|override)\s+)*
    (?:def\s+(?P<def>\w+)
      |function\*?\s*(?P<function>\w+)
      |(?P<route>\w+\.(?:get|post|put|patch|delete|all)\(\s*["'`][^"'`]+["'`])
      |(?:(?:const|let|var)\s+)?(?P<arrow>\w+)\s*(?::[^=]*?)?[:=]\s*(?:async\s*)?
        (?:function\b|\([^)]*\)\s*(?::[^=]*)?=>|\w+\s*=>)
      |(?P<method>\w+)\s*(?:<[^>]*>)?\((?:[^)]*\)\s*(?::\s*[^{=]+)?\{|[^)]*$))""",
    re.VERBOSE,
)
OWNER = re.compile(
    r"""^(?P<indent>\s*)(?:export\s+)?(?:default\s+)?
    (?:(?:abstract\s+)?class\s+(?P<cls>\w+)|(?:const|let|var)\s+(?P<obj>\w+)\s*(?::[^=]*)?=\s*\{)""",
    re.VERBOSE,
)
HANDLER = re.compile(r"^\s*(?:except\b|\}?\s*catch\b|rescue\b)")
IO = re.compile(
    r"""\.objects\.|\bsession\.(?:query|execute|scalars?|get)\b|\bselect\(|\bfetch\(|\baxios\b
    |\bdb\.|\bcursor\.|\.execute\(|\brequests\.|\bhttpx\.|\baiohttp\.|\bprisma\.|\bknex\b
    |\.query\(|\.find(?:One|Many|All|Unique|First|By\w*)?\(|\bget_object_or_404\(
    |\b(?:http|client|api)\.(?:get|post)\(|(?i:\bselect\b.*\bfrom\b)
    |\b\w*(?:[Rr]epository|[Rr]epo|[Ss]tore|[Dd]ao|[Ss]ervice)\.\w+\(""",
    re.VERBOSE,
)
_NOT_FUNCTIONS = frozenset(
    {"if", "for", "while", "switch", "catch", "with", "return", "elif", "super"}
)
_SPLIT_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def enclosing(
    lines: Sequence[str], index: int, pattern: re.Pattern[str], *, inclusive: bool
) -> tuple[int, re.Match[str]] | None:
    """Find the nearest line above `index` that matches `pattern` and is indented less."""
    if inclusive and (match := pattern.match(lines[index])) and name(match):
        return index, match
    depth = indent(lines[index])
    for above in range(index - 1, -1, -1):
        text = lines[above]
        match = pattern.match(text) if text.strip() and indent(text) < depth else None
        if match and name(match):
            return above, match
    return None


def name(match: re.Match[str] | None) -> str | None:
    """Return the function or owner name a header match captured, unless it is a keyword."""
    found = next((g for g in match.groups()[1:] if g), None) if match else None
    return found if found not in _NOT_FUNCTIONS else None


def shown(function: str) -> str:
    """Quote a function name, or an Express route registration, for a message."""
    return f"`{function})`" if function.endswith(("'", '"', "`")) else f"`{function}`"


def in_handler(lines: Sequence[str], index: int) -> bool:
    """Tell whether the line at `index` sits in an `except`, `catch` or `rescue` block."""
    depth = indent(lines[index])
    for above in range(index - 1, -1, -1):
        text = lines[above]
        if text.strip() and indent(text) < depth:
            return bool(HANDLER.match(text))
    return False


def function_span(lines: Sequence[str], function: str | None) -> tuple[int, int] | None:
    """Return the (header, end) line indexes of the function named `function`, end exclusive."""
    start = next(
        (i for i, text in enumerate(lines) if function and name(FUNCTION.match(text)) == function),
        None,
    )
    if start is None:
        return None
    depth = indent(lines[start])
    end = next(
        (
            i
            for i in range(start + 1, len(lines))
            if lines[i].strip()
            and indent(lines[i]) <= depth
            and not lines[i].lstrip().startswith(")")
        ),
        len(lines),
    )
    return start, end


def removed_in_function(
    changed: ChangedFile, line: Line, function: str | None, base_text: str | None
) -> list[Line]:
    """Return the removed lines of the function around `line`: by name in base, else by hunk."""
    if base_text is None:
        return removed_before(changed, line)
    span = function_span(base_text.splitlines(), function)
    if span is None:
        return []
    return [r for r in changed.removed if span[0] < r.number <= span[1]]


def removed_before(changed: ChangedFile, line: Line) -> list[Line]:
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
        header = FUNCTION.match(previous.text)
        if header and name(header) and indent(previous.text) < indent(line.text):
            break
        if is_removed:
            found.insert(0, previous)
    return found


def is_data_access(path: str, owner: str | None) -> bool:
    """Tell whether a module or class is named like a repository, DAO, store, service or client."""
    names = [*PurePosixPath(path).with_suffix("").parts, owner or ""]
    words = {w.lower() for part in names for w in _SPLIT_WORDS.findall(part)}
    return bool(words & DATA_ACCESS_WORDS)


def io_lines(lines: Sequence[Line]) -> list[str]:
    """Return the texts of the lines that read or write a database, an API or a store."""
    return [r.text for r in lines if IO.search(r.text) and not COMMENT_LINE.match(r.text)]


async def head_lines(ctx: RuleContext, changed: ChangedFile) -> list[str]:
    """Return the file at head, or what the diff shows of it on the right line numbers."""
    text = await ctx.contents.read(changed.path, "head")
    return text.splitlines() if text is not None else paths.from_diff(changed.added)


def production_code(changed: ChangedFile, suffixes: frozenset[str] = CODE_SUFFIXES) -> bool:
    """Tell whether a changed file is code (Python or JS/TS by default) that ships to users."""
    return paths.suffix(changed.path) in suffixes and paths.is_production(changed.path)


def snippet(text: str) -> str:
    """Shorten a quoted line of code so the message stays readable."""
    text = text.strip()
    return text if len(text) <= MAX_SNIPPET else text[: MAX_SNIPPET - 1] + "…"


def indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def make_finding(
    rule: str,
    path: str,
    line: Line,
    severity: Severity,
    message: str,
    side: Side = "RIGHT",
) -> Finding:
    """Build a finding whose fingerprint hangs on the line's text, never its number."""
    return finding(rule, path, line.number, severity, message, line.text, side)
