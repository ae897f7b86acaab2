"""Pack `secrets`: credentials added in plain text, and removed ones that stay in git history.

Every value is redacted before it reaches a message, and fingerprints hash the redacted form, so
a weak password cannot be recovered from a published fingerprint by guessing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.diff.model import Line
from bot.rules.model import Finding, Pack, RuleContext, Severity, Side, fingerprint
from bot.rules.redact import redact

PACK_ID = "secrets"

AWS_KEYS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"
GITHUB_REVOKE = (
    "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/"
    "token-expiration-and-revocation"
)
SLACK_REVOKE = "https://api.slack.com/methods/auth.revoke"
SLACK_WEBHOOKS = "https://api.slack.com/messaging/webhooks"
STRIPE_ROLL = "https://docs.stripe.com/keys#rolling-keys"

PLACEHOLDER_WORDS = (
    "example", "changeme", "change_me", "change-me", "placeholder", "your", "dummy", "sample",
    "fake", "redacted", "replace", "insert",
)  # fmt: skip
# Generic assignments also carry labels and demo values that provider tokens never contain.
GENERIC_WORDS = (
    "test", "password", "passwd", "secret", "token", "demo", "mock", "1234", "abcd", "qwerty",
)  # fmt: skip
PLACEHOLDER_STARTS = ("$", "<", "%(", "!", "ENC[", "arn:")
LOOKUP_STARTS = (
    "os.environ", "os.getenv", "process.env", "import.meta.env", "settings.", "config.", "env(",
)  # fmt: skip
# In these languages an unquoted value is an expression (a lookup, a call), never a literal.
QUOTED_SUFFIXES = frozenset({
    ".py", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".rb", ".go", ".java",
    ".kt", ".php", ".cs", ".rs", ".swift", ".scala", ".c", ".h", ".cc", ".cpp", ".hpp", ".json",
    ".toml", ".tf", ".tfvars", ".hcl",
})  # fmt: skip
MAX_NAME = 80
PROVIDER_MIN_ENTROPY = 3.0

_REPEATS = re.compile(r"(.)\1{3,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_AWS_SECRET = re.compile(r"[A-Za-z0-9/+]{40}")
_KEY_BODY = re.compile(r"[A-Za-z0-9+/=]{32,}|Proc-Type:")
_SEPARATORS = str.maketrans("", "", "_.-")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_EXAMPLE_PATH = re.compile(
    r"(^|/)(tests?|__tests__|spec|fixtures|testdata|examples?)/|(^|/)test_|_test\.|"
    r"\.(test|spec)\.|\.(example|sample|template|dist)$"
)
_ASSIGNMENT = re.compile(
    r"(?P<key>(?i:password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|auth[_-]?key|token|credentials?))"
    r"[\"']?[ \t]*(?::[ \t]*[\w.\[\]| ,]{1,40}?[ \t]*)?(?::=|=>|[:=])[ \t]*"
    r"(?P<quote>[\"'`]?)(?P<value>[^\s\"'`]{8,256})(?P=quote)"
)
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:RSA |EC |OPENSSH |DSA |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----"
)


@dataclass(frozen=True)
class Detector:
    """A provider's credential format, with a cheap substring pre-filter and how to revoke it."""

    name: str
    what: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]
    severity: Severity
    revoke: str


@dataclass(frozen=True)
class Hit:
    """One credential on one line; `value` is the raw secret and never leaves this module."""

    name: str
    what: str
    value: str
    shown: str
    severity: Severity
    revoke: str
    span: tuple[int, int]


DETECTORS = (
    Detector(
        "aws-access-key",
        "an AWS access key ID",
        re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Z0-9])"),
        ("akia", "asia"),
        Severity.ERROR,
        f"deactivate and delete it in IAM ({AWS_KEYS})",
    ),
    Detector(
        "github-token",
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9_]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        Severity.ERROR,
        f"revoke it ({GITHUB_REVOKE})",
    ),
    Detector(
        "slack-token",
        "a Slack token",
        re.compile(r"\b(?:xox[abposre]|xapp)-\d+-[A-Za-z0-9-]{8,}"),
        ("xox", "xapp-"),
        Severity.ERROR,
        f"revoke it ({SLACK_REVOKE})",
    ),
    Detector(
        "slack-webhook",
        "a Slack webhook URL",
        re.compile(
            r"https://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<key>[\w/-]{20,})"
        ),
        ("hooks.slack.com",),
        Severity.ERROR,
        f"delete the webhook in the Slack app settings and create a new one ({SLACK_WEBHOOKS})",
    ),
    Detector(
        "stripe-key",
        "a Stripe live-mode key",
        re.compile(r"\b[sr]k_live_[A-Za-z0-9]{20,}"),
        ("k_live_",),
        Severity.ERROR,
        f"roll it in the Stripe dashboard ({STRIPE_ROLL})",
    ),
    Detector(
        "stripe-test-key",
        "a Stripe test-mode key",
        re.compile(r"\b[sr]k_test_[A-Za-z0-9]{20,}"),
        ("k_test_",),
        Severity.NOTICE,
        f"it only reaches test data, but roll it too ({STRIPE_ROLL})",
    ),
)

