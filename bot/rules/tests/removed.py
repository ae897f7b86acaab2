"""Deleted test files, removed tests and removed assertions: the safety net gets thinner.

Tests are read from each side's syntax tree (`suites`). A test that leaves a file is not lost when
it reappears in the change: under the same name in any case, punctuation or route-parameter
spelling, or with the same body under another name, in another file, split, merged or rewritten
(`similarity`), rewritten where it stood (`rewrites`), ported to another runner under a retouched
title (`ported`), or covered by a kept test comparing a snapshot the change updates (`snapshots`).
One removed with the code it tested, or with a deleted helper that used that code, is cleanup, a
notice (`retired`), and so is one driving UI (a button's text, an element's id) that the change's
templates stop showing (`labels`). An assertion is not lost when it moves, when the test now checks
the field that replaces the one it checked, when it now compares the object it checked with a
snapshot or with others in one equality check (`compared`), when it compared two lengths and the
test still compares one of them whole (`lengths`), or when it now asserts the thing it checked is
absent; nor when the test now fetches the row by the field it checked with a lookup that raises
without it (`lookups`), when it checked a request to a route the change deletes (`routes`), or when
it moved into a helper the test now calls that throws when what it fetches is missing. One that
checked a field or value the production code stops writing in the same change (a key set to a
distinctive value, `trigger: "partnerEnrolled"`) went with that behaviour: a notice (`stopped`). A
deleted test file left is an error when production code changes in the same pull request (the suite
went away just as it was needed), a warning otherwise; removed tests of a file that stays are one
warning per file. A lost test the pull request explains (its title, body or a commit names it
removed or obsolete: `explained`) is a notice, and so is a deleted file it names. A side that
cannot be read (a bare diff, a syntax error, Java) falls back to the diff's lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property, lru_cache
from pathlib import PurePosixPath
from weakref import WeakKeyDictionary

from bot.diff.model import ChangedFile, FileStatus, Line
from bot.rules import paths
from bot.rules.model import Example, Finding, Rule, Severity
from bot.rules.tests import (
    compared,
    fallback,
    labels,
    lengths,
    lookups,
    moves,
    ported,
    rewrites,
    routes,
    similarity,
    snapshots,
)
from bot.rules.tests.explained import Explanations, Removal
from bot.rules.tests.languages import TEST_LANGUAGES, is_test_file, language
from bot.rules.tests.readers import read
from bot.rules.tests.retired import Module, Retired, named_after, retired
from bot.rules.tests.similarity import Weights, folded, tokens
from bot.rules.tests.stacks import JAVASCRIPT_STACK, POLYGLOT_STACK, PYTHON_STACK
from bot.rules.tests.stopped import Stopped
from bot.rules.tests.suites import Assertion, Suite, Test, count, from_lines, normalise
from bot.rules.tests.verdicts import (
    ASSERTION,
    DELETED,
    REMOVED,
    Balance,
    Judged,
    deleted_file,
    removed_tests,
    weakened,
    went_with,
)
from bot.snapshot.model import FileChange, Snapshot, Source

# An assertion that something is absent, on whitespace-free text (`assert_nil`, `toBeNull()`).
_ABSENCE = re.compile(
    r"^(?:assert_nil|assertIsNone)|^assert.*isNone$|\.toBe(?:Null|Undefined)\(|\.tobe_nil$"
)
# A snapshot assertion compares an object whole: checks of its parts it replaces are not lost.
_SNAP = re.compile(
    r"toMatch(?:Inline|File)?Snapshot\(|match_snapshot|==snapshot$|assert_match_snapshot\("
    r"|snapshot\.assert_match\("
)
_ROOT = re.compile(r"(?:expect\(|assert\w*\(|await)*([A-Za-z_$@][\w$]*)")
_LITERAL = re.compile(r"\"(?:\\.|[^\"\\])+\"|'(?:\\.|[^'\\])+'|`(?:\\.|[^`\\])+`")
_PARENS = re.compile(r"[()]")
# The values a check compares with (strings, numbers): what an edit in place changes.
_VALUES = re.compile(_LITERAL.pattern + r"|\d+(?:\.\d+)?")
# A check comparing a value whole with a literal list or object (whitespace-free text).
_WHOLE = re.compile(r"(?:==|toEqual\(|toStrictEqual\(|assert_equal\(?|assertEqual\([^,]+,)[\[{]")
_NAME = re.compile(r"[A-Za-z_]\w*")
# A helper that fails its caller: `throw new Error(...)`, `raise X`, `fail(...)`, `flunk`.
_THROW = re.compile(r"\bthrow\b|\braise\s+[A-Z]\w*|\bfail\(|\bflunk\b")
THROW_READS = 12  # helpers read at most, following the calls of one that may throw
_NOT_SUBJECTS = frozenset({"assert", "not", "in", "is", "and", "or", "self", "this", "await"})
HELPER_SUITE = 2  # retired tests of a deleted helper that make it a helper of retired code
MERGED_CHECKS = 2  # distinct checks a removed test must make to be found merged into new tests
_TOKEN_CALLS = re.compile(r"[A-Za-z_]\w*")  # names a helper may call, read from its source
# Templates render what tests check (a fragment's cache key, a field's label): code gone from one
# retires the tests of it, though templates do not count as production code changing.
TEMPLATE_SUFFIXES = frozenset({
    ".html", ".htm", ".erb", ".haml", ".slim", ".jinja", ".j2", ".vue", ".svelte", ".hbs",
    ".twig", ".liquid",
})  # fmt: skip
CODE_SUFFIXES = frozenset({
    ".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".go", ".java", ".kt",
    ".rb", ".rs", ".php", ".cs", ".scala", ".swift", ".c", ".h", ".cc", ".cpp", ".hpp", ".ex",
})  # fmt: skip
# API and schema definitions: a field a test checks may be declared only there (and in code
# generated from them, which is not reviewed), so what they stop declaring is retired too.
SCHEMA_SUFFIXES = frozenset({".proto", ".graphql", ".graphqls", ".gql", ".prisma"})
# A protobuf field removed for good is `reserved` by name, so that no later field reuses it.
_RESERVED = re.compile(r"^\s*reserved\b([^;]*);", re.MULTILINE)


def is_production(path: str) -> bool:
    """Tell whether a path is application code: source that ships, not tests or their setup."""
    suffix = paths.suffix(path)
    return suffix in CODE_SUFFIXES and paths.is_production(path) and not is_test_file(path)


def check_removed_tests(snap: Snapshot) -> list[Finding]:
    """Flag tests that vanish without re-appearing elsewhere: what they checked goes unchecked."""
    view = _view(snap)
    pool = Counter(view.new_names)
    judged: list[tuple[ChangedFile, list[Judged]]] = []
    for side in view.test_files:
        changed = side.changed
        if changed.status is FileStatus.ADDED or not is_test_file(changed.old_path or changed.path):
            continue
        gone = view.gone(side)
        if gone:
            judged.append((changed, view.judge(side, gone, pool)))
    findings: list[Finding] = []
    for changed, tests, said in _explained(snap.description, judged):
        if changed.status is FileStatus.REMOVED:
            finding = deleted_file(changed, tests, view.production, said)
            findings.extend([finding] if finding else [])
        else:
            findings.extend(removed_tests(changed, tests, view.production, view.balance))
    return findings


def _explained(
    description: str, judged: list[tuple[ChangedFile, list[Judged]]]
) -> list[tuple[ChangedFile, list[Judged], bool]]:
    """Mark the lost tests the pull request says it removes `explained`, and tell for each
    deleted file whether it says so of the file (`explained.Explanations`).

    A singular `test` is matched against every removed test, replaced or retired too: the
    one it names best may not be lost, and then it excuses none that is.
    """
    if not description.strip():
        return [(changed, tests, False) for changed, tests in judged]
    removals = {
        (changed.path, j.test.key): Removal(j.test.name, changed.old_path or changed.path)
        for changed, tests in judged
        for j in tests
    }
    names = [r.name for r in removals.values()] + [
        name
        for changed, _ in judged
        if changed.status is FileStatus.REMOVED
        for name in (PurePosixPath(changed.path).name, PurePosixPath(changed.path).stem)
    ]
    explanations = Explanations(description, names)
    said = explanations.explained(list(removals.values()))
    marked = []
    for changed, tests in judged:
        tests = [
            Judged(j.test, "explained")
            if j.fate == "lost" and removals[changed.path, j.test.key] in said
            else j
            for j in tests
        ]
        whole = changed.status is FileStatus.REMOVED and explanations.file(changed.path)
        marked.append((changed, tests, whole))
    return marked


def check_removed_assertions(snap: Snapshot) -> list[Finding]:
    """Flag a test that stays but asserts less: it still passes, and checks less than it did.

    Assertions are syntax nodes, and a helper the test calls asserts for it; an assertion that
    moves to another test of the change, or that checked code the change retires, is not lost.
    """
    view = _view(snap)
    moved = list(view.added_assertions)
    findings: list[Finding] = []
    for side in view.test_files:
        changed = side.changed
        if changed.status not in {FileStatus.MODIFIED, FileStatus.RENAMED}:
            continue
        if not is_test_file(changed.path) or language(changed.path) is None:
            continue
        base, head = view.suite(side, "base"), view.suite(side, "head")
        if base is None or head is None:
            findings.extend(
                weakened(changed.path, *weak) for weak in fallback.weakened(snap, changed)
            )
            continue
        findings.extend(view.weakened(side, base, head, moved))
    return findings


# One view per snapshot, shared by both checks: each test file is read into a suite once.
_VIEWS: WeakKeyDictionary[Snapshot, _View] = WeakKeyDictionary()


def _view(snap: Snapshot) -> _View:
    view = _VIEWS.get(snap)
    if view is None:
        view = _VIEWS[snap] = _View(snap)
    return view


@dataclass(frozen=True)
class _Added:
    """An assertion the change adds: where, what it says and checks, and whether its test is new."""

    path: str
    text: str
    subject: str
    new_test: bool


def _moved(pool: list[_Added], path: str, lost: Assertion) -> bool:
    """Match a removed assertion with one the change adds, and use that one up."""
    found = next((a for a in pool if a.text == lost.text), None) or next(
        (a for a in pool if a.new_test and a.path == path and a.subject == lost.subject), None
    )
    if found is not None:
        pool.remove(found)
    return found is not None


class _View:
    """What every judgement of one change shares: its tests, their replacements, retired code."""

    def __init__(self, snap: Snapshot) -> None:
        # Every path the change touches, generated ones too (an updated snapshot is one).
        self.paths = frozenset(changed.path for changed in snap.whole.files)
        kept = {changed.path for changed in snap.change.files if not changed.binary}
        self.files = [f for f in snap.files if f.path in kept]
        self.test_files = [f for f in self.files if _test_side(f.changed)]
        self.production = any(is_production(f.path) for f in self.files)
        self._gone: dict[str, list[Test]] = {}  # each test file's removed tests, by path

    @cached_property
    def retired(self) -> Retired:
        shipped = [f for f in self.files if _ships(f.path) or _schema(f.path)]
        found = retired((f.changed, f.before, f.after) for f in shipped)
        # A name a .proto file newly reserves is retired however other code still spells it
        # (a `displayTime` the web client computes from the fields that remain).
        reserved = {
            name
            for f in shipped
            if _schema(f.path)
            for name in _reserved(f.after.text) - _reserved(f.before.text)
        }
        return found.with_names(reserved) if reserved else found

    @cached_property
    def deleted_routes(self) -> routes.Deleted:
        """The route paths the change's production code stops declaring (`routes`)."""
        return routes.Deleted.of(
            (f.before.text, "" if f.changed.status is FileStatus.REMOVED else f.after.text)
            for f in self.files
            if is_production(f.path)
        )

    @cached_property
    def unshown(self) -> labels.Unshown:
        """The labels the change's templates stop showing (`labels`)."""
        return labels.Unshown.of(
            (f.path, f.before.text, "" if f.changed.status is FileStatus.REMOVED else f.after.text)
            for f in self.files
            if _ships(f.path)
        )

    @cached_property
    def stopped(self) -> Stopped:
        """The key-value pairs the change's production code and templates stop writing."""
        return Stopped(
            (f.changed, "" if f.changed.status is FileStatus.REMOVED else f.after.text)
            for f in self.files
            if _ships(f.path)
        )

    @cached_property
    def _moves(self) -> list[moves.Move]:
        return moves.moves(f.changed for f in self.files if _ships(f.path))

    def _moved_tests(self, path: str) -> list[Test]:
        """The tests of new test files for the modules a test file's module moved code to."""
        targets = [m.target for m in self._moves if named_after(path, m.source)]
        return [
            test
            for side in self.test_files
            if side.changed.status is FileStatus.ADDED
            and any(named_after(side.path, target) for target in targets)
            for test in self._new.get(side.path, [])
        ]

    @cached_property
    def _suites(self) -> dict[tuple[str, str], Suite | None]:
        found: dict[tuple[str, str], Suite | None] = {}
        for side in self.test_files:
            for at in ("base", "head"):
                found[side.path, at] = read(_side(side, at))
        return found

    def suite(self, side: FileChange, at: str) -> Suite | None:
        return self._suites[side.path, at]

    @cached_property
    def _new(self) -> dict[str, list[Test]]:
        """Each changed test file's tests the base did not have: where moved tests land."""
        found: dict[str, list[Test]] = {}
        for side in self.test_files:
            if side.changed.status is FileStatus.REMOVED:
                continue
            head, base = self.suite(side, "head"), self.suite(side, "base")
            if head is None:
                found[side.path] = from_lines(side.path, side.changed.added)
                continue
            old = Counter(t.key for t in base.tests) if base else Counter[str]()
            found[side.path] = [t for t in head.tests if not _take(old, t.key)]
        return found

    @cached_property
    def balance(self) -> Balance:
        """How many tests the change adds and removes, over every test file it touches."""
        removed = sum(
            len(self.gone(side))
            for side in self.test_files
            if side.changed.status is not FileStatus.ADDED
            and is_test_file(side.changed.old_path or side.path)
        )
        return Balance(sum(self._added_to(side) for side in self.test_files), removed)

    def _added_to(self, side: FileChange) -> int:
        """How many tests the change adds to a file. Without a head tree (Java, a side that does
        not parse), the test headers of its added lines less those of its removed lines: a file
        re-indented re-adds every header it removes, and adds no test."""
        if side.changed.status is FileStatus.REMOVED:
            return 0
        if self.suite(side, "head") is not None:
            return len(self._new.get(side.path, []))
        changed = side.changed
        added = len(from_lines(side.path, changed.added))
        return max(0, added - len(from_lines(side.path, changed.removed)))

    @cached_property
    def new_names(self) -> Counter[str]:
        """How many new tests of each (folded) name the change adds, anywhere."""
        return Counter(_key(t.name) for tests in self._new.values() for t in tests)

    @cached_property
    def added_assertions(self) -> list[_Added]:
        """Assertions the change adds to any test, each as often as it is added: one removed
        elsewhere may have moved there, once."""
        found: list[_Added] = []
        for side in self.test_files:
            head, base = self.suite(side, "head"), self.suite(side, "base")
            if head is None:
                continue
            before = {t.key: _asserted(t) for t in base.tests} if base else {}
            for test in head.tests:
                had = before.get(test.key)
                left = Counter(had) if had is not None else Counter[str]()
                found += [
                    _Added(side.path, a.text, a.subject, had is None)
                    for a in test.assertions
                    if not _take(left, a.text)
                ]
        return found

    @cached_property
    def _helpers(self) -> dict[str, dict[str, int]]:
        """Asserting helpers defined in the change's non-production files, by side."""
        helpers: dict[str, dict[str, int]] = {"base": {}, "head": {}}
        for at, suite in self._support:
            helpers[at].update(suite.helpers)
        return helpers

    @cached_property
    def _rewritten_helpers(self) -> frozenset[str]:
        """Asserting helpers the change adds or rewrites: checks a test drops may live there now."""
        bodies = self._bodies
        return frozenset(
            name
            for name, body in bodies["head"].items()
            if self._helpers["head"].get(name)
            and normalise(bodies["base"].get(name, "")) != normalise(body)
        )

    @cached_property
    def _bodies(self) -> dict[str, dict[str, str]]:
        """The source of every helper of the change's non-production files, by side and name."""
        bodies: dict[str, dict[str, str]] = {"base": {}, "head": {}}
        for at, suite in self._support:
            bodies[at].update(suite.bodies)
        return bodies

    def _with_deleted_helpers(self, test: Test) -> str:
        """Return a test's source with that of the helpers it calls that the change deletes.

        A helper deleted with a test (`with_v2_flag_enabled`, a fixture) is part of it: when
        the helper used code the change retires, the test tested that code too.
        """
        bodies = self._bodies
        seen: set[str] = set()
        calls = list(test.calls)
        texts = [test.body]
        while calls:
            name = calls.pop()
            source = bodies["base"].get(name)
            if name in seen or source is None or name in bodies["head"]:
                continue
            seen.add(name)
            texts.append(source)
            calls.extend(_TOKEN_CALLS.findall(source))
        return "\n".join(texts)

    @cached_property
    def _support(self) -> list[tuple[str, Suite]]:
        """Both sides of every changed test, fixture or helper file, read as trees."""
        found = []
        for side in self.files:
            if is_production(side.path):
                continue
            for at in ("base", "head"):
                suite = self._suites.get((side.path, at)) or read(_side(side, at))
                if suite is not None:
                    found.append((at, suite))
        return found

    def gone(self, side: FileChange) -> list[Test]:
        """Return the tests of a file's base that its head no longer has (worked out once per
        file: the check and the change's balance both ask)."""
        if side.path not in self._gone:
            self._gone[side.path] = self._base_only(side)
        return self._gone[side.path]

    def _base_only(self, side: FileChange) -> list[Test]:
        changed = side.changed
        base = self.suite(side, "base")
        head = Suite(()) if changed.status is FileStatus.REMOVED else self.suite(side, "head")
        if base is None or head is None:
            return fallback.gone(side)
        left = Counter(t.key for t in head.tests)
        return [t for t in base.tests if not _take(left, t.key)]

    def judge(self, side: FileChange, gone: list[Test], pool: Counter[str]) -> list[Judged]:
        """Tell for each removed test whether it was replaced, retired with its code, or lost.

        `pool` holds the new tests' names not yet taken: each stands in for one removed test.
        """
        path = side.changed.old_path or side.path
        base = self.suite(side, "base")
        imports = base.imports if base else frozenset()
        linked = self.retired.linked(path, _side(side, "base").text, imports)
        whole_file = self.retired.file_retired(path, imports)
        head_text = _side(side, "head").text
        base_text = _side(side, "base").text or ""
        still_driven = labels.driven(head_text or "")
        kept = folded(head_text or "\n".join(line.text for line in side.changed.added))
        same_file = self._same_file(side)
        pools = [tokens(t.body) for tests in self._new.values() for t in tests]
        pools += [tokens(t.body) for t in same_file]
        pools += [_union(tests) for tests in self._new.values()]
        documents = [tokens(t.body) for t in (base.tests if base else gone)]
        weights = Weights(documents + pools)
        rewritten = self._rewritten(side, gone, documents, weights)
        named = self._named(gone, pool, weights)
        replaced = [
            named[index]
            or similarity.best_match(tokens(test.body), pools, weights) >= similarity.SAME_BODY
            or index in rewritten
            or self._merged(test)
            for index, test in enumerate(gone)
        ]
        carried = self._ported(
            [t for t, done in zip(gone, replaced, strict=True) if not done], gone
        )
        judged = []
        for index, test in enumerate(gone):
            if replaced[index] or test.key in carried:
                fate = "replaced"
            elif (
                whole_file
                or self.retired.covers(
                    self._with_deleted_helpers(test), test.name, path, linked, kept
                )
                or self.unshown.retires(test.body, base_text, still_driven)
            ):
                fate = "retired"
            else:
                fate = "lost"
            judged.append(Judged(test, fate))
        return self._with_their_helpers(judged)

    def _with_their_helpers(self, judged: list[Judged]) -> list[Judged]:
        """Retire the tests of a helper deleted with them when most of its tests are retired.

        Tests that all go through one helper the change deletes (`one_result(sql)`, run against
        the database being replaced) are one suite of that helper: when most of them went with
        the code they tested, the helper served that code, and its last few tests go too.
        """
        bodies = self._bodies
        deleted = set(bodies["base"]) - set(bodies["head"])
        retired_helpers = set()
        for helper in deleted:
            users = [j.fate for j in judged if helper in j.test.calls]
            retired = users.count("retired")
            if retired >= HELPER_SUITE and retired >= users.count("lost"):
                retired_helpers.add(helper)
        if not retired_helpers:
            return judged
        return [
            Judged(j.test, "retired")
            if j.fate == "lost" and not retired_helpers.isdisjoint(j.test.calls)
            else j
            for j in judged
        ]

    @cached_property
    def _new_by_name(self) -> dict[str, list[frozenset[str]]]:
        """The bodies of the change's new tests, by folded name."""
        found: dict[str, list[frozenset[str]]] = {}
        for tests in self._new.values():
            for test in tests:
                found.setdefault(_key(test.name), []).append(tokens(test.body))
        return found

    def _named(self, gone: list[Test], pool: Counter[str], weights: Weights) -> list[bool]:
        """Tell for each removed test whether a new test of its name is left to stand for it.

        Two removed tests of one name (from two suites) and one new test of it: the name goes
        to the one whose body the new test holds most, not to the first.
        """
        bodies = self._new_by_name

        def held(test: Test) -> float:
            body = tokens(test.body)
            return max(
                (weights.containment(body, b) for b in bodies.get(_key(test.name), [])), default=0.0
            )

        order = sorted(range(len(gone)), key=lambda index: -held(gone[index]))
        taken = {index: _take(pool, _key(gone[index].name)) for index in order}
        return [taken[index] for index in range(len(gone))]

    def _ported(self, left: list[Test], gone: list[Test]) -> frozenset[str]:
        """Return the keys of the removed tests left unmatched that a new test ports.

        A new test named as a removed test of the file is that test's, not a candidate; but
        for another removed test of that name (two suites' tests of one name, ported as one).
        """
        if not left:
            return frozenset()
        names = {_key(t.name) for t in gone} - {_key(t.name) for t in left}
        added = [t for tests in self._new.values() for t in tests if _key(t.name) not in names]
        bodies = [tokens(t.body) for t in added]
        weights = Weights([tokens(t.body) for t in gone] + bodies)
        found = ported.ported(
            [(t.key, tokens(t.body)) for t in left],
            [(t.key, body) for t, body in zip(added, bodies, strict=True)],
            weights,
        )
        return frozenset(left[index].key for index in found)

    @cached_property
    def _new_checks(self) -> frozenset[str]:
        """Every assertion the change's new tests make, formatting aside."""
        return frozenset(
            _check(a.text) for tests in self._new.values() for t in tests for a in t.assertions
        )

    def _merged(self, test: Test) -> bool:
        """Tell whether a removed test's checks all reappear in tests the change adds.

        Tests merged into one (`/info with existing gem` and `/info has surrogate key header`
        into `/info serves current format`) keep every check they made, though no single body
        is much like theirs; one check alone (`assert_response :success`) says too little.
        """
        checks = {_check(a.text) for a in test.assertions}
        return len(checks) >= MERGED_CHECKS and checks <= self._new_checks

    def _rewritten(
        self, side: FileChange, gone: list[Test], documents: list[frozenset[str]], weights: Weights
    ) -> frozenset[int]:
        """Return the removed tests (by index) that the change rewrites rather than drops.

        Edited where they stood (alone, or a run renamed in order), rewritten into a new test
        anywhere (`twins`), moved with their code to a new module's test file, or covered by a
        kept test that compares a snapshot the change updates.
        """
        path = side.changed.old_path or side.path
        base, head = self.suite(side, "base"), self.suite(side, "head")
        in_place = rewrites.slots(base, head, gone) if base and head else {}
        in_order = rewrites.renamed_in_order(base, head, gone) if base and head else frozenset()
        # Each test counted once: the pools of `judge` hold new tests twice (and their unions).
        added = [tokens(t.body) for tests in self._new.values() for t in tests]
        once = Weights(documents + added)
        bodies = [tokens(t.body) for t in gone]
        found = set(similarity.twins(bodies, added, once))
        followed = [tokens(t.body) for t in self._moved_tests(path)]
        snapshot = base and head and snapshots.updated_snapshots(path, self.paths)
        for index, test in enumerate(gone):
            body = bodies[index]
            if (
                test.key in in_order
                or any(
                    similarity.edited(
                        test.name, new.name, weights.containment(body, tokens(new.body))
                    )
                    for new in in_place.get(test.key, [])
                )
                or any(
                    max(once.containment(body, c), once.containment(c, body)) >= moves.MOVED_MATCH
                    for c in followed
                )
                or (snapshot and base and head and snapshots.covered(test, base, head))
            ):
                found.add(index)
        return frozenset(found)

    def weakened(
        self, side: FileChange, base: Suite, head: Suite, moved: list[_Added]
    ) -> Iterable[Finding]:
        """Report each test of a file that stays but asserts less, counting helpers' checks.

        `moved` holds the assertions added in the change not yet matched to a removed one: the
        same assertion anywhere, or one on the same subject in a new test of this file (a test
        split in two), takes over one removed check.
        """
        changed = side.changed
        removed = {line.number: line for line in changed.removed}
        after = {t.key: t for t in head.tests}
        base_helpers = {**self._helpers["base"], **base.helpers}
        head_helpers = {**self._helpers["head"], **head.helpers}
        linked: list[Module] | None = None
        kept = folded(side.after.text or "")
        for test in base.tests:
            new = after.get(test.key)
            if new is None:
                continue
            old_count, new_count = count(test, base_helpers), count(new, head_helpers)
            new_count += self._guarded(test, new, head_helpers, head.bodies)
            if new_count >= old_count or not self._rewritten_helpers.isdisjoint(new.calls):
                continue
            left = Counter(a.text for a in new.assertions)
            lost = [a for a in test.assertions if not _take(left, a.text)]
            if linked is None:
                linked = self.retired.linked(
                    changed.old_path or changed.path, side.before.text, base.imports
                )
            gone = _absent_now(new, test)
            had = {a.text for a in test.assertions}
            written = [a.text for a in new.assertions if a.text not in had]
            pictured = {
                _root(a.subject)
                for a in new.assertions
                if a.text not in had and _SNAP.search(a.text)
            }
            wholes = [
                a.subject for a in new.assertions if a.text not in had and _WHOLE.search(a.text)
            ]
            now = [a.text for a in new.assertions]
            # Checks one equality check of the test now makes together (`status` and `data` as
            # `expect({ status, data }).toEqual(...)`): that check stands in for them.
            together = [a for a in lost if _compared_together(a, new)]
            stand_ins = [
                w
                for w in new.assertions
                if w.text not in had and any(_covers(w, a) for a in together)
            ]
            unexplained = [
                a
                for a in lost
                if a not in together
                and not _moved(moved, side.path, a)
                and not (a.line in removed and _compared_whole(removed[a.line].text, wholes))
                and _root(a.subject) not in pictured
                and not (gone and not gone.isdisjoint(_LITERAL.findall(a.text)))
                and not self.retired.superseded(a.text, written, linked)
                and not self.retired.covers(
                    _removed_with(a, test, removed), "", changed.path, linked, kept
                )
                and not lengths.implied(_as_written(a, test, removed), now, new.body)
                and not lookups.implied(a.text, test.body, new.body)
                and not self.deleted_routes.requested(_removed_with(a, test, removed))
            ]
            # Checks of a field or value the production code stops writing went with it.
            went = [
                (a, pair)
                for a in unexplained
                if a.line in removed and (pair := self.stopped.checked_by(a.text))
            ]
            unexplained = [a for a in unexplained if all(a is not w for w, _ in went)]
            # A new check standing in for lost ones is no check added: it counts once, as them.
            net = old_count - new_count - (len(lost) - len(unexplained))
            net += len(stand_ins)
            edited = _edited_in_place(lost, left)
            dropped = [a for a in unexplained if a not in edited] or unexplained
            where = [removed[a.line] for a in dropped if a.line in removed] or [
                removed[n] for n in range(test.start, test.end + 1) if n in removed
            ]
            if net > 0 and where:
                yield weakened(changed.path, test.name, where[0], new_count, net)
            elif went:
                first, pair = went[0]
                yield went_with(changed.path, test.name, removed[first.line], pair)

    def _guarded(
        self, old: Test, new: Test, helpers: dict[str, int], bodies: Mapping[str, str]
    ) -> int:
        """Count the helpers a test newly calls that throw when what they fetch is missing.

        Checks moved into a helper that retries a request and throws when it fails
        (`getEmailAccount(page)`) hold as well as the test's own `expect`s did: each such
        helper, with no assertion of its own, counts as one check. A helper that only fetches,
        throwing nothing, counts as none.
        """
        sources = {**self._bodies["head"], **bodies}
        return sum(
            1
            for name in set(new.calls) - set(old.calls)
            if not helpers.get(name) and _throws(name, sources)
        )

    def _same_file(self, side: FileChange) -> list[Test]:
        if side.changed.status is FileStatus.REMOVED:
            return []
        head = self.suite(side, "head")
        return list(head.tests) if head else from_lines(side.path, side.changed.added)


