"""A lazily imported module runs its code on first use, and only then."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.lazy import lazy_module


def test_the_module_runs_on_first_attribute_access(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran"
    (tmp_path / "heavy_for_test.py").write_text(
        f"from pathlib import Path\nPath({str(ran)!r}).write_text('yes')\nVALUE = 42\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "heavy_for_test", raising=False)
    module = lazy_module("heavy_for_test")
    assert not ran.exists()
    assert module.VALUE == 42
    assert ran.read_text() == "yes"
    assert sys.modules["heavy_for_test"] is module


def test_a_module_already_imported_is_returned_as_it_is() -> None:
    import json

    assert lazy_module("json") is json


def test_a_missing_module_fails_at_once() -> None:
    with pytest.raises(ModuleNotFoundError):
        lazy_module("no_such_module_for_readiness")


def test_the_cli_does_not_load_the_sql_parser_at_start_up() -> None:
    import subprocess

    code = (
        "import sys, bot.cli\n"
        "print(type(sys.modules['sqlglot']).__name__, 'aiohttp' in sys.modules,"
        " 'pydantic_settings' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["_LazyModule", "False", "False"]
