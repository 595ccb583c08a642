"""How a person's name is shown."""

import re

_CJK = re.compile(r"[\u3400-\u9fff]")


def display_name(user) -> str:
    """A Chinese name family name first and without a space (周建国); others as Django
    writes them (Jane Doe); the username when no name is set."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if _CJK.search(first + last):
        return f"{last}{first}"
    return user.get_full_name() or user.get_username()