def _throws(name: str, sources: Mapping[str, str]) -> bool:
    """Tell whether a helper, or one it calls a few calls deep, throws or fails the test."""
    seen: set[str] = set()
    calls = [name]
    while calls and len(seen) < THROW_READS:
        callee = calls.pop()
        source = sources.get(callee)
        if callee in seen or source is None:
            continue
        seen.add(callee)
        code = _LITERAL.sub('""', source)
        if _THROW.search(code):
            return True
        calls.extend(n for n in _TOKEN_CALLS.findall(code) if n in sources)
    return False


def _ships(path: str) -> bool:
    """Tell whether a file is production code or a template: what retired code is read from."""
    suffix = paths.suffix(path)
    code = suffix in CODE_SUFFIXES or suffix in TEMPLATE_SUFFIXES
    return code and paths.is_production(path) and not is_test_file(path)


def _schema(path: str) -> bool:
    return paths.suffix(path) in SCHEMA_SUFFIXES and paths.is_production(path)


def _reserved(text: str | None) -> frozenset[str]:
    """Return the field names a protobuf file reserves (`reserved "display_time";`)."""
    return frozenset(
        name
        for statement in _RESERVED.findall(text or "")
        for name in re.findall(r"\"(\w+)\"|'(\w+)'", statement)
        for name in name
        if name
    )


