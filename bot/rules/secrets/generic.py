"""Generic secrets: random-looking literals assigned to names that say they hold a credential."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.rules.model import Severity
from bot.rules.redact import redact
from bot.rules.secrets.declare import example, heuristic, provider
from bot.rules.secrets.detectors import AWS_KEYS, Hit
from bot.rules.secrets.values import (
    GENERIC_WORDS,
    classes,
    identifier,
    password_hash,
    placeholder,
    prose,
    random_enough,
    uuid,
)

LOOKUP_STARTS = (
    "os.environ", "os.getenv", "process.env", "import.meta.env", "settings.", "config.", "env(",
    "ENV[", "ENV.fetch", "System.getenv", "Deno.env", "getenv(", "secrets.", "vault:", "ssm:",
    "sm://", "Secret(", "self.", "this.", "ctx.", "context.",
)  # fmt: skip
# Names ending in `key` that hold identifiers or public values, not credentials.
PUBLIC_KEY_NAMES = (
    "public", "pub", "primary", "foreign", "publishable", "cache", "sort", "partition", "hash",
    "range", "idempotency", "site", "bucket", "schema", "sequence", "object", "map", "route",
    "storage", "lookup", "dedupe", "i18n", "translation", "license", "ssh_pub", "recaptcha_site",
)  # fmt: skip
KEYWORDS = ("pass", "pwd", "secret", "key", "token", "credential", "auth")
MAX_NAME = 80

_SEPARATORS = str.maketrans("", "", "_.-")
# Syntax that ends an unquoted expression (`api_key: current_user.api_key,`), and brackets that
# make one (`parts[0]`, `nil).all`): in templates and scripts an unquoted value is often code.
_TRAILING_SYNTAX = ",;)"
_EXPRESSION = frozenset("()[]{}")
_SECRET_NAME = re.compile(
    r"(?i)pass(?:word|wd|phrase)?(?![a-z])|pwd|secret|token|credential|(?<![a-z])auth(?![a-z])"
    r"|(?:api|access|private|auth|signing|encryption|master)[_.-]?key|(?<=[a-z0-9])[_.-]?key$"
)
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
# A quoted URL path up to a keyword that is its last segment or parameter (`"/orders/:id/token/:`
# before `token" => "orders#show"`): a route mapped to its handler, not a name given a value.
_ROUTE_KEY = re.compile(r"(?:[A-Za-z][\w+.-]*://[^\s/\"'`]*)?/(?:[^\s\"'`]*/)?[:*]?")
# What a route maps to: a controller action, a dotted handler, a path or a symbol.
_HANDLER = re.compile(r":\w+|[\w/]+#\w+|/[\w/:.-]*|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")
# Parameters of a URL path or route template (`/users/:id`, `/<int:pk>`, `/[slug]`, `/*path`): names
# a router fills in. (`{id}` and `${id}` make the whole value a template already.)
_PATH_PARAMETER = re.compile(r"(?<=/)(?::\w+|\*\w+|<(?:\w+:)?\w+>|\[{1,2}(?:\.\.\.)?\w+\]{1,2})")
_AWS_SECRET = re.compile(r"[A-Za-z0-9/+]{40}")
# A Go struct tag (`reflect.StructTag`'s convention): a raw string of `key:"value"` pairs, the
# field's metadata for encoders (`protobuf_key:"bytes,1,opt,name=key"`), never a value it holds.
_STRUCT_TAG = re.compile(r'`(?:[A-Za-z_][\w-]*:"[^"`]*"[ \t]*)+`')
_ASSIGNMENT = re.compile(
    r"(?P<key>(?i:password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|auth[_-]?key|token|credentials?)|(?<=[A-Za-z0-9][_.-])(?i:key)|(?<=[a-z])Key)"
    r"(?i:_?(?:string|str|value))?"
    r"(?P<close>[\"']?)[ \t]*(?::[ \t]*[\w.\[\]| ,]{1,40}?[ \t]*)?(?P<op>:=|=>|[:=])"
    r"(?P<space>[ \t]*)"
    r"(?P<quote>[\"'`]?)(?P<value>[^\s\"'`]{8,256})(?P=quote)"
)

# A cheap superset of _ASSIGNMENT on lowercased text (no lookbehinds, no case folding): it lets
# through about 1 in 30 keyword lines, so the costly pattern runs on few (benchmarks/).
_CANDIDATE = re.compile(
    r"(?:pass(?:word|wd|phrase)|secret|key|token|credentials?)(?:_?(?:string|str|value))?"
    r"[\"']?[ \t]*(?::[ \t]*[\w.\[\]| ,]{1,40}?[ \t]*)?(?::=|=>|[:=])[ \t]*[\"'`]?[^\s\"'`]{8}"
)


def assignments(
    text: str, quoted_only: bool, django: bool, example: bool, taken: list[tuple[int, int]]
) -> Iterator[Hit]:
    """Yield literals assigned to secret-like names that look random enough to be real."""
    if not _CANDIDATE.search(text.lower()):
        return
    for match in _ASSIGNMENT.finditer(text):
        value = match["value"]
        start, end = match.span("value")
        if not match["quote"]:
            if quoted_only or (match["op"] == ":" and not match["space"]):
                # Unquoted `a:b` is a coordinate or a host:port (`io.jsonwebtoken:jjwt`), not YAML.
                continue
            value = value.rstrip(_TRAILING_SYNTAX)
            end = start + len(value)
            if not _EXPRESSION.isdisjoint(value):
                continue
        if any(start < other_end and other_start < end for other_start, other_end in taken):
            continue
        if match["quote"] == '"' and _in_struct_tag(text, start, end):
            continue
        before = _name_before(text, match.start())
        name = before + match["key"]
        if _public_name(before, match["key"]) or (_route_key(text, match) and _handler(value)):
            continue
        if django and name == "SECRET_KEY" and len(value) >= 30 and not _looks_fake(value):
            yield Hit(
                "django-secret-key",
                "a Django SECRET_KEY",
                value,
                redact(value),
                Severity.NOTICE if example else Severity.ERROR,
                "generate a new one with `django.core.management.utils.get_random_secret_key()` "
                "and load it from the environment (sessions and password resets signed with the "
                "old one stay forgeable until you do)",
                (start, end),
            )
            continue
        if not random_literal(value):
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


def secret_name(name: str) -> bool:
    """Tell whether a variable or key name says it holds a credential (`DB_PASSWORD`,
    `jwt.secret`, `STRIPE_KEY`), leaving out public ones (`PUBLIC_KEY`, `CSRF_TOKEN`, `CACHE_KEY`).
    """
    match = _SECRET_NAME.search(name)
    if match is None:
        return False
    return not _public_name(name[: match.start()], match.group().lstrip("_.-"))


def _public_name(before: str, keyword: str) -> bool:
    """Tell `publicToken`, `csrf-token` or `primary_key` from names of secrets."""
    squashed = before.lower().rstrip("_.-")
    if any(word in squashed for word in ("public", "csrf", "xsrf")):
        return True
    return keyword.lower() == "key" and squashed.endswith((*PUBLIC_KEY_NAMES, "_id"))


def _route_key(text: str, match: re.Match[str]) -> bool:
    """Tell whether the keyword closes a quoted URL path or route template used as a key."""
    start = begin = match.start("key")
    while begin > 0 and not text[begin - 1].isspace() and text[begin - 1] not in "\"'`":
        begin -= 1
    quoted = begin > 0 and text[begin - 1] == match["close"] != ""
    return quoted and _ROUTE_KEY.fullmatch(text, begin, start) is not None


def _handler(value: str) -> bool:
    """Tell whether a route's value names what serves it (`orders#show`, `Orders.show`,
    `/orders/show`, `:show`) rather than holding a random literal."""
    return _HANDLER.fullmatch(value) is not None


def _in_struct_tag(text: str, start: int, end: int) -> bool:
    """Tell whether a quoted value is one of a Go struct tag's `key:"value"` pairs."""
    if "`" not in text:
        return False
    return any(tag.start() < start and end < tag.end() for tag in _STRUCT_TAG.finditer(text))


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


