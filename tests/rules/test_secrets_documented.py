"""Secrets judged by what the value is and where the base had it: API description examples,
webhook signing secrets (`whsec_` is not only Stripe's), values the base already held, and
slugs or seed data that read as words.

The shapes come from false alarms on real merged pull requests (an OpenAPI spec copied per API
version with a webhook secret's documented example, a seed script's e2e checkout-link slug);
each kind has look-alike negatives and true positives that must still be found.
"""

from __future__ import annotations

from pathlib import Path

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.secrets import check_secrets
from bot.snapshot.model import Snapshot
from tests.gitrepo import make_repo

# Assembled from parts so that push protection and scanners do not take this file for a leak;
# none of them was ever issued.
WHSEC = "whsec_" + "ovyN6cPrTv56AApv" + "zCaJno08SSmGJmgbWilb33N2JuK"
SVIX = "whsec_" + "C2FVsBQIhrscChlQIMV+b5sS" + "Yspob7oD"
STRIPE_LIVE = "sk_live_" + "51HqLyjWDarjtT1zdp7d9f2c"
RANDOM = "q8Wz3Rk1Vn5Ty7Pm" + "Xc2Lb6Hd"
WEBHOOK = "secrets/webhook-secret"
STRIPE = "secrets/stripe-key"
GENERIC = "secrets/generic-secret"


def found(path: str, *lines: str) -> list[tuple[str, int, str]]:
    """Run the pack on one added file and return (rule, line, severity) per finding."""
    added = tuple(Line(number, text) for number, text in enumerate(lines, 1))
    change = Change(files=(ChangedFile(path, FileStatus.ADDED, added=added),))
    return sorted((f.rule, f.line, f.severity) for f in check_secrets(Snapshot(change)))


# --- `whsec_` is a webhook signing secret, Stripe's or a Standard Webhooks sender's ------------


def test_whsec_is_a_webhook_signing_secret_not_a_stripe_key() -> None:
    """Stripe, Svix, Clerk and Polar all sign webhooks with a `whsec_` secret: it is named for
    what it is, and stays an error (whoever holds it forges events the receiver trusts)."""
    findings = [
        f
        for f in check_secrets(
            Snapshot(
                Change(
                    files=(
                        ChangedFile(
                            "server/webhooks.ts",
                            FileStatus.ADDED,
                            added=(
                                Line(1, f'const wh = new Webhook("{SVIX}");'),
                                Line(2, f'const endpointSecret = "{WHSEC}";'),
                            ),
                        ),
                    )
                )
            )
        )
    ]
    assert sorted((f.rule, f.line, f.severity) for f in findings) == [
        (WEBHOOK, 1, "error"),
        (WEBHOOK, 2, "error"),
    ]
    assert all("webhook signing secret" in f.message for f in findings)
    assert all("Stripe live-mode" not in f.message for f in findings)
    assert found("app/billing.py", f'stripe.api_key = "{STRIPE_LIVE}"') == [(STRIPE, 1, "error")]


# --- an API description's example value is documentation, one step lower ----------------------


def test_an_openapi_example_is_documentation_but_a_real_key_there_stays_seen() -> None:
    """A value in an OpenAPI or JSON Schema `example`/`examples` field, in pydantic's
    `Field(examples=[…])` or a JSDoc `@example` documents a field: a provider key there is a
    warning (a real one is published with the docs), a guessed secret a notice."""
    assert found(
        "docs/openapi/2026-04.openapi.json",
        '          "secret": {',
        '            "type": "string",',
        '            "examples": [',
        f'              "{WHSEC}"',
        "            ]",
        "          },",
        f'          "api_key": {{"type": "string", "example": "{STRIPE_LIVE}"}},',
    ) == [(STRIPE, 7, "warning"), (WEBHOOK, 4, "warning")]
    assert found(
        "server/polar/webhook/schemas.py",
        "EndpointSecret = Annotated[",
        "    str,",
        "    Field(",
        '        description="The secret used to sign the webhook events.",',
        f'        examples=["{WHSEC}"],',
        "    ),",
        "]",
    ) == [(WEBHOOK, 5, "warning")]
    assert found("clients/src/v1.ts", f"       * @example {WHSEC}") == [(WEBHOOK, 1, "warning")]
    assert found("api/spec.json", f'  "example": {{"client_secret": "{RANDOM}"}},') == [
        (GENERIC, 1, "notice")
    ]


