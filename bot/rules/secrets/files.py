"""Files that hold credentials by their nature, flagged when a change commits them at all."""

from __future__ import annotations

from pathlib import PurePosixPath

from bot.diff.model import ChangedFile, FileStatus
from bot.rules.model import Rule, Severity
from bot.rules.secrets.declare import example

SSH_KEYS = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"})
KEY_STORES = frozenset({".p12", ".pfx", ".jks", ".keystore"})
ALWAYS = frozenset({".pypirc", ".netrc", ".git-credentials", ".htpasswd"})
TEMPLATE_ENDINGS = (".example", ".sample", ".template", ".dist", ".defaults", ".schema", ".tpl")
NPM_AUTH = ("_auth", "_password")


def committed(changed: ChangedFile) -> tuple[str, Severity] | None:
    """Return what kind of credential file a newly added file is, or None for other files."""
    if changed.status is not FileStatus.ADDED:
        return None
    name = PurePosixPath(changed.path).name.lower()
    if name in SSH_KEYS:
        return "an SSH private key file", Severity.ERROR
    if PurePosixPath(name).suffix in KEY_STORES:
        return "a key store", Severity.ERROR
    if name in ALWAYS:
        return f"a `{name}` credentials file", Severity.ERROR
    if name == ".npmrc":
        if any(auth in line.text for line in changed.added for auth in NPM_AUTH):
            return "an `.npmrc` with registry credentials", Severity.ERROR
        return "an `.npmrc`", Severity.NOTICE  # no token yet: only a heads-up
    if (name == ".env" or name.startswith(".env.")) and not name.endswith(TEMPLATE_ENDINGS):
        return "an environment file", Severity.WARNING
    return None


# --- Declared here, beside their check, with their docs (`bot.rules.model.gather`) ---

RULES = (
    Rule(
        "secrets/committed-secret-file",
        Severity.ERROR,
        "Credential file (.env, .pypirc, .npmrc auth, id_rsa) added",
        "Remove the file, add it to `.gitignore`, rotate what it holds, and commit a template "
        "with placeholders instead.",
        why="Files such as `.env`, `.pypirc` or `id_rsa` exist to hold credentials: once "
        "committed, everything in them is readable by anyone with the repository and stays "
        "in its history.",
        flagged=example(
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
)
