"""What every rule sees: the change, each changed file's two sides, and the few extra files.

A snapshot is built once per review (`bot.snapshot.read.build`) and never does I/O afterwards: a
rule that asks for a file the snapshot did not read gets None, exactly as for a file that does not
exist, so rules stay pure and can be tested with two strings.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import pathspec
import tree_sitter

from bot.diff.model import Change, ChangedFile, FileStatus, Ref, Skip, SkipKind
from bot.rules import paths
from bot.snapshot import generated, trees


@dataclass(frozen=True, eq=False)
class Source:
    """One side of one file: its text (None when absent, binary or too large) and its trees.

    Each tree is parsed on first use and kept, so every rule that reads this side shares it;
    a SQL script has one parse per dialect it is read in.
    """

    path: str
    text: str | None

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines() if self.text is not None else []

    @cached_property
    def language(self) -> str | None:
        return trees.language(self.path)

    @cached_property
    def python(self) -> ast.Module | None:
        """The Python module's syntax tree, parsed on first use; None unless it parses."""
        if self.text is None or self.language != "python":
            return None
        return trees.parse_python(self.text)

    @cached_property
    def tree(self) -> tree_sitter.Tree | None:
        """The tree-sitter tree for JS/TS/TSX, Ruby, Go or YAML, parsed on first use."""
        if self.text is None or self.language in (None, "python"):
            return None
        return trees.parse_tree_sitter(str(self.language), self.text)

    def nodes(self, kinds: frozenset[str]) -> list[tree_sitter.Node]:
        """The tree-sitter tree's nodes of these kinds, in source order (none without a tree)."""
        tree = self.tree
        return [] if tree is None else trees.nodes_of(tree.root_node, str(self.language), kinds)

    def sql(self, dialect: str) -> tuple[trees.SqlStatement, ...]:
        """The SQL script's statements parsed for a sqlglot dialect, on first use per dialect."""
        if self.text is None:
            return ()
        if dialect not in self._sql:
            self._sql[dialect] = trees.parse_sql(self.text, dialect)
        return self._sql[dialect]

    @cached_property
    def _sql(self) -> dict[str, tuple[trees.SqlStatement, ...]]:
        return {}

    @cached_property
    def yaml(self) -> trees.Document | None:
        """The text read as YAML (a CI pipeline, a workflow) on first use; None unless it parses.
        Any text may be tried: a file that is not YAML does not parse."""
        return trees.parse_yaml(self.text) if self.text is not None else None

    def parse(self) -> bool:
        """Parse now rather than on first use (the tree is kept); tell whether one was made."""
        return (self.python if self.language == "python" else self.tree) is not None


@dataclass(frozen=True, eq=False)
class FileChange:
    """A changed file of the diff with its base (`before`) and head (`after`) sides."""

    changed: ChangedFile
    before: Source
    after: Source

    @property
    def path(self) -> str:
        return self.changed.path


@dataclass(frozen=True)
class Layout:
    """Paths the repository's config names where the built-in guesses are wrong, each a list
    of gitignore lines: `generated` files, `migrations` folders, `frontend` roots (code that is
    bundled for the browser)."""

    generated: tuple[str, ...] = ()
    migrations: tuple[str, ...] = ()
    frontend: tuple[str, ...] = ()

    def migration(self, path: str) -> bool:
        """Tell whether the config puts this path in a migrations folder."""
        return _matches(self.migrations, path)

    def browser(self, path: str) -> bool:
        """Tell whether the config puts this path under a frontend root."""
        return _matches(self.frontend, path)


@lru_cache(maxsize=64)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _matches(patterns: tuple[str, ...], path: str) -> bool:
    return bool(patterns) and _spec(patterns).match_file(path)


# What rules may read of a pull request's words: enough for a long description and 100 commits.
MAX_DESCRIPTION = 64 * 1024


