"""Manual ratings (1–5) of the manual indicators, by a salesperson or a manager (SPEC §6)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.customers.models import Customer
from kehu.customers.selectors import customers_visible_to
from kehu.evaluation.choices import IndicatorSource
from kehu.evaluation.models import Indicator, ManualRating, ScorecardVersion


def manual_indicator_keys() -> set[str]:
    """The keys of the manual indicators of every scorecard's current version."""
    current = ScorecardVersion.objects.order_by("scorecard", "-number").distinct()
    latest = {}
    for version in current.only("pk", "scorecard_id", "number"):
        latest.setdefault(version.scorecard_id, version.pk)
    return set(
        Indicator.objects.filter(
            version__in=latest.values(), source=IndicatorSource.MANUAL
        ).values_list("key", flat=True)
    )


@transaction.atomic
def rating_record(
    *,
    actor,
    customer: Customer,
    indicator_key: str,
    rating,
    comment: str = "",
    rated_on: datetime.date | None = None,
) -> ManualRating:
    """Record a rating of ``customer`` on a manual indicator; the latest one on or before a
    run's date counts. The customer must be in the actor's data scope."""
    if actor is not None and not customers_visible_to(actor).filter(pk=customer.pk).exists():
        raise ValidationError({"customer_code": _("There is no such customer.")}, code="not_found")
    errors = {}
    if indicator_key not in manual_indicator_keys():
        errors["indicator"] = [_("There is no manual indicator %(key)s.") % {"key": indicator_key}]
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        errors["rating"] = [_("Give a whole number from 1 to 5.")]
    today = timezone.localdate()
    rated_on = rated_on or today
    if rated_on > today:
        errors["rated_on"] = [_("A rating cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    item = ManualRating(
        customer=customer,
        indicator_key=indicator_key,
        rating=rating,
        rated_on=rated_on,
        rated_by=actor if getattr(actor, "pk", None) else None,
        comment=(comment or "").strip(),
    )
    item.full_clean()
    item.save()
    return item
