"""The computed indicators of SPEC §6, for a whole set of customers at once.

Everything is read as of a date from the documents themselves (not from the customer's
maintained figures, which are only "now"): an invoice counts from its date if posted; a
settlement from its date until it is reversed (``reversed_on``); a receipt from its date if
posted. Cancelled invoices and reversed receipts carry no date of cancellation, so they count
for nothing at any date.

Five grouped queries, whatever the number of customers: the customers' archive values, the
invoices, the settlements (joined to their invoices), the receipts, and the manual ratings.
Day differences are computed in SQL with ``DayNumber`` (days since 1970-01-01) on both
databases. The values derived from those sums (shares, averages, percentiles) are those of
the exact decimals (``derived_values``, the definition), computed for all customers at once
over float arrays (``derived_arrays``): the floats round a value to the cent wherever they are
sure to round it as the decimals would, and the decimals decide the few others (a value within
a rounding error of half a cent, or a zero whose sign the floats cannot be sure of), as
``segments.abc_classes`` does near a class boundary. Each distinct cent, date and archive value
is made a decimal once.

The result is columnar (``Computed``): per computed key, the customers' raw values as a list in
the order of their primary keys, with the same values as a float array wherever the floats come
without converting a decimal each (the derived values' cents, days, counts, percentiles); the
12-month sales, last invoice dates, invoice counts and ratings by position likewise. The
scoring, ABC/RFM and the writing of a run consume these columns whole; ``computed[pk]`` is one
customer's ``Facts``, for whatever needs a customer at a time.
"""

import bisect
import datetime
import decimal
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain, repeat
from operator import itemgetter

import numpy as np
from django.db import connections
from django.db.models import (
    Count,
    DecimalField,
    F,
    Func,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from kehu.customers.models import MONEY
from kehu.evaluation.choices import ComputedKey
from kehu.evaluation.models import ManualRating
from kehu.evaluation.segments import sales_floats
from kehu.sales.choices import InvoiceStatus, ReceiptStatus, SettlementStatus
from kehu.sales.models import Receipt, SalesInvoice, Settlement

ZERO = Decimal("0")
HUNDRED = Decimal("100")
RAW_PLACES = Decimal("0.01")
DOUBTFUL_DAYS = 180
EPOCH = datetime.date(1970, 1, 1)
# Wide enough for an amount times a number of days.
_BIG = DecimalField(max_digits=30, decimal_places=2)
_MONEY = DecimalField(**MONEY)


class DayNumber(Func):
    """A date as a whole number of days since 1970-01-01, on SQLite and PostgreSQL."""

    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra
        )


def day_number(day: datetime.date) -> int:
    return (day - EPOCH).days


