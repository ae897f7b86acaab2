"""One docs page per rule under `docs/rules/`, generated from the registry so docs cannot drift.

`python -m bot.rules.docs` rewrites the pages (and the index `docs/rules/README.md`) in the
current folder's `docs/rules/`, and the rule table of its `README.md` (between the
`<!-- rules:start -->` and `<!-- rules:end -->` markers); `--check` only says which differ and
exits 1, as a test does. The same texts give SARIF rules their help (`bot.report.sarif`).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

from bot.redaction import scrub
from bot.rules.model import Example, Rule

FOLDER = Path("docs/rules")
README = Path("README.md")
TABLE_START, TABLE_END = "<!-- rules:start -->\n", "<!-- rules:end -->"
REPOSITORY = "https://github.com/readiness-app/readiness"
SILENCE = (
    "Silence one finding on an added line with a `readiness:allow` comment on that line, or the "
    "rule for some paths with an `allow:` entry in `.github/readiness.yml`."
)
_ROLLING = "`deploys: rolling`"
_FENCE = "````"  # examples may hold ``` themselves (a markdown file); four backticks enclose them


def page(rule_id: str) -> str:
    """Return the page's path relative to the repository: `docs/rules/secrets/aws-access-key.md`."""
    pack, _, name = rule_id.partition("/")
    return f"{FOLDER.as_posix()}/{pack}/{name}.md"


def url(rule_id: str) -> str:
    """Return the page's address on GitHub, for SARIF's `helpUri`."""
    return f"{REPOSITORY}/blob/main/{page(rule_id)}"


def severity(rule: Rule) -> str:
    """Say the severity a rule reports at most, as the rule tables show it."""
    if rule.rolling:
        return f"{rule.highest('stop').value}; {rule.highest('rolling').value} with {_ROLLING}"
    return rule.severity.value


def help_text(rule: Rule) -> str:
    """Return the rule's help as plain text: what it catches, why it matters, how to fix it."""
    parts = [rule.description, rule.why, f"Fix: {rule.fix}", SILENCE]
    return "\n\n".join(part for part in parts if part)


def help_markdown(rule: Rule) -> str:
    """Return the rule's help as markdown (GitHub code scanning shows it with each alert)."""
    parts = [
        f"**{rule.description}**",
        rule.why,
        f"**Fix:** {rule.fix}",
        SILENCE,
        f"[Examples]({url(rule.id)})",
    ]
    return "\n\n".join(part for part in parts if part)


def render(rule: Rule) -> str:
    """Return the markdown page of one rule."""
    lines = [
        f"# `{rule.id}`",
        "",
        f"Severity: {_severity_line(rule)} · pack `{rule.pack}`"
        + (f" · reads {', '.join(sorted(rule.languages))}" if rule.languages else ""),
        "",
        "## What it catches",
        "",
        rule.description,
        "",
    ]
    if rule.why:
        lines += ["## Why it matters", "", rule.why, ""]
    lines += ["## How to fix it", "", rule.fix, "", SILENCE, ""]
    if rule.flagged is not None:
        lines += ["## Flagged", "", *_example(rule.flagged), ""]
    if rule.quiet is not None:
        lines += ["## Not flagged: a look-alike", "", *_example(rule.quiet), ""]
    lines += [
        "<!-- Generated from bot/rules/ by `python -m bot.rules.docs`: edit the rule, "
        "not this page. -->",
    ]
    return "\n".join(lines) + "\n"


def _severity_line(rule: Rule) -> str:
    if rule.rolling:
        stop, rolling = rule.highest("stop").value, rule.highest("rolling").value
        return f"**{stop}**, or **{rolling}** with {_ROLLING}"
    return f"**{rule.severity.value}** at most"


def _example(example: Example) -> list[str]:
    """Show the change as a unified diff per file, the way a pull request shows it."""
    base = dict(example.base)
    lines: list[str] = (
        [f"{example.title[0].upper()}{example.title[1:]}:", ""] if example.title else []
    )
    for path, after in example.head:
        before = base.get(path)
        diff = difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            fromfile=f"a/{path}" if before is not None else "/dev/null",
            tofile=f"b/{path}" if after is not None else "/dev/null",
        )
        # Pages are published: credentials in the secrets pack's examples show redacted.
        text = scrub("".join(line if line.endswith("\n") else line + "\n" for line in diff))
        lines += [f"`{path}`:", "", f"{_FENCE}diff", text.rstrip("\n"), _FENCE, ""]
    return lines[:-1]


def index(rules: Iterable[Rule]) -> str:
    """Return `docs/rules/README.md`: every rule, linked to its page."""
    lines = [
        "# Rules",
        "",
        "One page per built-in rule: what it catches, why it matters, how to fix it, and an "
        "example of a change it flags next to a look-alike it leaves alone.",
        "",
        "| Rule | Severity | What it catches |",
        "|---|---|---|",
    ]
    for rule in sorted(rules, key=lambda r: r.id):
        link = page(rule.id).removeprefix(f"{FOLDER.as_posix()}/")
        lines.append(f"| [`{rule.id}`]({link}) | {severity(rule)} | {rule.description} |")
    lines += ["", "<!-- Generated by `python -m bot.rules.docs`. -->"]
    return "\n".join(lines) + "\n"


def pages(rules: Mapping[str, Rule]) -> dict[str, str]:
    """Return every generated file: path relative to the repository -> text."""
    files = {page(rule_id): render(rule) for rule_id, rule in rules.items()}
    files[f"{FOLDER.as_posix()}/README.md"] = index(rules.values())
    return files


def stale(root: Path, rules: Mapping[str, Rule]) -> list[str]:
    """Return the generated files under `root` that are missing, differ, or are left over."""
    wanted = pages(rules)
    differ = [
        path
        for path, text in sorted(wanted.items())
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    present = (
        {path.relative_to(root).as_posix() for path in (root / FOLDER).rglob("*.md")}
        if (root / FOLDER).is_dir()
        else set()
    )
    return differ + sorted(present - wanted.keys())


def write(root: Path, rules: Mapping[str, Rule]) -> None:
    """Write every page under `root`, and remove pages of rules that no longer exist."""
    wanted = pages(rules)
    folder = root / FOLDER
    if folder.is_dir():
        for old in folder.rglob("*.md"):
            if old.relative_to(root).as_posix() not in wanted:
                old.unlink()
    for path, text in wanted.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def with_table(readme: str, table: str) -> str:
    """Return the README's text with its rule table replaced by `table` (unchanged without the
    markers)."""
    if TABLE_START not in readme or TABLE_END not in readme:
        return readme
    before, rest = readme.split(TABLE_START, 1)
    return f"{before}{TABLE_START}{table}\n{TABLE_END}{rest.split(TABLE_END, 1)[1]}"


def main(argv: list[str] | None = None) -> int:
    from bot.rules.registry import RULES, rule_table

    parser = argparse.ArgumentParser(prog="python -m bot.rules.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if a page is out of date")
    parser.add_argument("root", nargs="?", type=Path, default=Path(), help="the repository")
    args = parser.parse_args(argv)
    readme = args.root / README
    text = readme.read_text(encoding="utf-8") if readme.is_file() else None
    table = rule_table(linked=True)
    if args.check:
        out_of_date = stale(args.root, RULES)
        if text is not None and with_table(text, table) != text:
            out_of_date.append(f"{README} (its rule table)")
        for path in out_of_date:
            sys.stderr.write(f"out of date: {path} (run python -m bot.rules.docs)\n")
        return 1 if out_of_date else 0
    write(args.root, RULES)
    if text is not None:
        readme.write_text(with_table(text, table), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
