"""Whether a project's CI already runs the ORM's own check of models against migrations on pull
requests: Django's `makemigrations --check`, Alembic's `alembic check` (`flask db check`).

That check is exact: the ORM's own autodetector, with the project's settings and patches (some
projects drop `help_text` or `verbose_name` from their migrations, or map a column through a
custom type), where our reading of the models is a heuristic. Where CI runs it on every pull
request, a migration that is due fails CI there, and a model edit it passes needs none: our
finding is a second opinion, a notice naming the workflow, never the failure of the check run.
The GitHub Actions workflows are read as YAML: a step whose shell runs the check, in a workflow
that runs on `pull_request` or `merge_group` and whose path filters take this change, not
allowed to fail (`continue-on-error: true`, `|| true`). Conditions (`if:`) and branch filters
are not evaluated: nothing in the change says which branch it targets, and a condition mostly
skips a job when nothing it tests changed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Iterator
from pathlib import PurePosixPath

from bot.snapshot.model import Snapshot

MAX_WORKFLOWS = 30
_TRIGGERS = ("pull_request", "merge_group")
# The activity types of `pull_request` that run on a pull request's commits (its default types).
_PUSHED = frozenset({"opened", "synchronize", "reopened"})
_RUNNERS = ("manage.py", "django-admin", "django")
# makemigrations options that take a value: the word after them is no app label.
_VALUED = frozenset({"-n", "--name", "-v", "--verbosity", "--settings", "--pythonpath"})
_OPERATORS = frozenset({"&&", "||", ";", "|", "&"})
# After these the command's failure does not fail the step: `|| true`, a pipe, the background.
_IGNORING = frozenset({"||", "|", "&"})
# GitHub runs a step's script with `bash -e` (`sh -e`): any failing command fails the step.
_FAILING_SHELLS = frozenset({"bash", "sh"})
# GitHub's filter syntax beyond `*` and `**` (`?`, `+`, `[]`, `!`): not read, so not trusted.
_UNREAD = re.compile(r"[?+\[\]!]")


def workflows(listing: Iterable[str]) -> list[str]:
    """The GitHub Actions workflow files of a listing."""
    found = [
        p
        for p in sorted(listing)
        if PurePosixPath(p).parent == PurePosixPath(".github/workflows")
        and p.endswith((".yml", ".yaml"))
    ]
    return found[:MAX_WORKFLOWS]


# A command's words -> the app labels it checks (empty: every app), or None for another command.
Reader = Callable[[list[str]], frozenset[str] | None]


def checked_by(snap: Snapshot, app: str) -> str | None:
    """The workflow whose `makemigrations --check` covers an app's label on this pull request,
    or None when none is seen to; a check without app labels covers every app."""
    return _checking(snap, app, _labels)


def alembic_checked(snap: Snapshot) -> str | None:
    """The workflow that runs `alembic check` (or `flask db check`) on this pull request, or
    None when none is seen to."""
    return _checking(snap, "", _alembic)


def _checking(snap: Snapshot, app: str, reader: Reader) -> str | None:
    changed = sorted(snap.change.paths)
    for path in workflows(snap.listing("head") or ()):
        parsed = snap.source(path, "head").yaml
        document = parsed.data if parsed is not None else None
        if not isinstance(document, dict) or not _runs_on(document, changed):
            continue
        for labels in _checks(document, reader):
            if not labels or app in labels:
                return path
    return None


def _runs_on(document: dict[object, object], changed: list[str]) -> bool:
    """Whether the workflow runs for a pull request that changes these paths."""
    # YAML 1.1 reads a bare `on` key as true.
    on = document.get("on", document.get(True))
    if isinstance(on, str):
        return on in _TRIGGERS
    if isinstance(on, list):
        return any(t in _TRIGGERS for t in on)
    if not isinstance(on, dict):
        return False
    for trigger in _TRIGGERS:
        if trigger not in on:
            continue
        filters = on[trigger]
        if not isinstance(filters, dict):
            return True
        types = filters.get("types", list(_PUSHED))
        if trigger == "pull_request" and not (isinstance(types, list) and _PUSHED & set(types)):
            continue  # runs on labels or reviews, not on the commits pushed
        if _taken(filters.get("paths"), filters.get("paths-ignore"), changed):
            return True
    return False


def _taken(paths: object, ignored: object, changed: list[str]) -> bool:
    """Whether path filters let a change with these files run the workflow."""
    if paths is not None:
        pattern = _patterns(paths)
        return pattern is not None and any(pattern.fullmatch(p) for p in changed)
    if ignored is not None:
        pattern = _patterns(ignored)
        return pattern is not None and not all(pattern.fullmatch(p) for p in changed)
    return True


def _patterns(globs: object) -> re.Pattern[str] | None:
    """One regex for a filter's globs (`*` within a folder, `**` across); None if unread."""
    if not isinstance(globs, list) or not all(isinstance(g, str) for g in globs):
        return None
    if any(_UNREAD.search(g) for g in globs):
        return None
    parts = []
    for glob in globs:
        pieces = [re.escape(piece).replace(r"\*", "[^/]*") for piece in glob.split("**")]
        parts.append(".*".join(pieces))
    return re.compile("|".join(f"(?:{p})" for p in parts)) if parts else None


