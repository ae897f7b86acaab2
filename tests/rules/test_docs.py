"""`docs/rules/`: one page per rule, generated from the registry, whose examples are true.

Every rule's flagged example and look-alike are run through the engine as a real change (base
and head commits, read as `readiness scan --repo` reads them): the flagged one must yield the
rule, the look-alike must not. The committed pages must be what the generator writes.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from bot.redaction import scrub
from bot.rules import docs, paths
from bot.rules.engine import Evaluation, evaluate
from bot.rules.model import Example, Pack, gather
from bot.rules.registry import RULES
from tests.gitrepo import Repo
from tests.rules.test_corpus_tests_migrations import build

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = 4  # reviews at once: each runs its checks in a child process


def test_every_rule_says_why_and_has_a_flagged_example_and_a_look_alike() -> None:
    lacking = [rule.id for rule in RULES.values() if not (rule.why and rule.flagged and rule.quiet)]
    assert lacking == []


def gathered(root: Path, package: str, pack_id: str, modules: dict[str, str]) -> Pack:
    """Write a package of rule modules (name -> source) under `root` and gather it as a pack."""
    folder = root / package
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name, source in modules.items():
        (folder / f"{name}.py").write_text("from bot.rules.model import Rule, Severity\n" + source)
    sys.path.insert(0, str(root))
    try:
        return gather(pack_id, package, [str(folder)])
    finally:
        sys.path.remove(str(root))


def test_a_pack_refuses_a_rule_it_cannot_run(tmp_path: Path) -> None:
    """A pack is gathered from its modules' declarations: an id no check reports, a check
    reporting an undeclared id, an id outside the pack or declared twice fail at import, each
    named, so a rule cannot be added half-way."""
    first = (
        "def check_first(snap):\n    return []\n"
        'RULES = (Rule("made/kept", Severity.WARNING, "d", "f"),\n'
        '         Rule("made/orphan", Severity.WARNING, "d", "f"),\n'
        '         Rule("other/stray", Severity.WARNING, "d", "f"))\n'
        'CHECKS = {check_first: ("made/kept", "other/stray", "made/ghost")}\n'
    )
    second = 'RULES = (Rule("made/kept", Severity.WARNING, "d", "f"),)\n'
    with pytest.raises(ValueError) as raised:
        gathered(tmp_path, "made_up_pack", "made", {"first": first, "second": second})
    assert str(raised.value) == (
        "pack made: made/kept declared twice; other/stray is not in pack made; "
        "made/orphan is reported by no check; made/ghost is reported but not declared"
    )


def test_a_rule_is_one_module_of_its_pack(tmp_path: Path) -> None:
    """Adding a rule is a one-file change: a module with its check and its declaration, docs
    included, joins the pack with nothing else edited."""
    todo = (
        "def check_todo(snap):\n    return []\n"
        'RULES = (Rule("one/todo", Severity.NOTICE, "A TODO added.", "Open an issue.",'
        ' why="TODOs are forgotten."),)\n'
        'CHECKS = {check_todo: ("one/todo",)}\n'
    )
    pack = gathered(tmp_path, "one_file_pack", "one", {"todo": todo})
    assert [(rule.id, rule.why) for rule in pack.rules] == [("one/todo", "TODOs are forgotten.")]
    assert [(check.__name__, ids) for check, ids in pack.checks.items()] == [
        ("check_todo", ("one/todo",))
    ]


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Evaluation]:
    """Review every example once: (rule id, "flagged" | "quiet") -> the engine's evaluation."""
    examples: dict[tuple[str, str], Example] = {}
    for rule in RULES.values():
        if rule.flagged is not None:
            examples[(rule.id, "flagged")] = rule.flagged
        if rule.quiet is not None:
            examples[(rule.id, "quiet")] = rule.quiet
    trees = [(dict(example.base), dict(example.head)) for example in examples.values()]
    repos = build(tmp_path_factory.mktemp("examples"), trees)

    async def review_all() -> list[Evaluation]:
        slots = asyncio.Semaphore(CONCURRENT)

        async def review(repo: Repo) -> Evaluation:
            async with slots:
                return await evaluate(await repo.snapshot())

        return await asyncio.gather(*(review(repo) for repo in repos))

    return dict(zip(examples, asyncio.run(review_all()), strict=True))


