"""Checks on free text that every input path applies."""

from django.utils.translation import gettext_lazy as _


def text_problem(value):
    """Return why ``value`` cannot be stored, or None.

    PostgreSQL refuses NUL characters in text and JSON, and lone surrogates cannot be encoded
    as UTF-8 by any backend; both would otherwise surface as server errors.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return _("Text must not contain NUL characters.")
        if not value.isascii() and not encodes(value):
            return _("Text contains invalid characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(key) or text_problem(item)
            if problem:
                return problem
    elif isinstance(value, list | tuple):
        for item in value:
            problem = text_problem(item)
            if problem:
                return problem
    return None


def text_is_clean(value: str) -> bool:
    """``text_problem(value) is None`` for a text, without building the message: the check
    of hot paths (the import's compiled field checks)."""
    return "\x00" not in value and (value.isascii() or encodes(value))


def encodes(value: str) -> bool:
    """False for a text holding a lone surrogate (which no database can store)."""
    try:
        value.encode("utf-8")  # refuses exactly the surrogates U+D800..U+DFFF
    except UnicodeEncodeError:
        return False
    return True