def _looks_fake(value: str) -> bool:
    """Tell a test-settings or templated Django key, which need no rotation, from a real one."""
    lowered = value.lower()
    return (
        placeholder(value)
        or any(word in lowered for word in ("test", "demo", "mock"))
        or value.startswith(LOOKUP_STARTS)
        or "{" in value
    )


def random_literal(value: str) -> bool:
    """Tell a generated secret from a placeholder, a lookup, a template, a plain word, a name made
    of words (an identifier, a message id, a cache key, a path), translated text or a stored hash.

    A route template is judged without its parameters: `/reset/<uid>/<token>` is a path of
    words, while a literal secret segment (`/hooks/T01/B02/q8Wz3Rk1…`) stays random.
    """
    if "/" in value:
        value = _PATH_PARAMETER.sub("", value)
    lowered = value.lower()
    if (
        prose(value)
        or placeholder(value)
        or password_hash(value)
        or identifier(value)
        or uuid(value)
        or any(word in lowered for word in GENERIC_WORDS)
        or value.startswith(LOOKUP_STARTS)
        or "{" in value
        or "://" in value
        or "(" in value
        or value.startswith("eyJ")  # a JWT: the jwt detector judges its claims
    ):
        return False
    # Short letter-only values are words and identifiers (`Passwort`, `myApiKey`), not keys.
    if len(value) < 24 and (classes(value) < 2 or value.isalpha()):
        return False
    return random_enough(value)


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    provider(
        "aws-secret-key",
        "AWS secret access key assigned to an aws-secret-like name",
        flagged=example(
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
        quiet=example(
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
    heuristic(
        "django-secret-key",
        "Django SECRET_KEY literal added to a settings module",
        why="Django signs sessions, password-reset links and CSRF tokens with SECRET_KEY: "
        "whoever knows it can forge a session for any user.",
        languages=frozenset({"python"}),
        flagged=example(
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
        quiet=example(
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
    heuristic(
        "generic-secret",
        "Random-looking literal assigned to a password, secret, token or key, or used as the "
        "fallback of such an environment variable",
        why="A random-looking value assigned to a password, token or key name is most often the "
        "real credential; it works for whoever reads the repository, and stays in its "
        "history.",
        flagged=example(
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
        quiet=example(
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
)
