"""Field validators of the archive that need a domain library."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalise_credit_code(value: str) -> str:
    return (value or "").replace(" ", "").replace("-", "").strip().upper()


# GB 32100-2015 lets the registration authority (first character) be A, N or Y as well as a
# digit (e.g. N2… for farmers' co-operatives); python-stdnum only admits digits there.
LETTER_AUTHORITIES = "ANY"


def _validate_letter_authority(number: str) -> str:
    if len(number) != 18:
        raise stdnum_errors.InvalidLength()
    if not number[1:8].isdigit() or any(c not in USCC_ALPHABET for c in number[8:]):
        raise stdnum_errors.InvalidFormat()
    if number[-1] != uscc.calc_check_digit(number[:17]):
        raise stdnum_errors.InvalidChecksum()
    return number


_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_DIGITS = frozenset("0123456789")


def _plainly_valid(number: str) -> bool:
    """A well-formed code with the right check character (what the checks below accept
    without a word), found without the library's generic cleaning: an import checks one per
    row. Anything else takes the full path, which says what is wrong."""
    if len(number) != 18 or not (_DIGITS.issuperset(number[1:8])):
        return False
    if number[0] not in _DIGITS and number[0] not in LETTER_AUTHORITIES:
        return False
    try:
        total = sum(_VALUE[c] * w for c, w in zip(number[:17], _WEIGHTS, strict=True))
    except KeyError:
        return False
    return number[17] in _VALUE and number[17] == USCC_ALPHABET[(31 - total) % 31]


def validate_credit_code(value: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it normalised."""
    number = normalise_credit_code(value)
    if _plainly_valid(number):
        return number
    try:
        if number[:1] in LETTER_AUTHORITIES and number[:1]:
            return _validate_letter_authority(number)
        return uscc.validate(number)
    except stdnum_errors.InvalidLength as exc:
        raise ValidationError(
            _("A unified social credit code has 18 characters."), code="credit_code_length"
        ) from exc
    except stdnum_errors.InvalidChecksum as exc:
        raise ValidationError(
            _("The check character (the 18th) does not match: the code is mistyped."),
            code="credit_code_checksum",
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise ValidationError(
            _(
                "Not a unified social credit code: a digit or A, N, Y, then 7 digits, then 10 "
                "digits or capital letters other than I, O, S, V, Z."
            ),
            code="credit_code_format",
        ) from exc
