"""Client-bundle exposure, notebooks, committed credential files and pathological lines."""

from __future__ import annotations

import pytest

from bot.diff.model import Change, ChangedFile, FileStatus, Line
from bot.rules.model import Finding
from bot.rules.secrets import check_secrets
from bot.rules.secrets.scan import scan
from bot.snapshot.model import Layout, Snapshot

# Assembled from parts so that push protection and scanners do not take this file for a leak.
STRIPE_LIVE = "sk_live_" + "51HqLyjWDarjtT1zdp7d9f2c"
OPENAI = "sk-" + "Zq81LmVb3KxRt0PaWy7c" + "T3Blbk" + "FJ" + "Hn2Ds9GfQe4Jk6Lm1Xz0"


async def run(path: str, *lines: str, status: FileStatus = FileStatus.ADDED) -> list[Finding]:
    added = tuple(Line(i, text) for i, text in enumerate(lines, 1))
    change = Change(files=(ChangedFile(path, status, added=added),))
    return check_secrets(Snapshot(change))


def rules(findings: list[Finding]) -> list[tuple[str, int, str]]:
    return sorted((f.rule, f.line, f.severity) for f in findings)


async def test_live_key_in_a_component_is_a_client_exposure_error() -> None:
    """A live key in a React component gets its own rule and says why it is worse."""
    findings = await run(
        "src/components/Checkout.tsx",
        "export function Checkout() {",
        f'  const stripe = Stripe("{STRIPE_LIVE}");',
        "}",
    )
    assert rules(findings) == [("secrets/client-exposed-secret", 2, "error")]
    message = findings[0].message
    assert "browser" in message and "every visitor" in message and "Roll it" in message
    assert STRIPE_LIVE not in message and "sk_live_…9f2c" in message


async def test_public_env_prefix_and_server_secret_read_in_client_code() -> None:
    """`VITE_` values are inlined into the bundle; secret env names read in components warn."""
    env = await run(".env.production", f"VITE_OPENAI_API_KEY={OPENAI}")
    component = await run(
        "src/pages/upload.jsx",
        "const s3 = new S3({ secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY });",
        "const key = process.env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY;",
    )
    assert ("secrets/client-exposed-secret", 1, "error") in rules(env)
    assert "`VITE_OPENAI_API_KEY`" in next(
        f.message for f in env if f.rule == "secrets/client-exposed-secret"
    )
    assert rules(component) == [("secrets/client-env-read", 1, "warning")]


async def test_server_code_keeps_the_provider_rule() -> None:
    """The same key in an API route is the provider's rule, not a client exposure."""
    findings = await run("src/pages/api/pay.ts", f'const stripe = new Stripe("{STRIPE_LIVE}");')
    assert rules(findings) == [("secrets/stripe-key", 1, "error")]


async def test_notebook_cell_source_is_scanned() -> None:
    """A key inside a notebook cell's JSON string is found despite the escaped quotes."""
    line = f'    "client = OpenAI(api_key=\\"{OPENAI}\\")\\n",'
    findings = await run("analysis/explore.ipynb", "{", line)
    assert rules(findings) == [("secrets/openai-key", 2, "error")]


async def test_committed_files_only_when_added() -> None:
    """A new `.env` is flagged once, a plain `.npmrc` gently; edits and templates are not."""
    assert rules(await run(".env", "DEBUG=1")) == [("secrets/committed-secret-file", 1, "warning")]
    assert await run(".env", "DEBUG=1", status=FileStatus.MODIFIED) == []
    assert await run(".env.example", "DEBUG=1") == []
    assert rules(await run(".npmrc", "save-exact=true")) == [
        ("secrets/committed-secret-file", 1, "notice")
    ]


@pytest.mark.timeout(30)
def test_pathological_lines_finish_and_find_nothing() -> None:
    """Long runs that invite backtracking in every pattern are scanned in linear time."""
    lines = [
        "password=" + "a=" * 50_000,
        "api_key: " + "x: " * 50_000,
        "postgres://" + "u:" * 50_000 + "@",
        "eyJ" + "a" * 100_000 + "." + "eyJ" + "b" * 100_000,
        "xoxb-" + "1-" * 50_000,
        "token = '" + "\\'" * 50_000,
        ("secret_key_base: " + "0" * 63 + " ") * 1_000,
        "key-" * 50_000,
        "AKIA" * 50_000,
        "-----BEGIN RSA PRIVATE KEY-----" * 5_000,
    ]
    found = list(scan("src/app.py", tuple(Line(i, t) for i, t in enumerate(lines, 1))))
    assert [hit.name for _, hit in found] == []


