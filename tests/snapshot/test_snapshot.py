"""The snapshot: each side read once before any rule, parsed once, generated files set aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diff import git
from bot.diff.model import Change, FileStatus, SkipKind
from bot.local import scan_repo
from bot.snapshot.model import Source
from bot.snapshot.read import after
from tests import gitrepo
from tests.gitrepo import make_repo

MODELS = "from django.db import models\n\n\nclass Order(models.Model):\n    total = 1\n"
BUNDLE = "(function(){try{fetch('/a')}catch(e){}})();" + " " * 1_200 + "\n"


async def test_both_sides_of_every_changed_file_are_read_once_with_git(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r",
        base={"shop/models.py": MODELS, "old.py": "x = 1\n", "gone.py": "y = 1\n"},
        head={"shop/models.py": MODELS + "    note = 2\n", "old.py": None, "new.py": "z = 1\n"},
    )
    snap = await repo.snapshot()

    models = snap.file("shop/models.py")
    assert models is not None
    assert models.before.text == MODELS
    assert models.after.text == MODELS + "    note = 2\n"
    assert snap.read("gone.py", "base") is None  # unchanged files are not read
    assert snap.listing("base") == {"shop/models.py", "old.py", "gone.py"}
    removed = snap.file("old.py")
    assert removed is not None and removed.changed.status is FileStatus.REMOVED
    assert removed.after.text is None and removed.before.text == "x = 1\n"


async def test_git_reads_every_file_with_one_batch(tmp_path: Path) -> None:
    """`git cat-file --batch` answers many specs at once, missing ones as None."""
    repo = make_repo(tmp_path / "r", base={"a.py": "a\n"}, head={"a.py": "b\n", "é t.py": "c\n"})
    contents = git.GitContents(repo.path, repo.base, repo.head)
    texts = await contents.read_many(
        [("a.py", "base"), ("a.py", "head"), ("é t.py", "head"), ("nope.py", "head")]
    )
    assert texts == {
        ("a.py", "base"): "a\n",
        ("a.py", "head"): "b\n",
        ("é t.py", "head"): "c\n",
        ("nope.py", "head"): None,
    }


async def test_a_parse_tree_is_built_once_and_shared(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "r", base={"app.ts": "let a = 1;\n"}, head={"app.ts": "let a = 2;\n"}
    )
    snap = await repo.snapshot()
    changed = snap.file("app.ts")
    assert changed is not None
    tree = changed.after.tree
    assert tree is not None and tree.root_node.type == "program"
    assert changed.after.tree is tree
    assert snap.source("app.ts", "head") is changed.after


def test_python_that_does_not_parse_has_no_tree() -> None:
    assert Source("a.py", "def f(:\n").python is None
    assert Source("a.py", "def f(): pass\n").python is not None
    assert Source("a.txt", "anything").python is None


def test_a_sql_script_is_parsed_once_per_dialect_and_shared() -> None:
    """Statements split at `;` outside comments, each parsed; a dialect's parse is kept."""
    side = Source("db/001.sql", "CREATE TABLE t (id INT);\n-- not; a statement\nDROP TABLE u;\n")

    statements = side.sql("postgres")
    assert [(s.line, s.text) for s in statements] == [
        (1, "CREATE TABLE t (id INT)"),
        (3, "DROP TABLE u"),
    ]
    assert all(s.tree is not None for s in statements)
    assert side.sql("postgres") is statements
    assert side.sql("mysql") is not statements
    assert Source("db/001.sql", None).sql("postgres") == ()


def test_a_sql_statement_that_does_not_parse_has_no_tree() -> None:
    statements = Source("db/002.sql", "CREATE TABLE (;\nDROP TABLE u;\n").sql("postgres")
    assert [s.tree is None for s in statements] == [True, False]


async def test_generated_and_vendored_files_are_skipped_by_code_rules_not_secrets(
    tmp_path: Path,
) -> None:
    """A minified bundle's empty catch is nobody's code; its secrets still count."""
    key = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc9Xk2LmQ"
    repo = make_repo(
        tmp_path / "r",
        base={".gitattributes": "api/schema.ts linguist-generated=true\n", "app.py": "x = 1\n"},
        head={
            "static/app.min.js": BUNDLE,
            "api/schema.ts": "export const a = 1;\n",
            "vendor/lib/client.py": f'KEY = "{key}"\n',
            "app.py": "x = 2\n",
        },
    )
    snap = await repo.snapshot()
    assert [f.path for f in snap.change.files] == ["app.py"]
    assert [(str(skip), skip.kind) for skip in snap.skipped] == [
        ("`api/schema.ts`: marked `linguist-generated` in .gitattributes", SkipKind.GENERATED),
        ("`static/app.min.js`: minified or bundled", SkipKind.MINIFIED),
        ("`vendor/lib/client.py`: vendored", SkipKind.VENDORED),
    ]
    evaluation = await scan_repo(repo.path, repo.base, repo.head)
    assert [(f.rule, f.path) for f in evaluation.findings] == [
        ("secrets/stripe-key", "vendor/lib/client.py")
    ]
    assert evaluation.skipped == snap.skipped