def years_back(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def round_raw(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(RAW_PLACES, rounding=ROUND_HALF_UP)


def raw_column(values: list[Decimal]) -> list[Decimal]:
    """``round_raw`` of each of ``values`` (decimals, no None), without a call of Python's
    per value."""
    return list(map(Decimal.quantize, values, repeat(RAW_PLACES), repeat(ROUND_HALF_UP)))


def _raw(value: Decimal) -> Decimal:
    return value.quantize(RAW_PLACES, rounding=ROUND_HALF_UP)


_ZERO_RAW = _raw(ZERO)
# Django's converter of an aggregate's float on SQLite (15 significant digits).
_FLOAT_DECIMAL = decimal.Context(prec=15).create_decimal_from_float


def _sum(expression, condition: Q | None = None) -> Coalesce:
    return Coalesce(
        Sum(expression, filter=condition, output_field=_BIG), Value(ZERO), output_field=_BIG
    )


@dataclass
class Facts:
    """What the documents and the archive say about one customer as of the date."""

    sales_12m: Decimal = ZERO
    values: dict = field(default_factory=dict)  # computed key -> raw value (None: no data)
    last_invoice_on: datetime.date | None = None
    invoices_12m: int = 0
    ratings: dict = field(default_factory=dict)  # indicator key -> (rating, id, rated_on)


@dataclass
class Computed:
    """What the documents and the archive say about a run's customers as of the date, column
    by column: position ``i`` of every column is the customer ``pks[i]`` (in the order of
    their primary keys). ``computed[pk]`` is one customer's ``Facts``."""

    pks: list[int]
    values: dict[str, list]  # computed key -> each customer's raw value (None: no data)
    # computed key -> the same raw values as floats (the float nearest to each decimal; NaN:
    # no data; -0.0: "-0.00"), for the keys whose floats come without a conversion each
    floats: dict[str, np.ndarray]
    sales_12m: list[Decimal]
    sales_floats: np.ndarray | None  # ``segments.sales_floats(sales_12m)``
    last_invoice_on: list[datetime.date | None]
    invoices_12m: np.ndarray
    ratings: dict[int, dict]  # position -> indicator key -> (rating, id, rated_on)

    def __len__(self) -> int:
        return len(self.pks)

    def __getitem__(self, pk: int) -> Facts:
        position = bisect.bisect_left(self.pks, pk)
        if position == len(self.pks) or self.pks[position] != pk:
            raise KeyError(pk)
        return Facts(
            sales_12m=self.sales_12m[position],
            values={key: column[position] for key, column in self.values.items()},
            last_invoice_on=self.last_invoice_on[position],
            invoices_12m=int(self.invoices_12m[position]),
            ratings=self.ratings.get(position, {}),
        )


def _fetched(queryset: QuerySet) -> list[tuple]:
    """The rows of a ``values_list`` query straight from the cursor, without Django's
    converters (a call per value; the caller converts the values it uses)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _invoice_sums(ids: QuerySet, as_of: datetime.date) -> list[tuple]:
    """Per customer with invoices: (customer, last invoice date, invoices and sales of the
    last 12 months, sales of the 12 before, invoiced, due, due × days overdue today,
    doubtful), as fetched (the sums: SQLite's floats, PostgreSQL's decimals)."""
    today = day_number(as_of)
    start_12 = years_back(as_of, 1)
    start_24 = years_back(as_of, 2)
    due = Q(due_date__lt=as_of)
    doubtful = Q(due_date__lt=as_of - datetime.timedelta(days=DOUBTFUL_DAYS))
    days_late_now = Value(today) - DayNumber("due_date")
    rows = (
        SalesInvoice.objects.filter(customer__in=ids, status=InvoiceStatus.POSTED, date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(
            last_on=Max("date"),
            count_12m=Count("pk", filter=Q(date__gt=start_12)),
            sales_12m=_sum("amount", Q(date__gt=start_12)),
            sales_prev=_sum("amount", Q(date__gt=start_24, date__lte=start_12)),
            invoiced=_sum("amount"),
            due_amount=_sum("amount", due),
            due_days=_sum(F("amount") * days_late_now, due),
            doubtful_amount=_sum("amount", doubtful),
        )
        .values_list(
            "customer_id",
            "last_on",
            "count_12m",
            "sales_12m",
            "sales_prev",
            "invoiced",
            "due_amount",
            "due_days",
            "doubtful_amount",
        )
    )
    return _fetched(rows)


def _settlement_sums(ids: QuerySet, as_of: datetime.date) -> list[tuple]:
    """Per customer with settlements: (customer, settled, settled of due invoices, of those
    on time, × days late, × days overdue today, settled of doubtful invoices), as fetched."""
    today = day_number(as_of)
    due = Q(invoice__due_date__lt=as_of)
    doubtful = Q(invoice__due_date__lt=as_of - datetime.timedelta(days=DOUBTFUL_DAYS))
    days_late = DayNumber("date") - DayNumber("invoice__due_date")
    days_late_now = Value(today) - DayNumber("invoice__due_date")
    rows = (
        Settlement.objects.filter(
            customer__in=ids,
            date__lte=as_of,
            invoice__status=InvoiceStatus.POSTED,
            invoice__date__lte=as_of,
        )
        .filter(
            Q(status=SettlementStatus.ACTIVE)
            | Q(status=SettlementStatus.REVERSED, reversed_on__gt=as_of)
        )
        .order_by()
        .values("customer_id")
        .annotate(
            settled=_sum("amount"),
            settled_due=_sum("amount", due),
            on_time=_sum("amount", due & Q(date__lte=F("invoice__due_date"))),
            late_days=_sum(F("amount") * Greatest(days_late, Value(0)), due),
            now_days=_sum(F("amount") * days_late_now, due),
            settled_doubtful=_sum("amount", doubtful),
        )
        .values_list(
            "customer_id",
            "settled",
            "settled_due",
            "on_time",
            "late_days",
            "now_days",
            "settled_doubtful",
        )
    )
    return _fetched(rows)


def _receipt_sums(ids: QuerySet, as_of: datetime.date) -> list[tuple]:
    """Per customer with receipts: (customer, received), as fetched."""
    rows = (
        Receipt.objects.filter(customer__in=ids, status=ReceiptStatus.POSTED, date__lte=as_of)
        .order_by()
        .values("customer_id")
        .annotate(received=_sum("amount"))
        .values_list("customer_id", "received")
    )
    return _fetched(rows)


def _ratings(ids: QuerySet, as_of: datetime.date) -> dict[int, dict]:
    """Each customer's latest rating per indicator given on or before ``as_of``."""
    found: dict[int, dict] = defaultdict(dict)
    rows = (
        ManualRating.objects.filter(customer__in=ids, rated_on__lte=as_of)
        .order_by("customer_id", "indicator_key", "-rated_on", "-pk")
        .values_list("customer_id", "indicator_key", "rating", "pk", "rated_on")
    )
    for customer_id, key, rating, pk, rated_on in rows.iterator(chunk_size=5000):
        found[customer_id].setdefault(key, (rating, pk, rated_on))
    return found


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if not whole else part * HUNDRED / whole


def _completed_years(since: datetime.date | None, as_of: datetime.date) -> int | None:
    if since is None or since > as_of:
        return None
    years = as_of.year - since.year
    if (as_of.month, as_of.day) < (since.month, since.day):
        years -= 1
    return years


_NO_SETTLEMENT = (ZERO,) * 6
# The keys of a customer's raw values, as plain strings (looked up once per customer each).
_CAPITAL = ComputedKey.CAPITAL.value
_YEARS = ComputedKey.YEARS_IN_BUSINESS.value
_RECENCY = ComputedKey.RECENCY_DAYS.value
_INVOICES_12M = ComputedKey.INVOICES_12M.value
_GROWTH = ComputedKey.SALES_GROWTH.value
_ON_TIME = ComputedKey.PAID_ON_TIME.value
_OVERDUE_DAYS = ComputedKey.DAYS_OVERDUE.value
_OVERDUE_SHARE = ComputedKey.OVERDUE_SHARE.value
_DOUBTFUL_SHARE = ComputedKey.DOUBTFUL_SHARE.value
_CREDIT_USE = ComputedKey.CREDIT_USE.value
_PERCENTILE = ComputedKey.SALES_PERCENTILE.value
# The raw values derived from the sums (``derived_values``), in this order.
DERIVED = (_GROWTH, _ON_TIME, _OVERDUE_DAYS, _OVERDUE_SHARE, _DOUBTFUL_SHARE, _CREDIT_USE)


def derived_values(
    invoice: tuple | None, settlement: tuple, received: Decimal | None, credit_limit
) -> tuple:
    """The raw values of ``DERIVED`` of one customer from its sums as decimals, exactly (the
    definition; ``derived_arrays`` computes them for every customer at once). ``invoice``:
    (sales of the last 12 months, sales of the 12 before, invoiced, due, due × days overdue
    today, doubtful), None without invoices; ``settlement``: ``_settlement_sums``' sums."""
    if invoice is None:
        balance = -(received or ZERO)
        values = [None] * 5
    else:
        sales_12m, sales_prev, invoiced, due_amount, due_days, doubtful = invoice
        settled, settled_due, on_time, late_days, now_days, settled_doubtful = settlement
        open_amount = invoiced - settled
        values = [_raw((sales_12m - sales_prev) * HUNDRED / sales_prev) if sales_prev else None]
        if due_amount:
            values += [
                _raw(on_time * HUNDRED / due_amount),
                _raw((late_days + due_days - now_days) / due_amount),
            ]
        else:
            values += [None, None]
        if open_amount > 0:
            values += [
                _raw((due_amount - settled_due) * HUNDRED / open_amount),
                _raw((doubtful - settled_doubtful) * HUNDRED / open_amount),
            ]
        else:
            values += [_ZERO_RAW, _ZERO_RAW]
        balance = invoiced - (received or ZERO)
    values.append(_raw(max(balance, ZERO) * HUNDRED / credit_limit) if credit_limit else None)
    return tuple(values)


# A float within this share of its operands' sizes of a half cent (or of zero) is rounded by
# the decimals instead: well above the error of the floats (SQLite's sums are read to 15
# significant digits, 5e-15; a float's operation, 1.1e-16).
_RELATIVE = 1e-12
# How a raw value of ``derived_arrays`` is told: cents, no data, or the decimals decide.
CENTS, NONE, EXACT = 0, 1, 2
# The cents of "-0.00" (a quantized negative value or zero; no whole number of cents).
NEGATIVE_ZERO = 0.5


def _quotient(numerator, size, denominator, den_size, scale: float) -> tuple:
    """``numerator × scale / denominator`` as floats, and its error bound (``size``: the sum
    of the numerator's operands' magnitudes, ``den_size``: the denominator's)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        value = numerator * scale / denominator
        magnitude = np.abs(denominator)
        error = _RELATIVE * (size * scale / magnitude + np.abs(value) * (1 + den_size / magnitude))
    return value, error


def _told(value, error, defined, exact_zero) -> tuple[np.ndarray, np.ndarray]:
    """Cents (rounded half up, as floats; ``NEGATIVE_ZERO``: "-0.00") and how each value is told:
    ``NONE`` where not ``defined``, ``EXACT`` where the float is too near a half cent or a
    zero whose sign is unsure (``exact_zero``: zeros reached exactly, signed as the decimals
    would be)."""
    with np.errstate(invalid="ignore"):
        cents = np.rint(value * 100)
        near = np.abs(np.abs(value * 100 - cents) - 0.5) <= error * 100
        near |= (cents == 0) & (np.abs(value) <= error) & ~exact_zero
    cents = np.where(defined, np.where((cents == 0) & np.signbit(value), NEGATIVE_ZERO, cents), 0.0)
    how = np.where(defined, np.where(near, EXACT, CENTS), NONE)
    return cents, how


def derived_arrays(invoice: np.ndarray, settlement: np.ndarray, received, credit_limit):
    """``derived_values`` of every customer at once, over floats: per value of ``DERIVED``
    (cents, how told: ``_told``). ``invoice``: customers × ``derived_values``' invoice sums
    (NaN: no invoices), ``settlement``: customers × its settlement sums (0: none),
    ``received`` (0: none) and ``credit_limit`` (NaN: none)."""
    sales_12m, sales_prev, invoiced, due_amount, due_days, doubtful = invoice.T
    settled, settled_due, on_time, late_days, now_days, settled_doubtful = settlement.T
    invoiced_any = ~np.isnan(invoiced)
    found = []
    # growth
    value, error = _quotient(
        sales_12m - sales_prev, np.abs(sales_12m) + np.abs(sales_prev), sales_prev, 0.0, 100.0
    )
    found.append(_told(value, error, invoiced_any & (sales_prev != 0), sales_12m == sales_prev))
    due_any = invoiced_any & (due_amount != 0)
    value, error = _quotient(on_time, np.abs(on_time), due_amount, 0.0, 100.0)
    found.append(_told(value, error, due_any, on_time == 0))
    numerator = late_days + due_days - now_days
    size = np.abs(late_days) + np.abs(due_days) + np.abs(now_days)
    value, error = _quotient(numerator, size, due_amount, 0.0, 1.0)
    # a zero is exact when at most two of the operands are not zero (one subtraction)
    found.append(
        _told(value, error, due_any, (numerator == 0) & ((late_days == 0) | (due_days == 0)))
    )
    open_amount = invoiced - settled
    open_size = np.abs(invoiced) + np.abs(settled)
    # whether the open amount is above zero: sure when it is 0 (the same sums) or far from it
    open_sure = (open_amount == 0) | (np.abs(open_amount) > _RELATIVE * open_size)
    for due_part, settled_part in ((due_amount, settled_due), (doubtful, settled_doubtful)):
        value, error = _quotient(
            due_part - settled_part,
            np.abs(due_part) + np.abs(settled_part),
            open_amount,
            open_size,
            100.0,
        )
        cents, how = _told(value, error, invoiced_any, due_part == settled_part)
        closed = open_sure & ~(open_amount > 0)
        cents[closed], how[closed] = 0.0, CENTS
        how[invoiced_any & ~open_sure] = EXACT
        found.append((cents, how))
    received = np.where(received == 0, 0.0, received)  # ``received or ZERO``
    balance = np.where(invoiced_any, invoiced, 0.0) - received
    balance_size = np.where(invoiced_any, np.abs(invoiced), 0.0) + np.abs(received)
    # ``max(balance, ZERO)``: the balance itself unless below zero (a zero keeps its sign)
    positive = np.where(balance < 0, 0.0, balance)
    value, error = _quotient(
        positive, np.where(balance < 0, 0.0, balance_size), credit_limit, 0.0, 100.0
    )
    cents, how = _told(value, error, credit_limit > 0, positive == 0)
    # a balance near zero: whether it is below zero is the decimals' to say
    how[(credit_limit > 0) & (balance != 0) & (np.abs(balance) <= _RELATIVE * balance_size)] = EXACT
    found.append((cents, how))
    return found


class _Whole(dict):
    """Whole numbers (days, counts, years) as raw values: decimals to the cent, made once."""

    def __missing__(self, number: int) -> Decimal:
        value = self[number] = Decimal(number).quantize(RAW_PLACES)
        return value


class _Cents(dict):
    """Cents (floats) as raw values: decimals to the cent, made once each."""

    def __missing__(self, cents: float) -> Decimal:
        value = Decimal("-0.00") if cents == NEGATIVE_ZERO else Decimal(int(cents)).scaleb(-2)
        self[cents] = value
        return value


def _column(rows: list[tuple], index: np.ndarray, count: int, width: int, empty: float):
    """The sums of ``rows`` (customer first, then ``width`` sums last) as a customers ×
    ``width`` float array, in the order given by ``index`` (row → position)."""
    table = np.full((count, width), empty)
    if rows:
        sums = chain.from_iterable(map(itemgetter(slice(-width, None)), rows))
        table[index] = np.fromiter(sums, np.float64, len(rows) * width).reshape(-1, width)
    return table


def facts_computed(customers: QuerySet, as_of: datetime.date) -> Computed:
    """Every computed indicator's raw value (rounded to the cent) for every customer of
    ``customers``.

    The values derived from the sums are computed over float arrays (``derived_arrays``) and
    made decimals once per distinct cent; a value the floats cannot round for sure (near a
    half cent, or a zero of unsure sign) is the decimals' (``derived_values``)."""
    ids = customers.order_by().values("pk")
    sqlite = connections[customers.db].vendor == "sqlite"
    convert = _FLOAT_DECIMAL if sqlite else _same
    money = _sqlite_money if sqlite else _same
    invoices = _invoice_sums(ids, as_of)
    settlements = _settlement_sums(ids, as_of)
    receipts = _receipt_sums(ids, as_of)
    ratings = _ratings(ids, as_of)
    # the archive's values as fetched (the decimals made once per distinct value, below)
    archive = _fetched(
        customers.order_by("pk").values_list(
            "pk", "registered_capital", "annual_revenue", "founded_on", "credit_limit"
        )
    )
    pks = np.array([row[0] for row in archive], dtype=np.int64)
    count = len(pks)

    def positions(rows):
        return np.searchsorted(pks, np.array([row[0] for row in rows], dtype=np.int64))

    invoice_at = positions(invoices)
    settlement_at = positions(settlements)
    receipt_at = positions(receipts)
    derived = derived_arrays(
        _column(invoices, invoice_at, count, 6, np.nan),
        _column(settlements, settlement_at, count, 6, 0.0),
        _column(receipts, receipt_at, count, 1, 0.0)[:, 0],
        np.array([np.nan if row[4] is None else row[4] for row in archive], dtype=np.float64),
    )
    cents_decimal = _Cents()
    columns, floats = [], []
    for cents, how in derived:
        column = list(map(cents_decimal.__getitem__, cents.tolist()))
        for position in np.flatnonzero(how == NONE).tolist():
            column[position] = None
        columns.append(column)
        floats.append(_cents_floats(cents, how))
    exact = np.flatnonzero(np.any([how == EXACT for _cents, how in derived], axis=0)).tolist()
    if exact:
        _exact_values(
            exact,
            derived,
            columns,
            floats,
            archive,
            invoices,
            invoice_at,
            settlements,
            settlement_at,
            receipts,
            receipt_at,
            convert,
            money,
        )
    whole = _Whole()
    capitals = _Memo(lambda value: None if value is None else _raw(money(value)))
    years = _Memo(lambda day: _whole_or_none(whole, _completed_years(_date(day), as_of)))
    columns.append(
        [
            capitals[revenue if capital is None else capital]
            for _pk, capital, revenue, *_r in archive
        ]
    )
    columns.append([years[row[3]] for row in archive])
    recency = [None] * count
    invoices_12m = [whole[0]] * count
    last_on = [None] * count
    counts = [0] * count
    sales_12m = [ZERO] * count
    gaps = []
    last_days = _Memo(lambda day: _date(day))
    for position, (_pk, day, invoiced_12m, sales, *_sums) in zip(
        invoice_at.tolist(), invoices, strict=True
    ):
        day = last_on[position] = last_days[day]
        gap = (as_of - day).days
        gaps.append(gap)
        recency[position] = whole[gap]
        invoices_12m[position] = whole[invoiced_12m]
        counts[position] = invoiced_12m
        sales_12m[position] = convert(sales)
    recency_floats = np.full(count, np.nan)
    recency_floats[invoice_at] = gaps
    counts_array = np.array(counts, dtype=np.int64)
    amounts = sales_floats(sales_12m)
    percentiles, percentile_floats = _percentiles(sales_12m, amounts)
    values = dict(
        zip((*DERIVED, _CAPITAL, _YEARS), columns, strict=True),
        **{_RECENCY: recency, _INVOICES_12M: invoices_12m, _PERCENTILE: percentiles},
    )
    floats = dict(
        zip(DERIVED, floats, strict=True),
        **{
            _RECENCY: recency_floats,
            _INVOICES_12M: counts_array.astype(np.float64),
            _PERCENTILE: percentile_floats,
        },
    )
    return Computed(
        pks=pks.tolist(),
        values=values,
        floats={key: column for key, column in floats.items() if column is not None},
        sales_12m=sales_12m,
        sales_floats=amounts,
        last_invoice_on=last_on,
        invoices_12m=counts_array,
        ratings=dict(
            zip(
                np.searchsorted(pks, np.fromiter(ratings, np.int64, len(ratings))).tolist(),
                ratings.values(),
                strict=True,
            )
        ),
    )


def _cents_floats(cents: np.ndarray, how: np.ndarray) -> np.ndarray:
    """The raw values of ``derived_arrays``' cents as floats: each the float nearest to its
    decimal (a whole number of cents over 100, rounded once), -0.0 for "-0.00", NaN for no
    data (the decimals' own values, ``EXACT``, are set by ``_exact_values``)."""
    found = np.where(cents == NEGATIVE_ZERO, -0.0, cents / 100)
    found[how == NONE] = np.nan
    return found


def _percentiles(sales: list, amounts: np.ndarray | None) -> tuple[list, np.ndarray | None]:
    """Each customer's 12-month sales as a percentile among the run's customers: the share of
    the others whose sales are strictly lower (0 = lowest, 100 = above all others), as raw
    values and as floats (None: fewer than two customers, every value None). ``amounts``:
    ``sales_floats(sales)``."""
    others = len(sales) - 1
    if others < 1:
        return [None] * len(sales), None
    if amounts is None:  # compared as decimals
        amounts = np.array(sales, dtype=object)
    lower = np.searchsorted(np.sort(amounts), amounts, side="left")
    # the percentile in hundredths, rounded half up (exact: whole numbers)
    percentiles = (2 * lower * 10000 + others) // (2 * others)
    decimals: dict[int, Decimal] = {}
    found = []
    for value in percentiles.tolist():
        decimal_value = decimals.get(value)
        if decimal_value is None:
            decimal_value = decimals[value] = Decimal(value).scaleb(-2)
        found.append(decimal_value)
    return found, percentiles.astype(np.float64) / 100


def _same(value):
    return value


_MONEY_PLACES = Decimal(1).scaleb(-MONEY["decimal_places"])
_MONEY_CONTEXT = decimal.Context(prec=MONEY["max_digits"])


def _sqlite_money(value) -> Decimal | None:
    """An amount column's value as fetched from SQLite made a decimal, as Django does."""
    if value is None:
        return None
    return _FLOAT_DECIMAL(value).quantize(_MONEY_PLACES, context=_MONEY_CONTEXT)


def _date(day) -> datetime.date | None:
    """A date as fetched (SQLite: its ISO text)."""
    return datetime.date.fromisoformat(day) if type(day) is str else day


def _whole_or_none(whole: "_Whole", number: int | None) -> Decimal | None:
    return None if number is None else whole[number]


class _Memo(dict):
    """A function's results by fetched value, made once per distinct value (a zero is not
    kept: ``-0.0`` equals ``0.0`` as a key, and would not make the same decimal)."""

    def __init__(self, function):
        super().__init__()
        self.function = function

    def __missing__(self, value):
        found = self.function(value)
        if value != 0:
            self[value] = found
        return found


def _rows_at(rows: list[tuple], at: np.ndarray, positions: list[int]) -> dict[int, tuple]:
    """The rows of ``rows`` (at the customers' positions ``at``) of the customers at
    ``positions``, by position."""
    row_of = np.full(len(at) and int(at.max()) + 1, -1, dtype=np.int64)
    row_of[at] = np.arange(len(at))
    found = {}
    for position in positions:
        index = int(row_of[position]) if position < len(row_of) else -1
        if index >= 0:
            found[position] = rows[index]
    return found


def _exact_values(
    exact,
    derived,
    columns,
    floats,
    archive,
    invoices,
    invoice_at,
    settlements,
    settlement_at,
    receipts,
    receipt_at,
    convert,
    money,
) -> None:
    """The raw values at ``exact`` (positions) that the floats could not round for sure,
    from the decimals (``derived_values``), into ``columns`` and (as floats) ``floats``."""
    invoice_of = _rows_at(invoices, invoice_at, exact)
    settlement_of = _rows_at(settlements, settlement_at, exact)
    received_of = _rows_at(receipts, receipt_at, exact)
    for position in exact:
        *_archive, credit_limit = archive[position]
        invoice = invoice_of.get(position)
        settlement = settlement_of.get(position)
        received = received_of.get(position)
        received = None if received is None else received[1]
        values = derived_values(
            None if invoice is None else tuple(map(convert, invoice[3:])),
            _NO_SETTLEMENT if settlement is None else tuple(map(convert, settlement[1:])),
            None if received is None else convert(received),
            money(credit_limit),
        )
        for column, column_floats, (_cents, how), value in zip(
            columns, floats, derived, values, strict=True
        ):
            if how[position] == EXACT:
                column[position] = value
                column_floats[position] = np.nan if value is None else float(value)
