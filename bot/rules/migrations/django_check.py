"""Whether a project's CI already runs Django's own `makemigrations --check` on pull requests.

A model edit that touches only Django's migration state (`help_text`, `choices`, Meta `ordering`)
is worth a word only because `makemigrations --check` would fail on it. Where CI runs that check
on every pull request, its answer is the one that counts: Django's own autodetector, with the
project's settings and patches (some projects drop `help_text` or `verbose_name` from their
migrations), rather than our reading of the model. The GitHub Actions workflows are read as
YAML: a step whose shell runs `manage.py makemigrations --check` (or `django-admin`), in a
workflow that runs on `pull_request` or `merge_group` and whose path filters take this change,
not allowed to fail (`continue-on-error: true`, `|| true`). Conditions (`if:`) and branch
filters are not evaluated: nothing in the change says which branch it targets, and a condition
mostly skips a job when nothing it tests changed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
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


def checked_by(snap: Snapshot, app: str) -> str | None:
    """The workflow whose `makemigrations --check` covers an app's label on this pull request,
    or None when none is seen to; a check without app labels covers every app."""
    changed = sorted(snap.change.paths)
    for path in workflows(snap.listing("head") or ()):
        parsed = snap.source(path, "head").yaml
        document = parsed.data if parsed is not None else None
        if not isinstance(document, dict) or not _runs_on(document, changed):
            continue
        for labels in _checks(document):
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


def _checks(document: dict[object, object]) -> Iterator[frozenset[str]]:
    """The app labels of each `makemigrations --check` the workflow's steps must pass (none:
    every app)."""
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
                yield from _commands(run)


def _commands(script: str) -> Iterator[frozenset[str]]:
    """The app labels of each `makemigrations --check` a shell script runs, failing if it fails."""
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
            labels = _labels(command)
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
