"""Measure the `tests` and `migrations` packs on the labelled corpus: precision and recall per pack.

Each case of tests/corpus/<pack>/ becomes a real pair of git commits (base and head, one orphan
branch per case, all written by one `git fast-import`); the pack's checks run with the
repository's contents, like `readiness scan --repo`. A look-alike case (no finding expected but
notices) names in `quiet` the rules it imitates, chosen by reading it; those rules must stay
below warning on it, so each rule's precision rests on cases written against it. An expected
finding names its line (`at`, on `side`): one on another line is a miss and a false alarm.
"""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.rules import migrations, tests
from bot.rules.model import Finding, Pack, Severity, finding
from bot.snapshot.model import Snapshot
from tests.gitrepo import Repo
from tests.rules import declared
from tests.rules.anchor import line_of

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PACKS = {"tests": tests.PACK, "migrations": migrations.PACK}
BARE_RECALL_FLOOR = 0.85
FLOORS = {"tests": (0.99, 0.99), "migrations": (0.95, 0.95)}  # (precision, recall), ratchet up
# Look-alikes on which a rule they name as `quiet` still warns or fails today: real false alarms,
# kept as cases and listed here until the rule is fixed (then the entry must go).
KNOWN_FALSE_ALARMS: set[tuple[str, str]] = set()  # look-alikes a rule still fires on

# (case, rule, path, line, side, severity); severity is None when the case does not pin it.
Label = tuple[str, str, str, int, str, str | None]


@dataclass(frozen=True)
class Score:
    expected: frozenset[Label]
    found: frozenset[Label]
    # Every case's findings by case name, for the checks on look-alikes.
    by_case: dict[str, list[Finding]] = field(default_factory=dict)

    @property
    def true_positives(self) -> int:
        return len(self.expected & self.found)

    @property
    def precision(self) -> float:
        return self.true_positives / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / len(self.expected) if self.expected else 1.0


def cases(pack: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((CORPUS / pack).glob("*.yml")):
        yield path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))


def positives(case: dict[str, Any]) -> set[str]:
    """The rules a case expects to warn or fail: an expected notice is no alarm."""
    return {e["rule"] for e in case.get("expect") or [] if e.get("severity") != "notice"}


def quiet(case: dict[str, Any]) -> list[str]:
    """The rules a look-alike case imitates and that must stay below warning on it."""
    return list(case.get("quiet") or [])


def files(pack: str, case: dict[str, Any]) -> tuple[dict[str, str], dict[str, str | None]]:
    """Return a case's base tree and head changes, applying its `edit` replacements."""
    base: dict[str, str] = {}
    if "stack" in case:
        stack = CORPUS / pack / "_stacks" / f"{case['stack']}.yml"
        base.update(yaml.safe_load(stack.read_text(encoding="utf-8")))
    base.update(case.get("base") or {})
    head: dict[str, str | None] = dict(case.get("head") or {})
    for path, replacements in (case.get("edit") or {}).items():
        text = base[path]
        for old, new in replacements:
            assert old in text, (path, old)
            text = text.replace(old, new, 1)
        head[path] = text
    return base, head