PRIVATE_KEY = "private key"
ASSIGNMENT_KEYWORDS = ("pass", "secret", "key", "token", "credential")
_TRIGGER = re.compile(
    "|".join(
        re.escape(keyword)
        for keyword in sorted(
            {PRIVATE_KEY, *ASSIGNMENT_KEYWORDS, *(k for d in DETECTORS for k in d.keywords)},
            key=len,
            reverse=True,
        )
    )
)

RULES = {
    "secrets/aws-access-key": "AWS access key ID (AKIA…/ASIA…) added",
    "secrets/aws-secret-key": "AWS secret access key assigned to an aws-secret-like name",
    "secrets/github-token": "GitHub token (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) added",
    "secrets/slack-token": "Slack token (xoxb-, xoxp-, xapp-, …) added",
    "secrets/slack-webhook": "Slack incoming webhook URL added",
    "secrets/stripe-key": "Stripe live secret or restricted key (sk_live_, rk_live_) added",
    "secrets/stripe-test-key": "Stripe test-mode key (sk_test_, rk_test_) added",
    "secrets/private-key": "private key block (RSA, EC, OpenSSH, DSA, PGP) added",
    "secrets/generic-secret": "random-looking literal assigned to a password, secret, token or key",
    "secrets/removed-secret": "credential removed: it stays in git history and must be rotated",
}


async def check_secrets(ctx: RuleContext) -> list[Finding]:
    """Flag credentials on added lines, and remind that removed ones must still be rotated."""
    findings: list[Finding] = []
    still_added: set[str] = set()
    removed: list[tuple[str, Line, Hit]] = []
    for changed in ctx.change.files:
        if changed.binary:
            continue
        for line, hit in _scan(changed.path, changed.added):
            still_added.add(hit.value)
            findings.append(_added(changed.path, line, hit))
        removed.extend(
            (changed.path, line, hit) for line, hit in _scan(changed.path, changed.removed)
        )
    findings.extend(
        _removed(path, line, hit)
        for path, line, hit in removed
        if hit.value not in still_added and hit.severity is not Severity.NOTICE
    )
    return findings


def _added(path: str, line: Line, hit: Hit) -> Finding:
    rule = f"{PACK_ID}/{hit.name}"
    message = (
        f"Found {hit.what} (`{hit.shown}`) in plain text: anyone who can read this repository "
        f"or its history can use it. {hit.revoke[0].upper()}{hit.revoke[1:]}, then load the "
        "new one from a secret store or an environment variable."
    )
    return _finding(rule, path, line, hit.severity, message, hit.shown, "RIGHT")


def _removed(path: str, line: Line, hit: Hit) -> Finding:
    rule = f"{PACK_ID}/removed-secret"
    message = (
        f"This removes {hit.what} (`{hit.shown}`), but the value stays in the git history, so "
        f"it is still exposed: {hit.revoke} anyway."
    )
    return _finding(rule, path, line, Severity.NOTICE, message, f"{hit.name}:{hit.shown}", "LEFT")


def _finding(
    rule: str, path: str, line: Line, severity: Severity, message: str, shown: str, side: Side
) -> Finding:
    return Finding(
        rule=rule,
        pack=PACK_ID,
        path=path,
        line=line.number,
        severity=severity,
        message=message,
        fingerprint=fingerprint(rule, path, shown),
        side=side,
    )


def _scan(path: str, lines: tuple[Line, ...]) -> Iterator[tuple[Line, Hit]]:
    """Yield every credential on the given lines of one file."""
    quoted_only = PurePosixPath(path).suffix.lower() in QUOTED_SUFFIXES
    example = bool(_EXAMPLE_PATH.search(path.lower()))
    by_number: dict[int, str] | None = None
    for line in lines:
        text = line.text
        # One pass over the line decides which of the costlier regexes may run at all.
        found = set(_TRIGGER.findall(text.lower()))
        if not found:
            continue
        hits = [
            hit for d in DETECTORS if not found.isdisjoint(d.keywords) for hit in _provider(d, text)
        ]
        if PRIVATE_KEY in found:
            by_number = by_number or {other.number: other.text for other in lines}
            hits.extend(_private_key(text, line.number, by_number))
        if not found.isdisjoint(ASSIGNMENT_KEYWORDS):
            taken = [hit.span for hit in hits]
            hits.extend(_assignments(text, quoted_only, example, taken))
        yield from ((line, hit) for hit in hits)


