"""Hierarchical coding schemes (编码方案) such as ``2-2-3``.

Pure functions, no database: a scheme is a tuple of segment lengths; a code of level *k* is as
long as the first *k* segments together, and starts with its parent's code.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LEVELS = 9
MAX_SEGMENT = 9
MAX_CODE_LENGTH = 40
CODE_PATTERN = re.compile(r"[0-9A-Za-z]+")


def parse_segments(text: str) -> tuple[int, ...]:
    """Parse ``"2-2-3"`` into ``(2, 2, 3)``; raise ``ValidationError`` when malformed."""
    if not isinstance(text, str) or not re.fullmatch(r"\s*\d+(\s*-\s*\d+)*\s*", text):
        raise ValidationError(
            _("Write the segment lengths separated by dashes, for example 2-2-3."),
            code="invalid_scheme",
        )
    segments = tuple(int(part) for part in text.split("-"))
    if len(segments) > MAX_LEVELS:
        raise ValidationError(
            _("A scheme has at most %(max)d levels."),
            code="too_many_levels",
            params={"max": MAX_LEVELS},
        )
    if any(not 1 <= s <= MAX_SEGMENT for s in segments):
        raise ValidationError(
            _("Each segment is 1 to %(max)d characters long."),
            code="invalid_segment",
            params={"max": MAX_SEGMENT},
        )
    if sum(segments) > MAX_CODE_LENGTH:
        raise ValidationError(
            _("All segments together may be at most %(max)d characters."),
            code="scheme_too_long",
            params={"max": MAX_CODE_LENGTH},
        )
    return segments


def format_segments(segments: tuple[int, ...]) -> str:
    return "-".join(str(s) for s in segments)


def code_lengths(segments: tuple[int, ...]) -> list[int]:
    """Cumulative code length per level: ``(2, 2, 3)`` gives ``[2, 4, 7]``."""
    lengths, total = [], 0
    for s in segments:
        total += s
        lengths.append(total)
    return lengths


def level_of(code: str, segments: tuple[int, ...]) -> int:
    """The level (1-based) of ``code`` under the scheme; raise ``ValidationError`` if none fits."""
    if not code or not CODE_PATTERN.fullmatch(code):
        raise ValidationError(
            _("A code consists of digits and Latin letters only."), code="invalid_code"
        )
    lengths = code_lengths(segments)
    if len(code) not in lengths:
        raise ValidationError(
            _("A code must be %(lengths)s characters long (coding scheme %(scheme)s)."),
            code="code_length",
            params={
                "lengths": " / ".join(str(n) for n in lengths),
                "scheme": format_segments(segments),
            },
        )
    return lengths.index(len(code)) + 1


def parent_code(code: str, segments: tuple[int, ...]) -> str | None:
    """The code of the parent node, or None for a first-level code."""
    level = level_of(code, segments)
    if level == 1:
        return None
    return code[: code_lengths(segments)[level - 2]]


def check_scheme_change(old: tuple[int, ...], new: tuple[int, ...], deepest_used_level: int):
    """Refuse a scheme change that would invalidate existing codes.

    Once codes exist the scheme may only be lengthened: the segments of levels that hold codes
    stay as they are, no level in use is dropped, and an unused segment may only grow.
    """
    if deepest_used_level == 0:
        return
    if len(new) < len(old):
        raise ValidationError(
            _("Codes exist: the scheme may only be lengthened, not shortened."),
            code="scheme_shortened",
        )
    for level, (before, after) in enumerate(zip(old, new, strict=False), start=1):
        if level <= deepest_used_level and before != after:
            raise ValidationError(
                _("Level %(level)d holds codes: its segment length must stay %(length)d."),
                code="scheme_level_in_use",
                params={"level": level, "length": before},
            )
        if after < before:
            raise ValidationError(
                _("Codes exist: the scheme may only be lengthened, not shortened."),
                code="scheme_shortened",
            )
