"""Docs of the `secrets` rules: why each matters, a change it flags, a look-alike it spares.

Examples come from the pack's labelled corpus (`tests/corpus/secrets/`). Each rule's page
under `docs/rules/` (`python -m bot.rules.docs`) shows them as diffs;
`tests/rules/test_docs.py` runs each one through the engine: a flagged example must yield
the rule, its look-alike must not. Lines inside examples are code, kept as written.

Every value is written with a `§` inside it, removed when the example is built, so neither
this file nor a scan of it holds a working-looking credential; the pages show values redacted.
"""

from __future__ import annotations

from bot.rules.model import Example

PROVIDER_WHY = (
    "Anyone who can read the repository, a fork, a clone or its history can use the credential,"
    " and bots scan public pushes for keys within minutes of a push. Deleting the line later do"
    "es not help: the value stays in git history until the credential is revoked."
)
WHY: dict[str, str] = {
    "secrets/client-env-read": (
        "Bundlers either leave a server-only variable undefined in the browser (the feature "
        "breaks in production) or inline its value into the bundle, where every visitor can "
        "read it."
    ),
    "secrets/client-exposed-secret": (
        "Code bundled for the browser is sent to every visitor: a secret in it is public, no "
        "repository access needed, and stays in cached bundles and CDNs after it is removed."
    ),
    "secrets/committed-secret-file": (
        "Files such as `.env`, `.pypirc` or `id_rsa` exist to hold credentials: once "
        "committed, everything in them is readable by anyone with the repository and stays "
        "in its history."
    ),
    "secrets/database-url": (
        "The URL carries the password of a database that is not on this machine: anyone with "
        "the repository can connect to it with the application's rights."
    ),
    "secrets/django-secret-key": (
        "Django signs sessions, password-reset links and CSRF tokens with SECRET_KEY: "
        "whoever knows it can forge a session for any user."
    ),
    "secrets/generic-secret": (
        "A random-looking value assigned to a password, token or key name is most often the "
        "real credential; it works for whoever reads the repository, and stays in its "
        "history."
    ),
    "secrets/jwt": (
        "A signed token is a bearer credential: whoever holds it acts as its subject until "
        "it expires, and long-lived service tokens rarely expire."
    ),
    "secrets/rails-secret-key-base": (
        "Rails signs and encrypts cookies with secret_key_base: whoever knows it can forge "
        "sessions and decrypt what the app stores in cookies."
    ),
    "secrets/removed-secret": (
        "Removing a credential from the code does not remove it from git history, forks or "
        "clones: it stays usable until it is revoked with its provider."
    ),
    "secrets/stripe-test-key": (
        "A test-mode key cannot move money, but it reads and writes the account's test data "
        "and webhooks, and a test key in code is usually next to where the live key will go "
        "next."
    ),
}

