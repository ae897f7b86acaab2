"""The installed version, from package metadata (pyproject.toml's `version`), for logs and CLI."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def _installed() -> str:
    try:
        return version("readiness")
    except PackageNotFoundError:  # a source tree run without being installed
        return "unknown (not installed)"


VERSION = _installed()
