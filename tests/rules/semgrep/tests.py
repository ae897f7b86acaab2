"""Targets for `semgrep --test` of rules/semgrep/tests.yml: each case says what it expects."""

import sys
import unittest

import pytest

# ruleid: tests.unconditional-skip
pytest.skip("the whole module waits for the new API", allow_module_level=True)

if sys.version_info < (3, 12):
    # ok: tests.unconditional-skip
    pytest.skip("needs Python 3.12", allow_module_level=True)


def test_disabled():
    # ruleid: tests.unconditional-skip
    pytest.skip("broken since the upgrade")
    assert sum([1, 1]) == 2


async def test_disabled_async():
    # ruleid: tests.unconditional-skip
    pytest.skip("flaky")


def test_platform():
    if sys.platform == "win32":
        # ok: tests.unconditional-skip
        pytest.skip("no fork on Windows")
    assert sys.platform


def test_linux_only():
    if sys.platform == "linux":
        assert sys.platform
    else:
        # ok: tests.unconditional-skip
        pytest.skip("linux only")


def test_optional_dependency():
    try:
        import numpy
    except ImportError:
        # ok: tests.unconditional-skip
        pytest.skip("numpy is not installed")
    assert numpy.zeros(1).sum() == 0


def skip_slow():
    # ok: tests.unconditional-skip
    pytest.skip("a helper decides when it is called")


class TestAccounts(unittest.TestCase):
    def test_close(self):
        # ruleid: tests.unconditional-skip
        self.skipTest("waiting for the billing fix")

    def test_open(self):
        if sys.platform == "win32":
            # ok: tests.unconditional-skip
            self.skipTest("no Windows runner")
        self.assertTrue(sys.platform)
