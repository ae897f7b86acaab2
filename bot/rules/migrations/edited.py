"""A migration already on the base branch has run somewhere: editing it changes nothing there."""

from __future__ import annotations

from bot.diff.model import FileStatus
from bot.rules.migrations.files import is_migration_file
from bot.rules.migrations.orm import PACK_ID
from bot.rules.model import Finding, RuleContext, Severity, fingerprint

EDITED = "migrations/edited-migration"
_COMMENTS = ("#", "--", "//", "/*", "*")


async def check_edited(ctx: RuleContext) -> list[Finding]:
    """Flag code changes to a committed migration: databases that ran it never see the edit."""
    findings = []
    for changed in ctx.change.files:
        if changed.binary or changed.status is not FileStatus.MODIFIED:
            continue
        if not await is_migration_file(ctx, changed):
            continue
        lines = [
            line
            for line in (*changed.added, *changed.removed)
            if line.text.strip() and not line.text.strip().startswith(_COMMENTS)
        ]
        if not lines:
            continue
        first = lines[0]
        findings.append(
            Finding(
                rule=EDITED,
                pack=PACK_ID,
                path=changed.path,
                line=first.number,
                severity=Severity.ERROR,
                message=(
                    "This edits a migration that is already on the base branch: databases that "
                    "ran it will never run the change, so environments drift apart. Revert the "
                    "edit and add a new migration instead."
                ),
                fingerprint=fingerprint(EDITED, changed.path, "edited"),
                side="RIGHT" if first in changed.added else "LEFT",
            )
        )
    return findings
