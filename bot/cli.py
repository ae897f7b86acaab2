"""`readiness serve` runs the app; `readiness scan` runs the same rules on a local change;
`readiness setup` registers the app on GitHub. `readiness baseline` records the findings of the
code as it is, so that they are not reported again.

Exit codes: 0 no failing finding, 1 at least one finding at `--fail-on`'s level, else the
config's `fail_on` (an error by default), 2 usage, input or settings error, or a change that
was not fully reviewed (a file that could not be read, an invalid repository config, the
repository's semgrep rules failing) unless `--allow-partial` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import io
import json
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TextIO, TypeVar

from bot import logs
from bot.config import Layer
from bot.diff import git
from bot.diff.parse import NotADiff
from bot.local import scan_diff, scan_repo, scan_staged, write_baseline
from bot.progress import AFTER_S, ProgressLine
from bot.redaction import scrub, scrub_data
from bot.report import sarif, workflow
from bot.report.checks import Conclusion, conclusion
from bot.rules import runner
from bot.rules.engine import Evaluation
from bot.rules.model import Severity
from bot.rules.registry import RULES
from bot.version import VERSION

if TYPE_CHECKING:
    from pydantic import ValidationError
    from pydantic_settings import BaseSettings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SettingsT = TypeVar("SettingsT", bound="BaseSettings")
T = TypeVar("T")
P = ParamSpec("P")


class UsageError(Exception):
    """Bad input from the user: reported on one line, exit code 2."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "serve":
            return serve()
        if args.command == "jobs":
            return _to_stdout(lambda out: asyncio.run(jobs(args.limit, out)))
        if args.command == "config":
            return _to_stdout(lambda out: config(args, out))
        if args.command == "setup":
            return setup(args)
        if args.command in ("backup", "restore"):
            return _to_stdout(lambda out: copy_store(args, out))
        if args.command == "baseline":
            return _to_stdout(lambda out: baseline(args.repo, out))
        return _to_stdout(lambda out: scan(args, out))
    except UsageError as exc:
        print(f"readiness: {scrub(str(exc))}", file=sys.stderr)  # noqa: T201
        return EXIT_USAGE


def _to_stdout(command: Callable[[TextIO], int]) -> int:
    """Run a command, then print what it wrote; a reader that stops early (`| head`) is no error.

    The exit code stays the command's: the findings are what they are, read or not.
    """
    out = io.StringIO()
    code = command(out)
    try:
        sys.stdout.write(out.getvalue())
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's recipe: point stdout at devnull, or the flush at exit raises again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="readiness", description="Review changes for production-readiness regressions."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="run the GitHub App: webhook server and workers")
    jobs_cmd = commands.add_parser("jobs", help="show job counts and the dead-letter queue")
    jobs_cmd.add_argument("--limit", type=int, default=20, help="failed jobs to list")
    config_cmd = commands.add_parser("config", help="check the repository config, or its schema")
    config_actions = config_cmd.add_subparsers(dest="action", required=True)
    check_cmd = config_actions.add_parser("check", help="validate a config file, print it")
    check_cmd.add_argument(
        "file", nargs="?", type=Path, default=Path(".github/readiness.yml"), help="the file"
    )
    check_cmd.add_argument(
        "--org", type=Path, help="the organisation's file, applied under it (as the server does)"
    )
    config_actions.add_parser("schema", help="print the config file's JSON Schema")
    setup_cmd = commands.add_parser(
        "setup", help="register the GitHub App from app.yml and write its .env"
    )
    setup_cmd.add_argument(
        "--url", required=True, help="where `readiness serve` will be reachable: https://HOST"
    )
    setup_cmd.add_argument("--org", help="register the app on this organisation")
    setup_cmd.add_argument("--name", help="the app's name (default: app.yml's)")
    setup_cmd.add_argument(
        "--env-file", type=Path, default=Path(".env"), help="where to write (default: .env)"
    )
    setup_cmd.add_argument(
        "--force", action="store_true", help="replace an existing .env and key file"
    )
    setup_cmd.add_argument(
        "--host", default="127.0.0.1", help="local page's address (default: 127.0.0.1)"
    )
    setup_cmd.add_argument(
        "--port", type=int, default=3000, help="local page's port (default: 3000; 0: any)"
    )
    backup_cmd = commands.add_parser(
        "backup", help="copy the SQLite job store to FILE; safe while the server runs"
    )
    backup_cmd.add_argument("file", type=Path, help="the backup file to write")
    backup_cmd.add_argument("--force", action="store_true", help="replace FILE if it exists")
    restore_cmd = commands.add_parser(
        "restore", help="copy a backup FILE into READINESS_DATA_DIR while no server uses it"
    )
    restore_cmd.add_argument("file", type=Path, help="a file `readiness backup` wrote")
    restore_cmd.add_argument(
        "--force", action="store_true", help="replace the job store READINESS_DATA_DIR holds"
    )
    baseline_cmd = commands.add_parser(
        "baseline", help="write .readiness-baseline.json: today's findings, not reported again"
    )
    baseline_cmd.add_argument(
        "--repo", type=Path, default=Path("."), help="the git work tree (default: here)"
    )
    scan_cmd = commands.add_parser("scan", help="review a local git change or a diff file")
    source = scan_cmd.add_mutually_exclusive_group(required=True)
    source.add_argument("--repo", type=Path, help="a git repository (with --base)")
    source.add_argument("--diff", help="a unified diff file, or - for standard input")
    source.add_argument(
        "--staged",
        action="store_true",
        help="what is staged in the git work tree here, against HEAD (a pre-commit hook)",
    )
    scan_cmd.add_argument("--base", help="the base ref the change is compared with")
    scan_cmd.add_argument("--head", default="HEAD", help="the head ref (default: HEAD)")
    scan_cmd.add_argument(
        "--format",
        choices=("text", "json", "sarif", "github"),
        default="text",
        help="sarif: SARIF 2.1.0 for code scanning; github: workflow-command annotations",
    )
    scan_cmd.add_argument(
        "--fail-on",
        choices=("error", "warning", "notice", "never"),
        default=None,
        help="exit 1 on a finding of this severity or higher (default: the config's fail_on, "
        "error unless set)",
    )
    scan_cmd.add_argument(
        "--allow-partial",
        action="store_true",
        help="exit 0 or 1 by the findings even when part of the change could not be reviewed",
    )
    scan_cmd.add_argument(
        "--org",
        type=Path,
        help="the organisation's config file, applied under the repository's (as the server "
        "applies its .github repository's)",
    )
    return parser


