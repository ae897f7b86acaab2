"""Pack `secrets`: credentials added in plain text, and removed ones that stay in git history.

Every value is redacted before it reaches a message, and fingerprints hash the redacted form, so
a weak password cannot be recovered from a published fingerprint by guessing.
"""

from __future__ import annotations

from bot.diff.model import ChangedFile, Line
from bot.rules.model import Finding, Pack, Rule, Severity, documented, finding
from bot.rules.secrets import client, examples, files
from bot.rules.secrets.detectors import Hit
from bot.rules.secrets.scan import scan
from bot.snapshot.model import Snapshot

PACK_ID = "secrets"
STORE_ADVICE = "then load the new one from a secret store or an environment variable"

ROTATE = (
    "Revoke the credential with its provider, then load the new one from a secret store or an "
    "environment variable."
)
PROVIDERS = {
    "aws-access-key": "AWS access key ID (AKIA…/ASIA…) added",
    "aws-secret-key": "AWS secret access key assigned to an aws-secret-like name",
    "github-token": "GitHub token (classic with a valid CRC32, fine-grained, app) added",
    "gitlab-token": "GitLab token (glpat-, glrt-, gldt-, …) added",
    "slack-token": "Slack token (xoxb-, xoxp-, xapp-, …) added",
    "slack-webhook": "Slack incoming webhook URL added",
    "stripe-key": "Stripe live secret, restricted or webhook signing key added",
    "twilio-key": "Twilio API key SID (SK…) added",
    "sendgrid-key": "SendGrid API key (SG.…) added",
    "mailgun-key": "Mailgun API key (key-…) added",
    "openai-key": "OpenAI API key (sk-…T3BlbkFJ…) added",
    "anthropic-key": "Anthropic API key (sk-ant-…) added",
    "google-api-key": "Google API key (AIza…) added",
    "gcp-service-account": "GCP service-account key JSON added",
    "azure-storage-key": "Azure storage account key in a connection string added",
    "npm-token": "Access token for npm (npm_, with a valid CRC32) added",
    "pypi-token": "PyPI API token (pypi-…) added",
    "shopify-token": "Shopify access token (shpat_, shpss_, …) added",
    "square-token": "Square access token or application secret added",
    "discord-token": "Discord bot token or webhook URL added",
    "telegram-bot-token": "Telegram bot token added",
    "private-key": "Private key block (RSA, EC, OpenSSH, DSA, PGP, encrypted) added",
}
# Heuristic detections: right often, but not near-certain, so never more than a warning.
HEURISTIC = {
    "stripe-test-key": "Stripe test-mode key (sk_test_, rk_test_) added",
    "jwt": "JSON Web Token with real-looking claims added",
    "database-url": (
        "Database URL or connection string with an inline password for a non-local host added"
    ),
    "django-secret-key": "Django SECRET_KEY literal added to a settings module",
    "rails-secret-key-base": "Rails secret_key_base literal added",
    "generic-secret": (
        "Random-looking literal assigned to a password, secret, token or key, or used as the "
        "fallback of such an environment variable"
    ),
}
# Detections made in one language only (`scan`: a Django settings module is Python); every other
# reads any text file.
ONE_LANGUAGE = {"django-secret-key": frozenset({"python"})}
RULES = (
    *(Rule(f"{PACK_ID}/{name}", Severity.ERROR, text, ROTATE) for name, text in PROVIDERS.items()),
    *(
        Rule(
            f"{PACK_ID}/{name}", Severity.WARNING, text, ROTATE, ONE_LANGUAGE.get(name, frozenset())
        )
        for name, text in HEURISTIC.items()
    ),
    Rule(
        f"{PACK_ID}/client-exposed-secret",
        Severity.ERROR,
        "Secret placed where it ships to the browser bundle (an error for a provider credential)",
        ROTATE,
    ),
    Rule(
        f"{PACK_ID}/client-env-read",
        Severity.WARNING,
        "Server-only secret environment variable read in browser code",
        "Read the variable in a server route or function and send the browser only the result.",
        # Browser code (`client.is_client`): scripts, components and pages.
        frozenset({"javascript", "typescript", "tsx", "vue", "svelte", "astro", "html"}),
    ),
    Rule(
        f"{PACK_ID}/committed-secret-file",
        Severity.ERROR,
        "Credential file (.env, .pypirc, .npmrc auth, id_rsa) added",
        "Remove the file, add it to `.gitignore`, rotate what it holds, and commit a template "
        "with placeholders instead.",
    ),
    Rule(
        f"{PACK_ID}/removed-secret",
        Severity.NOTICE,
        "Credential removed: it stays in git history and must be rotated",
        "Revoke the credential with its provider: removing it from the code does not remove it "
        "from the history.",
    ),
)


def check_secrets(snap: Snapshot) -> list[Finding]:
    """Flag credentials on added lines, and remind that removed ones must still be rotated."""
    findings: list[Finding] = []
    still_added: set[str] = set()
    removed: list[tuple[str, Line, Hit]] = []
    for changed in snap.whole.files:  # generated and vendored files leak secrets too
        findings.extend(_committed(changed))
        if changed.binary:
            continue
        browser = snap.layout.browser(changed.path)
        for line, hit in scan(changed.path, changed.added):
            still_added.add(hit.value)
            findings.append(_added(changed.path, line, hit, browser))
        findings.extend(_env_reads(changed, browser))
        removed.extend(
            (changed.path, line, hit) for line, hit in scan(changed.path, changed.removed)
        )
    findings.extend(
        _removed(path, line, hit)
        for path, line, hit in removed
        if hit.value not in still_added and hit.severity is not Severity.NOTICE
    )
    return findings


def _added(path: str, line: Line, hit: Hit, browser: bool) -> Finding:
    advice = f"{hit.revoke[0].upper()}{hit.revoke[1:]}, {STORE_ADVICE}."
    why = client.exposure(path, line.text, hit, browser)
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


def _env_reads(changed: ChangedFile, browser: bool) -> list[Finding]:
    """Flag secret-like environment variables read in code that is bundled for the browser
    (`browser`: the repository's config says it is)."""
    if not (browser or client.is_client(changed.path)):
        return []
    rule = f"{PACK_ID}/client-env-read"
    findings = []
    for line in changed.added:
        for name, inlined in client.server_env_reads(line.text):
            fate = (
                "the bundler inlines variables with this prefix, so its value ships to every "
                "visitor"
                if inlined
                else "depending on the bundler it is either undefined in the browser or inlined "
                "into the bundle for every visitor to read"
            )
            message = (
                f"`{name}` looks like a server-only secret but is read in browser code: {fate}. "
                "Read it in a server route or function and send the browser only the result."
            )
            findings.append(
                finding(rule, changed.path, line.number, Severity.WARNING, message, name)
            )
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


PACK = Pack(id=PACK_ID, checks={check_secrets: tuple(rule.id for rule in RULES)}, rules=RULES)

# Every provider credential is dangerous for the same reason; the rest say their own.
WHY = {**{f"{PACK_ID}/{name}": examples.PROVIDER_WHY for name in PROVIDERS}, **examples.WHY}
PACK = documented(PACK, WHY, examples.EXAMPLES)