def _test_side(changed: ChangedFile) -> bool:
    return is_test_file(changed.old_path or changed.path) or is_test_file(changed.path)


def _side(side: FileChange, at: str) -> Source:
    """Return one side of a file; a deleted or added file's diff shows that side whole."""
    changed = side.changed
    source = side.before if at == "base" else side.after
    if source.text is not None or changed.patch_missing:
        return source
    if at == "base" and changed.status is FileStatus.REMOVED:
        return Source(source.path, "\n".join(line.text for line in changed.removed))
    if at == "head" and changed.status is FileStatus.ADDED:
        return Source(source.path, "\n".join(line.text for line in changed.added))
    return source


def _removed_with(lost: Assertion, test: Test, removed: dict[int, Line]) -> str:
    """Return an assertion with the removed lines around it: the steps it checked went too.

    A check removed in one piece with the call it checked (`resolveShortcuts(...)` then the
    wait for it; a request sending a field, then the checks of its answer) goes with that
    call's code when the change retires it.
    """
    if lost.line not in removed:
        return lost.text
    first = last = lost.line
    while first - 1 >= test.start and first - 1 in removed:
        first -= 1
    while last + 1 <= test.end and last + 1 in removed:
        last += 1
    return "\n".join([lost.text, *(removed[n].text for n in range(first, last + 1))])