def describe(*parts: str | None) -> str:
    """Join what a pull request says (title, body, commit messages) into one bounded text.

    Parts are separated by a blank line, so none runs into the next; the text is cut at
    MAX_DESCRIPTION characters.
    """
    text = "\n\n".join(part.strip() for part in parts if part and part.strip())
    return text[:MAX_DESCRIPTION]


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The change and every text a rule may read, keyed by (path, "base" | "head").

    `whole` is the diff as read; `change` is what code rules review: `whole` without generated,
    minified, vendored and build-output files (`skipped` says which and why). The secrets pack
    reads `whole`. `listings` holds every path of the repository at base and head when known
    (git trees API, `git ls-tree`); a bare diff knows neither listings nor any file beyond what
    it shows. `layout` holds the paths the repository's config says the guesses get wrong.
    `description` is what the pull request says of itself (`describe`: its title, body and
    commits' messages; a local range's commit messages; empty for a bare diff).
    """

    whole: Change
    texts: Mapping[tuple[str, Ref], str | None] = field(default_factory=dict)
    listings: Mapping[Ref, frozenset[str] | None] = field(default_factory=dict)
    layout: Layout = field(default_factory=lambda: Layout())
    description: str = ""

    def __post_init__(self) -> None:
        if len(self.description) > MAX_DESCRIPTION:  # however it was built, it stays bounded
            object.__setattr__(self, "description", self.description[:MAX_DESCRIPTION])

    @cached_property
    def _reasons(self) -> dict[str, Skip]:
        marked = generated.attributes(self.read(generated.GITATTRIBUTES, "base"))
        marked += generated.configured(self.layout.generated)
        found = {}
        for changed in self.whole.files:
            if changed.binary:
                detail = "binary file (no rule reads binary content, secrets included)"
                found[changed.path] = Skip(changed.path, SkipKind.BINARY, detail)
                continue
            if changed.not_utf8:
                detail = "not UTF-8 (read with U+FFFD in place of its other bytes)"
                found[changed.path] = Skip(changed.path, SkipKind.NOT_UTF8, detail)
                continue
            text = self.read(changed.path, "head")
            added = [line.text for line in changed.added]
            why = generated.reason(changed.path, text, added, marked)
            if why is not None:
                found[changed.path] = Skip(changed.path, *why)
        return found

    @cached_property
    def change(self) -> Change:
        """The change code rules review: generated and vendored files left out."""
        if not self._reasons:
            return self.whole
        kept = tuple(f for f in self.whole.files if f.path not in self._reasons)
        return Change(kept, self.whole.problems, self.whole.left_out)

    @property
    def skipped(self) -> tuple[Skip, ...]:
        """Each file code rules did not review and why, by path."""
        return tuple(skip for _, skip in sorted(self._reasons.items()))

    @cached_property
    def files(self) -> tuple[FileChange, ...]:
        """Every changed file of `whole` with both sides (rules filter by `change`)."""
        return tuple(self._file_change(changed) for changed in self.whole.files)

    @cached_property
    def _by_path(self) -> dict[str, FileChange]:
        return {f.path: f for f in self.files}

    @cached_property
    def _by_base_path(self) -> dict[str, FileChange]:
        found: dict[str, FileChange] = {}
        for f in self.files:
            found.setdefault(f.changed.old_path or f.path, f)  # the first, as a search would
        return found

    def file(self, path: str) -> FileChange | None:
        """Return the changed file at this head path, if the change touches it."""
        return self._by_path.get(path)

    def read(self, path: str, at: Ref = "head") -> str | None:
        """Return a file's text as read when the snapshot was built; None if absent or unread."""
        return self.texts.get((path, at))

    def listing(self, at: Ref = "head") -> frozenset[str] | None:
        """Return every path of the repository at base or head, or None when unknown."""
        return self.listings.get(at)

    def source(self, path: str, at: Ref = "head") -> Source:
        """Return a file's side with its shared trees (changed files' sides are built once)."""
        found = self._by_path.get(path)
        if found is not None and at == "head":
            return found.after
        found = self._by_base_path.get(path) if at == "base" else None
        if found is not None:
            return found.before
        # A file beyond the change (a workflow, a config): one side for every rule, parsed once.
        if (path, at) not in self._unchanged:
            self._unchanged[(path, at)] = Source(path, self.read(path, at))
        return self._unchanged[(path, at)]

    @cached_property
    def _unchanged(self) -> dict[tuple[str, Ref], Source]:
        return {}

    def head_lines(self, changed: ChangedFile) -> list[str]:
        """Return a changed file's lines at head, or (a bare diff) its added lines in place.

        The same list every time for a file (rules look many lines of it up: code.outline).
        """
        source = self.source(changed.path, "head")
        if source.text is not None:
            return source.lines
        if changed.path not in self._diff_lines:
            self._diff_lines[changed.path] = paths.from_diff(changed.added)
        return self._diff_lines[changed.path]

    @cached_property
    def _diff_lines(self) -> dict[str, list[str]]:
        return {}

    def head_or_diff(self, changed: ChangedFile) -> Source:
        """Return a changed file at head, or (a bare diff) its added lines on their line numbers."""
        source = self.source(changed.path, "head")
        if source.text is not None:
            return source
        return Source(changed.path, "\n".join(self.head_lines(changed)))

    def __iter__(self) -> Iterator[FileChange]:
        return iter(self.files)

    def _file_change(self, changed: ChangedFile) -> FileChange:
        old = changed.old_path or changed.path
        before = None if changed.status is FileStatus.ADDED else self.read(old, "base")
        after = None if changed.status is FileStatus.REMOVED else self.read(changed.path, "head")
        return FileChange(changed, Source(old, before), Source(changed.path, after))
