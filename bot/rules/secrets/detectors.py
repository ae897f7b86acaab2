"""Provider credential formats: each a keyword pre-filter, one compiled regex and a validator.

Every pattern is linear on any line, however crafted (benchmarks/adversarial_lines.py): each
quantifier has an upper bound (no credential is longer than a few hundred characters), a pattern
cannot start again inside the run its own quantifier consumed (`sk-sk-sk-…`), and it only looks
at windows of `reach` characters around its keywords, never at a whole 10 MB line.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from bot.rules.model import Severity
from bot.rules.redact import redact
from bot.rules.secrets.declare import example, heuristic, provider
from bot.rules.secrets.values import GENERIC_WORDS, entropy, placeholder

AWS_KEYS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html"
GITHUB_REVOKE = (
    "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/"
    "token-expiration-and-revocation"
)
STRIPE_ROLL = "https://docs.stripe.com/keys#rolling-keys"
PROVIDER_MIN_ENTROPY = 3.0
# How far from a keyword a detector's match may end: its longest match, or for a keyword that
# only names the provider (`twilio`, `discord`), the distance to the credential too.
REACH = 300
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Hosts where an inline database password is a local development default, not a credential.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})
DEV_PASSWORDS = frozenset({"password", "postgres", "root", "secret", "pass", "admin", "mysql"})


@dataclass(frozen=True)
class Hit:
    """One credential on one line; `value` is the raw secret and never leaves the pack."""

    name: str
    what: str
    value: str
    shown: str
    severity: Severity
    revoke: str
    span: tuple[int, int]


@dataclass(frozen=True)
class Detector:
    """A provider's credential format, with a cheap substring pre-filter and how to revoke it.

    A `key` group marks the secret part of a longer match (a URL's path, a connection string's
    password): only that part is redacted and compared, the rest is public.
    """

    name: str
    what: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]
    severity: Severity
    revoke: str
    valid: Callable[[re.Match[str]], bool] = lambda match: True
    min_entropy: float = PROVIDER_MIN_ENTROPY
    reach: int = REACH

    @cached_property
    def trigger(self) -> re.Pattern[str]:
        """Find the keywords in the text as written (positions of `text.lower()` can shift)."""
        return re.compile("|".join(map(re.escape, self.keywords)), re.IGNORECASE)


def _base62(number: int) -> str:
    digits = ""
    while number:
        number, rest = divmod(number, 62)
        digits = BASE62[rest] + digits
    return digits or "0"


def _crc_ok(match: re.Match[str]) -> bool:
    """Check the CRC32 that GitHub and npm put in the last 6 characters of their tokens.

    https://github.blog/2021-04-05-behind-githubs-new-authentication-token-formats/
    Longer tokens (GitHub installation tokens) carry no such checksum and are kept.
    """
    body = match["body"]
    if body is None or len(body) != 36:
        return True
    expected = _base62(zlib.crc32(body[:30].encode()))
    return body[30:].lstrip("0") == expected.lstrip("0")


def _jwt_ok(match: re.Match[str]) -> bool:
    """Keep JWTs whose payload decodes to claims, except jwt.io's sample and public anon keys."""
    part = match["key"].partition(".")[0]
    try:
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, binascii.Error):
        return False
    if not isinstance(claims, dict) or not claims:
        return False
    text = json.dumps(claims).lower()
    return not (
        claims.get("sub") == "1234567890"
        or claims.get("role") == "anon"
        or "john doe" in text
        or "example" in text
    )


def _azure_ok(match: re.Match[str]) -> bool:
    """Leave out the storage emulator's account, whose key Microsoft publishes (Azurite,
    https://learn.microsoft.com/azure/storage/common/storage-use-azurite#connection-strings).
    """
    return "devstoreaccount1" not in match.string


