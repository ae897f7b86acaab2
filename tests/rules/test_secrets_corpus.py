"""Precision and recall of the secrets pack per rule family, on the labelled corpus.

Every line that must stay silent names the rules it is a look-alike of (`-generic-secret | ...`),
so each rule's precision rests on negatives written against it, chosen by reading the line.
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
from itertools import pairwise
from pathlib import Path

import pytest

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.model import Severity
from bot.rules.secrets import PACK, check_secrets
from bot.snapshot.model import Snapshot

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
# What people type where a credential goes when they have none to hand, listed for this corpus
# from common use, not from the pack: a drawn value holding one could be read as a stand-in.
STAND_INS = (
    "test", "demo", "fake", "mock", "dummy", "sample", "example", "secret", "pass", "token",
    "admin", "user", "temp", "todo", "foo", "qwerty", "asdf", "hunter", "letmein", "changeme",
    "default", "your", "insert", "replace", "redact", "null", "none",
)  # fmt: skip
_FILLER = re.compile(r"(.)\1{3}")  # `xxxx`, `0000`: a value masked or padded by hand
RUN = 4  # `1234`, `abcd`, `9876`: characters counted off in order
# (recall floor, precision floor) per family: measured, then set a little below.
FLOORS = {"generic": (0.95, 0.95)}
DEFAULT_FLOOR = (1.0, 1.0)
# False positives (errors and warnings) allowed on the corpus's negative lines, in total.
MAX_FALSE_POSITIVES = 0
# Notices on negative lines, in total. A notice fails nothing and the precision counts
# errors and warnings only, so it is no false alarm, but each one is listed here by its line:
# `.npmrc` holding only a scoped registry line gets committed-secret-file's "an `.npmrc`" notice
# (a heads-up that a token may follow). Lower this when that notice goes.
MAX_NOTICES_ON_NEGATIVES = 1
# Rules the corpus cannot hold, with the reason; each has its own tests elsewhere.
NOT_IN_CORPUS = {
    # The corpus holds added lines only (each case is one added file), while this notice speaks
    # on removed lines: neither a positive nor a look-alike can be written in this format. Its
    # positive and negative tests are in tests/rules/test_secrets.py.
    "secrets/removed-secret",
}


@dataclass(frozen=True)
class Case:
    """One labelled line: the rule it must raise, or (`expected` None) the rules it imitates."""

    number: int
    expected: str | None
    quiet: tuple[str, ...]
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
        label, file, text = (part.strip() for part in raw.split(" | ", 2))
        # Keep the line's own indentation: only the separator's space is dropped.
        text = raw.split(" | ", 2)[2]
        filled = fill(text, random.Random(number)).replace("§", "")
        negative = label.startswith("-")
        quiet = tuple(rule for rule in label[1:].split(",") if rule) if negative else ()
        expected = None if negative else label
        cases.append(Case(number, expected, quiet, file, tuple(filled.split("\n"))))
    return cases


def fill(text: str, rng: random.Random) -> str:
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
    """Draw until a reader would take the value for a real one: no stand-in word, no filler."""
    while True:
        value = "".join(rng.choice(alphabet) for _ in range(size))
        if not stand_in(value):
            return value


def stand_in(value: str) -> bool:
    """Tell whether a drawn value holds what a person types in place of a secret.

    Judged by this corpus alone: the pack's own placeholder checks must not decide which
    values its positives hold, or the corpus would measure the pack against itself.
    """
    lowered = value.lower()
    steps = [ord(b) - ord(a) for a, b in pairwise(lowered)]
    runs = (set(steps[i : i + RUN - 1]) for i in range(len(steps) - RUN + 2))
    sequence = any(run in ({1}, {-1}) for run in runs)
    worded = any(word in lowered for word in STAND_INS)
    return worded or sequence or _FILLER.search(value) is not None


Found = dict[int, dict[str, Severity]]


def alarms(found: dict[str, Severity]) -> set[str]:
    """The rules that raised an error or a warning: what a false positive is made of."""
    return {rule for rule, severity in found.items() if severity is not Severity.NOTICE}


def score(cases: list[Case], rules_by_case: Found) -> dict[str, Counter[str]]:
    """Count true positives, false negatives and false positives (errors, warnings) per family."""
    table: dict[str, Counter[str]] = {}
    for case in cases:
        found = rules_by_case[case.number]
        if case.expected is not None:
            outcome = "tp" if f"secrets/{case.expected}" in found else "fn"
            table.setdefault(family(case.expected), Counter())[outcome] += 1
        else:
            for rule in alarms(found):
                table.setdefault(family(rule), Counter())["fp"] += 1
    return table


def run_pack(cases: list[Case]) -> Found:
    """Run the pack on each case as its own one-file change; keep each rule's top severity."""
    found: Found = {}
    for case in cases:
        rules: dict[str, Severity] = {}
        for f in check_secrets(Snapshot(case.change)):
            if f.rule not in rules or f.severity.rank < rules[f.rule].rank:
                rules[f.rule] = f.severity
        found[case.number] = rules
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
    found = run_pack(cases)
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
    negatives = [(c, found[c.number]) for c in cases if c.expected is None]
    noisy = [(c.number, c.quiet, sorted(alarms(f))) for c, f in negatives if alarms(f)]
    notices = [(c.number, c.quiet, sorted(f)) for c, f in negatives if f and not alarms(f)]
    assert failures == [], (missed, noisy)
    assert len(noisy) <= MAX_FALSE_POSITIVES, noisy
    assert len(notices) <= MAX_NOTICES_ON_NEGATIVES, notices


def test_every_label_names_a_rule_the_pack_declares() -> None:
    """A negative names the rule(s) it imitates; positives and negatives name declared rules."""
    cases = load_cases()
    untied = [c.number for c in cases if c.expected is None and not c.quiet]
    named = [(c.number, rule) for c in cases for rule in (c.expected, *c.quiet) if rule]
    unknown = [(number, rule) for number, rule in named if f"secrets/{rule}" not in PACK.ids]
    assert untied == [], "negatives with no rule id (write `-rule | path | line`)"
    assert unknown == [], "rule ids the secrets pack does not declare"


def test_every_rule_has_a_positive_and_a_tied_negative() -> None:
    """Each rule's recall and precision are measured on cases written for it, both ways."""
    cases = load_cases()
    positives = {f"secrets/{c.expected}" for c in cases if c.expected}
    negatives = {f"secrets/{rule}" for c in cases for rule in c.quiet}
    assert PACK.ids >= NOT_IN_CORPUS
    wanted = PACK.ids - NOT_IN_CORPUS
    assert sorted(wanted - positives) == [], "rules without a positive line"
    assert sorted(wanted - negatives) == [], "rules without a look-alike line tied to them"


async def test_corpus_emits_only_described_rules() -> None:
    """Nothing the pack emits on the corpus lacks a declaration (and so a description)."""
    found = run_pack(load_cases())
    assert set().union(*found.values()) <= set(PACK.ids)
