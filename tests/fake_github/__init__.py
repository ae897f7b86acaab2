"""The one GitHub double shared by every test (STYLE.md section 7)."""

from .auth import make_app_key
from .server import Call, FakeGitHub

__all__ = ["Call", "FakeGitHub", "make_app_key"]
