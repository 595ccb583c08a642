"""Statistics of the customer list's current result (SPEC §3).

``/customers/statistics/`` takes the list's own query parameters plus ``group_by`` (and
``level`` for the class and region trees). The table and the bar chart are rendered on the
server: the chart is inline SVG sized by presentation attributes, coloured by CSS classes.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views import View
from pydantic import ValidationError

from kehu.core.permissions import DeclaredPermissionsMixin
from kehu.customers import selectors
from kehu.customers.filters import SAVED_PARAM
from kehu.customers.statistics import (
    GROUPINGS,
    Statistics,
    StatisticsParams,
    StatisticsRow,
    customer_statistics,
)
from kehu.customers.views.list import query_pairs, read_conditions
from kehu.masterdata import coding

PARAM_LABELS = {"group_by": _("Group by"), "level": _("Tree level")}
LEVEL_CHOICES = tuple(range(1, coding.MAX_LEVELS + 1))

# The chart's geometry in SVG user units: a label column, then the bars, then the count.
LABEL_WIDTH = 220
BAR_AREA = 360
COUNT_WIDTH = 60
BAR_HEIGHT = 18
ROW_HEIGHT = 26


@dataclass
class Bar:
    row: StatisticsRow
    y: int
    text_y: int
    width: int
    count_x: int


def chart_bars(statistics: Statistics) -> list[Bar]:
    """One horizontal bar per group, its length proportional to the group's count."""
    largest = max((group.count for group in statistics.groups), default=0)
    bars = []
    for index, group in enumerate(statistics.groups):
        width = round(BAR_AREA * group.count / largest) if largest else 0
        y = index * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        bars.append(
            Bar(
                row=group,
                y=y,
                text_y=y + BAR_HEIGHT - 4,
                width=max(width, 1) if group.count else 0,
                count_x=LABEL_WIDTH + width + 6,
            )
        )
    return bars


class CustomerStatisticsView(DeclaredPermissionsMixin, View):
    """Counts and sums of the list's current result, grouped, as a table and a chart."""

    @classmethod
    def declared_permissions(cls, method, kwargs, mode=None):
        return ("customers.view_customer",)

    def get(self, request):
        query = request.GET
        # The same reading of the conditions as the list (a saved query included): what does
        # not parse is reported and left out, so the statistics count the list's customers.
        filters, errors, _saved, filter_params = read_conditions(
            query, request.user, page_params=(SAVED_PARAM,)
        )
        statistics, bars = None, []
        group_by, level = query.get("group_by") or "class", query.get("level") or None
        try:
            chosen = StatisticsParams(group_by=group_by, level=level)
            statistics = customer_statistics(
                filters.apply(selectors.customers_visible_to(request.user)),
                chosen.group_by,
                chosen.level,
            )
            bars = chart_bars(statistics)
        except ValidationError as error:
            for item in error.errors():
                field = str(item["loc"][0]) if item["loc"] else ""
                errors.append(
                    _("%(field)s: this value is not valid.")
                    % {"field": PARAM_LABELS.get(field, field)}
                )
        except DjangoValidationError as error:
            for field, messages in error.message_dict.items():
                for message in messages:
                    errors.append(f"{PARAM_LABELS.get(field, field)}: {message}")
        context = {
            "statistics": statistics,
            "bars": bars,
            "chart_width": LABEL_WIDTH + BAR_AREA + COUNT_WIDTH,
            "chart_height": max(len(bars), 1) * ROW_HEIGHT,
            "label_width": LABEL_WIDTH,
            "bar_height": BAR_HEIGHT,
            "filter_params": query_pairs(filter_params),
            "groupings": [(key, grouping.label) for key, grouping in GROUPINGS.items()],
            "tree_groupings": [key for key, grouping in GROUPINGS.items() if grouping.tree],
            "group_by": group_by,
            "level": str(level or ""),
            "level_choices": LEVEL_CHOICES,
            "errors": errors,
        }
        status = 400 if statistics is None else 200
        return render(request, "customers/customer_statistics.html", context, status=status)