def test_each_flagged_example_is_flagged_by_its_rule(
    reviewed: dict[tuple[str, str], Evaluation],
) -> None:
    missed = [
        rule
        for (rule, kind), evaluation in reviewed.items()
        if kind == "flagged" and rule not in {f.rule for f in evaluation.findings}
    ]
    assert missed == []
    partial = {key: e.problems for key, e in reviewed.items() if e.problems}
    assert partial == {}


def test_each_look_alike_is_not_flagged_by_the_rule_it_imitates(
    reviewed: dict[tuple[str, str], Evaluation],
) -> None:
    fired = [
        rule
        for (rule, kind), evaluation in reviewed.items()
        if kind == "quiet" and rule in {f.rule for f in evaluation.findings}
    ]
    assert fired == []


def test_every_example_finding_is_on_a_file_of_its_rules_languages(
    reviewed: dict[tuple[str, str], Evaluation],
) -> None:
    """A page says which languages its rule reads: no example may show it judging another."""
    elsewhere = {
        (f.rule, f.path)
        for evaluation in reviewed.values()
        for f in evaluation.findings
        if RULES[f.rule].languages and paths.language(f.path) not in RULES[f.rule].languages
    }
    assert elsewhere == set()


def test_the_committed_pages_are_what_the_generator_writes() -> None:
    """Edit the rule, then run `python -m bot.rules.docs`; a page edited by hand fails here."""
    assert docs.stale(ROOT, RULES) == []


def test_pages_show_every_part_of_the_rule_and_no_credential() -> None:
    for rule in RULES.values():
        text = (ROOT / docs.page(rule.id)).read_text(encoding="utf-8")
        for part in (rule.id, rule.severity.value, rule.description, rule.why, rule.fix):
            assert part in text, (rule.id, part)
        assert "## Flagged" in text and "## Not flagged: a look-alike" in text
        # A secret in an example shows only in its redacted form.
        for example in (rule.flagged, rule.quiet):
            assert example is not None
            for _, written in example.head:
                for line in (written or "").splitlines():
                    assert scrub(line) == line or line not in text, rule.id
    index = (ROOT / "docs" / "rules" / "README.md").read_text(encoding="utf-8")
    for rule_id in RULES:
        assert f"[`{rule_id}`]({docs.page(rule_id).removeprefix('docs/rules/')})" in index


def test_the_generator_writes_pages_and_check_names_the_stale_ones(tmp_path: Path) -> None:
    def generator(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.rules.docs", *args, str(tmp_path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert generator("--check").returncode == 1  # nothing written yet
    assert generator().returncode == 0
    page = tmp_path / "docs" / "rules" / "secrets" / "jwt.md"
    assert page.read_text() == (ROOT / "docs" / "rules" / "secrets" / "jwt.md").read_text()
    assert generator("--check").returncode == 0
    page.write_text("edited by hand\n")
    (tmp_path / "docs" / "rules" / "secrets" / "retired-rule.md").write_text("old\n")
    done = generator("--check")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "out of date: docs/rules/secrets/jwt.md (run python -m bot.rules.docs)",
        "out of date: docs/rules/secrets/retired-rule.md (run python -m bot.rules.docs)",
    ]
    assert generator().returncode == 0
    assert not (tmp_path / "docs" / "rules" / "secrets" / "retired-rule.md").exists()
    assert generator("--check").returncode == 0


def test_the_readme_rule_table_is_written_and_checked(tmp_path: Path) -> None:
    """`python -m bot.rules.docs` writes the README's rule table between its markers, and
    `--check` names the README when its table is stale, so a new rule's row is generated too."""
    readme = tmp_path / "README.md"
    readme.write_text(
        "# App\n\n<!-- rules:start -->\n| old | table |\n<!-- rules:end -->\n\nMore text.\n",
        encoding="utf-8",
    )
    stale = subprocess.run(
        [sys.executable, "-m", "bot.rules.docs", "--check", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert stale.returncode == 1
    assert f"out of date: {Path('README.md')} (its rule table)" in stale.stderr
    written = subprocess.run(
        [sys.executable, "-m", "bot.rules.docs", str(tmp_path)], capture_output=True, check=False
    )
    assert written.returncode == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# App\n\n<!-- rules:start -->\n| Rule | Severity | What it catches |")
    assert text.endswith("<!-- rules:end -->\n\nMore text.\n")
    assert "[`cliff/swallowed-error`](docs/rules/cliff/swallowed-error.md)" in text
    assert docs.with_table(text, "| new |") == (
        "# App\n\n<!-- rules:start -->\n| new |\n<!-- rules:end -->\n\nMore text.\n"
    )
