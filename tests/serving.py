"""`readiness serve` as a real process, for the tests that need one: started, read until it
says where it listens, stopped with SIGTERM (and killed on the way out, whatever happened)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Served:
    """A running server: its process, the standard-error lines up to the one saying it
    listens, and the port it listens on."""

    process: subprocess.Popen[str]
    started: list[str]
    port: int

    def stop(self, timeout: float = 30) -> str:
        """Send SIGTERM, wait for the exit; return what it wrote to standard error since."""
        self.process.send_signal(signal.SIGTERM)
        _, rest = self.process.communicate(timeout=timeout)
        return rest


@contextmanager
def serving(env: dict[str, str], cwd: Path) -> Iterator[Served]:
    """Run `python -m bot.cli serve` with exactly `env` (JSON logs expected) in `cwd`."""
    with subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
    ) as process:
        try:
            assert process.stderr is not None
            started = []
            for line in process.stderr:
                started.append(line)
                if " listening on " in line:
                    break
            assert started, "the server wrote nothing before it stopped"
            yield Served(process, started, int(json.loads(started[-1])["port"]))
        finally:
            process.kill()
