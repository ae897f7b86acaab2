"""A gated regex finds exactly what its pattern finds: every match holds one of its literals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.rules.data_layer.literals import RETURN
from bot.rules.gate import Gated
from bot.rules.migrations.python_orms import _SQLALCHEMY_EVIDENCE

ROOT = Path(__file__).resolve().parents[2]
GATES = {"RETURN": RETURN, "SQLALCHEMY_EVIDENCE": _SQLALCHEMY_EVIDENCE}
# One line per branch of each pattern, so that the sweep below cannot pass on lines that only
# ever reach one branch.
BRANCHES = {
    "RETURN": [
        "    return {'id': 1}",
        "const load = () => [{ id: 1 }];",
        "const load = async () => ({ id: 1 });",
        "const load = () => Promise.resolve(rows);",
        "  resolve([{ id: 1 }]);",
        "  .catch((err) => []);",
        "  .catch(err => fallback);",
        "  res.status(200).json({ id: 1 });",
        "  reply.send([]);",
        "  ctx.body = { id: 1 };",
    ],
    "SQLALCHEMY_EVIDENCE": [
        "from sqlalchemy import Column",
        "from sqlmodel import Field",
        "    name: Mapped[str] = mapped_column(String(50))",
        "    __tablename__ = 'users'",
        "    id = sa.Column(sa.Integer)",
        "class User(db.Model):",
        "metadata = MetaData()",
        "    id = Column('id', Integer, primary_key=True)",
    ],
}
# Lines that hold a literal but no match: the gate lets them through to the pattern.
NEAR_MISSES = ["# the returned value", "sam.x = 1", "Columns(", "reply.sendNow"]


def sample_lines() -> list[str]:
    """Real lines: the corpora, the rule examples and the project's own code."""
    files = [*(ROOT / "tests" / "corpus").rglob("*"), *(ROOT / "bot").rglob("*.py")]
    lines: list[str] = []
    for path in files:
        if path.is_file():
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    return lines


@pytest.mark.parametrize("name", sorted(GATES))
def test_each_branch_matches_through_the_gate(name: str) -> None:
    gate = GATES[name]
    for line in BRANCHES[name]:
        assert gate.search(line) is not None, line
        assert gate.pattern.search(line) is not None, line


@pytest.mark.parametrize("name", sorted(GATES))
def test_the_gate_finds_what_the_pattern_finds(name: str) -> None:
    gate = GATES[name]
    lines = [*sample_lines(), *BRANCHES[name], *NEAR_MISSES]
    matched = 0
    for line in lines:
        found = [m.group(0) for m in gate.pattern.finditer(line)]
        assert [m.group(0) for m in gate.finditer(line)] == found, line
        assert (gate.search(line) is None) == (not found), line
        # The promise the gate rests on: each match holds a literal.
        assert all(any(lit in match for lit in gate.literals) for match in found), line
        matched += bool(found)
    assert matched > len(BRANCHES[name])


def test_a_line_without_the_literals_is_not_searched() -> None:
    searched: list[str] = []

    class Recording:
        def search(self, text: str) -> None:
            searched.append(text)

    gate = Gated(re.compile("x"), ("return",))
    object.__setattr__(gate, "pattern", Recording())
    assert gate.search("const total = 1;") is None
    gate.search("return total")
    assert searched == ["return total"]