def config(args: argparse.Namespace, out: TextIO) -> int:
    """Validate a repository config (exit 2 with one line per problem) or print the schema."""
    from bot import config_check

    if args.action == "schema":
        out.write(config_check.schema_text())
        return EXIT_CLEAN
    try:
        problems = config_check.check(args.file, out, args.org)
    except OSError as exc:
        raise UsageError(f"cannot read the config {exc.filename}: {exc.strerror}") from None
    if problems:
        raise UsageError("; ".join(problems))
    return EXIT_CLEAN


def copy_store(args: argparse.Namespace, out: TextIO) -> int:
    """Back the SQLite job store up to a file, or restore it from one (bot/jobs/backup.py).

    Needs only the store's location. A Redis store is refused: Redis keeps its own data.
    """
    from bot.jobs import backup
    from bot.settings import StoreSettings

    settings = _settings(StoreSettings)
    if settings.redis_url is not None:
        raise UsageError(
            f"READINESS_REDIS_URL is set, so the job store is in Redis: `readiness {args.command}` "
            "copies only the SQLite store; use Redis's own persistence (RDB snapshots or AOF)"
        )
    try:
        if args.command == "backup":
            copied = backup.backup(settings.database, args.file, force=args.force)
            out.write(f"backed up {settings.database} to {args.file}: {copied}\n")
        else:
            copied = backup.restore(args.file, settings.database, force=args.force)
            out.write(f"restored {args.file} into {settings.database}: {copied}\n")
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_CLEAN


def baseline(repo: Path, out: TextIO) -> int:
    """Scan everything tracked at HEAD and write the baseline file; say what it holds."""
    _quiet_logs()
    try:
        path, evaluation = _review(write_baseline(repo))
    except git.GitError as exc:
        raise UsageError(f"cannot read the repository {repo}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot write the baseline: {exc.strerror}") from None
    for problem in evaluation.problems:
        out.write(f"not reviewed: {problem}\n")
    count = len(evaluation.findings)
    out.write(f"{count} finding{'s' if count != 1 else ''} written to {path}\n")
    return EXIT_USAGE if evaluation.problems else EXIT_CLEAN


