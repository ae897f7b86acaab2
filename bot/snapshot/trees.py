"""Parse source text into syntax trees: Python with `ast`, SQL with sqlglot, the rest tree-sitter.

Why these parsers: `ast` is CPython's own grammar, exact for every Python version we run on;
tree-sitter (with the grammar packages its maintainers publish) parses JS, TS, TSX, Ruby, Go and
YAML in process, tolerates syntax errors (a half-written file still yields a tree), and is what
semgrep and GitHub's own code navigation build on. sqlglot parses Postgres, MySQL/MariaDB, SQLite
and ClickHouse in process, tolerates what it does not know (an unsupported statement becomes a
`Command` instead of an error), and its tokenizer knows comments, quoted identifiers and
dollar-quoted bodies, so a `;` inside a string or a comment does not split a statement. Nothing
is executed: all of them only read text.
"""

from __future__ import annotations

import ast
import logging
import warnings
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import tree_sitter
import yaml

if TYPE_CHECKING:
    import sqlglot

# sqlglot logs a warning for every statement it parses as a `Command`; rules never log.
logging.getLogger("sqlglot").setLevel(logging.CRITICAL)

MAX_PARSE_BYTES = 2_000_000  # larger files are left unparsed: rules fall back to lines

# Suffix -> tree-sitter language name.
TREE_SITTER_SUFFIXES = {
    **dict.fromkeys((".js", ".jsx", ".mjs", ".cjs"), "javascript"),
    **dict.fromkeys((".ts", ".mts", ".cts"), "typescript"),
    ".tsx": "tsx",
    ".rb": "ruby",
    ".go": "go",
    **dict.fromkeys((".yml", ".yaml"), "yaml"),
}