def _as_written(lost: Assertion, test: Test, removed: dict[int, Line]) -> str:
    """Return a removed check as written, over the removed lines it spans (its text from the
    tree has no whitespace left, which runs Ruby's `assert_equal expected.size` together)."""
    texts: list[str] = []
    number = lost.line
    while number in removed and number <= test.end:
        texts.append(removed[number].text)
        if len(normalise("".join(texts))) >= len(lost.text):
            break
        number += 1
    return "\n".join(texts) or lost.text


def _compared_whole(lost: str, wholes: list[str]) -> bool:
    """Tell whether a new check compares the whole value a removed check looked into.

    `assert "results" in data` and `assert len(data["results"]) == 1` give way to
    `assert data["results"] == [{...}]`: the new check's subject starts where the old one's did
    and names nothing the old one did not.
    """
    root = _checked_root(lost)
    names = frozenset(_NAME.findall(lost))
    return root is not None and any(
        _checked_root(whole) == root and frozenset(_NAME.findall(whole)) <= names
        for whole in wholes
    )


def _compared_together(lost: Assertion, new: Test) -> bool:
    """Tell whether an equality check of the test as it now stands compares whole the value a
    removed check checked, or a value it is part of (`compared`)."""
    return any(_covers(check, lost) for check in new.assertions)


