"""Tell generated, minified, vendored and build-output files apart from code people wrote.

Code rules do not review such files (a minified bundle's `catch{}` was not written by anyone in
the pull request); the secrets pack still does, and the check-run summary lists what was skipped.
Sources: GitHub Linguist's `linguist-generated` / `linguist-vendored` attributes in
`.gitattributes`, the `@generated` and `DO NOT EDIT` header conventions (Go's
`^// Code generated .* DO NOT EDIT\\.$`), and the folders build tools write to.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pathspec

from bot.diff.model import SkipKind

GITATTRIBUTES = ".gitattributes"
OUTPUT_DIRS = frozenset({"dist", "build", "out", ".next", "coverage", "__generated__"})
VENDOR_DIRS = frozenset({"vendor", "vendored", "third_party", "node_modules", "bower_components"})
MINIFIED = re.compile(r"[.-]min\.(?:js|css|mjs)$|\.(?:bundle|chunk)\.js$|\.map$", re.IGNORECASE)
# Lock files, lower-cased: their hashes and integrity strings look random by design.
LOCKFILES = frozenset({
    "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb",
    "bun.lock", "poetry.lock", "pipfile.lock", "uv.lock", "pdm.lock", "gemfile.lock", "cargo.lock",
    "go.sum", "composer.lock", "flake.lock", "packages.lock.json", "podfile.lock", "mix.lock",
})  # fmt: skip
HEADER = re.compile(r"@generated\b|\bDO NOT EDIT\b|^// Code generated .* DO NOT EDIT\.$", re.M)
HEADER_LINES = 5
LONG_LINE = 1_000  # characters: minified or machine-written
_ATTRIBUTES = {"linguist-generated": "generated", "linguist-vendored": "vendored"}
CONFIGURED = "config"  # a path the repository's config lists under `generated`


def attributes(text: str | None) -> list[tuple[pathspec.GitIgnoreSpec, str]]:
    """Read `.gitattributes` into (pattern, "generated" | "vendored") pairs, in file order."""
    found: list[tuple[pathspec.GitIgnoreSpec, str]] = []
    for raw in (text or "").splitlines():
        fields = raw.split()
        if not fields or fields[0].startswith("#"):
            continue
        for attr in fields[1:]:
            name, _, value = attr.partition("=")
            if name in _ATTRIBUTES and value not in ("false", "0"):
                spec = pathspec.GitIgnoreSpec.from_lines([fields[0]])
                found.append((spec, _ATTRIBUTES[name]))
    return found


def configured(patterns: tuple[str, ...]) -> list[tuple[pathspec.GitIgnoreSpec, str]]:
    """Read the config's `generated` paths (gitignore lines, read as one list) as a marking that
    comes after `.gitattributes`: a path it lists is generated whatever the attributes say."""
    return [(pathspec.GitIgnoreSpec.from_lines(patterns), CONFIGURED)] if patterns else []


def reason(
    path: str, text: str | None, added: list[str], marked: list[tuple[pathspec.GitIgnoreSpec, str]]
) -> tuple[SkipKind, str] | None:
    """Say why a file is not reviewed by code rules (its kind, and in words), or None when it is
    code people wrote."""
    posix = PurePosixPath(path)
    folders = [part.lower() for part in posix.parts[:-1]]
    for spec, kind in reversed(marked):  # the last matching line wins, as in git
        if spec.match_file(path):
            if kind == CONFIGURED:
                return SkipKind.GENERATED, "listed under `generated` in the config"
            return SkipKind(kind), f"marked `linguist-{kind}` in .gitattributes"
    if lockfile(path):
        return SkipKind.LOCK_FILE, "lock file"
    if MINIFIED.search(posix.name):
        return SkipKind.MINIFIED, "minified or bundled"
    if any(part in VENDOR_DIRS for part in folders):
        return SkipKind.VENDORED, "vendored"
    if any(part in OUTPUT_DIRS for part in folders):
        return SkipKind.BUILD_OUTPUT, "build output"
    head = "\n".join((text or "").splitlines()[:HEADER_LINES])
    if HEADER.search(head):
        return SkipKind.GENERATED, "generated (its header says so)"
    if any(len(line) > LONG_LINE for line in added):
        return SkipKind.GENERATED, f"generated or minified (lines over {LONG_LINE:,} characters)"
    return None


def lockfile(path: str) -> bool:
    """Tell whether a path is a package manager's lock file."""
    return PurePosixPath(path).name.lower() in LOCKFILES


def minified_or_vendored(path: str) -> bool:
    """Tell whether a path is a minified or bundled file, or lives in a vendored folder."""
    posix = PurePosixPath(path)
    folders = {part.lower() for part in posix.parts[:-1]}
    return bool(MINIFIED.search(posix.name)) or not VENDOR_DIRS.isdisjoint(folders)