EXAMPLES: dict[str, tuple[Example, Example]] = {
    "secrets/anthropic-key": (
        Example(
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
        Example(
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
    "secrets/aws-access-key": (
        Example(
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
        Example(
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
    "secrets/aws-secret-key": (
        Example(
            base=(),
            head=(
                (
                    "config/aws.json",
                    """\
  "secretAccessKey": "57§5yx8xm5MslfY5ubiheyEd7P4zDL/ak6J0kGODK",
""",
                ),
            ),
        ),
        Example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY")
""",
                ),
            ),
        ),
    ),
    "secrets/azure-storage-key": (
        Example(
            base=(),
            head=(
                (
                    "config/appsettings.json",
                    """\
  "Storage": "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey=12§niU7VfvSPIQN8ZCk+s3FbWVds8nGoq6lpYLxT61+KHw3HuVkEFMds2EUidSeCWs4iuf4asWrHzeRGdk7AKHr==;EndpointSuffix=core.windows.net"
""",
                ),
            ),
        ),
        Example(
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
    "secrets/client-env-read": (
        Example(
            base=(),
            head=(
                (
                    "frontend/src/lib/ai.ts",
                    """\
const token = import.meta.env.VITE_GITHUB_TOKEN;
""",
                ),
            ),
        ),
        Example(
            base=(),
            head=(
                (
                    "src/config.ts",
                    """\
export const apiKey = import.meta.env.VITE_MAPS_PUBLIC_KEY;
""",
                ),
            ),
        ),
    ),
    "secrets/client-exposed-secret": (
        Example(
            base=(),
            head=(
                (
                    "web/src/api.js",
                    """\
const API_SECRET = "zm§v5lOaHXSa2vRDio8hSiMlCAuQBitkh";
""",
                ),
            ),
        ),
        Example(
            base=(),
            head=(
                (
                    "node_modules/lib/index.js",
                    """\
const secret = "a9§SNIM5483QtV5JaH44vWrwL6WjM0Y26";
""",
                ),
            ),
        ),
    ),
    "secrets/committed-secret-file": (
        Example(
            base=(),
            head=(
                (
                    ".pypirc",
                    """\
[pypi]
""",
                ),
            ),
        ),
        Example(
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
    "secrets/database-url": (
        Example(
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
        Example(
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
    "secrets/discord-token": (
        Example(
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
        Example(
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
    "secrets/django-secret-key": (
        Example(
            base=(),
            head=(
                (
                    "mysite/settings/prod.py",
                    """\
SECRET_KEY = 'of§7P8Dbi2tTbRNa71FyFZ5ItWkULvQl5H6hgxPc2utfcmVfKN9'
""",
                ),
            ),
        ),
        Example(
            base=(),
            head=(
                (
                    "app/settings.py",
                    """\
SECRET_KEY = env("DJANGO_SECRET_KEY")
""",
                ),
            ),
        ),
    ),
    "secrets/gcp-service-account": (
        Example(
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
        Example(
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
    "secrets/generic-secret": (
        Example(
            base=(),
            head=(
                (
                    ".env.local",
                    """\
DB_PASSWORD=Rc§gZkeMwu663YY3JAD1B
""",
                ),
            ),
        ),
        Example(
            base=(),
            head=(
                (
                    "gitleaks.txt",
                    """\
PuttyPassword=0
""",
                ),
            ),
        ),
    ),
    "secrets/github-token": (
        Example(
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
        Example(
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
    "secrets/gitlab-token": (
        Example(
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
        Example(
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
    "secrets/google-api-key": (
        Example(
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
        Example(
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
    "secrets/jwt": (
        Example(
            base=(),
            head=(
                (
                    "api/client.py",
                    """\
headers = {"Authorization": "Bearer ey§JhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAic3ZjLWJpbGxpbmciLCAicm9sZSI6ICJhZG1pbiIsICJpYXQiOiAxNzE4MDAwMDAwfQ.Ti36RGXYf1dnaH9bO2DET4EeVTRzEeqQmUXGmDQB8o1"}
""",
                ),
            ),
        ),
        Example(
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
    "secrets/mailgun-key": (
        Example(
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
        Example(
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
    "secrets/npm-token": (
        Example(
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
        Example(
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
    "secrets/openai-key": (
        Example(
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
        Example(
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
    "secrets/private-key": (
        Example(
            base=(),
            head=(
                (
                    "certs/server.key",
                    """\
-----BEGIN EC§ PRIVATE KEY-----
lz§tMkxMlT8XXZO2fGfDb7CgWDl2yDA0vNQbn0NPUzE7wvCNu4AMq18nZkGhHMOIq
""",
                ),
            ),
        ),
        Example(
            base=(),
            head=(
                (
                    "app/keys.py",
                    """\
if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):
""",
                ),
            ),
        ),
    ),
    "secrets/pypi-token": (
        Example(
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
        Example(
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
    "secrets/rails-secret-key-base": (
        Example(
            base=(),
            head=(
                (
                    "config/secrets.yml",
                    """\
  secret_key_base: 99§487fea1254c170d54941394079782748663afbc2310225cacc5aae2c0e8437d2d1f0d31625bdf470fa70a8fa279a75b815cf6a6334720e377d6dc9095bbedc
""",
                ),
            ),
        ),
        Example(
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
    "secrets/sendgrid-key": (
        Example(
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
        Example(
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
    "secrets/shopify-token": (
        Example(
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
        Example(
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
    "secrets/slack-token": (
        Example(
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
        Example(
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
    "secrets/slack-webhook": (
        Example(
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
        Example(
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
    "secrets/square-token": (
        Example(
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
        Example(
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
    "secrets/stripe-key": (
        Example(
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
        Example(
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
    "secrets/stripe-test-key": (
        Example(
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
        Example(
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
    "secrets/telegram-bot-token": (
        Example(
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
        Example(
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
    "secrets/twilio-key": (
        Example(
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
        Example(
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
}
# A removed credential: its notice, and the removal of a placeholder, which is no credential.
EXAMPLES["secrets/removed-secret"] = (
    Example(
        base=(
            (
                "app/billing.py",
                'import stripe\n\nstripe.api_key = "sk_§live_51Hx9QkLmZ3vT8pR2wYcN4dFgJ7sA0eBqU6iO"\n',
            ),
        ),
        head=(
            (
                "app/billing.py",
                'import os\n\nimport stripe\n\nstripe.api_key = os.environ["STRIPE_API_KEY"]\n',
            ),
        ),
    ),
    Example(
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
)


def _whole(example: Example) -> Example:
    """Remove the `§` that keeps each value from looking like a credential in this file."""
    return Example(
        tuple(
            (path, None if text is None else text.replace("§", "")) for path, text in example.base
        ),
        tuple(
            (path, None if text is None else text.replace("§", "")) for path, text in example.head
        ),
    )


EXAMPLES = {rule: (_whole(flagged), _whole(quiet)) for rule, (flagged, quiet) in EXAMPLES.items()}
