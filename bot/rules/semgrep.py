"""Run the repository's own semgrep rules, once per review, only when a changed file needs them.

Teams bring rules in semgrep's format as `.github/readiness/semgrep/*.yml`, read from the **base**
branch like the config, so a pull request cannot change the rules that judge it. Built-in rules
are Python (bot/rules/runner.py); semgrep is started only when a changed file's language has a
repository rule. semgrep only parses the files: it runs as a subprocess (it has no supported
Python API) over a temporary copy of them. Its error text quotes those files, so only a summary
of it is ever logged or reported.

The engine is run directly: `semgrep-core`, the matching engine every `semgrep scan` runs, from
the same pinned wheel, given the rules and a targets file in the wheel's own interface format
(`semgrep_interfaces`, the one pysemgrep writes for it). The `semgrep scan` front end costs
~1.7-2.3 s of CPU before it matches anything (PLATFORM.md); the engine alone starts in ~0.1 s and
still does what the front end relied on it for: each rule's languages and `paths:`, `nosemgrep`
comments (`is_ignored`), metavariables in messages, per-file timeouts.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import logging
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import yaml

from bot.diff.model import Change, ChangedFile, Ref
from bot.rules.model import Finding, Severity, fingerprint
from bot.snapshot.model import Snapshot

if TYPE_CHECKING:
    from bot.metrics import Metrics

log = logging.getLogger(__name__)

RULES_FOLDER = ".github/readiness/semgrep/"
RULE_PACK = "repo"  # findings of repository rules are reported as `repo/<rule id>`
MAX_FILES = 300
MAX_BYTES = 1_000_000
TIMEOUT_S = 180.0
KIND_CHARS = 60  # an error's kind is semgrep's own name for it; anything longer is cut
_SEVERITY = {"ERROR": Severity.ERROR, "WARNING": Severity.WARNING, "INFO": Severity.NOTICE}
# semgrep's language names -> file suffixes; `generic` and `regex` rules read any text file.
SUFFIXES: dict[str, frozenset[str]] = {
    **dict.fromkeys(("python", "py", "python3"), frozenset({".py", ".pyi"})),
    **dict.fromkeys(("javascript", "js"), frozenset({".js", ".jsx", ".mjs", ".cjs"})),
    **dict.fromkeys(("typescript", "ts"), frozenset({".ts", ".tsx", ".mts", ".cts"})),
    **dict.fromkeys(("go", "golang"), frozenset({".go"})),
    **dict.fromkeys(("ruby", "rb"), frozenset({".rb"})),
    "java": frozenset({".java"}),
    **dict.fromkeys(("kotlin", "kt"), frozenset({".kt", ".kts"})),
    "yaml": frozenset({".yml", ".yaml"}),
    "json": frozenset({".json"}),
    "php": frozenset({".php"}),
    **dict.fromkeys(("rust", "rs"), frozenset({".rs"})),
    **dict.fromkeys(("csharp", "c#", "cs"), frozenset({".cs"})),
    **dict.fromkeys(("terraform", "hcl", "tf"), frozenset({".tf", ".hcl"})),
    "dockerfile": frozenset({"Dockerfile"}),
    **dict.fromkeys(("bash", "sh"), frozenset({".sh", ".bash"})),
}
ANY_TEXT = frozenset({"generic", "regex", "none"})


class SemgrepError(RuntimeError):
    """semgrep could not run, its output could not be read, or a rule file is invalid."""


@dataclass(frozen=True)
class RuleFile:
    path: str
    parsed: tuple[dict[str, Any], ...]
    """The file's rules as its YAML gives them."""
    rules: Mapping[str, frozenset[str]]
    """Each rule's id (as semgrep reports it) -> its languages, lower-cased."""


def wanted(change: Change, listings: Mapping[Ref, frozenset[str] | None]) -> list[tuple[str, Ref]]:
    """Name the repository's rule files on the base branch, for the snapshot."""
    return [(path, "base") for path in sorted(listings.get("base") or ()) if _is_rule_file(path)]


def rule_files(snap: Snapshot) -> list[RuleFile]:
    """Read the repository's rule files from the snapshot; raise SemgrepError on an invalid one."""
    found = []
    for path in sorted(snap.listing("base") or ()):
        text = snap.read(path, "base") if _is_rule_file(path) else None
        if text is None:
            continue
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise SemgrepError(f"`{path}` is not valid YAML") from exc
        rules = data.get("rules") if isinstance(data, dict) else None
        if not isinstance(rules, list):
            raise SemgrepError(f"`{path}` has no `rules:` list (semgrep's rule format)")
        languages_of = {
            str(rule.get("id")): frozenset(
                str(lang).lower() for lang in rule.get("languages") or ()
            )
            for rule in rules
            if isinstance(rule, dict)
        }
        parsed = tuple(rule for rule in rules if isinstance(rule, dict))
        found.append(RuleFile(path, parsed, languages_of))
    return found