def serve() -> int:
    """Check every setting, bind the port, open the store, then serve until SIGTERM.

    A setting that cannot work (bad value, port in use, data directory not writable, Redis not
    answering) is one line naming the variable, and exit code 2.
    """
    from bot import server
    from bot.errors import SettingError
    from bot.settings import Settings

    settings = _settings(Settings)
    logs.configure(settings.log_level, settings.log_format)
    try:
        with server.listen(settings.host, settings.port) as sock:
            asyncio.run(server.serve(settings, sock))
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    return EXIT_CLEAN


def setup(args: argparse.Namespace) -> int:
    """Register the app through GitHub's manifest flow; write its id, key and webhook secret.

    Prints one line saying what to open, then, once GitHub has sent the browser back, where
    the credentials went and the install link. A refusal is one line and exit code 2.
    """
    from bot.registration import flow, manifest
    from bot.settings import SetupSettings

    settings = _settings(SetupSettings)
    try:
        public = manifest.public_url(args.url)
    except ValueError as exc:
        raise UsageError(f"--url: {exc}") from None
    plan = flow.Plan(
        public_url=public,
        env_file=args.env_file,
        api_url=settings.github_api_url,
        org=args.org,
        name=args.name,
        force=args.force,
        host=args.host,
        port=args.port,
    )

    def announce(line: str) -> None:
        print(line, flush=True)  # noqa: T201

    try:
        registered = asyncio.run(flow.register(plan, announce))
    except flow.SetupError as exc:
        raise UsageError(str(exc)) from None
    except KeyboardInterrupt:
        raise UsageError(
            "setup stopped before GitHub sent the browser back; nothing was written"
        ) from None
    print(  # noqa: T201
        f"Registered {registered.name}: wrote {registered.env_file} and {registered.key_file} "
        "(mode 0600)."
    )
    print(f"Install it: {registered.install_url}")  # noqa: T201
    return EXIT_CLEAN


def _settings(model: type[SettingsT]) -> SettingsT:
    """Read a command's settings from the environment; an invalid one is a usage error.

    pydantic is imported here, not at the top: `readiness scan` reads no settings and its
    start-up is part of every pre-commit hook's and CI step's time.
    """
    from pydantic import ValidationError

    try:
        return model()
    except ValidationError as exc:
        raise UsageError(_settings_errors(exc)) from None


async def jobs(limit: int, out: TextIO) -> int:
    """Print job counts per state and the most recent failed jobs with their last error.

    Needs only the store's location; reads a store a server made and changes nothing in it.
    """
    from bot.errors import SettingError
    from bot.jobs.stores import open_store
    from bot.settings import StoreSettings

    try:
        store = await open_store(_settings(StoreSettings), create=False)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    try:
        counts = await store.counts()
        failed = await store.failed(limit)
    finally:
        await store.close()
    states = ("queued", "running", "done", "failed")
    out.write("  ".join(f"{state}: {counts.get(state, 0)}" for state in states) + "\n")
    for job in failed:
        out.write(f"failed {job.kind} {job.key} (job {job.id}, {job.attempts} attempts): ")
        out.write(f"{job.error}\n")
    return EXIT_CLEAN


def _settings_errors(exc: ValidationError) -> str:
    """Name the environment variable behind each invalid setting; never echo a value."""
    parts = []
    for error in exc.errors():
        field = "_".join(str(part) for part in error["loc"]).upper()
        problem = "not set" if error["type"] == "missing" else error["msg"]
        # An error of the whole model (loc empty) names its variables in its own message.
        parts.append(f"READINESS_{field}: {problem}" if field else problem)
    return "; ".join(parts)


def scan(
    args: argparse.Namespace,
    out: TextIO,
    err: TextIO | None = None,
    progress_after: float = AFTER_S,
) -> int:
    """Run the rule engine on a local change and print the findings.

    A scan running past `progress_after` seconds shows a progress line on `err` (standard error
    by default) when that is a terminal, cleared before the report is printed.
    """
    _quiet_logs()
    if args.repo is not None and not args.base:
        raise UsageError("--repo needs --base (the branch or commit the change is based on)")
    data = _read_diff(args.diff) if args.diff is not None else b""
    org = _org_layer(args.org)
    with ProgressLine(sys.stderr if err is None else err, progress_after) as line:
        progress = line if line.live else None
        if args.repo is not None:
            try:
                evaluation = _review(scan_repo(args.repo, args.base, args.head, progress, org))
            except git.GitError as exc:
                raise UsageError(f"cannot read the change from {args.repo}: {exc}") from None
        elif args.staged:
            try:
                evaluation = _review(scan_staged(Path.cwd(), progress, org))
            except git.GitError as exc:
                raise UsageError(f"cannot read the staged change: {exc}") from None
        else:
            try:
                evaluation = _review(scan_diff(data, Path.cwd(), progress, org))
            except NotADiff as exc:
                where = "on standard input" if args.diff == "-" else args.diff
                raise UsageError(f"cannot read the diff {where}: {exc}") from None
    _print(evaluation, args.format, out, root=args.repo)
    if evaluation.problems and not args.allow_partial:
        return EXIT_USAGE  # a clean exit must mean the whole change was read
    if args.fail_on is None:
        failed = conclusion(evaluation) is Conclusion.FAILURE  # the config's `fail_on`
    elif args.fail_on == "never":
        failed = False
    else:
        bar = Severity(args.fail_on).rank
        failed = any(f.severity.rank <= bar for f in evaluation.findings)
    return EXIT_FINDINGS if failed else EXIT_CLEAN


