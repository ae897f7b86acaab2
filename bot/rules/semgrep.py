"""Run the semgrep rule packs once per review over the changed files, offline.

semgrep only parses the files; nothing from the pull request is executed. It runs as a
subprocess (it has no supported Python API) over a temporary copy of the changed files, once per
review, because its start-up dominates (PLATFORM.md: 1.7 s for 1 file, 2.3 s for 200).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from bot.diff.model import ChangedFile
from bot.rules import paths
from bot.rules.model import Finding, RuleContext, Severity, fingerprint

log = logging.getLogger(__name__)

RULES_DIR = Path(__file__).resolve().parents[2] / "rules" / "semgrep"
EXTENSIONS = frozenset(
    {".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".rb", ".go", ".java", ".kt"}
)
MAX_FILES = 300
MAX_BYTES = 1_000_000
TIMEOUT_S = 180.0
_SEVERITY = {"ERROR": Severity.ERROR, "WARNING": Severity.WARNING, "INFO": Severity.NOTICE}


class SemgrepError(RuntimeError):
    """semgrep could not run or its output could not be read."""


def semgrep_binary() -> str:
    beside = Path(sys.executable).parent / "semgrep"
    found = str(beside) if beside.exists() else shutil.which("semgrep")
    if not found:
        raise SemgrepError(
            "the semgrep executable was not found; install the package's dependencies"
        )
    return found


def targets(ctx: RuleContext) -> list[ChangedFile]:
    """Pick the files worth a semgrep pass: text files of a known language with added lines."""
    picked = [
        f
        for f in ctx.change.files
        if f.added and not f.binary and PurePosixPath(f.path).suffix in EXTENSIONS and _safe(f.path)
    ]
    return picked[:MAX_FILES]


async def run(ctx: RuleContext, rules_dir: Path = RULES_DIR) -> list[Finding]:
    """Scan the changed files with every semgrep rule and keep findings on added lines."""
    files = targets(ctx)
    if not files:
        return []
    with tempfile.TemporaryDirectory(prefix="readiness-semgrep-") as tmp:
        root = Path(tmp)
        texts: dict[str, list[str]] = {}
        for changed in files:
            text = await ctx.contents.read(changed.path, "head")
            if text is None:  # a bare diff: what it shows of the file, on the right lines
                text = "\n".join(paths.from_diff(changed.added)) + "\n"
            if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
                continue
            target = root / changed.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", errors="replace")
            texts[changed.path] = text.splitlines()
        if not texts:
            return []
        output = await _invoke(root, rules_dir, sorted(texts))
    by_path = {f.path: f for f in files}
    return [
        finding
        for result in output.get("results", [])
        if (finding := _finding(result, by_path, texts)) is not None
    ]


async def _invoke(root: Path, rules_dir: Path, paths: list[str]) -> dict[str, Any]:
    env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
    command = [
        semgrep_binary(),
        "scan",
        "--config",
        str(rules_dir),
        "--json",
        "--quiet",
        "--disable-version-check",
        "--metrics=off",
        "--no-rewrite-rule-ids",
        "--no-git-ignore",
        "--timeout",
        "30",
        "--",
        *paths,
    ]
    proc = await asyncio.create_subprocess_exec(
        *command,
        cwd=root,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), TIMEOUT_S)
    except TimeoutError as exc:
        proc.kill()
        await proc.wait()
        raise SemgrepError(f"semgrep did not finish within {TIMEOUT_S:.0f} s") from exc
    try:
        output: dict[str, Any] = json.loads(stdout)
    except json.JSONDecodeError as exc:
        tail = stderr.decode(errors="replace")[-300:]
        raise SemgrepError(f"semgrep exited {proc.returncode} without JSON: {tail}") from exc
    for error in output.get("errors", []):
        if error.get("level") == "error":
            raise SemgrepError(f"semgrep: {error.get('type')}: {error.get('message') or error}")
        log.info("semgrep warning: %s", error.get("message") or error.get("type"))
    return output


def _finding(
    result: dict[str, Any], by_path: dict[str, ChangedFile], texts: dict[str, list[str]]
) -> Finding | None:
    path = str(result.get("path", ""))
    changed = by_path.get(path)
    line = int(result.get("start", {}).get("line", 0))
    if changed is None or line not in {added.number for added in changed.added}:
        return None
    pack, _, name = str(result["check_id"]).partition(".")
    extra = result.get("extra", {})
    rule = f"{pack}/{name}"
    lines = texts.get(path, [])
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    return Finding(
        rule=rule,
        pack=pack,
        path=path,
        line=line,
        severity=_SEVERITY.get(str(extra.get("severity")), Severity.WARNING),
        message=str(extra.get("message", "")).strip(),
        fingerprint=fingerprint(rule, path, content),
    )


def _safe(path: str) -> bool:
    """Refuse paths that would escape the temporary directory or confuse the file system."""
    parts = PurePosixPath(path).parts
    return bool(parts) and not path.startswith("/") and ".." not in parts and "\0" not in path
