"""A repository's own settings, `.github/readiness.yml`, read from the base branch.

Read from the base, not the head: a pull request must not be able to silence its own review by
editing the config. A file that does not parse becomes a message in the report, and the
defaults apply; it never stops a review.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bot.diff.model import Change, Ref
from bot.rules.model import Finding
from bot.snapshot.model import Snapshot

CONFIG_PATH = ".github/readiness.yml"


class RepoConfig(BaseModel):
    """What a repository can tune. Globs use fnmatch: `*` also matches across folders."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    ignore: tuple[str, ...] = ()
    """Paths no rule reports on (vendored code, generated files)."""
    allow: dict[str, tuple[str, ...]] = {}
    """Pack or rule id -> paths where it does not report (e.g. `data-layer: [demo/*]`)."""
    disable: tuple[str, ...] = ()
    """Pack or rule ids that do not run at all."""

    def keeps(self, finding: Finding) -> bool:
        """Tell whether a finding survives the repository's ignore, allow and disable lists."""
        ids = (finding.pack, finding.rule)
        if any(i in self.disable for i in ids):
            return False
        globs = [*self.ignore, *(g for i in ids for g in self.allow.get(i, ()))]
        return not any(fnmatchcase(finding.path, glob) for glob in globs)


def parse(text: str | None) -> tuple[RepoConfig, str | None]:
    """Parse the config file's text; return the defaults and a readable problem when invalid."""
    if text is None or not text.strip():
        return RepoConfig(), None
    try:
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError("the file must be a mapping of settings")
        return RepoConfig.model_validate(data), None
    except yaml.YAMLError as exc:
        return (
            RepoConfig(),
            f"`{CONFIG_PATH}` is not valid YAML ({_first_line(exc)}); defaults used",
        )
    except (ValidationError, ValueError) as exc:
        return RepoConfig(), f"`{CONFIG_PATH}` is invalid: {_explain(exc)}; defaults used"


def wanted(change: Change, listings: Mapping[Ref, frozenset[str] | None]) -> list[tuple[str, Ref]]:
    """Name the config file for the snapshot: always on the base branch."""
    return [(CONFIG_PATH, "base")]


def from_snapshot(snap: Snapshot) -> tuple[RepoConfig, str | None]:
    """Parse the config as it is on the base branch."""
    return parse(snap.read(CONFIG_PATH, "base"))


def _explain(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'file'}: {error['msg']}"
            for error in exc.errors()
        )
    return str(exc)


def _first_line(exc: yaml.YAMLError) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
