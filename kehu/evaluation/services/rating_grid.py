"""Manual ratings of many customers at once (SPEC §6: "a grid to rate many customers at
once"): every rating goes through ``rating_record`` — the same checks as one rating by the
API — in one transaction, so the grid is saved whole or not at all."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.customers.models import Customer
from kehu.evaluation.models import ManualRating
from kehu.evaluation.services.ratings import rating_record


@dataclass
class GridRow:
    """One customer's line of the grid: a rating per manual indicator (blank: not rated
    now) and one comment for the line's ratings."""

    customer: Customer | None  # None: not found in the actor's data scope
    ratings: dict[str, object] = field(default_factory=dict)
    comment: str = ""
    key: str = ""  # how the grid names the line in its errors (the customer's id)


def ratings_record_grid(
    *, actor, rows: list[GridRow], rated_on: datetime.date | None = None
) -> list[ManualRating]:
    """Record the ratings of every line, all or nothing. Errors are keyed
    ``<line key>.<indicator key>`` (``<line key>.comment``, ``<line key>.customer``), and
    ``rated_on`` for the date; nothing is written when there is any."""
    errors: dict[str, list] = {}
    recorded = []
    if not any(value not in (None, "") for row in rows for value in row.ratings.values()):
        raise ValidationError({"ratings": [_("Give at least one rating.")]})
    with transaction.atomic():
        for row in rows:
            given = {key: value for key, value in row.ratings.items() if value not in (None, "")}
            if not given:
                if row.comment.strip():
                    errors[f"{row.key}.comment"] = [_("A comment goes with a rating.")]
                continue
            if row.customer is None:
                errors[f"{row.key}.customer"] = [_("There is no such customer.")]
                continue
            for indicator_key, value in given.items():
                try:
                    recorded.append(
                        rating_record(
                            actor=actor,
                            customer=row.customer,
                            indicator_key=indicator_key,
                            rating=value,
                            comment=row.comment,
                            rated_on=rated_on,
                        )
                    )
                except ValidationError as error:
                    for name, messages in error.message_dict.items():
                        key = {
                            "rating": f"{row.key}.{indicator_key}",
                            "indicator": f"{row.key}.{indicator_key}",
                            "comment": f"{row.key}.comment",
                            "customer_code": f"{row.key}.customer",
                            "customer": f"{row.key}.customer",
                            "rated_on": "rated_on",
                        }.get(name, f"{row.key}.{name}")
                        known = errors.setdefault(key, [])
                        known += [m for m in messages if m not in known]
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationError(errors)
    return recorded