def test_a_key_beside_an_examples_list_or_named_otherwise_keeps_its_error() -> None:
    """A value after the `examples` list has closed, or in a field that is not an example (a
    config's `secret`, a `default`), is judged as any other."""
    assert found(
        "config/webhooks.json",
        '  "examples": ["none"],',
        f'  "secret": "{WHSEC}",',
        f'  "default": "{STRIPE_LIVE}"',
    ) == [(STRIPE, 3, "error"), (WEBHOOK, 2, "error")]
    assert found(
        "api/spec.json",
        '  "examples": [',
        '    "first"',
        "  ],",
        f'  "signing": "{WHSEC}"',
    ) == [(WEBHOOK, 4, "error")]


# --- a value the base already held is no new exposure -----------------------------------------


async def test_a_value_the_base_held_is_a_notice_where_it_is_copied(tmp_path: Path) -> None:
    """A spec renamed and regenerated, or a file moved, carries the base's value: no new
    exposure, a notice that it still needs revoking; a new value in the same change is an error.
    (A copy beside an unchanged base file is not seen: the review reads only changed files.)"""
    base_spec = f'{{\n  "examples": [],\n  "secret": "{WHSEC}"\n}}\n'
    new_spec = f'{{\n  "examples": [],\n  "secret": "{WHSEC}",\n  "api": "{STRIPE_LIVE}"\n}}\n'
    repo = make_repo(
        tmp_path / "r",
        base={"docs/openapi.json": base_spec},
        head={"docs/openapi.json": None, "docs/openapi-v2.json": new_spec},
    )
    findings = check_secrets(await repo.snapshot())
    assert sorted((f.rule, f.path, f.line, f.severity) for f in findings) == [
        (STRIPE, "docs/openapi-v2.json", 4, "error"),
        (WEBHOOK, "docs/openapi-v2.json", 3, "notice"),
    ]


async def test_a_held_value_moved_into_browser_code_is_a_new_exposure(tmp_path: Path) -> None:
    """Moving a server secret into a bundled component ships it to every visitor: reported."""
    server = f'export const secret = "{WHSEC}";\n'
    page = f'export const secret = "{WHSEC}";\nexport default function Page() {{ return null; }}\n'
    repo = make_repo(
        tmp_path / "r",
        base={"server/config.ts": server},
        head={"src/components/Checkout.tsx": page},
    )
    findings = check_secrets(await repo.snapshot())
    assert [(f.rule, f.severity) for f in findings] == [("secrets/client-exposed-secret", "error")]


# --- slugs made of words, and seed data -------------------------------------------------------


def test_a_slug_of_words_and_numeronyms_is_not_a_secret_and_a_random_one_is() -> None:
    """`polar_cl_e2e_seed_checkout_link_subscription` reads as words (`e2e`, `i18n` are words
    in slugs); a value mostly of letter-digit runs, or random, is still reported."""
    assert found(
        "app/links.py",
        'client_secret="polar_cl_e2e_seed_checkout_link_subscription"',
        'token = "i18n_messages_subscription_cache"',
        'client_secret = "x9f_k2j_p7q_w3z_m4n_words"',
        f'client_secret = "{RANDOM}"',
    ) == [(GENERIC, 3, "warning"), (GENERIC, 4, "warning")]


def test_seed_data_holds_development_values_and_provider_keys_keep_their_error() -> None:
    """A seed script's passwords and tokens are sample records' (a notice); a provider's key
    there is as live as anywhere."""
    assert found(
        "server/scripts/seeds_load.py",
        f'    client_secret="{RANDOM}",',
        f'    stripe_key="{STRIPE_LIVE}",',
    ) == [(GENERIC, 1, "notice"), (STRIPE, 2, "error")]
    assert found("server/scripts/load.py", f'    client_secret="{RANDOM}",') == [
        (GENERIC, 1, "warning")
    ]
