"""A hostile pull request cannot stall the server: its review runs away from the event loop.

Lines crafted against backtracking regexes (`sk-` or `eyJ-` repeated over 200 KB) and a file on
which tree-sitter's JavaScript grammar is superlinear used to hold the GIL for seconds, so the
server answered nothing, not even `/healthz`, until the review ended.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import deliver, open_pull, settle
from tests.fake_github import FakeGitHub
from tests.test_review_loop import BASE, runs_for

# A real-looking OpenAI key, built from parts so that scanners do not flag this file.
OPENAI_KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8J9k0" + "T3Blbk" + "FJ" + "Z9y8X7w6V5u4T3s2R1q0"
HOSTILE_KEYS = (
    f'OPENAI = "{"sk-" * 66_000}T3BlbkFJ" or "{OPENAI_KEY}"\nSESSION = "{"eyJ-" * 50_000}."\n'
)
HOSTILE_SCRIPT = "\n".join([";Pwd=" * 200] * 30) + "\n"  # slow for tree-sitter, not endless
PROMPT_S = 1.0  # generous: an idle server answers in milliseconds


async def test_healthz_answers_promptly_while_a_hostile_pull_request_is_reviewed(
    bot: TestClient[Any, Any], github: FakeGitHub, tmp_path: Path
) -> None:
    head = {**BASE, "config/keys.py": HOSTILE_KEYS, "web/static/app.js": HOSTILE_SCRIPT}
    data = open_pull(github, tmp_path / "repo", BASE, head)
    sha = data["pull_request"]["head"]["sha"]
    assert (await deliver(bot, "pull_request", data)).status == 202

    # Probe back to back: the longest wait between two answers covers a stall wherever it
    # falls, during a request or between two.
    longest, probes_while_reviewing = 0.0, 0
    answered = time.monotonic()
    deadline = answered + 120
    while not any(run["status"] == "completed" for run in runs_for(github, sha)):
        assert time.monotonic() < deadline, "the review did not finish"
        reviewing = bool(runs_for(github, sha))
        assert (await bot.get("/healthz")).status == 200
        longest = max(longest, time.monotonic() - answered)
        answered = time.monotonic()
        probes_while_reviewing += reviewing
        await asyncio.sleep(0.05)
    await settle(bot)

    assert longest < PROMPT_S, f"/healthz went unanswered for {longest:.1f} s during the review"
    assert probes_while_reviewing >= 3
    (run,) = runs_for(github, sha)
    annotations = {(a["path"], a["start_line"], a["title"]) for a in run["output"]["annotations"]}
    assert ("config/keys.py", 1, "secrets/openai-key") in annotations
