"""Deleted test files, removed tests and removed assertions: the safety net gets thinner."""

from __future__ import annotations

from collections import Counter

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules import paths
from bot.rules.model import Finding, RuleContext, Severity, fingerprint
from bot.rules.tests.languages import (
    assertions,
    code,
    definitions,
    is_test_file,
    language,
    names,
    spans,
    subject,
)

PACK_ID = "tests"
DELETED = "tests/deleted-test-file"
REMOVED = "tests/removed-test"
ASSERTION = "tests/removed-assertion"
SHOWN_NAMES = 5
CODE_SUFFIXES = frozenset({
    ".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".java", ".kt",
    ".rb", ".rs", ".php", ".cs", ".scala", ".swift", ".c", ".h", ".cc", ".cpp", ".hpp", ".ex",
})  # fmt: skip


def is_production(path: str) -> bool:
    """Tell whether a path is application code: source that ships, not tests or their setup."""
    suffix = paths.suffix(path)
    return suffix in CODE_SUFFIXES and paths.is_production(path) and not is_test_file(path)


async def check_removed_tests(ctx: RuleContext) -> list[Finding]:
    """Flag tests that vanish without re-appearing elsewhere: what they checked goes unchecked."""
    files = [f for f in ctx.change.files if not f.binary]
    production = [f for f in ctx.change.files if is_production(f.path)]
    deleted_modules = {subject(f.path) for f in production if f.status is FileStatus.REMOVED}
    severity = Severity.ERROR if production else Severity.WARNING
    replacements = Counter(name for f in files for name, _ in definitions(f.path, f.added))
    findings: list[Finding] = []
    for changed in files:
        if changed.status is FileStatus.ADDED or not is_test_file(changed.old_path or changed.path):
            continue
        removed = definitions(changed.path, changed.removed)
        gone = [(name, line) for name, line in removed if not _take(replacements, name)]
        if not gone:
            continue
        if changed.status is FileStatus.REMOVED:
            retired = subject(changed.path) in deleted_modules
            findings.append(_deleted_file(changed, gone, severity, bool(production), retired))
            continue
        gone = await _still_defined(ctx, changed, _renamed_in_place(changed, gone, removed))
        findings.extend(
            _removed_test(changed, name, line, severity, bool(production)) for name, line in gone
        )
    return findings


async def check_removed_assertions(ctx: RuleContext) -> list[Finding]:
    """Flag a test that stays but asserts less: it still passes, and checks less than it did."""
    findings: list[Finding] = []
    for changed in ctx.change.files:
        lang = language(changed.path)
        if lang is None or changed.binary or changed.status is not FileStatus.MODIFIED:
            continue
        if not is_test_file(changed.path):
            continue
        lost = [line for line in changed.removed if lang.assertion.search(code(lang, line.text))]
        if not lost:
            continue
        base = await ctx.contents.read(changed.path, "base")
        head = await ctx.contents.read(changed.path, "head")
        if base is None or head is None:
            net = assertions(lang, [line.text for line in lost]) - assertions(
                lang, [line.text for line in changed.added]
            )
            if net > 0 and not definitions(changed.path, changed.removed):
                findings.append(_weakened(changed.path, None, lost[0], 0, net))
            continue
        before, after = spans(lang, base), spans(lang, head)
        base_lines, head_lines = base.splitlines(), head.splitlines()
        for name, (start, end) in before.items():
            if name not in after:
                continue
            old = assertions(lang, base_lines[start - 1 : end])
            new_start, new_end = after[name]
            new = assertions(lang, head_lines[new_start - 1 : new_end])
            inside = [line for line in lost if start <= line.number <= end]
            if inside and new < old:
                findings.append(_weakened(changed.path, name, inside[0], new, old - new))
    return findings


def _take(pool: Counter[str], name: str) -> bool:
    """Use up one added test of this name, if any: it replaces one removed test."""
    if pool[name] <= 0:
        return False
    pool[name] -= 1
    return True