def rule_ids(snap: Snapshot) -> frozenset[str]:
    """Return the ids of the repository's rules as findings carry them (`repo/<id>`).

    Raises SemgrepError when a rule file is invalid, as `run` does.
    """
    return frozenset(f"{RULE_PACK}/{rule}" for f in rule_files(snap) for rule in f.rules)


def targets(
    snap: Snapshot, files: list[RuleFile], enabled: Callable[[str], bool] = lambda _: True
) -> list[ChangedFile]:
    """Pick the changed files an enabled repository rule applies to: its language, added lines."""
    languages = frozenset().union(
        *(langs for f in files for rule, langs in f.rules.items() if enabled(f"{RULE_PACK}/{rule}"))
    )
    any_text = bool(languages & ANY_TEXT)
    suffixes = frozenset().union(*(SUFFIXES.get(lang, frozenset()) for lang in languages))

    def applies(path: str) -> bool:
        posix = PurePosixPath(path)
        return any_text or posix.suffix.lower() in suffixes or posix.name in suffixes

    picked = [
        f
        for f in snap.change.files
        if f.added and not f.binary and applies(f.path) and _safe(f.path)
    ]
    return picked[:MAX_FILES]


async def run(
    snap: Snapshot, enabled: Callable[[str], bool], metrics: Metrics | None = None
) -> list[Finding]:
    """Scan the changed files with the repository's rules and keep findings on added lines.

    `enabled` tells whether a rule (`repo/<id>`) runs: semgrep is told to skip the others, and
    is not started at all when no enabled rule applies to a changed file. `metrics` records
    each run that starts semgrep: its outcome and time.
    """
    files = rule_files(snap)
    changed = targets(snap, files, enabled) if files else []
    if not changed:
        return []
    skipped = sorted({r for f in files for r in f.rules if not enabled(f"{RULE_PACK}/{r}")})
    with tempfile.TemporaryDirectory(prefix="readiness-semgrep-") as tmp:
        root = Path(tmp)
        src = root / "src"
        texts: dict[str, list[str]] = {}
        for f in changed:
            text = snap.head_or_diff(f).text or ""  # a bare diff: what it shows, in place
            if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
                continue
            target = src / f.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", errors="replace")
            texts[f.path] = text.splitlines()
        if not texts:
            return []
        started, ok = time.perf_counter(), False
        try:
            output = await _invoke(root, _rules_json(files, skipped))
            ok = True
        finally:
            if metrics is not None:
                metrics.semgrep_run(ok, time.perf_counter() - started)
    by_path = {f.path: f for f in changed}
    return [
        finding
        for result in output.get("results", [])
        if (finding := _finding(result, by_path, texts)) is not None
    ]


def semgrep_core() -> str:
    """Find the engine: inside the installed semgrep wheel, else `semgrep-core` on PATH."""
    spec = importlib.util.find_spec("semgrep")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "semgrep-core"
        if bundled.is_file():
            return str(bundled)
    found = shutil.which("semgrep-core")
    if not found:
        raise SemgrepError(
            "semgrep-core was not found; install the package's dependencies (semgrep)"
        )
    return found


def _rules_json(files: list[RuleFile], skipped: list[str]) -> str:
    """All rule files as one `{"rules": [...]}` document, the disabled rules left out.

    JSON is YAML to semgrep, and one file keeps one rule id unique per run (PLATFORM.md: two
    rules sharing an id lose findings).
    """
    left_out = set(skipped)
    rules = [
        rule
        for rule_file in files
        for rule in rule_file.parsed
        if str(rule.get("id")) not in left_out
    ]
    # YAML may hold what JSON cannot (a date in a rule's metadata): written as its text.
    return json.dumps({"rules": rules}, default=str)


def _targets_json() -> str:
    """The targets file: the working directory, which holds the files to scan and nothing else,
    as the one scanning root; semgrep picks each file's language by the rules, and ignores
    nothing (they are the changed files, chosen already). Rules' `paths:` match the paths
    relative to it, the repository's own."""
    conf = {
        "exclude": [],
        "max_target_bytes": MAX_BYTES,
        "respect_gitignore": False,
        "respect_semgrepignore_files": False,
        "always_select_explicit_targets": True,
        "explicit_targets": [],
        "force_novcs_project": True,
        "exclude_minified_files": False,
    }
    return json.dumps(["Scanning_roots", {"root_paths": ["."], "targeting_conf": conf}])


