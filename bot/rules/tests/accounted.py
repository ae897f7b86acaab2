"""Skips already accounted for: tracked by a linked issue, or brought in with a whole project.

Both are notices, not warnings. A skip whose stated reason links the issue or pull request that
tracks it is a decision on record, which is what the rule asks for. A skip in a project the
change brings in whole (a folder that gets its own manifest and hundreds of new files: a merged
repository, a copied-in package) was most likely made where that code was written, not here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.diff.model import Change, FileStatus
from bot.rules.tests.languages import JVM, PYTHON, RUBY, Language

# More new files than one change writes by hand: a project merged or copied in.
IMPORTED_FILES = 100
# Files that make a folder a project of its own, with its own dependencies and test setup.
MANIFESTS = frozenset(
    {
        *("Gemfile", "package.json", "pyproject.toml", "setup.py", "go.mod", "pom.xml"),
        *("build.gradle", "build.gradle.kts", "Cargo.toml", "composer.json"),
    }
)
_MANIFEST_SUFFIXES = (".gemspec",)
# A link to an issue, pull request or ticket (GitHub, GitLab, Jira, Linear, Bugzilla), or a
# reference GitHub and GitLab link themselves: `#123`, `owner/repo#123`, `GH-123`.
TRACKER = re.compile(
    r"https?://[^\s'\"`<>()]*?(?:/(?:issues?|pulls?|merge_requests|browse|tickets?|bugs?)/"
    r"[\w-]*\d[\w-]*|/show_bug\.cgi\?id=\d+)"
    r"|(?<![\w&/#])(?:[\w.-]+/[\w.-]+)?#\d+\b|\bGH-\d+\b"
)
# A test's title right after its marker: `xit "title"`, `it.skip('title', ...)`.
_TITLE = re.compile(r"""\s*\(?\s*(?:'[^'\n]*'|"[^"\n]*"|`[^`\n]*`)""")
_RB_BLOCK = re.compile(r"\bdo\b|\{")


@dataclass(frozen=True)
class Project:
    """A folder the change makes a project of and fills with new files."""

    root: str
    added: int


def tracker(
    lang: Language, lines: Sequence[str], number: int, start: int, marker: str
) -> str | None:
    """Return the issue or pull request a skip's stated reason links, if any.

    The reason is what follows the marker on its line (a test's title aside) and the comment
    lines right above it, through any Python decorators or Java annotations stacked between.
    """
    line = lines[number - 1] if 0 < number <= len(lines) else ""
    after = line[start + len(marker) :]
    reason = [after[_title_end(lang, marker, after) :]]
    for above in reversed(lines[: number - 1]):
        text = above.strip()
        if text.startswith("@") and lang in (PYTHON, JVM):
            continue
        if not _comment(lang, text):
            break
        reason.append(text)
    found = TRACKER.search("\n".join(reason))
    return found.group() if found else None


def imported_projects(change: Change) -> list[Project]:
    """Return the folders the change adds a manifest to and at least IMPORTED_FILES new files."""
    # A manifest added at the top makes a new repository, not a project brought into one.
    roots = {
        str(PurePosixPath(f.path).parent)
        for f in change.files
        if f.status is FileStatus.ADDED and _manifest(PurePosixPath(f.path).name)
    } - {"."}
    counts = dict.fromkeys(roots, 0)
    for f in change.files:
        if f.status is not FileStatus.ADDED:
            continue
        for parent in PurePosixPath(f.path).parents:
            if str(parent) in counts:
                counts[str(parent)] += 1
    return [Project(root, n) for root, n in sorted(counts.items()) if n >= IMPORTED_FILES]


def project_of(path: str, projects: Sequence[Project]) -> Project | None:
    """Return the innermost imported project that holds `path`."""
    parents = [str(p) for p in PurePosixPath(path).parents]
    held = [p for p in projects if p.root in parents]
    return max(held, key=lambda p: len(p.root), default=None)


def _title_end(lang: Language, marker: str, after: str) -> int:
    """Return where a test's title ends after its marker; 0 when the marker takes a reason."""
    if lang is PYTHON:
        return 0
    title = _TITLE.match(after)
    if title is None:
        return 0
    ruby_group = lang is RUBY and marker in ("skip", "pending")
    if marker.startswith("x") or marker.endswith(".skip"):
        return title.end()
    if ruby_group and _RB_BLOCK.search(after[title.end() :]):
        return title.end()  # `skip "title" do ... end` declares a skipped example
    return 0


def _comment(lang: Language, text: str) -> bool:
    if text.startswith(lang.comment):
        return True
    return lang.comment == "//" and text.startswith(("/*", "*"))


def _manifest(name: str) -> bool:
    return name in MANIFESTS or name.endswith(_MANIFEST_SUFFIXES)
