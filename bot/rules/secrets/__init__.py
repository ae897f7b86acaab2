"""Pack `secrets`: credentials added in plain text, and removed ones that stay in git history.

Every value is redacted before it reaches a message, and fingerprints hash the redacted form, so
a weak password cannot be recovered from a published fingerprint by guessing. One check scans
every changed line once (`check.py`); each detection's rule is declared, docs included, in the
module that detects it (`bot.rules.model.gather`): a provider's key format in `detectors.py`.
"""

from __future__ import annotations

from bot.rules.model import gather
from bot.rules.secrets.check import check_secrets

__all__ = ["PACK", "check_secrets"]

PACK = gather("secrets", __name__, __path__)