def _org_layer(path: Path | None) -> Layer | None:
    """Read `--org`'s file; one that cannot be read is a usage error naming it."""
    if path is None:
        return None
    try:
        return Layer(str(path), path.read_text(encoding="utf-8", errors="replace"))
    except OSError as exc:
        raise UsageError(f"--org: cannot read {path}: {exc.strerror}") from None


def _review(main: Coroutine[Any, Any, T]) -> T:
    """Run one review in this process, with no thread but this one.

    Blocking calls (the git reads) run in place instead of in worker threads: the command does
    nothing else meanwhile, and with no other thread alive the rules' process is forked from
    this one, which has every pack imported already (runner.forking).
    """

    async def in_place() -> T:
        asyncio.get_running_loop().set_default_executor(_InPlace())
        return await main

    with runner.forking():
        return asyncio.run(in_place())


class _InPlace(concurrent.futures.ThreadPoolExecutor):
    """An executor that runs each call at once in the caller's thread and so never starts one
    (a ThreadPoolExecutor only because asyncio accepts no other as its default)."""

    def submit(
        self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs
    ) -> concurrent.futures.Future[T]:
        done: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 -- handed to the awaiting coroutine, as from a thread
            done.set_exception(exc)
        return done


def _quiet_logs() -> None:
    """Log errors only, redacted, to standard error: the command's output is its report."""
    logging.basicConfig(level=logging.ERROR, format="readiness: %(message)s")
    for handler in logging.getLogger().handlers:
        logs.redacted(handler)


def _read_diff(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(name).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read the diff {name}: {exc.strerror}") from None


def _print(evaluation: Evaluation, fmt: str, out: TextIO, root: Path | None = None) -> None:
    findings = evaluation.findings
    if fmt == "sarif":
        log = scrub_data(sarif.log(evaluation, RULES, root))
        out.write(json.dumps(log, indent=2, ensure_ascii=False) + "\n")
        return
    if fmt == "github":
        out.write("".join(scrub(line) + "\n" for line in workflow.lines(evaluation)))
        return
    if fmt == "json":
        rows = [
            {
                "rule": f.rule,
                "pack": f.pack,
                "path": f.path,
                "side": f.side,
                "line": f.line,
                "end_line": f.line,  # a finding is one line; the shape allows a range
                "severity": f.severity.value,
                "message": f.message,
                "fingerprint": f.fingerprint,
            }
            for f in findings
        ]
        report = {
            "findings": rows,
            "problems": list(evaluation.problems),
            "skipped": [str(skip) for skip in evaluation.skipped],
            "baselined": evaluation.baselined,
        }
        json.dump(report, out, indent=2)
        out.write("\n")
        return
    for f in findings:
        where = f"{f.path}:{f.line}" + (" (removed)" if f.side == "LEFT" else "")
        out.write(f"{where}: {f.severity.value} [{f.rule}] {f.message.splitlines()[0]}\n")
    for problem in evaluation.problems:
        out.write(f"not reviewed: {problem}\n")
    for skipped in evaluation.skipped:
        out.write(f"skipped by code rules: {skipped}\n")
    if evaluation.baselined:
        out.write(f"{evaluation.baselined} finding(s) in the baseline not reported\n")
    counts = {s: sum(f.severity is s for f in findings) for s in Severity}
    tally = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n) or "no findings"
    out.write(f"{len(findings)} finding(s): {tally}\n" if findings else "No findings.\n")


if __name__ == "__main__":
    sys.exit(main())
