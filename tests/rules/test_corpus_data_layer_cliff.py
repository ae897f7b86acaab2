"""Precision and recall of the `data-layer` and `cliff` packs over a corpus of realistic changes.

Every case of tests/corpus/<pack>/*.yml is committed under a folder of its own in one git
repository, so the whole corpus costs one `git diff` and one semgrep run; each pack's Python
checks then see one case at a time, with the folder stripped from the paths.
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
from bot.rules import cliff, data_layer, semgrep
from bot.rules.model import Contents, Finding, Ref, RuleContext
from bot.rules.registry import rules
from tests.gitrepo import make_repo

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

    def expected(self) -> set[Key]:
        """Resolve each expected finding's `at` text to its line number on its side."""
        keys = set()
        for item in self.expect:
            side = item.get("side", "RIGHT")
            files = self.head if side == "RIGHT" else self.base
            text = files.get(item["path"]) or self.base.get(item["path"]) or ""
            numbers = [n for n, t in enumerate(text.splitlines(), 1) if item["at"] in t]
            assert len(numbers) == 1, (self.name, item, numbers)
            keys.add((item["rule"], item["path"], numbers[0], side))
        return keys


@dataclass(frozen=True)
class Scoped:
    """One case's view of the shared repository's contents."""

    inner: Contents
    prefix: str

    async def read(self, path: str, at: Ref = "head") -> str | None:
        return await self.inner.read(self.prefix + path, at)

    async def files(self, at: Ref = "head") -> frozenset[str] | None:
        found = await self.inner.files(at)
        if found is None:
            return None
        return frozenset(p.removeprefix(self.prefix) for p in found if p.startswith(self.prefix))


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
    cases = []
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

    async def run() -> dict[str, list[tuple[Case, set[Key]]]]:
        whole = repo.context
        scan = asyncio.create_task(semgrep.run(whole))  # the slow part; overlap it with the checks
        results: dict[str, list[tuple[Case, set[Key]]]] = {pack: [] for pack in PACKS}
        for case in cases:
            pack = PACKS[case.pack]
            ctx = RuleContext(
                scoped(whole.change, case.prefix), Scoped(whole.contents, case.prefix)
            )
            findings = [f for check in pack.checks for f in await check(ctx)]
            results[case.pack].append((case, {_key(f) for f in findings}))
        for finding in await scan:
            for case, found in results.get(finding.pack, []):
                if finding.path.startswith(case.prefix):
                    found.add(_key(replace(finding, path=finding.path.removeprefix(case.prefix))))
        return results

    return asyncio.run(run())


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


def test_every_rule_of_both_packs_is_exercised(
    outcomes: dict[str, list[tuple[Case, set[Key]]]],
) -> None:
    """The corpus holds a positive case for every rule the two packs can emit."""
    expected = {k[0] for cases in outcomes.values() for case, _ in cases for k in case.expected()}
    ours = {rule for rule in rules() if rule.split("/")[0] in PACKS}
    assert sorted(ours - expected) == []
