"""The check-run summary, rendered from what the engine found in small real changes.

Each Evaluation comes from running the rules on a git change (or GitHub's files list), as the
server does; the tests read the markdown a reviewer sees: a verdict first, a row per pack that
ran, the top findings linked to their lines, what was not reported and what was skipped.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from bot.diff.model import Change, ChangedFile, FileStatus, Line, SkipKind
from bot.diff.parse import from_files_api
from bot.jobs.review_read import MAX_FILES, cap
from bot.local import scan_repo
from bot.report import checks
from bot.report.links import Permalinks
from bot.rules.engine import Evaluation, evaluate, snapshot
from bot.rules.ignores import Ignore, split
from bot.snapshot.read import NoContents
from tests.gitrepo import Files, make_repo

LIVE_KEY = "sk_live_51MzQ8vKpT3xR7wYbN2cD4fG6hJ9kL0mA"
CLIENT = "import requests\n"


def unverified(count: int, start: int = 0) -> str:
    """Lines that each turn TLS verification off: one `cliff` warning per line."""
    return "".join(f"requests.get(URL{n}, verify=False)\n" for n in range(start, start + count))


async def review(root: Path, base: Files, head: Files) -> tuple[Evaluation, Permalinks]:
    """Review a real git change as `readiness scan --repo` does; link as the server would."""
    repo = make_repo(root, base, head)
    evaluation = await scan_repo(repo.path, repo.base, repo.head)
    links = Permalinks.of("https://github.com/acme/shop", repo.head, repo.base, repo.change)
    return evaluation, links


async def test_verdict_packs_and_top_findings_linked_errors_first(tmp_path: Path) -> None:
    """A verdict line first, a row per pack that ran, ten findings (the error first though its
    file sorts last) linked to their lines at head, the others folded, and each skipped file
    counted under its reason."""
    evaluation, links = await review(
        tmp_path,
        {"app/client.py": CLIENT},
        {
            "app/client.py": CLIENT + unverified(12),
            "app/z.py": f'STRIPE = "{LIVE_KEY}"\n',
            "app/allowed.py": f'TOKEN = "{LIVE_KEY}"  # readiness:allow\n',
            "static/logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\x02",
            "docs/notes.txt": "Caf\xe9 menu\n".encode("latin-1"),
            "package-lock.json": "{}\n",
            "vendor/lib/a.py": "x = 1\n",
            "vendor/lib/b.py": "x = 1\n",
            "vendor/lib/c.py": "x = 1\n",
            "vendor/lib/d.py": "x = 1\n",
        },
    )
    summary = checks.summary(evaluation, links)
    lines = summary.splitlines()
    assert lines[0] == "**1 error, 12 warnings — fails on error**"
    assert checks.conclusion(evaluation) is checks.Conclusion.FAILURE

    table = lines[lines.index("| Pack | Errors | Warnings | Notices |") :]
    assert table[2:8] == [
        "| `secrets` | 1 | 0 | 0 |",
        "| `tests` | 0 | 0 | 0 |",
        "| `data-layer` | 0 | 0 | 0 |",
        "| `migrations` | 0 | 0 | 0 |",
        "| `cliff` | 0 | 12 | 0 |",
        "",
    ]  # no `repo` row: the repository has no semgrep rules

    top = lines[lines.index("**Top 10 findings** (errors first)") :]
    rows = top[4:14]
    assert top[14] == "" and all(
        row.startswith("| 🟠 | `cliff/tls-verify-disabled` |") for row in rows[1:]
    )
    at = f"https://github.com/acme/shop/blob/{links.head_sha}"
    assert rows[0].startswith(f"| 🔴 | `secrets/stripe-key` | [`app/z.py:1`]({at}/app/z.py#L1) |")
    assert f"[`app/client.py:2`]({at}/app/client.py#L2)" in rows[1]
    assert LIVE_KEY not in summary and "sk_live_…L0mA" in rows[0]
    assert "<details><summary>3 more findings</summary>" in summary
    assert f"[`app/client.py:13`]({at}/app/client.py#L13)" in summary

    assert "- 1 finding silenced by `readiness:allow` on its line" in lines
    assert "| binary | 1 | `static/logo.png` |" in lines
    assert "| not UTF-8 | 1 | `docs/notes.txt` |" in lines
    assert "| lock file | 1 | `package-lock.json` |" in lines
    assert "| vendored | 4 | `vendor/lib/a.py`, `vendor/lib/b.py`, `vendor/lib/c.py`, … |" in lines
    assert "**Not reviewed**" not in summary and "**Not fully reviewed**" not in summary

    draft = replace(evaluation, draft=True)
    assert checks.verdict(draft) == (
        "1 error, 12 warnings — would fail on error; not while the pull request is a draft"
    )
    assert checks.conclusion(draft) is checks.Conclusion.NEUTRAL


async def test_a_clean_change_names_the_files_it_read(tmp_path: Path) -> None:
    evaluation, links = await review(
        tmp_path, {"app/a.py": "x = 1\n"}, {"app/a.py": "x = 2\n", "app/b.py": "y = 1\n"}
    )
    summary = checks.summary(evaluation, links)
    assert summary.startswith("**No problems found in 2 files**\n\n| Pack |")
    assert "**Findings**" not in summary and "**Not reported here**" not in summary
    assert checks.conclusion(evaluation) is checks.Conclusion.SUCCESS


async def test_what_the_config_turns_off_is_counted_and_its_packs_have_no_row(
    tmp_path: Path,
) -> None:
    """`disable` drops a pack from the table (it did not run); an `ignore` path's findings are
    counted, not shown; `fail_on: warning` makes a warning fail, and the verdict says so."""
    config = "fail_on: warning\ndisable: [data-layer, migrations]\nignore: ['app/legacy/']\n"
    evaluation, links = await review(
        tmp_path,
        {".github/readiness.yml": config, "app/client.py": CLIENT},
        {"app/client.py": CLIENT + unverified(1), "app/legacy/http.py": CLIENT + unverified(2)},
    )
    summary = checks.summary(evaluation, links)
    assert summary.splitlines()[0] == "**1 warning — fails on warning**"
    assert "`data-layer`" not in summary and "`migrations`" not in summary
    assert "| `cliff` | 0 | 1 | 0 |" in summary
    assert (
        "- 2 findings left out by the config (a rule `off`, an `ignore` or `allow` path)" in summary
    )
    assert "app/legacy/http.py" not in summary
    assert "Config: `.github/readiness.yml`, then built-in defaults." in summary


async def test_ignores_and_the_baseline_are_counted(tmp_path: Path) -> None:
    evaluation, _ = await review(
        tmp_path, {"app/client.py": CLIENT}, {"app/client.py": CLIENT + unverified(3)}
    )
    ignore = Ignore("cliff/tls-verify-disabled", "app/", "octocat", "internal CA", 1)
    kept, ignored = split(evaluation.findings, (ignore,))
    summary = checks.summary(replace(evaluation, findings=kept, ignored=ignored, baselined=2))
    assert summary.splitlines()[0] == "**No problems found in 1 file**"
    assert "- 3 findings ignored on this pull request (`/readiness ignore`, below)" in summary
    assert "- 2 findings in the baseline not reported" in summary
    by = "- `cliff/tls-verify-disabled` on `app/`, by @octocat: internal CA"
    assert f"{by} (3 findings not reported)" in summary


async def test_files_no_rule_read_are_counted_and_the_check_is_not_green() -> None:
    """GitHub's files list without a patch (too large): that file is counted under "Not
    reviewed", not listed again as a problem, and the verdict says the review is partial."""
    change = from_files_api(
        [
            {"filename": "db/dump.sql", "status": "added", "changes": 90_000},
            {"filename": "logo.png", "status": "added", "changes": 0},
            {"filename": "app.py", "status": "modified", "patch": "@@ -1 +1,2 @@\n x = 1\n+y = 2"},
        ]
    )
    evaluation = await evaluate(await snapshot(change, NoContents()))
    summary = checks.summary(evaluation)
    assert summary.splitlines()[0] == "**No problems found in 2 of 3 files; not fully reviewed**"
    assert "**Not reviewed**: no rule read these files" in summary
    assert "| no patch from GitHub (too large) | 1 | `db/dump.sql` |" in summary
    assert "| binary | 1 | `logo.png` |" in summary
    assert "**Not fully reviewed**" not in summary  # the file is counted once, in its table
    assert checks.title(evaluation) == "No problems found in 2 of 3 files; not fully reviewed"
    assert checks.conclusion(evaluation) is checks.Conclusion.NEUTRAL