def _checks(document: dict[object, object], reader: Reader) -> Iterator[frozenset[str]]:
    """The app labels of each check the workflow's steps must pass (none: every app)."""
    jobs = document.get("jobs")
    if not isinstance(jobs, dict):
        return
    for job in jobs.values():
        if not isinstance(job, dict) or job.get("continue-on-error") is True:
            continue
        if "windows" in str(job.get("runs-on", "")):
            continue  # PowerShell fails a step on its last command only
        steps = job.get("steps")
        for step in steps if isinstance(steps, list) else ():
            if not isinstance(step, dict) or step.get("continue-on-error") is True:
                continue
            if step.get("shell", "bash") not in _FAILING_SHELLS:
                continue  # a shell without `-e` fails the step on its last command only
            run = step.get("run")
            if isinstance(run, str):
                yield from _commands(run, reader)


def _commands(script: str, reader: Reader) -> Iterator[frozenset[str]]:
    """The app labels of each check a shell script runs, failing if it fails."""
    for line in script.replace("\\\n", " ").splitlines():
        try:
            lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            lexer.commenters = "#"
            words = list(lexer)
        except ValueError:
            continue
        command: list[str] = []
        for word in [*words, ";"]:
            if word not in _OPERATORS:
                command.append(word)
                continue
            labels = reader(command)
            if labels is not None and word not in _IGNORING:
                yield labels
            command = []


def _labels(command: list[str]) -> frozenset[str] | None:
    """The app labels of a `makemigrations --check` command; None for any other command."""
    at = next(
        (
            i
            for i, word in enumerate(command)
            if word == "makemigrations" and i and command[i - 1].endswith(_RUNNERS)
        ),
        None,
    )
    if at is None or "--check" not in command[at:]:
        return None
    labels = set()
    words = iter(command[at + 1 :])
    for word in words:
        if word in _VALUED:
            next(words, None)
        elif not word.startswith("-"):
            labels.add(word)
    return frozenset(labels)


def _alembic(command: list[str]) -> frozenset[str] | None:
    """Every model for `alembic [options] check` or `flask [options] db check`; None otherwise.

    The runner may come first (`uv run`, `poetry run`, `python -m`)."""
    for at, word in enumerate(command):
        name = PurePosixPath(word).name
        rest = [w for w in command[at + 1 :] if not w.startswith("-")]
        if name == "alembic" and _subcommand(command[at + 1 :]) == "check":
            return frozenset()
        if name == "flask" and rest[-2:] == ["db", "check"]:
            return frozenset()
    return None


def _subcommand(words: list[str]) -> str | None:
    """Alembic's subcommand: the first word that is no option or an option's value."""
    words_iter = iter(words)
    for word in words_iter:
        if word in {"-c", "--config", "-n", "--name", "-x"}:
            next(words_iter, None)
        elif not word.startswith("-"):
            return word
    return None