def _db_ok(match: re.Match[str]) -> bool:
    password = match["key"]
    return not (
        match["host"].lower() in LOCAL_HOSTS
        or password.lower() in DEV_PASSWORDS
        or any(word in password.lower() for word in GENERIC_WORDS)  # `MyPassword`, `test123`
        or password.lower() == match["user"].lower()
        or placeholder(password)
    )


def _detector(
    name: str,
    what: str,
    pattern: str,
    keywords: tuple[str, ...],
    revoke: str,
    severity: Severity = Severity.ERROR,
    valid: Callable[[re.Match[str]], bool] = lambda match: True,
    min_entropy: float = PROVIDER_MIN_ENTROPY,
    reach: int = REACH,
) -> Detector:
    return Detector(
        name, what, re.compile(pattern), keywords, severity, revoke, valid, min_entropy, reach
    )


DETECTORS = (
    _detector(
        "aws-access-key",
        "an AWS access key ID",
        r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}(?![A-Z0-9])",
        ("akia", "asia", "abia", "acca"),
        f"deactivate and delete it in IAM ({AWS_KEYS})",
    ),
    _detector(
        "github-token",
        "a GitHub token",
        r"\b(?:gh[pousr]_(?P<body>[A-Za-z0-9]{36,255})|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})"
        r"(?![A-Za-z0-9_])",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        f"revoke it ({GITHUB_REVOKE})",
        valid=_crc_ok,
    ),
    _detector(
        "gitlab-token",
        "a GitLab token",
        r"\bgl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt)-[A-Za-z0-9_-]{20,255}",
        ("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "gloas-", "glsoat-", "glft-", "glimt-"),
        "revoke it under User Settings > Access tokens "
        "(https://docs.gitlab.com/user/profile/personal_access_tokens/#revoke-a-personal-access-token)",
    ),
    _detector(
        "slack-token",
        "a Slack token",
        r"\b(?:xox[abposre]|xapp)-\d{1,20}-[A-Za-z0-9-]{8,255}",
        ("xox", "xapp-"),
        "revoke it (https://api.slack.com/methods/auth.revoke)",
    ),
    _detector(
        "slack-webhook",
        "a Slack webhook URL",
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<key>[\w/-]{20,255})",
        ("hooks.slack.com",),
        "delete the webhook in the Slack app settings and create a new one "
        "(https://api.slack.com/messaging/webhooks)",
    ),
    _detector(
        "stripe-key",
        "a Stripe live-mode key",
        r"\b[sr]k_live_[A-Za-z0-9]{20,255}",
        ("k_live_",),
        f"roll it in the Stripe dashboard ({STRIPE_ROLL})",
    ),
    # `whsec_` is Stripe's prefix and the Standard Webhooks one (Svix, Clerk, Resend, Polar…):
    # the secret a receiver checks signatures with. Whoever holds it can forge events (a paid
    # order, a new user) that the receiver trusts.
    _detector(
        "webhook-secret",
        "a webhook signing secret",
        r"\bwhsec_[A-Za-z0-9+/]{20,255}={0,2}",
        ("whsec_",),
        "roll it where the webhook endpoint is configured, in the dashboard of the service that "
        "sends the events (Stripe, Svix or another Standard Webhooks sender: "
        "https://www.standardwebhooks.com/)",
    ),
    _detector(
        "stripe-test-key",
        "a Stripe test-mode key",
        r"\b[sr]k_test_[A-Za-z0-9]{20,255}",
        ("k_test_",),
        f"it only reaches test data, but roll it too ({STRIPE_ROLL})",
        Severity.NOTICE,
    ),
    _detector(
        "twilio-key",
        "a Twilio API key SID",
        r"\bSK[0-9a-f]{32}\b",
        ("twilio",),
        "delete it in the Twilio console (https://www.twilio.com/docs/iam/api-keys)",
    ),
    _detector(
        "sendgrid-key",
        "a SendGrid API key",
        r"\bSG\.[\w-]{22}\.[\w-]{43}\b",
        ("sg.",),
        "delete it under Settings > API Keys (https://app.sendgrid.com/settings/api_keys)",
    ),
    _detector(
        "mailgun-key",
        "a Mailgun API key",
        r"\bkey-[0-9a-f]{32}\b",
        ("key-",),
        "regenerate it (https://app.mailgun.com/settings/api_security)",
    ),
    _detector(
        "openai-key",
        "an OpenAI API key",
        # Starts only where a run of key characters starts: `sk-sk-sk-…T3BlbkFJ` is one attempt.
        r"(?<![\w-])sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{16,128}T3BlbkFJ"
        r"[A-Za-z0-9_-]{16,128}",
        ("t3blbkfj",),
        "revoke it (https://platform.openai.com/api-keys)",
    ),
    _detector(
        "anthropic-key",
        "an Anthropic API key",
        r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,255}",
        ("sk-ant-",),
        "delete it in the Anthropic console (https://console.anthropic.com/settings/keys)",
    ),
    _detector(
        "google-api-key",
        "a Google API key",
        r"\bAIza[0-9A-Za-z_-]{35}(?![\w-])",
        ("aiza",),
        "restrict it to your apps and APIs, or delete it "
        "(https://console.cloud.google.com/apis/credentials)",
        Severity.WARNING,
    ),
    _detector(
        "gcp-service-account",
        "a GCP service-account key",
        r"\"private_key_id\"\s{0,16}:\s{0,16}\"(?P<key>[0-9a-f]{40})\"",
        ("private_key_id",),
        "delete the key on the service account "
        "(https://cloud.google.com/iam/docs/keys-create-delete#deleting)",
    ),
    _detector(
        "azure-storage-key",
        "an Azure storage account key",
        r"AccountKey=(?P<key>[A-Za-z0-9+/]{86}==)",
        ("accountkey=",),
        "rotate the account key "
        "(https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage)",
        valid=_azure_ok,
    ),
    _detector(
        "npm-token",
        "an npm access token",
        r"\bnpm_(?P<body>[A-Za-z0-9]{36})(?![A-Za-z0-9])",
        ("npm_",),
        "revoke it (https://docs.npmjs.com/revoking-access-tokens)",
        valid=_crc_ok,
    ),
    _detector(
        "pypi-token",
        "a PyPI API token",
        r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,512}",
        ("pypi-ageichlwas5vcmc",),
        "remove it under Account settings > API tokens (https://pypi.org/manage/account/token/)",
        reach=540,
    ),
    _detector(
        "shopify-token",
        "a Shopify access token",
        r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
        ("shpat_", "shpca_", "shppa_", "shpss_"),
        "uninstall and reinstall the custom app to rotate it (https://help.shopify.com/en/manual/apps/app-types/custom-apps)",
    ),
    _detector(
        "square-token",
        "a Square access token or secret",
        r"\b(?:EAAA[A-Za-z0-9_-]{60}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43})(?![\w-])",
        ("eaaa", "sq0atp-", "sq0csp-"),
        "replace it in the Square Developer Dashboard (https://developer.squareup.com/apps)",
    ),
    _detector(
        "discord-token",
        "a Discord bot token or webhook",
        r"\b(?:[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}"
        r"|discord(?:app)?\.com/api/webhooks/\d{1,20}/(?P<key>[A-Za-z0-9_-]{60,128}))",
        ("discord",),
        "reset the bot token or delete the webhook in the Discord developer portal "
        "(https://discord.com/developers/applications)",
    ),
    _detector(
        "telegram-bot-token",
        "a Telegram bot token",
        r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}(?![\w-])",
        (":aa",),
        "revoke it with @BotFather's /revoke command (https://core.telegram.org/bots/features#botfather)",
    ),
    _detector(
        "jwt",
        "a JSON Web Token",
        # The header is public; the claims and the signature together are the bearer token.
        # Possessive runs: none of them can give back a `.`, so backtracking would only cost.
        r"(?<![\w-])eyJ[A-Za-z0-9_-]{10,512}+\."
        r"(?P<key>eyJ[A-Za-z0-9_-]{10,2048}+\.[A-Za-z0-9_-]{16,1024}+)",
        ("eyj",),
        "revoke the session or rotate the signing key that issued it",
        Severity.WARNING,
        _jwt_ok,
        reach=3600,
    ),
    _detector(
        "database-url",
        "a database URL with an inline password",
        r"\b(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?|mssql)://"
        r"(?P<user>[^\s:/@'\"]{1,64}):(?P<key>[^\s:/@'\"]{3,128})@(?P<host>[^\s/:@'\"?,]{1,253})",
        ("postgres", "mysql", "mariadb", "mongodb", "redis", "amqp", "mssql"),
        "change the database user's password",
        valid=_db_ok,
        min_entropy=0.0,
        reach=470,
    ),
    _detector(
        "rails-secret-key-base",
        "a Rails secret_key_base",
        r"secret_key_base[\"']?\s{0,16}[:=]\s{0,16}[\"']?(?P<key>[0-9a-f]{64,512})",
        ("secret_key_base",),
        "generate a new one with `bin/rails secret` and load it from credentials or the "
        "environment",
        reach=570,
    ),
)

