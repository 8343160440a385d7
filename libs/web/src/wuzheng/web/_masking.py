from __future__ import annotations

import re
from typing import Final

# An 18-character resident ID number (GB 11643): 17 digits and a digit or X check character.
# The boundaries are ASCII-only lookarounds rather than ``\b``: in Python's Unicode regexes a
# Chinese character is a word character, so ``\b`` would miss "身份证号370…" in a message.
_RESIDENT_ID: Final = re.compile(
    r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])", re.ASCII
)


def mask_personal_data(text: str) -> str:
    """Mask anything that looks like a resident ID number: first 4 + ``**********`` + last 4."""
    return _RESIDENT_ID.sub(r"\1**********\2", text)
