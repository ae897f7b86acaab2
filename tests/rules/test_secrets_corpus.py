"""Precision and recall of the secrets pack per rule family, on the labelled corpus.

The floors only ever go up: raise them when the pack gets better, never lower them to pass.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.model import NoContents, RuleContext
from bot.rules.secrets import PACK, check_secrets
from bot.rules.secrets.generic import GENERIC_WORDS
from bot.rules.secrets.values import placeholder

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "secrets" / "cases.txt"
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALPHABETS = {
    "r": string.ascii_letters + string.digits,
    "d": string.digits,
    "h": "0123456789abcdef",
    "u": string.ascii_uppercase + "234567",
    "b": string.ascii_letters + string.digits + "+/",
}
_TEMPLATE = re.compile(r"\{(?P<kind>[rdhub]|crc|jwt|nl)(?::(?P<arg>[^{}]*))?\}")
# (recall floor, precision floor) per family: measured, then set a little below.
FLOORS = {"generic": (0.95, 0.95)}
DEFAULT_FLOOR = (1.0, 1.0)
# False positives allowed on the corpus's negative lines, in total.
MAX_FALSE_POSITIVES = 0


@dataclass(frozen=True)
class Case:
    number: int
    expected: str | None
    path: str
    lines: tuple[str, ...]

    @property
    def change(self) -> Change:
        added = tuple(Line(i, text) for i, text in enumerate(self.lines, 1))
        return Change(files=(ChangedFile(self.path, FileStatus.ADDED, added=added),))


def family(rule: str) -> str:
    """Group rule ids by provider or kind: `stripe-test-key` belongs to `stripe`."""
    return rule.removeprefix("secrets/").split("-")[0]


def load_cases(path: Path = CORPUS) -> list[Case]:
    """Read the corpus and fill in its templates, the same values on every run."""
    cases = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        expected, file, text = (part.strip() for part in raw.split(" | ", 2))
        # Keep the line's own indentation: only the separator's space is dropped.
        text = raw.split(" | ", 2)[2]
        filled = _fill(text, random.Random(number)).replace("§", "")
        cases.append(
            Case(number, None if expected == "-" else expected, file, tuple(filled.split("\n")))
        )
    return cases


def _fill(text: str, rng: random.Random) -> str:
    return _TEMPLATE.sub(lambda match: _value(match["kind"], match["arg"] or "", rng), text)


def _value(kind: str, arg: str, rng: random.Random) -> str:
    if kind == "nl":
        return "\n"
    if kind == "crc":
        body = _random(ALPHABETS["r"], 30, rng)
        checksum = zlib.crc32(body.encode())
        digits = ""
        while checksum:
            checksum, rest = divmod(checksum, 62)
            digits = BASE62[rest] + digits
        return f"{arg}{body}{digits.rjust(6, '0')}"
    if kind == "jwt":
        claims = {
            k: int(v) if v.isdigit() else v for k, v in (p.split("=") for p in arg.split(","))
        }
        parts = [{"alg": "HS256", "typ": "JWT"}, claims]
        encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).decode() for p in parts]
        signature = _random(ALPHABETS["r"] + "-_", 43, rng)
        return ".".join(part.rstrip("=") for part in [*encoded, signature])
    return _random(ALPHABETS[kind], int(arg), rng)


def _random(alphabet: str, size: int, rng: random.Random) -> str:
    """Draw until the value holds no word a placeholder check would take for a stand-in."""
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(size))
        lowered = value.lower()
        if not placeholder(value) and not any(word in lowered for word in GENERIC_WORDS):
            return value


def score(cases: list[Case], rules_by_case: dict[int, set[str]]) -> dict[str, Counter[str]]:
    """Count true positives, false negatives and false positives per family."""
    table: dict[str, Counter[str]] = {}
    for case in cases:
        found = rules_by_case[case.number]
        if case.expected is not None:
            outcome = "tp" if f"secrets/{case.expected}" in found else "fn"
            table.setdefault(family(case.expected), Counter())[outcome] += 1
        for rule in found:
            if case.expected is None:
                table.setdefault(family(rule), Counter())["fp"] += 1
    return table


async def run_pack(cases: list[Case]) -> dict[int, set[str]]:
    """Run the pack on each case as its own one-file change."""
    found = {}
    for case in cases:
        findings = await check_secrets(RuleContext(case.change, NoContents()))
        found[case.number] = {f.rule for f in findings}
    return found


def _iter_fields(table: dict[str, Counter[str]]) -> Iterator[tuple[str, float, float, int]]:
    for name, counts in sorted(table.items()):
        tp, fn, fp = counts["tp"], counts["fn"], counts["fp"]
        recall = tp / (tp + fn) if tp + fn else 1.0
        precision = tp / (tp + fp) if tp + fp else 1.0
        yield name, recall, precision, fp


async def test_corpus_precision_and_recall_per_family(capsys: pytest.CaptureFixture[str]) -> None:
    """Every family keeps its recall and precision floor; negatives stay (almost) silent."""
    cases = load_cases()
    found = await run_pack(cases)
    table = score(cases, found)
    failures = []
    with capsys.disabled():
        print(f"\nsecrets corpus: {len(cases)} cases")  # noqa: T201
        for name, recall, precision, fp in _iter_fields(table):
            print(f"  {name:<12} recall {recall:.2f} precision {precision:.2f}")  # noqa: T201
            min_recall, min_precision = FLOORS.get(name, DEFAULT_FLOOR)
            if recall < min_recall or precision < min_precision:
                failures.append((name, recall, precision, fp))
    missed = [
        c.number for c in cases if c.expected and f"secrets/{c.expected}" not in found[c.number]
    ]
    noisy = [
        (c.number, sorted(found[c.number])) for c in cases if c.expected is None and found[c.number]
    ]
    assert failures == [], (missed, noisy)
    assert len(noisy) <= MAX_FALSE_POSITIVES, noisy


async def test_corpus_covers_every_rule_and_emits_only_described_rules() -> None:
    """Each rule id has a labelled case, and nothing the pack emits lacks a description."""
    cases = load_cases()
    found = await run_pack(cases)
    expected = {f"secrets/{c.expected}" for c in cases if c.expected}
    assert set(PACK.rules) - expected == {"secrets/removed-secret"}
    assert set().union(*found.values()) <= set(PACK.rules)