def _renamed_in_place(
    changed: ChangedFile, gone: list[tuple[str, Line]], removed: list[tuple[str, Line]]
) -> list[tuple[str, Line]]:
    """Drop tests whose header changed but whose body stayed: that is a rename, not a removal.

    A removed definition whose next line is unchanged is paired with an added definition of a
    new name whose next line is unchanged too.
    """
    removed_numbers = {line.number for line in changed.removed}
    added_numbers = {line.number for line in changed.added}
    old_names = {name for name, _ in removed}
    new_headers = [
        line
        for name, line in definitions(changed.path, changed.added)
        if name not in old_names and line.number + 1 not in added_numbers
    ]
    kept = []
    for name, line in gone:
        if line.number + 1 not in removed_numbers and new_headers:
            new_headers.pop(0)
        else:
            kept.append((name, line))
    return kept


async def _still_defined(
    ctx: RuleContext, changed: ChangedFile, gone: list[tuple[str, Line]]
) -> list[tuple[str, Line]]:
    """Keep only tests that the head file defines fewer times than the base file did."""
    lang = language(changed.path)
    if not gone or lang is None:
        return gone
    head = await ctx.contents.read(changed.path, "head")
    base = await ctx.contents.read(changed.old_path or changed.path, "base")
    if head is None or base is None:
        return gone
    before = Counter(name for name, _ in names(lang, base))
    after = Counter(name for name, _ in names(lang, head))
    return [(name, line) for name, line in gone if after[name] < before[name]]


def _deleted_file(
    changed: ChangedFile,
    gone: list[tuple[str, Line]],
    severity: Severity,
    production: bool,
    retired: bool,
) -> Finding:
    shown = ", ".join(f"`{name}`" for name, _ in gone[:SHOWN_NAMES])
    more = f" and {len(gone) - SHOWN_NAMES} more" if len(gone) > SHOWN_NAMES else ""
    if retired:
        severity = Severity.NOTICE
        message = (
            f"This deletes a test file ({len(gone)} test(s): {shown}{more}) together with the "
            "module it tested; nothing is left untested, provided nothing else used that code."
        )
    else:
        message = (
            f"This deletes a test file whose {len(gone)} test(s) ({shown}{more}) do not "
            f"re-appear elsewhere in the change: {_why(production)} Restore them, or say in "
            "the pull request why they are obsolete."
        )
    return Finding(
        rule=DELETED,
        pack=PACK_ID,
        path=changed.path,
        line=gone[0][1].number,
        severity=severity,
        message=message,
        fingerprint=fingerprint(DELETED, changed.path, "deleted"),
        side="LEFT",
    )


def _removed_test(
    changed: ChangedFile, name: str, line: Line, severity: Severity, production: bool
) -> Finding:
    message = (
        f"This removes the test `{name}` and adds no test of that name back: {_why(production)} "
        "Keep it, or say in the pull request why it is obsolete."
    )
    return Finding(
        rule=REMOVED,
        pack=PACK_ID,
        path=changed.path,
        line=line.number,
        severity=severity,
        message=message,
        fingerprint=fingerprint(REMOVED, changed.path, name),
        side="LEFT",
    )


def _weakened(path: str, name: str | None, line: Line, left: int, lost: int) -> Finding:
    test = f"the test `{name}`" if name else "this file's tests"
    after = "no longer asserts anything" if name and left == 0 else f"asserts {lost} thing(s) less"
    message = (
        f"This removes an assertion: {test} still runs but {after}, so it passes whatever the "
        "code does there. Keep the check, or replace it with a better one."
    )
    return Finding(
        rule=ASSERTION,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=Severity.WARNING,
        message=message,
        fingerprint=fingerprint(ASSERTION, path, f"{name}:{line.text}"),
        side="LEFT",
    )


def _why(production: bool) -> str:
    also = ", and this pull request also changes production code" if production else ""
    return f"nothing tests that behaviour any more{also}."
