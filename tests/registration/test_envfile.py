"""The `.env` and key file `readiness setup` writes: private, whole, and read back as written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.registration import envfile

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"


def credentials(secret: str) -> envfile.Credentials:
    return envfile.Credentials(7, "Readiness", "https://github.com/apps/readiness", PEM, secret)


def test_values_read_back_as_written_whatever_their_characters(tmp_path: Path) -> None:
    """A folder with a space, a secret with quotes and backslashes: dotenv reads them unchanged,
    and both files are 0600 even under a permissive umask."""
    folder = tmp_path / "my deploy"
    folder.mkdir()
    secret = 'a"b\\c d=e#f'
    previous = os.umask(0)
    try:
        key = envfile.write(folder / ".env", credentials(secret))
    finally:
        os.umask(previous)
    assert dotenv_values(folder / ".env") == {
        "READINESS_APP_ID": "7",
        "READINESS_PRIVATE_KEY_PATH": str(folder / envfile.KEY_FILE),
        "READINESS_WEBHOOK_SECRET": secret,
    }
    assert key.read_text() == PEM + "\n"
    for path in (key, folder / ".env"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(os.listdir(folder)) == [".env", envfile.KEY_FILE]  # no temporary file left


def test_a_value_with_a_line_break_is_refused_before_the_env_is_written(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="line break"):
        envfile.write(tmp_path / ".env", credentials("one\ntwo"))
    assert not (tmp_path / ".env").exists()


def test_existing_files_and_missing_folders_are_reported_before_github_is_asked(
    tmp_path: Path,
) -> None:
    (tmp_path / envfile.KEY_FILE).write_text("old")
    with pytest.raises(FileExistsError, match="pass --force"):
        envfile.check_writable(tmp_path / ".env", force=False)
    envfile.check_writable(tmp_path / ".env", force=True)
    with pytest.raises(FileNotFoundError, match="no folder"):
        envfile.check_writable(tmp_path / "absent" / ".env", force=False)