async def test_a_client_exposed_provider_key_stays_an_error_through_the_engine() -> None:
    """The registry's cap keeps the pack's severity: a live key in the bundle fails the check."""
    from bot.rules.engine import evaluate

    added = (Line(1, f'const stripe = Stripe("{STRIPE_LIVE}");'),)
    change = Change(files=(ChangedFile("src/components/Pay.tsx", FileStatus.ADDED, added=added),))
    evaluation = await evaluate(Snapshot(change))
    assert [(f.rule, f.severity.value) for f in evaluation.findings] == [
        ("secrets/client-exposed-secret", "error")
    ]


def project(files: dict[str, str], listing: tuple[str, ...] = (), frontend: str = "") -> Snapshot:
    """A change adding these files to a repository that also holds `listing`."""
    added = tuple(
        ChangedFile(path, FileStatus.ADDED, added=tuple(Line(i, t) for i, t in enumerate(lines, 1)))
        for path, text in files.items()
        for lines in [text.splitlines()]
    )
    texts = {(path, "head"): text for path, text in files.items()}
    head = frozenset(files) | frozenset(listing)
    layout = Layout(frontend=(frontend,) if frontend else ())
    return Snapshot(Change(files=added), texts, {"base": None, "head": head}, layout)


NEXT_APP = ("apps/www/next.config.mjs", "apps/www/package.json")


def test_modules_of_a_next_app_are_server_code_unless_they_say_otherwise() -> None:
    """In a Next.js app under a `www/` folder, a helper in `lib/` and an App Router page read
    secrets on the server: neither is browser code, whatever the folder above the app says."""
    snap = project(
        {
            "apps/www/lib/billing/provider.ts": (
                'import { z } from "zod";\n\n'
                "export const client = { key: process.env.BILLING_API_SECRET };\n"
            ),
            "apps/www/app/(shop)/orders/page.tsx": (
                "export default async function Orders() {\n"
                "  const rows = await load(process.env.WAREHOUSE_TOKEN);\n"
                "  return <List rows={rows} />;\n"
                "}\n"
            ),
        },
        NEXT_APP,
    )
    assert check_secrets(snap) == []


def test_a_module_that_imports_what_no_browser_loads_is_server_code() -> None:
    """`node:` built-ins, `server-only` and a database client keep a module out of the bundle,
    even in a folder that looks like a web root and with no listing to tell the project."""
    heads = (
        'import { resolveTxt } from "node:dns/promises";\n',
        'import "server-only";\n',
        'import { PrismaClient } from "@prisma/client";\n',
        'const fs = require("fs");\n',
    )
    for head in heads:
        text = head + "export const secret = process.env.DOMAINS_PRIVATE_KEY;\n"
        assert check_secrets(project({"web/lib/domains.ts": text})) == [], head


def test_a_client_module_still_reads_its_secret_in_the_browser() -> None:
    """A "use client" module in the same Next.js app, even in `lib/` or `app/`, and a component
    outside `app/` still warn; so does a type-only import of a server package."""
    snap = project(
        {
            "apps/www/app/(shop)/orders/filters.tsx": (
                '"use client";\n\nexport const key = process.env.SEARCH_ADMIN_KEY;\n'
            ),
            "apps/www/lib/analytics.ts": (
                "// Runs in the browser.\n'use client'\n\n"
                "export const token = process.env.ANALYTICS_TOKEN;\n"
            ),
            "apps/www/components/Upload.tsx": (
                "const keys = { secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY };\n"
            ),
            "frontend/src/lib/account.ts": (
                'import type { Account } from "@prisma/client";\n'
                'import { type Session } from "next-auth";\n'
                "export const token = import.meta.env.VITE_ADMIN_TOKEN;\n"
            ),
        },
        (*NEXT_APP, "frontend/vite.config.ts"),
    )
    assert sorted((f.path, f.line) for f in check_secrets(snap)) == [
        ("apps/www/app/(shop)/orders/filters.tsx", 3),
        ("apps/www/components/Upload.tsx", 1),
        ("apps/www/lib/analytics.ts", 4),
        ("frontend/src/lib/account.ts", 3),
    ]
    assert {f.rule for f in check_secrets(snap)} == {"secrets/client-env-read"}


def test_a_module_that_declares_server_code_overrides_the_frontend_config() -> None:
    """The config's frontend root still makes plain modules browser code, but not one that
    says "use server"; a hard-coded key there is the provider's rule, not a client exposure."""
    plain = "export const token = process.env.CRM_TOKEN;\n"
    action = f'"use server";\n\nconst stripe = new Stripe("{STRIPE_LIVE}");\n' + plain
    snap = project({"site/src/crm.ts": plain, "site/src/actions.ts": action}, frontend="/site/")
    assert sorted((f.path, f.rule, f.line) for f in check_secrets(snap)) == [
        ("site/src/actions.ts", "secrets/stripe-key", 3),
        ("site/src/crm.ts", "secrets/client-env-read", 1),
    ]
