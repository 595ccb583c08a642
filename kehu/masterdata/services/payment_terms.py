"""Parsing of payment terms text such as ``2/10, 1/20, n/30``."""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_DISCOUNT = re.compile(r"(\d{1,2}(?:\.\d{1,2})?)/(\d{1,4})")
_NET = re.compile(r"[nN]/(\d{1,4})")


def parse_payment_terms(text: str) -> tuple[int, list[dict]]:
    """Return ``(net_days, [{"percent": "2", "days": 10}, ...])`` for terms text.

    Accepts full-width characters and spaces as Excel users type them (``2/10，n/30``).
    Discounts must shrink as the days grow, and every discount day comes before the net day.
    """
    normalised = unicodedata.normalize("NFKC", text or "").replace(" ", "")
    parts = [p for p in re.split(r"[,;、]", normalised) if p]
    if not parts:
        raise ValidationError(_("Write the terms, for example 2/10,n/30."), code="required")
    net_match = _NET.fullmatch(parts[-1])
    if not net_match:
        raise ValidationError(
            _("The terms end with the net days, for example n/30."), code="net_missing"
        )
    net_days = int(net_match.group(1))
    discounts = []
    for part in parts[:-1]:
        match = _DISCOUNT.fullmatch(part)
        if not match:
            raise ValidationError(
                _("“%(part)s” is not a discount such as 2/10 (percent/days)."),
                code="invalid_discount",
                params={"part": part},
            )
        try:
            percent = Decimal(match.group(1))
        except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
            raise ValidationError(_("Invalid percentage."), code="invalid_discount") from exc
        days = int(match.group(2))
        if not Decimal(0) < percent < Decimal(100):
            raise ValidationError(
                _("A discount is more than 0 and less than 100 percent."), code="invalid_discount"
            )
        if discounts and (
            days <= discounts[-1]["days"] or percent >= Decimal(discounts[-1]["percent"])
        ):
            raise ValidationError(
                _("Each further discount needs more days and a smaller percentage."),
                code="discount_order",
            )
        discounts.append({"percent": str(percent), "days": days})
    if discounts and discounts[-1]["days"] >= net_days:
        raise ValidationError(
            _("The discount days must come before the net days."), code="discount_after_net"
        )
    return net_days, discounts


def format_payment_terms(net_days: int, discounts: list[dict]) -> str:
    return ",".join([f"{d['percent']}/{d['days']}" for d in discounts] + [f"n/{net_days}"])
