"""A repository's settings: its `.github/readiness.yml`, its organisation's, and the defaults.

Read from the base, not the head: a pull request must not be able to silence its own review by
editing the config. The organisation's file (in its `.github` repository, `readiness.yml` at the
root or `.github/readiness.yml`) applies under the repository's unless that says
`extends: false`; `resolve` merges the two and says which file set each value. A file that does
not parse becomes a message in the report and is not applied; it never stops a review. Paths are
matched as `.gitignore` lines are (pathspec), so `vendor/`, `/vendor/**` and `**/vendor/**` mean
what they mean to git.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, Literal

import pathspec
import yaml
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.diff.model import Change, Ref
from bot.rules import semgrep
from bot.rules.model import Deploys, Finding, Pack, Rule, Severity
from bot.snapshot.model import Snapshot

CONFIG_PATH = ".github/readiness.yml"
ORG_REPO = ".github"  # the organisation's repository of shared community files
ORG_PATHS = ("readiness.yml", ".github/readiness.yml")  # in that repository, first found wins
DEFAULT = "built-in default"
MAX_COMMENTS = 30
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


def _off(value: Any) -> Any:
    """Read YAML 1.1's `off` (which PyYAML loads as false) as the word `off` it was written as."""
    return "off" if value is False else value


SeverityName = Annotated[Literal["error", "warning", "notice", "off"], BeforeValidator(_off)]
CommentsMode = Annotated[Literal["review", "annotations-only", "off"], BeforeValidator(_off)]


class RepoConfig(BaseModel):
    """What a repository or organisation can tune. Each path list is read like a `.gitignore`
    file of its own."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    extends: bool = True
    """In a repository's file: `false` ignores the organisation's file (only the defaults apply
    under this one)."""
    ignore: Patterns = ()
    """Paths no rule reports on (vendored code, generated files)."""
    allow: dict[str, Patterns] = {}
    """Pack or rule id -> paths where it does not report (e.g. `data-layer: [demo/]`)."""
    disable: tuple[str, ...] = ()
    """Pack or rule ids that do not run at all."""
    severity: dict[str, SeverityName] = {}
    """Pack or rule id -> the severity its findings get (`error`, `warning`, `notice`), or `off`
    (it does not run). A rule's entry wins over its pack's."""
    deploys: Deploys = "stop"
    """How new releases go out: `stop` (the old version stops before migrations run) or
    `rolling` (old and new versions serve side by side while migrations run). Findings that
    harm only the old version during a rolling deploy (a table or column it still uses dropped
    or renamed, an index built under a lock that blocks its writes) are notices under `stop`,
    warnings under `rolling`."""
    fail_on: Literal["error", "warning", "never"] = "error"
    """The lowest severity that makes the check run fail: `error`, `warning`, or `never` (the
    run is at worst neutral)."""
    drafts: Literal["neutral", "review"] = "neutral"
    """A draft pull request's check run: `neutral` (reviewed and commented, but failing findings
    do not fail the check until it is marked ready for review), or `review` (judged as any)."""
    comments: CommentsMode = "review"
    """Where findings go besides the check run's summary: `review` (a pull request review with
    line comments, and annotations), `annotations-only` (no review), or `off` (summary only)."""
    max_comments: int = Field(default=MAX_COMMENTS, ge=0, le=100)
    """Line comments in one review; further findings are listed in the review's body."""
    generated: Patterns = ()
    """Paths that are generated, added to the built-in list: code rules skip them, the secrets
    pack still reads them."""
    migrations: Patterns = ()
    """Paths of migrations the conventional folders miss (e.g. `/db/changes/`): the migrations
    pack reviews them as it reviews `migrations/`."""
    frontend: Patterns = ()
    """Paths bundled for the browser that the conventional folders miss (e.g. `/app/src/`): a
    secret there, or a server-only variable read there, ships to every visitor, unless its
    module says it runs on the server ("use server", `server-only`, a `node:` import)."""

    def enables(self, rule: str) -> bool:
        """Tell whether a rule runs: neither its id nor its pack's is in `disable` or `off`."""
        pack = rule.partition("/")[0]
        if rule in self.disable or pack in self.disable:
            return False
        return self._severity(rule) != "off"

    def keeps(self, finding: Finding) -> bool:
        """Tell whether a finding survives the repository's ignore, allow and disable lists."""
        if finding.pack in self.disable or not self.enables(finding.rule):
            return False
        lists = (self.ignore, self.allow.get(finding.pack, ()), self.allow.get(finding.rule, ()))
        return not any(_spec(patterns).match_file(finding.path) for patterns in lists if patterns)

    def severity_of(self, finding: Finding, rule: Rule | None) -> Severity:
        """Return the severity a finding is reported with: the config's entry for its rule or
        pack, if any; else its own, lowered to the highest its `rule` (None: a repository's
        semgrep rule) reports under `deploys`."""
        chosen = self._severity(finding.rule)
        if chosen not in (None, "off"):
            return Severity(chosen)
        highest = rule.highest(self.deploys) if rule is not None else finding.severity
        return max(finding.severity, highest, key=lambda severity: severity.rank)  # the lower

    def _severity(self, rule: str) -> SeverityName | None:
        return self.severity.get(rule) or self.severity.get(rule.partition("/")[0])

    def unknown_ids(self, known: frozenset[str], name: str = CONFIG_PATH) -> list[str]:
        """Describe each id in `disable`, `severity` or an `allow` key that names no known pack
        or rule (`name` is how the file is named in the message).

        Such an entry does nothing, so a typo would otherwise pass in silence; the closest known
        id is suggested. The rest of the file still applies.
        """
        return [
            f"`{name}`: `{key}` names `{rule}`, which is no pack or rule id"
            f"{_suggestion(rule, known)}; that entry has no effect"
            for key, rule in self.named()
            if rule not in known
        ]

    def named(self) -> Iterator[tuple[str, str]]:
        """Yield (setting, id) for every pack or rule id the file names."""
        yield from (("disable", name) for name in self.disable)
        yield from (("allow", name) for name in self.allow)
        yield from (("severity", name) for name in self.severity)


