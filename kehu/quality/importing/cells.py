"""Cell values as a spreadsheet or CSV gives them, turned into the values services take.

A workbook gives typed cells (text, numbers as floats, dates, booleans); a CSV gives text
only. Both end up in the same input vocabulary (``kehu/customers/fields.py``): text stripped
(and without the ``'`` an export puts before a formula trigger), whole numbers as ``int``,
others as ``Decimal`` (no binary-float noise), dates as ``datetime.date``, booleans as
``bool``. What cannot be converted stays as written, for the service to reject with the
form's own message.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from kehu.customers.exports import FORMULA_TRIGGERS
from kehu.customers.services.user_fields import FALSE_WORDS, TRUE_WORDS

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def text(value) -> str:
    """The cell as text: ``""`` for an empty cell; ``2024-01-31`` for a date; ``150`` for the
    number 150.0; without the neutralising ``'`` of an exported formula-like text."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = value.strip()
        if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_TRIGGERS:
            return value[1:]
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    return str(value).strip()


def is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number(value):
    """A number cell or text as ``int`` (whole) or ``Decimal``; other text unchanged."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    written = text(value)
    if written == "":
        return None
    try:
        parsed = Decimal(written.replace(",", "") if _grouped(written) else written)
    except InvalidOperation:
        return written
    if not parsed.is_finite():
        return written
    return int(parsed) if parsed == parsed.to_integral_value() and "." not in written else parsed


def _grouped(written: str) -> bool:
    """``1,000,000.50``: thousands separators as a spreadsheet may show them."""
    head = written.lstrip("+-").split(".", 1)[0]
    groups = head.split(",")
    return (
        len(groups) > 1
        and 1 <= len(groups[0]) <= 3
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


def date(value):
    """A date cell as ``date``; text ``YYYY-MM-DD`` naming a real day as that ``date`` (what
    the date fields make of it); other text as written (the service refuses it or parses it,
    with the field's own message)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    written = text(value)
    if len(written) == 10 and _ISO_DATE.match(written):
        try:
            return datetime.date.fromisoformat(written)
        except ValueError:
            return written
    return written or None


def boolean(value):
    """是/否, Y/N, yes/no, true/false, 1/0 as ``bool``; an empty cell as ``None``; other text
    unchanged (the service refuses it)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    written = text(value).lower()
    if written == "":
        return None
    if written in TRUE_WORDS:
        return True
    if written in FALSE_WORDS:
        return False
    return text(value)


def user_value(value):
    """A user-defined field's cell: dates as YYYY-MM-DD, numbers as numbers, else text."""
    if isinstance(value, datetime.date | datetime.datetime):
        return date(value).isoformat()
    if isinstance(value, float):
        return number(value)
    if isinstance(value, bool | int):
        return value
    return text(value)
