"""Import a heavy module when it is first used, not when the module that names it is imported.

`readiness scan` imports every rule pack at start-up, and start-up is part of every scan's wall
time (a pre-commit hook, a CI step): sqlglot alone was an eighth of it, though only a change with
SQL in it needs a SQL parser. importlib's LazyLoader runs a module's code on the first access to
one of its attributes. The server's forkserver imports such modules for real before the packs
(bot.rules.runner), so review processes forked from it pay nothing.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """Return the module `name`, its code run on first attribute access (at once if imported).

    Raises ModuleNotFoundError when no such module is installed, as `import` would.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
