"""Parse source text into syntax trees: Python with `ast`, other languages with tree-sitter.

Why these parsers: `ast` is CPython's own grammar, exact for every Python version we run on;
tree-sitter (with the grammar packages its maintainers publish) parses JS, TS, TSX, Ruby, Go and
YAML in process, tolerates syntax errors (a half-written file still yields a tree), and is what
semgrep and GitHub's own code navigation build on. Nothing is executed: both only read text.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Callable
from functools import cache
from pathlib import PurePosixPath

import tree_sitter

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


def text_of(node: tree_sitter.Node) -> str:
    """Return a tree-sitter node's source text."""
    return (node.text or b"").decode("utf-8", errors="replace")