async def test_files_over_the_limits_are_counted_with_the_note() -> None:
    """A change cut at MAX_FILES: the files left out are counted by reason with a few paths,
    and the note with the limits still says why the review is partial."""
    added = (Line(1, "x = 1"),)
    files = tuple(
        ChangedFile(f"src/m{i:04d}.py", FileStatus.ADDED, added=added, new_ranges=((1, 1),))
        for i in range(MAX_FILES + 4)
    )
    capped = cap(Change(files))
    assert [(s.path, s.kind) for s in capped.left_out] == [
        (f"src/m{i:04d}.py", SkipKind.OVER_LIMITS) for i in range(MAX_FILES, MAX_FILES + 4)
    ]
    evaluation = await evaluate(await snapshot(capped, NoContents()))
    summary = checks.summary(evaluation)
    assert summary.startswith(f"**No problems found in {MAX_FILES} of {MAX_FILES + 4} files;")
    assert (
        "| over the review's limits | 4 | `src/m1000.py`, `src/m1001.py`, `src/m1002.py`, … |"
        in summary
    )
    assert f"- partially reviewed: 4 of {MAX_FILES + 4} files were left out" in summary


async def test_a_huge_review_fits_github_limit_and_keeps_its_head_and_hint(tmp_path: Path) -> None:
    """Thousands of findings: the verdict, the table and the top ten stay; the folded list is
    cut with a note, and the whole stays within 65,535 characters."""
    evaluation, links = await review(
        tmp_path, {"app/client.py": CLIENT}, {"app/client.py": CLIENT + unverified(2_000)}
    )
    assert len(evaluation.findings) == 2_000
    summary = checks.summary(evaluation, links)
    assert len(summary) <= checks.MAX_TEXT
    assert summary.startswith("**2000 warnings — does not fail (fails on error)**")
    assert "**Top 10 findings** (errors first)" in summary
    assert "more, left out to fit GitHub's limit" in summary
    assert summary.endswith(f"<sub>{checks.RERUN_HINT}</sub>")