KEYWORDS = frozenset(keyword for detector in DETECTORS for keyword in detector.keywords)


def matches(detector: Detector, text: str) -> Iterator[re.Match[str]]:
    """Yield the detector's matches on one line, searched only near its keywords.

    Each keyword found opens a window of `reach` characters on both sides (one more at the end,
    so a lookahead sees the character after a match); overlapping windows merge, so a match
    that contains a keyword is found exactly as on the whole line.
    """
    start = end = -1
    for hit in detector.trigger.finditer(text):
        low, high = max(0, hit.start() - detector.reach), hit.end() + detector.reach + 1
        if low > end:
            if end > start:
                yield from detector.pattern.finditer(text, start, end)
            start = low
        end = min(len(text), high)
    if end > start:
        yield from detector.pattern.finditer(text, start, end)


def provider_hits(detector: Detector, text: str) -> Iterator[Hit]:
    """Yield the detector's credentials on one line, without placeholders and fixtures."""
    for match in matches(detector, text):
        # Only the `key` group is secret; the scheme, user and host around it are public.
        start, end = match.span("key") if _has_key(match) else match.span()
        secret = text[start:end]
        if placeholder(secret) or entropy(secret) < detector.min_entropy:
            continue
        if not detector.valid(match):
            continue
        shown = text[match.start() : start] + redact(secret) + text[end : match.end()]
        yield Hit(
            detector.name,
            detector.what,
            secret,
            shown,
            detector.severity,
            detector.revoke,
            match.span(),
        )


