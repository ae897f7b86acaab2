"""`readiness scan`'s progress line: on a terminal's standard error only, after a threshold,
rewritten in place and cleared before the report; never on a pipe, never on standard output."""

from __future__ import annotations

import io
import json
import os
import pty
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from bot import cli
from bot.progress import ProgressLine, Step

DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "demo-shop.git"


@contextmanager
def terminal() -> Iterator[tuple[TextIO, int]]:
    """A pseudo-terminal: the stream a program writes to, and the fd its screen reads."""
    screen, tty = pty.openpty()
    stream = os.fdopen(tty, "w", encoding="utf-8")
    try:
        yield stream, screen
    finally:
        stream.close()
        os.close(screen)


@contextmanager
def pipe() -> Iterator[tuple[TextIO, int]]:
    reader, writer = os.pipe()
    stream = os.fdopen(writer, "w", encoding="utf-8")
    try:
        yield stream, reader
    finally:
        if not stream.closed:
            stream.close()
        os.close(reader)


def shown(fd: int) -> str:
    """Everything written so far that `fd` can read, without waiting for more."""
    chunks = []
    while select.select([fd], [], [], 0.1)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_a_terminal_sees_each_step_in_place_then_a_blank_line() -> None:
    with terminal() as (stream, screen):
        with ProgressLine(stream, after=0) as line:
            line(Step(9, 10, 0, 27))
            line(Step(10, 10, 27, 27))
        written = shown(screen)
    first = "readiness: 9/10 files parsed, 0/27 rule checks"
    second = "readiness: 10/10 files parsed, 27/27 rule checks"
    width = max(len(first), len(second))
    assert written == f"\r{first}\r{second}\r{' ' * width}\r"


def test_a_shorter_step_covers_the_longer_one_before_it() -> None:
    with terminal() as (stream, screen):
        line = ProgressLine(stream, after=0)
        line(Step(100, 100, 27, 27))
        line(Step(1, 2, 0, 1))
        written = shown(screen)
    longer = "readiness: 100/100 files parsed, 27/27 rule checks"
    shorter = "readiness: 1/2 files parsed, 0/1 rule checks"
    assert written == f"\r{longer}\r{shorter.ljust(len(longer))}"


def test_nothing_is_shown_before_the_threshold() -> None:
    now = [0.0]
    with terminal() as (stream, screen):
        with ProgressLine(stream, after=2.0, clock=lambda: now[0]) as line:
            now[0] = 1.9
            line(Step(1, 10, 0, 27))
            early = shown(screen)
            now[0] = 2.0
            line(Step(2, 10, 0, 27))
        late = shown(screen)
    assert early == ""
    assert late.startswith("\rreadiness: 2/10 files parsed")
    assert late.endswith("\r")


def test_a_pipe_gets_nothing() -> None:
    with pipe() as (stream, reader):
        with ProgressLine(stream, after=0) as line:
            line(Step(1, 10, 0, 27))
        stream.close()
        assert os.read(reader, 65536) == b""


def scan_demo(err: TextIO) -> tuple[int, str]:
    args = cli._parser().parse_args(
        ["scan", "--repo", str(DEMO), "--base", "main", "--format", "json"]
    )
    out = io.StringIO()
    code = cli.scan(args, out, err=err, progress_after=0)
    return code, out.getvalue()


def test_a_scan_on_a_terminal_shows_its_progress_and_clears_it() -> None:
    """Every file parsed and every check run is counted; the report on stdout stays JSON."""
    with terminal() as (stream, screen):
        code, report = scan_demo(stream)
        written = shown(screen)
    assert code == 1
    assert json.loads(report)["findings"]
    steps = [part for part in written.split("\r") if part.strip()]
    assert steps, written
    files, checks = steps[-1].split(": ")[1].split(", ")
    done, total = files.split(" ")[0].split("/")
    assert done == total and int(total) > 0
    done, total = checks.split(" ")[0].split("/")
    assert done == total and int(total) > 0
    assert written.endswith("\r" + " " * max(map(len, steps)) + "\r")


def test_a_scan_with_standard_error_on_a_pipe_writes_nothing_there() -> None:
    with pipe() as (stream, reader):
        code, report = scan_demo(stream)
        stream.close()
        assert os.read(reader, 65536) == b""
    assert code == 1
    assert json.loads(report)["findings"]
