"""An edited Django migration that runs the same on every database that recorded it.

Two kinds, each with look-alikes that must still fire:

- operations moved only past operations they commute with (removals, or schema operations on
  models neither names): a database that ran the old order holds what the new order gives;
- a name the migration imports or spells out (`app.helpers.Old`) renamed because the same change
  renames it in production code: the migration means what it meant.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.rules.migrations import EDITED, PACK
from tests.gitrepo import make_repo

PATH = "gym/migrations/0021_cleanup.py"


def migration(*operations: str, head: str = "from django.db import migrations, models\n") -> str:
    body = "".join(f"        {op},\n" for op in operations)
    return (
        f"{head}\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("gym", "0020_routines")]\n\n'
        f"    operations = [\n{body}    ]\n"
    )


async def edited(tmp_path: Path, base: dict[str, str], head: dict[str, str | None]) -> list[int]:
    repo = make_repo(tmp_path / "r", base={"gym/__init__.py": "", **base}, head=head)
    snap = await repo.snapshot()
    return [f.line for check in PACK.checks for f in check(snap) if f.rule == EDITED]


DELETES = [
    "migrations.DeleteModel(name='Workout')",
    "migrations.DeleteModel(name='Schedule')",
    "migrations.DeleteModel(name='ScheduleStep')",
]
RENAME_FIELD = "migrations.RenameField(model_name='log', old_name='base', new_name='exercise')"
ADD_DAY = "migrations.AddField(model_name='day', name='note', field=models.TextField(null=True))"
ADD_LOG = "migrations.AddField(model_name='log', name='rir', field=models.IntegerField(null=True))"
CREATE_DAY = (
    "migrations.CreateModel(name='Day', fields=[('id', models.AutoField(primary_key=True))])"
)
CREATE_SLOT = (
    "migrations.CreateModel(name='Slot', fields=[('id', models.AutoField(primary_key=True)), "
    "('day', models.ForeignKey(on_delete=models.CASCADE, to='gym.day'))])"
)
ADD_NAME = "migrations.AddField(model_name='log', name='name', field=models.TextField(null=True))"
RENAME_NAME = "migrations.RenameField(model_name='log', old_name='name', new_name='title')"
FILL = "migrations.RunPython(fill, migrations.RunPython.noop)"

QUIET_ORDERS = [
    (
        "models dropped so the referencing one goes first",
        [RENAME_FIELD, *DELETES],
        [RENAME_FIELD, *reversed(DELETES)],
    ),
    (
        "fields added to two models that do not reference each other",
        [ADD_DAY, ADD_LOG],
        [ADD_LOG, ADD_DAY],
    ),
]
FLAGGED_ORDERS = [
    (
        "a model created after the one that references it",
        [CREATE_DAY, CREATE_SLOT],
        [CREATE_SLOT, CREATE_DAY],
    ),
    (
        "a field renamed before it is added",
        [ADD_NAME, RENAME_NAME],
        [RENAME_NAME, ADD_NAME],
    ),
    (
        "a data step moved past a removal",
        [FILL, DELETES[0]],
        [DELETES[0], FILL],
    ),
    (
        "a removal dropped while the others are reordered",
        [*DELETES],
        [*reversed(DELETES[1:])],
    ),
]
FILL_DEF = (
    "from django.db import migrations, models\n\n\ndef fill(apps, schema_editor):\n    pass\n"
)


@pytest.mark.parametrize(
    ("old", "new"), [c[1:] for c in QUIET_ORDERS], ids=[c[0] for c in QUIET_ORDERS]
)
async def test_operations_moved_past_ones_they_commute_with(
    tmp_path: Path, old: list[str], new: list[str]
) -> None:
    assert await edited(tmp_path, {PATH: migration(*old)}, {PATH: migration(*new)}) == []


@pytest.mark.parametrize(
    ("old", "new"), [c[1:] for c in FLAGGED_ORDERS], ids=[c[0] for c in FLAGGED_ORDERS]
)
async def test_operations_moved_past_ones_they_depend_on_still_fire(
    tmp_path: Path, old: list[str], new: list[str]
) -> None:
    before, after = migration(*old, head=FILL_DEF), migration(*new, head=FILL_DEF)
    assert len(await edited(tmp_path, {PATH: before}, {PATH: after})) == 1


HELPERS = "class BaseImage:\n    def url(self):\n        return ''\n"
HELPERS_RENAMED = HELPERS.replace("BaseImage", "BaseImageMixin")
IMAGE = (
    "migrations.CreateModel(name='Image', fields=[('id', models.AutoField(primary_key=True))], "
    "bases=(models.Model, gym.helpers.BaseImage))"
)
DOTTED = "from django.db import migrations, models\n\nimport gym.helpers\n"
FROM = "from django.db import migrations, models\n\nfrom gym.helpers import BaseImage\n"
FROM_IMAGE = IMAGE.replace("gym.helpers.BaseImage", "BaseImage")


def renamed(text: str) -> str:
    return text.replace("BaseImage", "BaseImageMixin")


@pytest.mark.parametrize(
    "before",
    [
        migration(IMAGE, head=DOTTED),
        migration(FROM_IMAGE, head=FROM),
        migration(
            IMAGE.replace("gym.helpers.", "helpers."),
            head="from django.db import migrations, models\n\nfrom gym import helpers\n",
        ),
    ],
    ids=["spelled out", "imported", "module imported"],
)
async def test_a_migration_following_a_production_rename_is_no_edit(
    tmp_path: Path, before: str
) -> None:
    base = {"gym/helpers.py": HELPERS, PATH: before}
    head: dict[str, str | None] = {"gym/helpers.py": HELPERS_RENAMED, PATH: renamed(before)}
    assert await edited(tmp_path, base, head) == []


async def test_a_rename_production_code_does_not_make_still_fires(tmp_path: Path) -> None:
    """The helper keeps its name (and gains the new one): the migration now names another."""
    before = migration(IMAGE, head=DOTTED)
    base = {"gym/helpers.py": HELPERS, PATH: before}
    both = HELPERS + "\n\nclass BaseImageMixin(BaseImage):\n    pass\n"
    assert len(await edited(tmp_path, base, {PATH: renamed(before)})) == 1
    assert len(await edited(tmp_path / "b", base, {"gym/helpers.py": both, PATH: renamed(before)}))


async def test_a_rename_in_a_module_of_the_same_name_elsewhere_still_fires(
    tmp_path: Path,
) -> None:
    """`helpers.BaseImage` names django's own `helpers`, not the project's renamed one."""
    before = migration(
        IMAGE.replace("gym.helpers.", "helpers."),
        head="from django.db import migrations, models\n\nfrom django.contrib import helpers\n",
    )
    base = {"gym/helpers.py": HELPERS, PATH: before}
    head: dict[str, str | None] = {"gym/helpers.py": HELPERS_RENAMED, PATH: renamed(before)}
    assert len(await edited(tmp_path, base, head)) == 1


async def test_a_production_rename_with_another_edit_still_fires(tmp_path: Path) -> None:
    before = migration(IMAGE, head=DOTTED)
    after = migration(renamed(IMAGE), ADD_LOG, head=DOTTED)
    base = {"gym/helpers.py": HELPERS, PATH: before}
    head: dict[str, str | None] = {"gym/helpers.py": HELPERS_RENAMED, PATH: after}
    assert len(await edited(tmp_path, base, head)) == 1
