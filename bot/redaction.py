"""The one redaction step for every text that leaves the process.

Check-run summaries and annotations, review and PR comments (every GitHub request body), log
records and their tracebacks, HTTP error bodies and the CLI's text and JSON output all pass
through `scrub`. It finds credentials with the secrets pack's own detectors, so whatever the
pack would report is masked (`bot.rules.redact.redact`) wherever it appears: in a removed line a
rule quotes, in a library's error message, in an exception.

Texts are read as an unknown file type, the strictest reading the detectors have: unquoted
values count (a quoted line of YAML or shell), and nothing is forgiven as a test fixture. Scrub
before cutting a text short: a truncated secret no longer matches its detector.
"""

from __future__ import annotations

import re
from typing import Any

from bot.diff.model import Line
from bot.rules.redact import MASK, redact
from bot.rules.secrets.scan import scan

# No lock-file, test, doc or quoted-only-language treatment: every detector applies in full.
NEUTRAL_PATH = "outbound.txt"
# A PEM block's detector reports its header; the key material after it is masked here, up to the
# END line (or the end of the text), whether the block spans lines or is one `\n`-escaped string.
_KEY_BLOCK = re.compile(
    r"(?P<begin>-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)"
    r"(?P<body>.*?)(?=-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)
_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{16,}")


def scrub(text: str) -> str:
    """Return `text` with every credential the secrets pack recognises masked.

    Shape: same text, each secret value replaced by its redacted form (`sk_live_…9f2c`); text
    without secrets comes back unchanged (the same object). Never raises on odd input.
    """
    if not text:
        return text
    lines = tuple(Line(number, row) for number, row in enumerate(text.splitlines(), 1))
    # A key's header is public; its material is masked below.
    values = {hit.value for _, hit in scan(NEUTRAL_PATH, lines) if hit.name != "private-key"}
    for value in sorted(values, key=len, reverse=True):  # a longer value may contain a shorter
        text = text.replace(value, redact(value))
    if "PRIVATE KEY" in text:
        text = _KEY_BLOCK.sub(_mask_key, text)
    return text


def _mask_key(block: re.Match[str]) -> str:
    """Mask what follows a key header when it holds key material; code naming a header stays."""
    return f"{block['begin']}{MASK}" if _KEY_MATERIAL.search(block["body"]) else block[0]


def scrub_data(data: Any) -> Any:
    """Scrub every string in a JSON-like value (dicts, lists, tuples); keys are left as they are.

    Shape: a value of the same shape; other types (numbers, None, bytes) pass unchanged.
    """
    if isinstance(data, str):
        return scrub(data)
    if isinstance(data, dict):
        return {key: scrub_data(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [scrub_data(value) for value in data]
    return data
