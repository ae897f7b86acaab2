"""Precision and recall of the `data-layer` and `cliff` packs over a corpus of realistic changes.

Every case of tests/corpus/<pack>/*.yml is committed under a folder of its own in one git
repository, so the whole corpus costs one `git diff` and one snapshot; each pack's checks then
see one case at a time, with the folder stripped from the paths. A look-alike case (`expect: []`)
names in `quiet` the rules it imitates, chosen by reading it; none of them may fire on it, so
each rule's precision rests on cases written against it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.diff.model import Change
from bot.rules import cliff, data_layer
from bot.rules.model import Finding
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo
from tests.rules import declared
from tests.rules.anchor import line_of

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PACKS = {"data-layer": data_layer.PACK, "cliff": cliff.PACK}
# Floors ratchet: raise them when the packs get better, never lower them to make a change pass.
FLOORS = {
    "data-layer": {"precision": 1.0, "recall": 1.0},
    "cliff": {"precision": 1.0, "recall": 1.0},
}

Key = tuple[str, str, int, str]


@dataclass(frozen=True)
class Case:
    pack: str
    name: str
    prefix: str
    base: dict[str, str | None]
    head: dict[str, str | None]
    expect: tuple[dict[str, str], ...]
    quiet: tuple[str, ...] = ()

    def expected(self) -> set[Key]:
        """Resolve each expected finding's `at` text to its line number on its side."""
        keys = set()
        for item in self.expect:
            side = item.get("side", "RIGHT")
            files = self.head if side == "RIGHT" else self.base
            text = files.get(item["path"]) or self.base.get(item["path"]) or ""
            line = line_of(text, item["at"], self.name)
            keys.add((item["rule"], item["path"], line, side))
        return keys


def scoped_snapshot(whole: Snapshot, prefix: str) -> Snapshot:
    """One case's view of the shared repository's snapshot: its folder, as if at the root."""
    texts = {
        (path.removeprefix(prefix), at): text
        for (path, at), text in whole.texts.items()
        if path.startswith(prefix)
    }
    listings = {
        at: frozenset(p.removeprefix(prefix) for p in found if p.startswith(prefix))
        for at, found in whole.listings.items()
        if found is not None
    }
    return Snapshot(scoped(whole.whole, prefix), texts, listings)


@dataclass
class Score:
    found: int = 0
    expected: int = 0
    hits: int = 0

    @property
    def precision(self) -> float:
        return self.hits / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.hits / self.expected if self.expected else 1.0


def load() -> list[Case]:
    cases: list[Case] = []
    for pack in sorted(PACKS):
        for source in sorted((CORPUS / pack).glob("*.yml")):
            data: dict[str, Any] = yaml.safe_load(source.read_text(encoding="utf-8"))
            for raw in data["cases"]:
                prefix = f"c{len(cases):03d}/"  # neutral: paths are what the packs judge
                cases.append(
                    Case(
                        pack,
                        f"{source.stem}: {raw['name']}",
                        prefix,
                        raw.get("base") or {},
                        raw.get("head") or {},
                        tuple(raw.get("expect") or ()),
                        tuple(raw.get("quiet") or ()),
                    )
                )
    return cases


def scoped(change: Change, prefix: str) -> Change:
    """Keep one case's files, with its folder stripped from their paths."""
    return Change(
        tuple(
            replace(
                f,
                path=f.path.removeprefix(prefix),
                old_path=f.old_path.removeprefix(prefix) if f.old_path else None,
            )
            for f in change.files
            if f.path.startswith(prefix)
        )
    )


def prefixed(cases: list[Case], side: str) -> Iterator[tuple[str, str | None]]:
    for case in cases:
        for path, text in (case.base if side == "base" else case.head).items():
            yield case.prefix + path, text


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[Case, set[Key]]]]:
    """Run every case once; return each pack's cases with the findings the pack reported."""
    cases = load()
    repo = make_repo(
        tmp_path_factory.mktemp("corpus") / "r",
        base=dict(prefixed(cases, "base")),
        head=dict(prefixed(cases, "head")),
    )

    whole = asyncio.run(repo.snapshot())
    results: dict[str, list[tuple[Case, set[Key]]]] = {pack: [] for pack in PACKS}
    for case in cases:
        pack = PACKS[case.pack]
        snap = scoped_snapshot(whole, case.prefix)
        findings = declared.findings(pack, snap)
        results[case.pack].append((case, {_key(f) for f in findings}))
    return results


def _key(finding: Finding) -> Key:
    return (finding.rule, finding.path, finding.line, finding.side)


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_precision_and_recall_meet_the_floors(
    pack: str, outcomes: dict[str, list[tuple[Case, set[Key]]]]
) -> None:
    """Each pack finds what its corpus expects and nothing else, above the ratcheting floors."""
    score = Score()
    misses: list[str] = []
    for case, found in outcomes[pack]:
        expected = case.expected()
        score.found += len(found)
        score.expected += len(expected)
        score.hits += len(found & expected)
        misses += [f"{case.name}: missed {key}" for key in sorted(expected - found)]
        misses += [f"{case.name}: false alarm {key}" for key in sorted(found - expected)]
    report = (
        f"{pack}: precision {score.precision:.2f} ({score.hits}/{score.found}), recall "
        f"{score.recall:.2f} ({score.hits}/{score.expected}) over {len(outcomes[pack])} cases"
    )
    print(report)  # noqa: T201 - the measurement is the point; `pytest -s` shows it
    floor = FLOORS[pack]
    detail = "\n".join([report, *misses])
    assert score.precision >= floor["precision"], detail
    assert score.recall >= floor["recall"], detail


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_look_alike_names_rules_the_pack_declares(pack: str) -> None:
    """A case that expects nothing names the rules it imitates, all of them declared."""
    cases = [case for case in load() if case.pack == pack]
    untied = [case.name for case in cases if not case.expect and not case.quiet]
    named = [(c.name, rule) for c in cases for rule in [*c.quiet, *(e["rule"] for e in c.expect)]]
    unknown = [(name, rule) for name, rule in named if rule not in PACKS[pack].ids]
    contradictory = [c.name for c in cases if {e["rule"] for e in c.expect} & set(c.quiet)]
    assert untied == [], "look-alikes with no `quiet: [rule, ...]`"
    assert unknown == [], f"rule ids the {pack} pack does not declare"
    assert contradictory == [], "rules both expected and quiet in one case"


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_rule_has_a_positive_and_a_tied_negative(pack: str) -> None:
    """Each rule's recall and precision are measured on cases written for it, both ways."""
    cases = [case for case in load() if case.pack == pack]
    positive = {item["rule"] for case in cases for item in case.expect}
    negative = {rule for case in cases if not case.expect for rule in case.quiet}
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
def test_look_alikes_keep_their_rules_quiet(
    pack: str, outcomes: dict[str, list[tuple[Case, set[Key]]]]
) -> None:
    """No rule a case names as `quiet` fires on it."""
    loud = sorted(
        (case.name, key) for case, found in outcomes[pack] for key in found if key[0] in case.quiet
    )
    assert loud == []
