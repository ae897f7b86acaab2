"""A model edit without a migration is a notice where CI itself runs the ORM's exact check.

The warning for `help_text`, `choices` or `verbose_name` changed without a migration only says
that `makemigrations --check` fails. A project may keep such options out of its migrations
(patching `Field.deconstruct`), and where a workflow runs that check on pull requests, its answer
decides: the finding becomes a notice naming the workflow. So does a change the database sees:
the check fails on it if a migration is due, and passes if our reading of the models is wrong
(SQLAlchemy's `alembic check` alike). A workflow that does not gate the pull request on the
check changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.diff.model import Change, ChangedFile, FileStatus
from bot.rules.migrations import DJANGO, PACK
from bot.rules.migrations.python_orms import ci_workflows
from tests.gitrepo import make_repo

MODELS = """\
from django.db import models


class Ticket(models.Model):
    title = models.CharField(max_length=80, help_text="Short summary")
    opened = models.DateTimeField(auto_now_add=True)
"""
BASE = {
    "desk/__init__.py": "",
    "desk/models.py": MODELS,
    "desk/migrations/__init__.py": "",
    "desk/migrations/0001_initial.py": "from django.db import migrations\n",
}
HELP_TEXT = MODELS.replace('help_text="Short summary"', 'help_text="One line"')
WIDER = MODELS.replace("max_length=80", "max_length=120")
WORKFLOW = ".github/workflows/ci.yml"


def workflow(run: str, on: str = "pull_request", step: str = "") -> str:
    """A workflow with one job whose last step runs `run`."""
    script = "\n".join(f"          {line}" for line in run.splitlines())
    return (
        f"name: CI\non: {on}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n"
        f"      - name: Migrations\n{step}        run: |\n{script}\n"
    )


CHECK = "python manage.py makemigrations --check"


async def django(tmp_path: Path, ci: str | None, models: str) -> list[tuple[str, str]]:
    base = {**BASE, **({WORKFLOW: ci} if ci is not None else {})}
    repo = make_repo(tmp_path / "r", base=base, head={"desk/models.py": models})
    snap = await repo.snapshot()
    found = [f for check in PACK.checks for f in check(snap) if f.rule == DJANGO]
    return [(f.severity.value, f.message) for f in found]


GATING = [
    ("a plain check on pull requests", workflow(CHECK)),
    (
        "a dry run of the app's own label",
        workflow("django-admin makemigrations desk --check --dry-run"),
    ),
    ("after other commands", workflow(f"pip install -r requirements.txt\ncd src && {CHECK} -v 2")),
    ("on a trigger list", workflow(CHECK, on="[push, pull_request]")),
    ("on pushed commits", workflow(CHECK, on="\n  pull_request:\n    types: [synchronize]")),
    (
        "with path filters that take the change",
        workflow(CHECK, on="\n  pull_request:\n    paths:\n      - '**.py'\n"),
    ),
    ("past ignored docs", workflow(CHECK, on="\n  pull_request:\n    paths-ignore: ['docs/**']")),
]


@pytest.mark.parametrize("ci", [c[1] for c in GATING], ids=[c[0] for c in GATING])
async def test_state_only_edit_is_a_notice_where_ci_runs_the_check(tmp_path: Path, ci: str) -> None:
    """CI's own `makemigrations --check` decides whether a state-only edit needs a migration."""
    [(severity, message)] = await django(tmp_path, ci, HELP_TEXT)
    assert severity == "notice"
    assert f"`{WORKFLOW}` runs `makemigrations --check` on pull requests" in message


async def test_database_change_is_a_notice_where_ci_runs_the_check(tmp_path: Path) -> None:
    """A wider column: CI's check fails on it if a migration is due, so it decides; without
    the check, still an error."""
    [(severity, message)] = await django(tmp_path, workflow(CHECK), WIDER)
    assert severity == "notice"
    assert f"`{WORKFLOW}` runs `makemigrations --check` on pull requests" in message
    assert "run `python manage.py makemigrations desk`" in message
    [(severity, message)] = await django(tmp_path / "b", workflow(f"{CHECK} || true"), WIDER)
    assert severity == "error"
    assert "makemigrations --check" not in message


NOT_GATING = [
    ("no workflow", None),
    ("only on push", workflow(CHECK, on="push")),
    ("failure ignored", workflow(f"{CHECK} || true")),
    ("piped", workflow(f"{CHECK} | tee migrations.log")),
    ("step allowed to fail", workflow(CHECK, step="        continue-on-error: true\n")),
    ("another app's label", workflow("python manage.py makemigrations billing --check")),
    ("not a check", workflow("python manage.py makemigrations --dry-run")),
    ("on labels only", workflow(CHECK, on="\n  pull_request:\n    types: [labeled]")),
    ("commented out", workflow(f"# {CHECK}\npytest")),
    ("paths elsewhere", workflow(CHECK, on="\n  pull_request:\n    paths: ['frontend/**']")),
    ("paths ignored", workflow(CHECK, on="\n  pull_request:\n    paths-ignore: ['desk/**']")),
    ("unread path syntax", workflow(CHECK, on="\n  pull_request:\n    paths: ['!docs/**']")),
]


@pytest.mark.parametrize("ci", [c[1] for c in NOT_GATING], ids=[c[0] for c in NOT_GATING])
async def test_state_only_edit_warns_where_nothing_gates_on_the_check(
    tmp_path: Path, ci: str | None
) -> None:
    """Without a check that fails the pull request, the warning says what would fail."""
    [(severity, message)] = await django(tmp_path, ci, HELP_TEXT)
    assert severity == "warning"
    assert "but `makemigrations --check` fails" in message


def test_workflows_are_read_only_for_a_django_model_change() -> None:
    """The workflows are an extra read only when a Django app's models change."""
    listing = {"head": frozenset({WORKFLOW, ".github/workflows/docs.yaml", "README.md"})}
    model = Change((ChangedFile("desk/models.py", FileStatus.MODIFIED),))
    other = Change((ChangedFile("desk/views.py", FileStatus.MODIFIED),))
    assert ci_workflows(model, listing) == [
        (".github/workflows/ci.yml", "head"),
        (".github/workflows/docs.yaml", "head"),
    ]
    assert ci_workflows(other, listing) == []