def language(path: str) -> str | None:
    """Name the parser for a path by its suffix: `python`, a tree-sitter language, or None."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in {".py", ".pyi"}:
        return "python"
    return TREE_SITTER_SUFFIXES.get(suffix)


@dataclass(frozen=True)
class Document:
    """A YAML document as PyYAML's safe loader reads it (`data`: dicts, lists, scalars; None for
    an empty file)."""

    data: object


# libyaml's safe loader when PyYAML was built with it (its wheels are): the same documents,
# parsed about ten times faster than the pure-Python loader, which large workflow changes feel.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str) -> Document | None:
    """Read YAML; None when the text is not YAML."""
    try:
        return Document(yaml.load(text, Loader=_YAML_LOADER))
    except yaml.YAMLError:
        return None


def parse_python(text: str) -> ast.Module | None:
    """Parse Python source; None when it does not parse (a syntax error, a null byte)."""
    if len(text) > MAX_PARSE_BYTES:
        return None
    try:
        with warnings.catch_warnings():
            # Invalid escapes in old code warn (SyntaxWarning, DeprecationWarning before 3.12).
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def parse_tree_sitter(name: str, text: str) -> tree_sitter.Tree | None:
    """Parse with tree-sitter; the tree marks syntax errors as ERROR nodes rather than failing."""
    if len(text) > MAX_PARSE_BYTES:
        return None
    return _parser(name).parse(text.encode("utf-8", errors="replace"))


@dataclass(frozen=True)
class SqlStatement:
    """One statement of a SQL script: the line it starts on, its text, and its sqlglot tree
    (None when sqlglot cannot parse it). The tree is shared: a reader that edits it edits a copy.
    """

    line: int
    text: str
    tree: sqlglot.exp.Expr | None


def parse_sql(text: str, dialect: str) -> tuple[SqlStatement, ...]:
    """Split a SQL script into statements (comments never split one) and parse each."""
    return tuple(
        SqlStatement(line, statement, _parse_statement(statement, dialect))
        for line, statement in _statements(text, dialect)
    )


def _statements(text: str, dialect: str) -> list[tuple[int, str]]:
    """Split a script into statements with the line each starts on."""
    # Imported here, not at the top: a change with no SQL never loads the parser (bot/lazy.py).
    import sqlglot

    try:
        tokens = sqlglot.tokenize(text, read=dialect)
    except sqlglot.errors.SqlglotError:
        return list(_naive_statements(text))
    found: list[tuple[int, str]] = []
    start: int | None = None
    line = 1
    for index, token in enumerate(tokens):
        if token.token_type is sqlglot.TokenType.SEMICOLON:
            if start is not None:
                found.append((line, text[start : tokens[index - 1].end + 1]))
            start = None
            continue
        if start is None:
            start, line = token.start, token.line
    if start is not None:
        found.append((line, text[start : tokens[-1].end + 1]))
    return found


def _parse_statement(statement: str, dialect: str) -> sqlglot.exp.Expr | None:
    import sqlglot

    try:
        parsed: sqlglot.exp.Expr = sqlglot.parse_one(statement, read=dialect)
        return parsed
    except (sqlglot.errors.SqlglotError, RecursionError, ValueError):
        return None


def _naive_statements(text: str) -> Iterator[tuple[int, str]]:
    """Split at semicolons outside `--` comments: for text the tokenizer rejects."""
    start, parts = 0, []
    for number, raw in enumerate(text.splitlines(), start=1):
        code = raw.split("--", 1)[0]
        pieces = code.split(";")
        for piece in pieces[:-1]:
            parts.append(piece)
            if "\n".join(parts).strip():
                yield start or number, "\n".join(parts)
            start, parts = 0, []
        if pieces[-1].strip():
            start = start or number
            parts.append(pieces[-1])
    if "\n".join(parts).strip():
        yield start, "\n".join(parts)


@cache
def _parser(name: str) -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(_GRAMMARS[name]()))


def _javascript() -> object:
    import tree_sitter_javascript

    return tree_sitter_javascript.language()


def _typescript() -> object:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_typescript()


def _tsx() -> object:
    import tree_sitter_typescript

    return tree_sitter_typescript.language_tsx()


def _ruby() -> object:
    import tree_sitter_ruby

    return tree_sitter_ruby.language()


def _go() -> object:
    import tree_sitter_go

    return tree_sitter_go.language()


def _yaml() -> object:
    import tree_sitter_yaml

    return tree_sitter_yaml.language()


_GRAMMARS: dict[str, Callable[[], object]] = {
    "javascript": _javascript,
    "typescript": _typescript,
    "tsx": _tsx,
    "ruby": _ruby,
    "go": _go,
    "yaml": _yaml,
}


def nodes_of(root: tree_sitter.Node, grammar: str, kinds: frozenset[str]) -> list[tree_sitter.Node]:
    """Return `root` and every node under it of the given kinds, in a tree parsed with
    `grammar` (a name of `language`), in the order a walk meets them (outer before inner).

    Found by a tree-sitter query, which walks the tree in C: a walk in Python visits every
    node of the file one call at a time, and large changes have thousands of files. Kinds the
    grammar does not have are left out of the query (a Ruby `method` in a Go file).
    """
    query = _query(grammar, kinds)
    if query is None:
        return []
    found = tree_sitter.QueryCursor(query).captures(root).get("node", [])
    return sorted(found, key=lambda node: (node.start_byte, -node.end_byte))


@cache
def _query(grammar: str, kinds: frozenset[str]) -> tree_sitter.Query | None:
    """One compiled query per grammar and set of kinds, made on first use."""
    language = _parser(grammar).language
    if language is None:
        return None
    known = sorted(k for k in kinds if language.id_for_node_kind(k, True))
    pattern = "[" + " ".join(f"({k})" for k in known) + "] @node"
    return tree_sitter.Query(language, pattern) if known else None


def text_of(node: tree_sitter.Node) -> str:
    """Return a tree-sitter node's source text."""
    return (node.text or b"").decode("utf-8", errors="replace")


def field_text(node: tree_sitter.Node, field: str) -> str:
    """Return the source text of a node's named field (a Ruby call's `method`); "" without it."""
    child = node.child_by_field_name(field)
    return text_of(child) if child is not None else ""


def py_touches(node: ast.AST, rows: Sequence[int]) -> bool:
    """Tell whether a Python node's lines, its decorators' included, include one of `rows`.

    Nodes without positions (the module, `arguments`, `match_case`...) always do.
    """
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if start is None or end is None:
        return True
    start = min([start, *(d.lineno for d in getattr(node, "decorator_list", ()))])
    index = bisect_left(rows, start)
    return index < len(rows) and rows[index] <= end


def walk(node: tree_sitter.Node, *, named: bool = True) -> Iterator[tree_sitter.Node]:
    """Yield a node and every node under it, in source order (named ones only, by default)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.named_children if named else current.children))


def descendants(root: tree_sitter.Node, rows: Sequence[int]) -> Iterator[tree_sitter.Node]:
    """Yield the named nodes under `root` that span one of `rows` (sorted 1-based lines).

    Depth first and without recursion; subtrees away from the change are not visited, which
    keeps a large file cheap.
    """
    stack = [root]
    while stack:
        node = stack.pop()
        if touches(node, rows):
            yield node
            stack.extend(reversed(node.named_children))


def touches(node: tree_sitter.Node, rows: Sequence[int]) -> bool:
    """Tell whether a node's lines include one of `rows` (sorted 1-based line numbers)."""
    index = bisect_left(rows, node.start_point[0] + 1)
    return index < len(rows) and rows[index] <= node.end_point[0] + 1