def _covers(check: Assertion, lost: Assertion) -> bool:
    return any(compared.part_of(lost.value, whole) for whole in check.compared)


def _checked_root(text: str) -> str | None:
    """Name the first variable a check reads, past `assert`, `expect(`, `len(` and strings."""
    code = _LITERAL.sub(" ", text)
    for found in _NAME.finditer(code):
        name = found.group()
        if name in _NOT_SUBJECTS or code[found.end() : found.end() + 1] == "(":
            continue
        return name
    return None


def _edited_in_place(lost: list[Assertion], written: Counter[str]) -> list[Assertion]:
    """Return the lost assertions that an added one making the same check with other values
    replaces (`assert_equal 5, total(a)` now `assert_equal 7, total(a)`): edited, not dropped.

    `written` holds the test's new assertions not matched to an old one; each is the edit of
    the most alike lost one of its shape. The count of what a test asserts already sees an edit
    as none lost: this tells which removed line to point at.
    """
    left = list(lost)
    edited = []
    for text in written.elements():
        shape = _VALUES.sub("", text)
        alike = [a for a in left if _VALUES.sub("", a.text) == shape]
        if alike:
            best = max(alike, key=lambda a: SequenceMatcher(None, a.text, text).ratio())
            left.remove(best)
            edited.append(best)
    return edited


