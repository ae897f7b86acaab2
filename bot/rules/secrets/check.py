"""The pack's one check: every changed file's added and removed lines scanned once, every
detection (providers, heuristics, credential files, browser exposure) reported from that scan."""

from __future__ import annotations

from bot.diff.model import ChangedFile, Line
from bot.rules.model import Finding, Rule, Severity, finding
from bot.rules.secrets import client, detectors, files, generic, scan
from bot.rules.secrets.declare import example
from bot.rules.secrets.detectors import Hit
from bot.snapshot.model import Snapshot

PACK_ID = "secrets"
STORE_ADVICE = "then load the new one from a secret store or an environment variable"


def check_secrets(snap: Snapshot) -> list[Finding]:
    """Flag credentials on added lines, and remind that removed ones must still be rotated.

    A value the base already held (on a removed line: a file moved, copied or regenerated; or in
    a base file the review read) is no new exposure: it is a notice that it still needs
    rotating, unless the change now ships it to the browser.
    """
    findings: list[Finding] = []
    still_added: set[str] = set()
    removed = [
        (changed.path, line, hit)
        for changed in snap.whole.files
        if not changed.binary
        for line, hit in scan.scan(changed.path, changed.removed)
    ]
    gone = {hit.value for _, _, hit in removed}
    at_base = [text for (_, ref), text in snap.texts.items() if ref == "base" and text]
    for changed in snap.whole.files:  # generated and vendored files leak secrets too
        findings.extend(_committed(changed))
        if changed.binary:
            continue
        hits = list(scan.scan(changed.path, changed.added))
        reads = [
            (line, name, inlined)
            for line in changed.added
            for name, inlined in client.server_env_reads(line.text)
        ]
        # Only a file with something to report is parsed for where it runs.
        browser = bool(hits or reads) and client.bundled(snap, changed)
        for line, hit in hits:
            still_added.add(hit.value)
            known = hit.value in gone or any(hit.value in text for text in at_base)
            findings.append(_added(changed.path, line, hit, browser, known))
        if browser:
            findings.extend(_env_reads(changed.path, reads))
    findings.extend(
        _removed(path, line, hit)
        for path, line, hit in removed
        if hit.value not in still_added and hit.severity is not Severity.NOTICE
    )
    return findings


def _added(path: str, line: Line, hit: Hit, browser: bool, known: bool = False) -> Finding:
    advice = f"{hit.revoke[0].upper()}{hit.revoke[1:]}, {STORE_ADVICE}."
    why = client.exposure(line.text, hit, browser)
    if why is None and known:
        message = (
            f"This adds {hit.what} (`{hit.shown}`) that the repository already held before this "
            "change (moved, copied or regenerated): no new exposure, but it stays readable in "
            f"the repository and its history until it is revoked. {advice}"
        )
        return finding(
            f"{PACK_ID}/{hit.name}", path, line.number, Severity.NOTICE, message, hit.shown
        )
    if why is None:
        message = (
            f"Found {hit.what} (`{hit.shown}`) in plain text: anyone who can read this repository "
            f"or its history can use it. {advice}"
        )
        return finding(f"{PACK_ID}/{hit.name}", path, line.number, hit.severity, message, hit.shown)
    message = (
        f"Found {hit.what} (`{hit.shown}`) where it ships to the browser: {why}, so every visitor "
        "can read it with the browser's developer tools, no repository access needed, and it "
        f"stays in cached bundles after you remove it. {advice} Call the provider from server "
        "code and keep only publishable keys in the client."
    )
    rule = f"{PACK_ID}/client-exposed-secret"
    return finding(rule, path, line.number, hit.severity, message, f"{hit.name}:{hit.shown}")


def _env_reads(path: str, reads: list[tuple[Line, str, bool]]) -> list[Finding]:
    """Flag secret-like environment variables read in code that is bundled for the browser."""
    rule = f"{PACK_ID}/client-env-read"
    findings = []
    for line, name, inlined in reads:
        fate = (
            "the bundler inlines variables with this prefix, so its value ships to every visitor"
            if inlined
            else "depending on the bundler it is either undefined in the browser or inlined "
            "into the bundle for every visitor to read"
        )
        message = (
            f"`{name}` looks like a server-only secret but is read in browser code: {fate}. "
            "Read it in a server route or function and send the browser only the result."
        )
        findings.append(finding(rule, path, line.number, Severity.WARNING, message, name))
    return findings


def _committed(changed: ChangedFile) -> list[Finding]:
    kind = files.committed(changed)
    if kind is None:
        return []
    what, severity = kind
    message = (
        f"This adds {what} to the repository: everything in it is readable by anyone with "
        "access to the repository and stays in its history. Remove the file, add it to "
        "`.gitignore`, rotate the credentials it holds, and commit a template (such as "
        "`.env.example`) with placeholders instead."
    )
    if severity is Severity.NOTICE:
        message = (
            f"This adds {what} to the repository. It holds no credentials now, but registry "
            "tokens tend to be added to it later, where everyone with access to the repository "
            "can read them: keep tokens in the environment (`${NPM_TOKEN}`) instead."
        )
    line = changed.added[0].number if changed.added else 1
    rule = f"{PACK_ID}/committed-secret-file"
    return [finding(rule, changed.path, line, severity, message, changed.path)]


def _removed(path: str, line: Line, hit: Hit) -> Finding:
    message = (
        f"This removes {hit.what} (`{hit.shown}`), but the value stays in the git history, so "
        f"it is still exposed: {hit.revoke} anyway."
    )
    rule = f"{PACK_ID}/removed-secret"
    return finding(
        rule, path, line.number, Severity.NOTICE, message, f"{hit.name}:{hit.shown}", "LEFT"
    )


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        "secrets/removed-secret",
        Severity.NOTICE,
        "Credential removed: it stays in git history and must be rotated",
        "Revoke the credential with its provider: removing it from the code does not remove it "
        "from the history.",
        why="Removing a credential from the code does not remove it from git history, forks or "
        "clones: it stays usable until it is revoked with its provider.",
        flagged=example(
            base=(
                (
                    "app/billing.py",
                    'import stripe\n\nstripe.api_key = "sk_§live_51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iO"\n',  # noqa: E501
                ),
            ),
            head=(
                (
                    "app/billing.py",
                    'import os\n\nimport stripe\n\nstripe.api_key = os.environ["STRIPE_API_KEY"]\n',
                ),
            ),
        ),
        quiet=example(
            base=(
                (
                    "app/billing.py",
                    'import stripe\n\nstripe.api_key = "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx"\n',
                ),
            ),
            head=(
                (
                    "app/billing.py",
                    'import os\n\nimport stripe\n\nstripe.api_key = os.environ["STRIPE_API_KEY"]\n',
                ),
            ),
        ),
    ),
)
# Every detection comes from this check's scan, whichever module declares its rule.
CHECKS = {
    check_secrets: tuple(
        rule.id
        for module_rules in (
            detectors.RULES,
            generic.RULES,
            scan.RULES,
            client.RULES,
            files.RULES,
            RULES,
        )
        for rule in module_rules
    )
}