# How a setting given by both files merges: lists add up (the repository's lines come last, so
# its `!pattern` can bring back a path the organisation's file ignores), maps merge per key (an
# `allow` entry's lists add up; a `severity` entry of the repository replaces the
# organisation's), and single values are the repository's.
_LISTS = frozenset({"ignore", "disable", "generated", "migrations", "frontend"})


def merge(lower: RepoConfig, upper: RepoConfig) -> RepoConfig:
    """Lay `upper` (a repository's file) over `lower` (its organisation's): see `_LISTS`."""
    data = dict(lower)
    for key in upper.model_fields_set:
        value = getattr(upper, key)
        if key in _LISTS:
            data[key] = (*data[key], *value)
        elif key == "allow":
            allow = dict(lower.allow)
            for rule, patterns in upper.allow.items():
                allow[rule] = (*allow.get(rule, ()), *patterns)
            data[key] = allow
        elif key == "severity":
            data[key] = {**lower.severity, **upper.severity}
        else:
            data[key] = value
    return RepoConfig.model_validate(data)


@dataclass(frozen=True)
class Layer:
    """One config file as read: how the report names it (`name`), its text (None: absent), and
    why it could not be read, if it could not."""

    name: str
    text: str | None
    problem: str | None = None


@dataclass(frozen=True)
class Resolved:
    """The effective config, the files that applied (repository first), where each setting
    came from (setting -> the files that gave it; empty: the built-in default), and problems."""

    config: RepoConfig = field(default_factory=RepoConfig)
    files: tuple[str, ...] = ()
    origins: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    problems: tuple[str, ...] = ()

    def origin(self, key: str) -> str:
        """Say where one setting came from: the files, or the built-in default."""
        return ", ".join(f"`{f}`" for f in self.origins.get(key, ())) or DEFAULT

    def describe(self) -> str:
        """The effective config as YAML, each setting followed by where it came from."""
        lines = []
        for key, value in self.config.model_dump(mode="json").items():
            text = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True).rstrip("\n")
            first, *rest = text.split("\n")
            lines += [f"{first}  # {self.origin(key).replace('`', '')}", *rest]
        return "\n".join(lines) + "\n"