def build(
    root: Path, trees: list[tuple[Mapping[str, str], Mapping[str, str | None]]]
) -> list[Repo]:
    """Commit every case's base and head into one repository with a single `git fast-import`."""
    stream = bytearray()

    def data(text: str) -> None:
        raw = text.encode()
        stream.extend(b"data %d\n%s\n" % (len(raw), raw))

    for index, (base, head) in enumerate(trees):
        for mark, message, tree in ((2 * index + 1, "base", base), (2 * index + 2, "head", head)):
            stream.extend(f"commit refs/heads/case{index}\nmark :{mark}\n".encode())
            stream.extend(b"committer Dev <dev@example.com> 1793534400 +0000\n")
            data(message)
            stream.extend(b"deleteall\n" if message == "base" else f"from :{mark - 1}\n".encode())
            for path, content in tree.items():
                if content is None:
                    stream.extend(f"D {path}\n".encode())
                else:
                    stream.extend(f"M 100644 inline {path}\n".encode())
                    data(content)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    marks = root / "marks"
    subprocess.run(
        ["git", "fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=root,
        input=bytes(stream),
        check=True,
    )
    shas = dict(line.split() for line in marks.read_text().splitlines())
    return [Repo(root, shas[f":{2 * i + 1}"], shas[f":{2 * i + 2}"]) for i in range(len(trees))]


async def findings(repo: Repo, pack: Pack, bare: bool) -> list[Finding]:
    snap = await repo.snapshot()
    if bare:  # a `--diff` scan: nothing beyond the diff is known
        snap = Snapshot(snap.whole)
    return declared.findings(pack, snap)


def expected(
    name: str, case: dict[str, Any], base: Mapping[str, str], head: Mapping[str, str | None]
) -> set[Label]:
    """Resolve each expected finding's `at` to its line, in the head file or (LEFT) the base one."""
    resolved: set[Label] = set()
    for e in case.get("expect") or []:
        side = e.get("side", "RIGHT")
        text = base.get(e["path"]) if side == "LEFT" else head.get(e["path"], base.get(e["path"]))
        assert text is not None, f"{name}: {e['path']} has no {side} side"
        line = line_of(text, e["at"], name)
        resolved.add((name, e["rule"], e["path"], line, side, e.get("severity")))
    return resolved


def labels(name: str, found: list[Finding], labelled: set[Label]) -> set[Label]:
    """Label a case's findings; the severity counts only where the case pins it on that line."""
    pinned = {label[1:5] for label in labelled if label[5] is not None}
    found_labels: set[Label] = set()
    for f in found:
        severity = f.severity.value if (f.rule, f.path, f.line, f.side) in pinned else None
        found_labels.add((name, f.rule, f.path, f.line, f.side, severity))
    return found_labels


async def score(root: Path, pack: Pack, bare: bool = False) -> Score:
    loaded = list(cases(pack.id))
    trees = [files(pack.id, case) for _, case in loaded]
    wanted = [expected(*named, *tree) for named, tree in zip(loaded, trees, strict=True)]
    repos = build(root, trees)
    results = await asyncio.gather(*(findings(repo, pack, bare) for repo in repos))
    found = {
        label
        for (name, _), result, labelled in zip(loaded, results, wanted, strict=True)
        for label in labels(name, result, labelled)
    }
    by_case = {name: result for (name, _), result in zip(loaded, results, strict=True)}
    return Score(frozenset[Label]().union(*wanted), frozenset(found), by_case)


def test_a_finding_on_another_line_is_a_miss_and_a_false_alarm() -> None:
    """The right rule on the right file earns nothing on a line other than the one labelled."""
    path, rule = "db/migrations/V2__change.sql", "migrations/drop-column"
    head = {path: "ALTER TABLE accounts\n    ADD COLUMN tier text,\n    DROP COLUMN plan;\n"}
    case = {"expect": [{"rule": rule, "path": path, "at": "DROP COLUMN plan"}]}
    wanted = frozenset(expected("case", case, {}, head))

    def scored(line: int) -> Score:
        found = [finding(rule, path, line, Severity.ERROR, "drops a column", "DROP COLUMN plan")]
        return Score(wanted, frozenset(labels("case", found, set(wanted))))

    assert (scored(3).precision, scored(3).recall) == (1.0, 1.0)
    assert (scored(1).true_positives, scored(1).precision, scored(1).recall) == (0, 0.0, 0.0)


def test_an_at_on_several_lines_is_refused() -> None:
    """A label must name one line: text found on two lines of the file is an error in the case."""
    with pytest.raises(AssertionError, match="not on exactly one"):
        line_of("DROP COLUMN a;\nDROP COLUMN b;\n", "DROP COLUMN", "case")


@pytest.fixture(scope="module")
def scores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Score]:
    root = tmp_path_factory.mktemp("corpus")
    return {pack: asyncio.run(score(root / pack, PACKS[pack])) for pack in PACKS}


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_a_bare_diff_loses_recall_but_not_precision(
    pack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without the repository's contents, rules fall back to the diff and invent nothing."""
    result = asyncio.run(score(tmp_path, PACKS[pack], bare=True))
    with capsys.disabled():
        print(  # noqa: T201 - the measurement is the point of this test
            f"\n{pack} (bare diff): TP {result.true_positives}, "
            f"precision {result.precision:.3f}, recall {result.recall:.3f}"
        )
    assert result.precision >= FLOORS[pack][0], sorted(result.found - result.expected)
    assert result.recall >= BARE_RECALL_FLOOR, sorted(result.expected - result.found)


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_precision_and_recall_meet_the_floor(
    pack: str, scores: dict[str, Score], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each pack finds what the corpus labels and little else, above its ratcheted floor."""
    result = scores[pack]
    with capsys.disabled():
        print(  # noqa: T201 - the measurement is the point of this test
            f"\n{pack}: {len(list(cases(pack)))} cases, {len(result.expected)} labelled, "
            f"TP {result.true_positives}, precision {result.precision:.3f}, "
            f"recall {result.recall:.3f}"
        )
    missed = sorted(result.expected - result.found)
    extra = sorted(result.found - result.expected)
    precision_floor, recall_floor = FLOORS[pack]
    assert result.precision >= precision_floor, f"false positives: {extra}"
    assert result.recall >= recall_floor, f"missed: {missed}"


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_look_alike_names_rules_the_pack_declares(pack: str) -> None:
    """A case expecting no warning or error names the rules it imitates, all of them declared."""
    ids = PACKS[pack].ids
    untied = [name for name, case in cases(pack) if not positives(case) and not quiet(case)]
    named = [
        (name, rule)
        for name, case in cases(pack)
        for rule in [*quiet(case), *(e["rule"] for e in case.get("expect") or [])]
    ]
    unknown = [(name, rule) for name, rule in named if rule not in ids]
    contradictory = [
        (name, sorted(positives(case) & set(quiet(case))))
        for name, case in cases(pack)
        if positives(case) & set(quiet(case))
    ]
    assert untied == [], "look-alikes with no `quiet: [rule, ...]`"
    assert unknown == [], f"rule ids the {pack} pack does not declare"
    assert contradictory == [], "rules both expected and quiet in one case"


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_rule_has_a_positive_and_a_tied_negative(pack: str) -> None:
    """Each rule's recall and precision are measured on cases written for it, both ways."""
    loaded = [case for _, case in cases(pack)]
    positive = set().union(*(positives(case) for case in loaded))
    negative = {rule for case in loaded if not positives(case) for rule in quiet(case)}
    ids = PACKS[pack].ids
    assert sorted(ids - positive) == [], (
        f"rules with no case that expects them: add one to tests/corpus/{pack}/ (format: "
        "tests/corpus/README.md)"
    )
    assert sorted(ids - negative) == [], (
        f"rules with no look-alike case tied to them: add one with `quiet: [rule]` to "
        f"tests/corpus/{pack}/ (format: tests/corpus/README.md)"
    )


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_look_alikes_keep_their_rules_quiet(pack: str, scores: dict[str, Score]) -> None:
    """No rule a case names as `quiet` warns or fails on it (a notice the case expects is fine)."""
    loud = {
        (name, f.rule)
        for name, case in cases(pack)
        for f in scores[pack].by_case[name]
        if f.rule in quiet(case) and f.severity is not Severity.NOTICE
    }
    known = {(name, rule) for name, rule in KNOWN_FALSE_ALARMS if rule.startswith(f"{pack}/")}
    assert sorted(loud - known) == [], "look-alikes on which a rule they imitate warns or fails"
    assert sorted(known - loud) == [], "fixed: remove these from KNOWN_FALSE_ALARMS"