def _check(text: str) -> str:
    """Key an assertion by what it checks: `assert_equal(a, b)` is `assert_equal a, b`."""
    return _PARENS.sub("", text)


def _absent_now(new: Test, old: Test) -> frozenset[str]:
    """Return the string literals of the absence checks a test gains (`assert_nil get("k")`).

    A test that now asserts a thing is gone (a file no longer uploaded, a key no longer set)
    has no use for its old checks of that thing's content: those name the same literal.
    """
    had = {a.text for a in old.assertions}
    return frozenset(
        literal
        for a in new.assertions
        if a.text not in had and _ABSENCE.search(a.text)
        for literal in _LITERAL.findall(a.text)
    )


def _root(subject: str) -> str:
    """Name the object an assertion checks: `expect(wrapper.find("h1"))` -> wrapper."""
    found = _ROOT.match(subject)
    return found.group(1) if found else subject


def _asserted(test: Test) -> Counter[str]:
    return Counter(a.text for a in test.assertions)


def _union(tests: list[Test]) -> frozenset[str]:
    """Return the tokens of several tests together: where one test was split into several."""
    return frozenset().union(*(tokens(t.body) for t in tests))


@lru_cache(maxsize=1 << 14)
def _key(name: str) -> str:
    """Fold a test's name so re-casing, re-punctuating it (a hyphen set as an en dash) or
    re-spelling its route's parameters (`/:id` as `/{id}`) keeps it the same test (cached:
    each name is folded again for every file judged)."""
    return "".join(ch for ch in rewrites.unparametrised(name.lower()) if ch.isalnum() or ch in "{}")


