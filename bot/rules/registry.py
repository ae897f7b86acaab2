"""The rule packs the engine runs, in report order."""

from __future__ import annotations

from bot.rules.model import Pack

PACKS: tuple[Pack, ...] = ()
