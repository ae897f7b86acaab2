"""Write a new app's credentials where `readiness serve` reads them: a `.env` and, beside it, the
private key file (READINESS_PRIVATE_KEY_PATH), both mode 0600 and written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "readiness.private-key.pem"
# Values python-dotenv (pydantic-settings' reader) takes as they are; others are double-quoted.
PLAIN = re.compile(r"[A-Za-z0-9_./:@+=,-]+")


@dataclass(frozen=True)
class Credentials:
    """What the manifest conversion returned, and the API root to keep using (None: github.com)."""

    app_id: int
    name: str
    html_url: str
    pem: str
    webhook_secret: str
    api_url: str | None = None


def key_path(env_file: Path) -> Path:
    """Return where the private key goes: beside the `.env`."""
    return env_file.parent / KEY_FILE


def check_writable(env_file: Path, *, force: bool) -> None:
    """Raise FileExistsError for a `.env` or key file already there (unless `force`), and
    PermissionError or FileNotFoundError for a folder that cannot take them, before GitHub is
    asked for anything."""
    for path in (env_file, key_path(env_file)):
        if path.exists() and not force:
            raise FileExistsError(f"{path} exists; pass --force to replace it")
    folder = env_file.parent
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PermissionError(f"cannot write in {folder}")


def write(env_file: Path, credentials: Credentials) -> Path:
    """Write the key file, then the `.env` naming it; return the key file's path.

    Raises OSError when a file cannot be written.
    """
    key = key_path(env_file).resolve()
    _write_private(
        key, credentials.pem if credentials.pem.endswith("\n") else credentials.pem + "\n"
    )
    settings = {
        "READINESS_APP_ID": str(credentials.app_id),
        "READINESS_PRIVATE_KEY_PATH": str(key),
        "READINESS_WEBHOOK_SECRET": credentials.webhook_secret,
    }
    if credentials.api_url is not None:
        settings["READINESS_GITHUB_API_URL"] = credentials.api_url
    name = " ".join(credentials.name.split())
    lines = [f"# GitHub App {name} ({credentials.html_url}), registered by `readiness setup`."]
    lines += [f"{variable}={_quoted(value)}" for variable, value in settings.items()]
    _write_private(env_file, "\n".join(lines) + "\n")
    return key


def _quoted(value: str) -> str:
    """Quote a value for a `.env` line; a line break cannot be written on one line."""
    if "\n" in value or "\r" in value:
        raise ValueError("a value with a line break")
    if PLAIN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, text: str) -> None:
    """Write `text` readable by its owner only: a 0600 temporary file renamed over `path`."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
