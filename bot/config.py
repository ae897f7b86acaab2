"""A repository's own settings, `.github/readiness.yml`, read from the base branch.

Read from the base, not the head: a pull request must not be able to silence its own review by
editing the config. A file that does not parse becomes a message in the report, and the
defaults apply; it never stops a review. Paths are matched as `.gitignore` lines are (pathspec),
so `vendor/`, `/vendor/**` and `**/vendor/**` mean what they mean to git.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any

import pathspec
import yaml
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from bot.diff.model import Change, Ref
from bot.rules import semgrep
from bot.rules.model import Finding, Pack
from bot.snapshot.model import Snapshot

CONFIG_PATH = ".github/readiness.yml"
_MERGE = "tag:yaml.org,2002:merge"


@lru_cache(maxsize=512)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    """Compile one list of paths; raise ValueError (GitIgnorePatternError) on a line git rejects."""
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _compiled(patterns: tuple[str, ...]) -> tuple[str, ...]:
    _spec(patterns)
    return patterns


# A list of paths, read like a `.gitignore` file; checked when the config is parsed.
Patterns = Annotated[tuple[str, ...], AfterValidator(_compiled)]


class RepoConfig(BaseModel):
    """What a repository can tune. Each path list is read like a `.gitignore` file of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    ignore: Patterns = ()
    """Paths no rule reports on (vendored code, generated files)."""
    allow: dict[str, Patterns] = {}
    """Pack or rule id -> paths where it does not report (e.g. `data-layer: [demo/]`)."""
    disable: tuple[str, ...] = ()
    """Pack or rule ids that do not run at all."""

    def enables(self, rule: str) -> bool:
        """Tell whether a rule runs: neither its id nor its pack's is in `disable`."""
        return rule not in self.disable and rule.partition("/")[0] not in self.disable

    def keeps(self, finding: Finding) -> bool:
        """Tell whether a finding survives the repository's ignore, allow and disable lists."""
        if finding.pack in self.disable or not self.enables(finding.rule):
            return False
        lists = (self.ignore, self.allow.get(finding.pack, ()), self.allow.get(finding.rule, ()))
        return not any(_spec(patterns).match_file(finding.path) for patterns in lists if patterns)

    def unknown_ids(self, known: frozenset[str]) -> list[str]:
        """Describe each id in `disable` or an `allow` key that names no known pack or rule.

        Such an entry does nothing, so a typo would otherwise pass in silence; the closest known
        id is suggested. The rest of the file still applies.
        """
        return [
            f"`{CONFIG_PATH}`: `{key}` names `{name}`, which is no pack or rule id"
            f"{_suggestion(name, known)}; that entry has no effect"
            for key, name in self.named()
            if name not in known
        ]

    def named(self) -> Iterator[tuple[str, str]]:
        """Yield (setting, id) for every pack or rule id the file names."""
        yield from (("disable", name) for name in self.disable)
        yield from (("allow", name) for name in self.allow)


def parse(text: str | None) -> tuple[RepoConfig, str | None]:
    """Parse the config file's text; return the defaults and a readable problem when invalid."""
    if text is None or not text.strip():
        return RepoConfig(), None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
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


def from_snapshot(snap: Snapshot, packs: Sequence[Pack]) -> tuple[RepoConfig, list[str]]:
    """Parse the config as it is on the base branch; return it and its problems for the report.

    Ids are checked against `packs` and the repository's own semgrep rules (`repo/<id>`, read
    from the base branch too). When those rule files cannot be read, the semgrep run reports
    it, and `repo/` ids are taken on trust.
    """
    config, problem = parse(snap.read(CONFIG_PATH, "base"))
    if problem is not None:
        return config, [problem]
    known = set(built_in_ids(packs))
    try:
        known |= semgrep.rule_ids(snap)
    except semgrep.SemgrepError:
        known |= {i for _, i in config.named() if i.startswith(f"{semgrep.RULE_PACK}/")}
    return config, config.unknown_ids(frozenset(known))


def built_in_ids(packs: Sequence[Pack]) -> frozenset[str]:
    """Every id a config may name without the repository's rule files: packs, their rules, and
    `repo` (the repository's own semgrep rules as a whole)."""
    return frozenset({semgrep.RULE_PACK, *(i for pack in packs for i in (pack.id, *pack.ids))})


def allow_entry(rule: str, path: str) -> str:
    """Write the `.github/readiness.yml` lines that allow one rule on exactly one path.

    The path is anchored (`/`) and escaped, so it matches that file and nothing else.
    """
    stripped = path.rstrip(" ")
    pattern = "/" + GitIgnoreSpecPattern.escape(stripped) + "\\ " * (len(path) - len(stripped))
    return yaml.safe_dump({"allow": {rule: [pattern]}}, sort_keys=False, allow_unicode=True)


class _UniqueKeyLoader(yaml.SafeLoader):
    """Refuse a key given twice: PyYAML keeps the last silently, dropping the first's entries."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            # Keys merged in with `<<` may be overridden: only keys written out count.
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != _MERGE:
                if key_node.value in seen:
                    line = key_node.start_mark.line + 1
                    raise yaml.constructor.ConstructorError(
                        problem=f"key `{key_node.value}` given twice (line {line})"
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _suggestion(name: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean `{close[0]}`?)" if close else " (`/readiness help` lists them)"


def _explain(exc: ValidationError | ValueError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'file'}: {error['msg']}"
            for error in exc.errors()
        )
    return str(exc)


def _first_line(exc: yaml.YAMLError) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
