"""Field validators of the archive that need a domain library."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc


def normalise_credit_code(value: str) -> str:
    return (value or "").replace(" ", "").replace("-", "").strip().upper()


def validate_credit_code(value: str) -> str:
    """Check a unified social credit code (GB 32100-2015) and return it normalised."""
    try:
        return uscc.validate(normalise_credit_code(value))
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
                "Not a unified social credit code: 8 digits, then 10 digits or capital letters "
                "other than I, O, S, V, Z."
            ),
            code="credit_code_format",
        ) from exc