def _take(pool: Counter[str], name: str) -> bool:
    """Use up one entry of this name, if any: it stands for one test."""
    if pool[name] <= 0:
        return False
    pool[name] -= 1
    return True


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        DELETED,
        Severity.ERROR,
        "Test file deleted while its tests re-appear nowhere in the change (by name or body, "
        "or ported to another runner under a retouched name) "
        "and the code they tested stays: an error when production code changes too, a warning "
        "otherwise, a notice when that code goes with them or when the pull request's title, "
        "body or a commit message says the file or its tests are removed or obsolete, naming "
        "them.",
        "Restore the tests, move them where they belong, delete them with the code they test, "
        "or say in the pull request (its description or a commit message) that they are "
        "obsolete, naming the file or its tests.",
        TEST_LANGUAGES,
        why="A deleted test file takes the whole suite's checks of that code with it: CI stays "
        "green while nothing verifies the behaviour any more, and the next regression ships.",
        flagged=Example(
            title="The Go tests are deleted while Total() changes",
            base=(*POLYGLOT_STACK,),
            head=(
                (
                    "cart/cart.go",
                    """\
package cart

type Item struct {
	Price    int
	Quantity int
}

func Total(items []Item) int {
	sum := 1
	for _, item := range items {
		sum += item.Price * item.Quantity
	}
	return sum
}
""",
                ),
                ("cart/cart_test.go", None),
            ),
        ),
        quiet=Example(
            title="A test module is renamed with the same content",
            base=(*PYTHON_STACK,),
            head=(
                (
                    "tests/test_invoice_numbers.py",
                    """\
from app.invoices import number


def test_number_is_padded():
    assert number(42) == "INV-000042"
""",
                ),
                ("tests/test_invoices.py", None),
            ),
        ),
    ),
    Rule(
        REMOVED,
        Severity.WARNING,
        "Test removed with no test of its name or body left in the change (renamed, moved, "
        "split, merged, rewritten in place or into a new file, ported to another runner under "
        "a retouched name, or moved with its code to a new module's tests) while the code it "
        "tested stays and no kept test of an updated snapshot covers it; a notice when the "
        "change adds at least as many tests as it removes, or when the pull request's title, "
        "body or a commit message says the test is removed or obsolete, naming it (a "
        "distinctive word of its name, or the name itself).",
        "Keep the test, or say in the pull request (its description or a commit message) why "
        "it is obsolete, naming it: `Remove the no longer applicable proxy header test`.",
        TEST_LANGUAGES,
        why="Each test pins one behaviour; removing it while the code stays means a later change "
        "can break that behaviour and CI will not notice.",
        flagged=Example(
            title="The same contract test goes, but the snapshot is not updated in the change; nothing shows the whole schema is still compared",  # noqa: E501
            base=(
                ("api/__init__.py", ""),
                (
                    "api/schema.py",
                    """\
ROUTES = {"/orders/": {"get": {"security": [{"bearer": []}, {}]}}}


def openapi_schema():
    return {"openapi": "3.1.0", "paths": ROUTES}
""",
                ),
                (
                    "api/tests/snapshots/schema.json",
                    """\
{"openapi": "3.1.0", "paths": {"/orders/": {"get": {"security": [{"bearer": []}, {}]}}}}
""",
                ),
                (
                    "api/tests/test_schema.py",
                    """\
import json
from pathlib import Path

from api.schema import openapi_schema

SNAPSHOT = Path(__file__).parent / "snapshots" / "schema.json"


def test_orders_may_be_read_anonymously():
    security = openapi_schema()["paths"]["/orders/"]["get"]["security"]
    assert {} in security


def test_schema_matches_snapshot():
    assert openapi_schema() == json.loads(SNAPSHOT.read_text())
""",
                ),
            ),
            head=(
                (
                    "api/schema.py",
                    """\
ROUTES = {"/orders/": {"get": {"security": [{"bearer": []}]}}}


def openapi_schema():
    return {"openapi": "3.1.0", "paths": ROUTES}
""",
                ),
                (
                    "api/tests/test_schema.py",
                    """\
import json
from pathlib import Path

from api.schema import openapi_schema

SNAPSHOT = Path(__file__).parent / "snapshots" / "schema.json"


def test_schema_matches_snapshot():
    assert openapi_schema() == json.loads(SNAPSHOT.read_text())
""",
                ),
            ),
        ),
        quiet=Example(
            title="A JUnit test is renamed over the same body",
            base=(*POLYGLOT_STACK,),
            head=(
                (
                    "src/test/java/shop/CartTest.java",
                    """\
package shop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CartTest {
    @Test
    void multipliesPriceByQuantity() {
        assertEquals(6, new Cart().total(2, 3));
    }

    @Test
    void zeroQuantityCostsNothing() {
        assertEquals(0, new Cart().total(2, 0));
    }
}
""",
                ),
            ),
        ),
    ),
    Rule(
        ASSERTION,
        Severity.WARNING,
        "Assertion removed from a test that stays (counted as syntax nodes, helpers included) "
        "that moved nowhere in the change and checked code that stays (not a field the change "
        "replaces, nor a thing the test now asserts is absent or compares whole with a snapshot "
        "or, with others, in one equality check, nor a length of a value the test still compares "
        "whole); a notice when the change's production code stops writing the field or value it "
        "checked (a key set to a value of several words, or to a path: not a single word).",
        "Keep the check, or replace it with a better one.",
        TEST_LANGUAGES,
        why="A test that keeps running with fewer assertions still passes, so the suite looks as "
        "strong as before while checking less.",
        flagged=Example(
            title="One of two expectations of a jest test is dropped",
            base=(*JAVASCRIPT_STACK,),
            head=(
                (
                    "src/cart.test.js",
                    """\
import { isEmpty, total } from './cart';

describe('cart', () => {
  it('adds up prices times quantities', () => {
    expect(total([{ price: 2, quantity: 3 }])).toBe(6);
  });

  it('is empty without items', () => {
    expect(isEmpty([])).toBe(true);
  });

  test('is zero when empty', () => {
    expect(total([])).toBe(0);
  });
});
""",
                ),
            ),
        ),
        quiet=Example(
            title="A formatter joins each expect chain onto one line; no assertion is removed",
            base=(
                *POLYGLOT_STACK,
                (
                    "spec/models/user_spec.rb",
                    """\
require "rails_helper"

RSpec.describe User do
  it "falls back to the email for its name" do
    user = User.new(email: "a@example.com")
    expect(user.display_name)
      .to eq("a@example.com")
  end
end
""",
                ),
            ),
            head=(
                (
                    "spec/models/user_spec.rb",
                    """\
require "rails_helper"

RSpec.describe User do
  it "falls back to the email for its name" do
    user = User.new(email: "a@example.com")
    expect(user.display_name).to eq("a@example.com")
  end
end
""",
                ),
            ),
        ),
    ),
)
CHECKS = {
    check_removed_tests: (DELETED, REMOVED),
    check_removed_assertions: (ASSERTION,),
}