async def test_a_pull_request_cannot_mark_its_own_code_generated(tmp_path: Path) -> None:
    """`.gitattributes` is read from the base, like the config: a PR cannot hide its code."""
    focused = "it.only('pays', () => { expect(pay()).toBe(true); });\n"
    repo = make_repo(
        tmp_path / "r",
        base={"web/pay.test.ts": "it('pays', () => { expect(pay()).toBe(true); });\n"},
        head={"web/pay.test.ts": focused, ".gitattributes": "* linguist-generated\n"},
    )
    evaluation = await scan_repo(repo.path, repo.base, repo.head)
    assert ("tests/focused-test", "web/pay.test.ts") in {
        (f.rule, f.path) for f in evaluation.findings
    }
    assert evaluation.skipped == ()


async def test_a_missing_path_with_a_space_reads_as_absent(tmp_path: Path) -> None:
    """git's `<spec> missing` answer is told apart however many spaces the path holds."""
    repo = make_repo(tmp_path / "r", base={"a.py": "a\n"}, head={"my file.py": "b\n"})
    contents = git.GitContents(repo.path, repo.base, repo.head)
    texts = await contents.read_many([("my file.py", "base"), ("my file.py", "head")])
    assert texts == {("my file.py", "base"): None, ("my file.py", "head"): "b\n"}


async def test_the_base_side_is_read_at_the_merge_base(tmp_path: Path) -> None:
    """A test the base branch gained after the fork is not one the pull request removed."""
    tests = "def test_a():\n    assert True\n"
    repo = make_repo(
        tmp_path / "r",
        base={"tests/test_x.py": tests},
        head={"tests/test_x.py": tests.replace("True", "True  # edited")},
    )
    # main moves on after the fork: it gains test_g in the same file.
    gitrepo._run(repo.path, "checkout", "-q", "main")
    gitrepo._write(repo.path, {"tests/test_x.py": "def test_g():\n    assert 1\n\n\n" + tests})
    gitrepo._run(repo.path, "commit", "-q", "-am", "main moves on")
    evaluation = await scan_repo(repo.path, "main", "feature")
    assert [f.rule for f in evaluation.findings] == []


def test_the_head_listing_is_the_base_listing_with_the_change_applied(tmp_path: Path) -> None:
    """Added, removed and renamed files move in and out; a change missing a file says nothing."""
    repo = make_repo(
        tmp_path / "r",
        {"a.py": "a = 1\n", "b.py": "b = 1\n", "old.py": "x = 1\n" * 20},
        {
            "a.py": "a = 2\n",
            "b.py": None,
            "new.py": "n = 1\n",
            "old.py": None,
            "renamed.py": "x = 1\n" * 20,
        },
    )
    base = frozenset({"a.py", "b.py", "old.py", "docs/kept.md"})
    assert after(base, repo.change) == {"a.py", "new.py", "renamed.py", "docs/kept.md"}
    partial = Change(files=repo.change.files, problems=("`c.py`: could not be parsed",))
    assert after(base, partial) is None
    assert after(None, repo.change) is None


WORKFLOW = """\
on: pull_request
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: python manage.py makemigrations --check
      - run: pytest
"""


async def test_a_file_beyond_the_change_is_parsed_once_for_every_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workflow the change leaves alone is read by the tests pack (what CI still runs) and by
    the migrations pack (does CI run `makemigrations --check`): one side, one YAML parse."""
    from collections import Counter

    from bot.rules.registry import PACKS
    from bot.rules.runner import run_checks
    from bot.snapshot import trees

    models = "from django.db import models\n\n\nclass Order(models.Model):\n    total = %s\n"
    repo = make_repo(
        tmp_path / "r",
        base={
            ".github/workflows/tests.yml": WORKFLOW,
            ".github/workflows/lint.yml": WORKFLOW.replace("pytest", "ruff check"),
            "shop/models.py": models % "models.IntegerField()",
            "shop/migrations/0001_initial.py": "from django.db import migrations\n",
        },
        head={
            ".github/workflows/lint.yml": WORKFLOW.replace("pytest", "ruff check ."),
            "shop/models.py": models % 'models.IntegerField(help_text="cents")',
        },
    )
    snap = await repo.snapshot()
    parsed: Counter[str] = Counter()
    parse = trees.parse_yaml

    def counted(text: str) -> trees.Document | None:
        parsed[text] += 1
        return parse(text)

    monkeypatch.setattr(trees, "parse_yaml", counted)
    reports = list(run_checks(snap, [(pack.id, check) for pack in PACKS for check in pack.checks]))
    assert [r.problem for r in reports if r.problem] == []
    assert parsed[WORKFLOW] == 1
    assert snap.source(".github/workflows/tests.yml") is snap.source(".github/workflows/tests.yml")
