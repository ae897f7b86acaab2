"""Annotated target for the tests pack's skips (Python), checked as `tests/test_checkout.py`.

`# ruleid: ID` says the next line must be reported under ID, `# ok: ID` that it must not be.
"""

import sys
import unittest

import pytest

HELP = "Mark a flaky test with @pytest.mark.skip and link the issue."
# ok: tests/skipped-test
WINDOWS_ONLY = [pytest.mark.skip] if sys.platform != "win32" else []

# ruleid: tests/unconditional-skip
pytest.skip("the whole module waits for the new API", allow_module_level=True)

if sys.version_info < (3, 12):
    # ok: tests/unconditional-skip
    pytest.skip("needs Python 3.12", allow_module_level=True)


def test_disabled():
    # ruleid: tests/unconditional-skip
    pytest.skip("broken since the upgrade")
    assert sum([1, 1]) == 2


async def test_disabled_async():
    # ruleid: tests/unconditional-skip
    pytest.skip("flaky")


def test_platform():
    if sys.platform == "win32":
        # ok: tests/unconditional-skip
        pytest.skip("no fork on Windows")
    assert sys.platform


def test_linux_only():
    if sys.platform == "linux":
        assert sys.platform
    else:
        # ok: tests/unconditional-skip
        pytest.skip("linux only")


def test_optional_dependency():
    try:
        import numpy
    except ImportError:
        # ok: tests/unconditional-skip
        pytest.skip("numpy is not installed")
    assert numpy.zeros(1).sum() == 0


def skip_slow():
    # ok: tests/unconditional-skip
    pytest.skip("a helper decides when it is called")


# ruleid: tests/skipped-test
@pytest.mark.skip(reason="provider sandbox down")
def test_charge():
    assert HELP


# ok: tests/skipped-test
@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")
def test_fork():
    assert sys.platform != "win32"


# ruleid: tests/skipped-test
@pytest.mark.skipif(True, reason="later")
def test_later():
    assert HELP


# ok: tests/skipped-test
@pytest.mark.xfail(sys.version_info < (3, 12), reason="needs the 3.12 tokenizer")
def test_tokenizer():
    assert sys.version_info >= (3, 12)


# ruleid: tests/skipped-test
@pytest.mark.xfail(reason="rounding bug, see #12")
def test_rounding():
    assert round(2.675, 2) == 2.68


# ok: tests/skipped-test
@pytest.mark.skip("TODO: write once the refund API exists")
def test_refund_api():
    pass


def test_help_mentions_markers():
    # ok: tests/skipped-test
    assert "@pytest.mark.skip" in HELP


class TestAccounts(unittest.TestCase):
    def test_close(self):
        # ruleid: tests/unconditional-skip
        self.skipTest("waiting for the billing fix")

    def test_open(self):
        if sys.platform == "win32":
            # ok: tests/unconditional-skip
            self.skipTest("no Windows runner")
        self.assertTrue(sys.platform)

    # ruleid: tests/skipped-test
    @unittest.skip("waiting for the provider")
    def test_refund(self):
        self.assertTrue(sys.platform)

    # ok: tests/skipped-test
    @unittest.skipIf(sys.platform == "win32", "no Windows runner")
    def test_fork(self):
        self.assertTrue(sys.platform)

    # ok: tests/skipped-test
    @unittest.skipUnless(sys.platform.startswith("linux"), "needs /proc")
    def test_proc(self):
        self.assertTrue(sys.platform)


class TestBilling(unittest.TestCase):
    def setUp(self):
        # ruleid: tests/unconditional-skip
        self.skipTest("the billing sandbox is down")

    def test_invoice(self):
        self.assertTrue(sys.platform)