def _has(lowered: str, keywords: tuple[str, ...]) -> bool:
    return any(keyword in lowered for keyword in keywords)


def _provider(detector: Detector, text: str) -> Iterator[Hit]:
    for match in detector.pattern.finditer(text):
        value = match.group()
        if _placeholder(value) or _entropy(value) < PROVIDER_MIN_ENTROPY:
            continue
        # A URL's scheme and host are public; only the part after them is the credential.
        public = match.start("key") - match.start() if "key" in match.groupdict() else 0
        yield Hit(
            detector.name,
            detector.what,
            value,
            value[:public] + redact(value[public:]),
            detector.severity,
            detector.revoke,
            match.span(),
        )


def _private_key(text: str, number: int, by_number: Mapping[int, str]) -> Iterator[Hit]:
    """Report a key header only when key material follows, not where code merely mentions it."""
    for match in _PRIVATE_KEY.finditer(text):
        following = [text[match.end() :], *(by_number.get(number + i, "") for i in (1, 2, 3))]
        if any(_KEY_BODY.search(part) for part in following):
            header = match.group()
            yield Hit(
                "private-key",
                "a private key",
                header,
                header,
                Severity.ERROR,
                "treat it as compromised: revoke it wherever it is trusted and issue a new one",
                match.span(),
            )


def _assignments(
    text: str, quoted_only: bool, example: bool, taken: list[tuple[int, int]]
) -> Iterator[Hit]:
    """Yield literals assigned to secret-like names that look random enough to be real."""
    for match in _ASSIGNMENT.finditer(text):
        value = match["value"]
        start, end = match.span("value")
        if quoted_only and not match["quote"]:
            continue
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        name = _name_before(text, match.start()) + match["key"]
        if not _random_enough(value):
            continue
        if _AWS_SECRET.fullmatch(value) and _aws_secret_name(name):
            yield Hit(
                "aws-secret-key",
                "an AWS secret access key",
                value,
                redact(value),
                Severity.ERROR,
                f"deactivate and delete its access key in IAM ({AWS_KEYS})",
                (start, end),
            )
            continue
        yield Hit(
            "generic-secret",
            f"a hard-coded credential in `{name}`",
            value,
            redact(value),
            Severity.NOTICE if example else Severity.WARNING,
            "rotate it with whoever issued it",
            (start, end),
        )


def _aws_secret_name(name: str) -> bool:
    """Tell `AWS_SECRET_ACCESS_KEY`, `aws_secret` or `secretAccessKey` from other secret names."""
    squashed = name.lower().translate(_SEPARATORS)
    return "secret" in squashed and ("aws" in squashed or "accesskey" in squashed)


def _name_before(text: str, end: int) -> str:
    """Return the identifier characters just before a keyword (`DB_` in `DB_PASSWORD`)."""
    start = end
    while start > max(0, end - MAX_NAME) and text[start - 1] in _NAME_CHARS:
        start -= 1
    return text[start:end]


def _random_enough(value: str) -> bool:
    """Tell a generated secret from a placeholder, a lookup, a template or a plain word."""
    lowered = value.lower()
    if (
        _placeholder(value)
        or _has(lowered, GENERIC_WORDS)
        or value.startswith(LOOKUP_STARTS)
        or "{" in value
        or "://" in value
    ):
        return False
    classes = sum(
        (
            any(c.islower() for c in value),
            any(c.isupper() for c in value),
            any(c.isdigit() for c in value),
            any(not c.isalnum() and c not in "-_." for c in value),
        )
    )
    # Short letter-only values are words and identifiers (`Passwort`, `myApiKey`), not keys.
    if len(value) < 24 and (classes < 2 or value.isalpha()):
        return False
    limit = 3.0 if _HEX.fullmatch(value) else 3.5
    return _entropy(value) >= min(limit, math.log2(len(value)) - 0.6)


def _placeholder(value: str) -> bool:
    return (
        value.startswith(PLACEHOLDER_STARTS)
        or _has(value.lower(), PLACEHOLDER_WORDS)
        or _REPEATS.search(value) is not None
    )


def _entropy(value: str) -> float:
    """Return the Shannon entropy of the value in bits per character."""
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in Counter(value).values())


PACK = Pack(id=PACK_ID, checks=(check_secrets,), rules=RULES)
