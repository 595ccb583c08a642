"""Fetching the one row a URL names, or a JSON 404."""

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _


def get_or_404(queryset: QuerySet, **lookup):
    """The row of ``queryset`` matching ``lookup``; ``Http404`` naming what was looked for."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404(
            _("%(model)s %(key)s does not exist.")
            % {
                "model": str(queryset.model._meta.verbose_name).capitalize(),
                "key": ", ".join(str(value) for value in lookup.values()),
            }
        )
    return obj