async def _invoke(root: Path, rules: str) -> dict[str, Any]:
    """Run the engine over the files under `root / "src"` and return its JSON output.

    Raises SemgrepError when it cannot start, runs past TIMEOUT_S, prints no JSON, or reports an
    error (a rule it cannot parse); its warnings (a file it could parse only in part) are logged
    as a summary.
    """
    (root / "rules.json").write_text(rules, encoding="utf-8")
    (root / "targets.json").write_text(_targets_json(), encoding="utf-8")
    command = [
        semgrep_core(),
        "-json",
        # Relative to the working directory, the targets' folder: the engine names the rules
        # document in its errors, and `_path` tells it from a target by the `../`.
        "-rules",
        "../rules.json",
        "-targets",
        "../targets.json",
        "-timeout",
        "30",
        "-j",
        "1",
    ]
    proc = await asyncio.create_subprocess_exec(
        *command,
        cwd=root / "src",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT_S)
    except TimeoutError as exc:
        proc.kill()
        await proc.wait()
        raise SemgrepError(f"semgrep did not finish within {TIMEOUT_S:.0f} s") from exc
    # The engine prints a progress dot per target before its JSON document.
    start = stdout.find(b"{")
    try:
        output: dict[str, Any] = json.loads(stdout[start:] if start >= 0 else b"")
    except json.JSONDecodeError as exc:
        # Its error output may quote the files it read: say how much there was, not what.
        raise SemgrepError(
            f"semgrep exited {proc.returncode} without JSON output ({len(stderr)} bytes of errors)"
        ) from exc
    errors = [e for e in output.get("errors") or () if isinstance(e, dict)]
    fatal = [e for e in errors if e.get("severity") == "error"]
    if fatal:
        raise SemgrepError(f"semgrep failed: {summary(fatal)}")
    if errors:
        log.info("semgrep reported %d warning(s): %s", len(errors), summary(errors))
    return output


def summary(errors: list[dict[str, Any]]) -> str:
    """Summarise semgrep's errors as kind, rule and path with a count, never their message.

    A message quotes what semgrep could not read ("Syntax error at line x.py:3: `KEY = '…'`
    was unexpected"): the pull request's code, secrets included, has no place in our logs.
    Shape: "PartialParsing in `shop/jobs.py` (2); Rule parse error in rule `no-print`".
    """
    counts = Counter(
        (_kind(error), str(error.get("rule_id") or ""), _path(error)) for error in errors
    )
    parts = []
    for (kind, rule, path), count in sorted(counts.items()):
        where = " ".join(([f"rule `{rule}`"] if rule else []) + ([f"`{path}`"] if path else []))
        parts.append(
            kind + (f" in {where}" if where else "") + (f" ({count})" if count > 1 else "")
        )
    return "; ".join(parts)


def _path(error: dict[str, Any]) -> str:
    """The changed file an error is about; none for one about the rules document."""
    location = error.get("location")
    path = location.get("path") if isinstance(location, dict) else None
    return path if isinstance(path, str) and not path.startswith("../") else ""


def _kind(error: dict[str, Any]) -> str:
    """Name the error's type: a string, or the first item of `[name, spans]`."""
    kind = error.get("error_type")
    if isinstance(kind, list) and kind:
        kind = kind[0]
    return kind[:KIND_CHARS] if isinstance(kind, str) else "error"


def _finding(
    result: dict[str, Any], by_path: dict[str, ChangedFile], texts: dict[str, list[str]]
) -> Finding | None:
    path = str(result.get("path", ""))
    changed = by_path.get(path)
    extra = result.get("extra", {})
    if extra.get("is_ignored"):  # a `nosemgrep` comment on the line
        return None
    line = int(result.get("start", {}).get("line", 0))
    if changed is None or line not in {added.number for added in changed.added}:
        return None
    rule = f"{RULE_PACK}/{result['check_id']}"
    lines = texts.get(path, [])
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    return Finding(
        rule=rule,
        pack=RULE_PACK,
        path=path,
        line=line,
        severity=_SEVERITY.get(str(extra.get("severity")), Severity.WARNING),
        message=str(extra.get("message", "")).strip(),
        fingerprint=fingerprint(rule, path, content),
    )


def _is_rule_file(path: str) -> bool:
    return path.startswith(RULES_FOLDER) and path.endswith((".yml", ".yaml"))


def _safe(path: str) -> bool:
    """Refuse paths that would escape the temporary directory or confuse the file system."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and "\0" not in path