def resolve(
    repository: Layer, organisation: Layer | None, known: frozenset[str] | None = None
) -> Resolved:
    """Apply the organisation's file, then the repository's, over the defaults.

    `organisation` is None when there is none (or the repository was not asked for it because
    its file says `extends: false`). An invalid file is reported and not applied; when `known`
    is given, ids a file names that are not in it are reported too (the entry does nothing).
    """
    inherits = organisation is not None and organisation.text is not None
    fallback = "not applied (the organisation's file applies)" if inherits else "defaults used"
    own, own_problem = parse(repository.text, repository.name, fallback)
    layers: list[tuple[Layer, RepoConfig]] = []
    problems = [own_problem] if own_problem else []
    if organisation is not None and own.extends:
        org, org_problem = parse(organisation.text, organisation.name, "not applied")
        problems += [p for p in (organisation.problem, org_problem) if p]
        if organisation.text is not None and org_problem is None:
            layers.append((organisation, org))
    if repository.text is not None and own_problem is None:
        layers.append((repository, own))
    effective = RepoConfig()
    origins: dict[str, tuple[str, ...]] = {}
    for layer, config in layers:
        effective = merge(effective, config)
        for key in config.model_fields_set:
            joins = key in _LISTS or key in ("allow", "severity")
            origins[key] = (*origins.get(key, ()), layer.name) if joins else (layer.name,)
        if known is not None:
            problems += config.unknown_ids(known, layer.name)
    files = tuple(layer.name for layer, _ in reversed(layers))
    return Resolved(effective, files, origins, tuple(problems))


def parse(
    text: str | None, name: str = CONFIG_PATH, fallback: str = "defaults used"
) -> tuple[RepoConfig, str | None]:
    """Parse a config file's text; return the defaults and a readable problem when invalid.

    `name` is how the problem names the file; `fallback` says what applies instead.
    """
    if text is None or not text.strip():
        return RepoConfig(), None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader
        if not isinstance(data, dict):
            raise ValueError("the file must be a mapping of settings")
        return RepoConfig.model_validate(data), None
    except yaml.YAMLError as exc:
        return RepoConfig(), f"`{name}` is not valid YAML ({_first_line(exc)}); {fallback}"
    except (ValidationError, ValueError) as exc:
        return RepoConfig(), f"`{name}` is invalid: {_explain(exc)}; {fallback}"


def wanted(change: Change, listings: Mapping[Ref, frozenset[str] | None]) -> list[tuple[str, Ref]]:
    """Name the config file for the snapshot: always on the base branch."""
    return [(CONFIG_PATH, "base")]


def from_snapshot(
    snap: Snapshot, packs: Sequence[Pack], organisation: Layer | None = None
) -> Resolved:
    """Resolve the config as it is on the base branch, over the organisation's file if given.

    Ids are checked against `packs` and the repository's own semgrep rules (`repo/<id>`, read
    from the base branch too). When those rule files cannot be read, the semgrep run reports
    it, and `repo/` ids are taken on trust.
    """
    repository = Layer(CONFIG_PATH, snap.read(CONFIG_PATH, "base"))
    known = set(built_in_ids(packs))
    try:
        known |= semgrep.rule_ids(snap)
    except semgrep.SemgrepError:
        known |= trusted_ids(repository, organisation)
    return resolve(repository, organisation, frozenset(known))


def extends(text: str | None) -> bool:
    """Tell whether a repository's file lets its organisation's apply (an invalid file does:
    it is not applied, and the organisation's file is the closest to what was meant)."""
    config, problem = parse(text)
    return problem is not None or config.extends


def org_layer(owner: str, path: str, text: str) -> Layer:
    """Name a file of the organisation's `.github` repository as the report shows it."""
    return Layer(f"{owner}/{ORG_REPO}/{path}", text)


def trusted_ids(*layers: Layer | None) -> frozenset[str]:
    """The `repo/<id>` ids the files name, taken on trust where the rule files are not read."""
    prefix = f"{semgrep.RULE_PACK}/"
    return frozenset(
        i
        for layer in layers
        if layer is not None
        for _, i in parse(layer.text)[0].named()
        if i.startswith(prefix)
    )


def built_in_ids(packs: Sequence[Pack]) -> frozenset[str]:
    """Every id a config may name without the repository's rule files: packs, their rules, and
    `repo` (the repository's own semgrep rules as a whole)."""
    return frozenset({semgrep.RULE_PACK, *(i for pack in packs for i in (pack.id, *pack.ids))})


def allow_entry(rules: Sequence[str], path: str) -> str:
    """Write the `.github/readiness.yml` lines that allow these rules on exactly one path.

    The path is anchored (`/`) and escaped, so it matches that file and nothing else.
    """
    stripped = path.rstrip(" ")
    pattern = "/" + GitIgnoreSpecPattern.escape(stripped) + "\\ " * (len(path) - len(stripped))
    allowed = {rule: [pattern] for rule in rules}
    return yaml.safe_dump({"allow": allowed}, sort_keys=False, allow_unicode=True)


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
