"""Mnemonic codes (助记码): the pinyin initials of a name, e.g. 泰锐家居 → TRJJ."""

import re

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 50


def mnemonic_for(text: str) -> str:
    """Initials of each Chinese character, Latin letters and digits kept, all upper case."""
    if not text:
        return ""
    initials = lazy_pinyin(text, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    joined = "".join(initials)
    return re.sub(r"[^0-9A-Za-z]", "", joined).upper()[:MAX_LENGTH]