def _has_key(match: re.Match[str]) -> bool:
    return "key" in match.re.groupindex and match["key"] is not None


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    provider(
        "aws-access-key",
        "AWS access key ID (AKIA…/ASIA…) added",
        flagged=example(
            base=(),
            head=(
                (
                    "deploy/env.yml",
                    """\
aws_access_key_id: AS§IAUJ§ZDEGXDNCF32EPF
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
""",
                ),
            ),
        ),
    ),
    provider(
        "github-token",
        "GitHub token (classic with a valid CRC32, fine-grained, app) added",
        flagged=example(
            base=(),
            head=(
                (
                    "ci/release.py",
                    """\
GITHUB_TOKEN = "gh§p_qsR6RZ24lPoQj3oPUlieI2nVsbBi1R0TBOdO"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
GITHUB_TOKEN = os.getenv("GITHUB_TOKEN", "")
""",
                ),
            ),
        ),
    ),
    provider(
        "gitlab-token",
        "GitLab token (glpat-, glrt-, gldt-, …) added",
        flagged=example(
            base=(),
            head=(
                (
                    ".gitlab/sync.py",
                    """\
GITLAB_TOKEN = "gl§pat-lh§QCvpm8FOFlEsD4qmq5"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    ".gitlab-ci.yml",
                    """\
    - git clone https://gitlab-ci-token:${CI_JOB_TOKEN}@gitlab.com/acme/infra.git
""",
                ),
            ),
        ),
    ),
    provider(
        "slack-token",
        "Slack token (xoxb-, xoxp-, xapp-, …) added",
        flagged=example(
            base=(),
            head=(
                (
                    "server/slack.js",
                    """\
const slack = new WebClient("xo§xb-24§1592066112-57§97633555618-Z1§FzfnKpcmgfmqSWstSqkNh5");
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
slack_token = "xoxb-xxxxxxxxxxxx-xxxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx"
""",
                ),
            ),
        ),
    ),
    provider(
        "slack-webhook",
        "Slack incoming webhook URL added",
        flagged=example(
            base=(),
            head=(
                (
                    "alerts/notify.py",
                    """\
WEBHOOK = "https://hooks.slack.com/services/T§IP§B4LHWF/BOR§DUL3DB/Lq§tAml2hLH8UX98KdSuNvql9"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
webhook = "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"
""",
                ),
            ),
        ),
    ),
    provider(
        "stripe-key",
        "Stripe live secret or restricted key added",
        flagged=example(
            base=(),
            head=(
                (
                    "config/stripe.yml",
                    """\
restricted_key: rk_§live_V6§mQnBMIdiX8WEcURNGkOB9p
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
STRIPE_API_KEY = os.environ["STRIPE_API_KEY"]
""",
                ),
            ),
        ),
    ),
    provider(
        "webhook-secret",
        "Webhook signing secret (whsec_…: Stripe, Svix, Standard Webhooks senders) added",
        flagged=example(
            base=(),
            head=(
                (
                    "server/webhooks.py",
                    """\
WEBHOOK_SECRET = "wh§sec_C2FVsBQIhrscChlQIMV§+b5sSYspob7oD"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "server/webhooks.py",
                    """\
WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"]
""",
                ),
            ),
        ),
    ),
    provider(
        "twilio-key",
        "Twilio API key SID (SK…) added",
        flagged=example(
            base=(),
            head=(
                (
                    "services/sms.py",
                    """\
TWILIO_API_KEY = "S§K2b§92bcd013e7b2fad6e57dd6d987df49"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "services/sms.py",
                    """\
TWILIO_ACCOUNT_SID = "ACb2§d2245312599d0d9847d37d0526b33b"
""",
                ),
            ),
        ),
    ),
    provider(
        "sendgrid-key",
        "SendGrid API key (SG.…) added",
        flagged=example(
            base=(),
            head=(
                (
                    ".env.production",
                    """\
SENDGRID_API_KEY=S§G.aE§hWzjRci8hIoTWijVcQdi.oI§UCHAnLfhbX84zvmnvzxM9pnUnALQJd9d1lwinj1Yy
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "mailer/send.js",
                    """\
sgMail.setApiKey(process.env.SENDGRID_API_KEY);
""",
                ),
            ),
        ),
    ),
    provider(
        "mailgun-key",
        "Mailgun API key (key-…) added",
        flagged=example(
            base=(),
            head=(
                (
                    "app/mail.py",
                    """\
MAILGUN_API_KEY = "ke§y-26§497f013aa1fb040f696e2a3135e0d1"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "templates/admin/email.html",
                    """\
{{ form(mailgun_api_key=mailgun_api_key, base_url=base_url) }}
""",
                ),
            ),
        ),
    ),
    provider(
        "openai-key",
        "OpenAI API key (sk-…T3BlbkFJ…) added",
        flagged=example(
            base=(),
            head=(
                (
                    "ai/chat.py",
                    """\
client = OpenAI(api_key="sk-§Kk§Oo01rEP45I6HlP5N8GT3Blbk§FJu9§RHECs8ROetAtHF5dVM")
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    ".env.example",
                    """\
OPENAI_API_KEY=sk-...
""",
                ),
            ),
        ),
    ),
    provider(
        "anthropic-key",
        "Anthropic API key (sk-ant-…) added",
        flagged=example(
            base=(),
            head=(
                (
                    "ai/claude.py",
                    """\
anthropic.Anthropic(api_key="sk-§ant-api03-Jv§WiVv3jsB9qKdVHW37ZrPxZT6L7Wgxa9GagUFxUbvRFdbpufkvkKeE2xfskKeR6iIU0C0FuzNycqXMX9DGJWc401hQvJAA")
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    ".env.example",
                    """\
ANTHROPIC_API_KEY=sk-§ant-...
""",
                ),
            ),
        ),
    ),
    provider(
        "google-api-key",
        "Google API key (AIza…) added",
        flagged=example(
            base=(),
            head=(
                (
                    "maps/geocode.py",
                    """\
GOOGLE_MAPS_KEY = "AI§zavd§b9Z66Ys4faGOlprUPBxJrIeKA0FywWZz4"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "maps/geocode.py",
                    """\
GOOGLE_MAPS_KEY = "AI§zaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
""",
                ),
            ),
        ),
    ),
    provider(
        "gcp-service-account",
        "GCP service-account key JSON added",
        flagged=example(
            base=(),
            head=(
                (
                    "deploy/sa.json",
                    """\
  "private_key_id": "21§be3e9cde412d29bdb16d200b270ab500697919",
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "deploy/sa.json",
                    """\
  "client_id": "50§7897820348339609565",
""",
                ),
            ),
        ),
    ),
    provider(
        "azure-storage-key",
        "Azure storage account key in a connection string added",
        flagged=example(
            base=(),
            head=(
                (
                    "config/appsettings.json",
                    """\
  "Storage": "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=12§niU7VfvSPIQN8ZCk+s3FbWVds8nGoq6lpYLxT61+KHw3HuVkEFMds2EUidSeCWs4iuf4asWrHzeRGdk7AKHr==;EndpointSuffix=core.windows.net"
""",  # noqa: E501
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "config/appsettings.Development.json",
                    """\
  "Storage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
""",
                ),
            ),
        ),
    ),
    provider(
        "npm-token",
        "Access token for npm (npm_, with a valid CRC32) added",
        flagged=example(
            base=(),
            head=(
                (
                    ".github/workflows/publish.yml",
                    """\
          NODE_AUTH_TOKEN: np§m_nqybmozUKaPZqRwTl90bsR42exagBw1EkUex
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    ".npmrc",
                    """\
@acme:registry=https://npm.pkg.github.com
""",
                ),
            ),
        ),
    ),
    provider(
        "pypi-token",
        "PyPI API token (pypi-…) added",
        flagged=example(
            base=(),
            head=(
                (
                    ".github/workflows/release.yml",
                    """\
        password: py§pi-AgEIcHlwaS5vcmcDL§4HcpsQ9OQniWwr4VC0bH5VidPmNTD29dlYMuhq9ujYGR1H4gA4d10uUWvo
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    ".github/workflows/release.yml",
                    """\
        password: ${{ secrets.PYPI_API_TOKEN }}
""",
                ),
            ),
        ),
    ),
    provider(
        "shopify-token",
        "Shopify access token (shpat_, shpss_, …) added",
        flagged=example(
            base=(),
            head=(
                (
                    "shop/client.rb",
                    """\
SHOPIFY_TOKEN = "sh§pat_ca§75c98c070e44a58131d962bf403345"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "shop/client.rb",
                    """\
SHOPIFY_TOKEN = "sh§pat_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
""",
                ),
            ),
        ),
    ),
    provider(
        "square-token",
        "Square access token or application secret added",
        flagged=example(
            base=(),
            head=(
                (
                    "payments/square.js",
                    """\
const secret = "sq§0csp-cs§SWj9DxQSYgDMFMbGBKxN28J4W8Bzld2g0hyjgkG1F";
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "payments/square.js",
                    """\
const applicationId = "sq§0idp-7d§HyUweUClKlv7J2RZ1Ug8";
""",
                ),
            ),
        ),
    ),
    provider(
        "discord-token",
        "Discord bot token or webhook URL added",
        flagged=example(
            base=(),
            head=(
                (
                    "bot/main.py",
                    """\
DISCORD_TOKEN = "M§TAH§IS3hlyosbohKagkXGStS.Oy§LzXS.Qu§wev1sNkhGeLgr9ug8O0scwygEE6mmiqVpXdc"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "bot/main.py",
                    """\
DISCORD_APPLICATION_ID = "75§05709526023439688"
""",
                ),
            ),
        ),
    ),
    provider(
        "telegram-bot-token",
        "Telegram bot token added",
        flagged=example(
            base=(),
            head=(
                (
                    "bot/telegram.py",
                    """\
bot = telebot.TeleBot("16§09938298:A§A8Z§cbeYuO0d1biJ6sHv9T7WfzTExjED1eD")
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "docs/alerts.md",
                    """\
curl "https://api.telegram.org/bot<TOKEN>/sendMessage?chat_id=-10067§37154977&text=deployed"
""",
                ),
            ),
        ),
    ),
    heuristic(
        "stripe-test-key",
        "Stripe test-mode key (sk_test_, rk_test_) added",
        why="A test-mode key cannot move money, but it reads and writes the account's test data "
        "and webhooks, and a test key in code is usually next to where the live key will go "
        "next.",
        flagged=example(
            base=(),
            head=(
                (
                    "app/billing.py",
                    """\
stripe.api_key = "sk_§test_hV§iIMTloiODWAnnjzk19iMmm"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "tests/conftest.py",
                    """\
STRIPE_PUBLISHABLE_KEY = "pk_§test_rL§2MrM3ONOOFX3IkaXBGAYfw"
""",
                ),
            ),
        ),
    ),
    heuristic(
        "jwt",
        "JSON Web Token with real-looking claims added",
        why="A signed token is a bearer credential: whoever holds it acts as its subject until "
        "it expires, and long-lived service tokens rarely expire.",
        flagged=example(
            base=(),
            head=(
                (
                    "api/client.py",
                    """\
headers = {"Authorization": "Bearer ey§JhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAic3ZjLWJpbGxpbmciLCAicm9sZSI6ICJhZG1pbiIsICJpYXQiOiAxNzE4MDAwMDAwfQ.Ti36RGXYf1dnaH9bO2DET4EeVTRzEeqQmUXGmDQB8o1"}
""",  # noqa: E501
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "README.md",
                    """\
curl -H "Authorization: Bearer <token>" https://api.acme.io
""",
                ),
            ),
        ),
    ),
    heuristic(
        "database-url",
        "Database URL or connection string with an inline password for a non-local host added",
        why="The URL carries the password of a database that is not on this machine: anyone with "
        "the repository can connect to it with the application's rights.",
        flagged=example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
DATABASE_URL = "mysql://app:F2§rxO5pSEXvfIuoR@10.0.4.12/app"
""",
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "config/database.yml",
                    """\
  url: postgres://user:password@db.example.com/prod
""",
                ),
            ),
        ),
    ),
    heuristic(
        "rails-secret-key-base",
        "Rails secret_key_base literal added",
        why="Rails signs and encrypts cookies with secret_key_base: whoever knows it can forge "
        "sessions and decrypt what the app stores in cookies.",
        flagged=example(
            base=(),
            head=(
                (
                    "config/secrets.yml",
                    """\
  secret_key_base: 99§487fea1254c170d54941394079782748663afbc2310225cacc5aae2c0e8437d2d1f0d31625bdf470fa70a8fa279a75b815cf6a6334720e377d6dc9095bbedc
""",  # noqa: E501
                ),
            ),
        ),
        quiet=example(
            base=(),
            head=(
                (
                    "config/secrets.yml",
                    """\
  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>
""",
                ),
            ),
        ),
    ),
)
