"""How a customer's indicator results are stored: one JSON column of its evaluation
(``CustomerEvaluation.indicators``; decision 0010).

The column holds a list in the scorecard's order (dimension, then indicator), one entry per
indicator: ``[indicator id, raw value, score, effective weight]``, numbers as JSON numbers
written from exact decimals (``null``: insufficient data) and read back as decimals
(``ExactDecoder``), and a fifth item, the explanation's text, only where the entry's numbers
do not say it all: a manual rating names the day it was given. Every other explanation —
"title: raw value → score", or "insufficient data: …" — is a function of the entry's numbers,
its indicator and the version's "insufficient data" setting, and is written out when the entry
is read (``explanation_text``), in the reader's language (decision 0014; runs written before
it keep a stored explanation in every entry, read as stored). Positional entries rather than
objects: the keys would be about a third of the column, written ~17 times per customer.

A run writes the JSON text itself (``entry_head`` / ``entry_tail`` around the weight, built
once per distinct value); the readers get ``IndicatorResultRow`` objects, whose attributes are
those the explanation table and the API read. The column keeps that text as written
(``ResultsJSONField``: ``json`` on PostgreSQL rather than ``jsonb``, decision 0011; not
re-checked by SQLite, decision 0013).
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext as _

from kehu.evaluation.choices import IndicatorSource, InsufficientData


class ExactDecoder(json.JSONDecoder):
    """JSON with its fractional numbers as ``Decimal`` (a score or a share stays exact)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        super().__init__(*args, **kwargs)


class ResultsJSONField(models.JSONField):
    """A JSON column kept as the text written, not taken apart: ``json`` on PostgreSQL, which
    checks it is JSON (``jsonb`` would parse every entry into its binary form at each write,
    the largest part of writing a run's results; decision 0011), and on SQLite the
    ``JSONField``'s text column without its ``JSON_VALID`` check (decision 0013: the run writes
    the text itself; SQLite parsed each row again on insert). It is written and read whole
    only: no lookups into it (PostgreSQL's ``json`` has no containment or key operators of its
    own). Read as text on PostgreSQL, so that ``from_db_value`` parses it with the field's
    decoder (psycopg would parse ``json`` with floats)."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def db_check(self, connection):
        # No CHECK (JSON_VALID(...)) on SQLite: it parsed every row's text again on insert
        # (decision 0013; PostgreSQL's ``json`` type checks the text itself).
        if connection.vendor == "sqlite":
            return None
        return super().db_check(connection)

    def select_format(self, compiler, sql, params):
        if compiler.connection.vendor == "postgresql":
            return f"({sql})::text", params
        return super().select_format(compiler, sql, params)


def number_text(value: Decimal | int | None) -> str:
    """A number as JSON text, exactly as the decimal reads (``null`` for None)."""
    return "null" if value is None else f"{value:f}"


def entry_head(indicator_id: int, raw: Decimal | None, score: Decimal | None) -> str:
    """The JSON text of an entry up to its weight."""
    return f"[{indicator_id},{number_text(raw)},{number_text(score)},"


def entry_tail(explanation: str | None = None) -> str:
    """The JSON text of an entry after its weight: the explanation, if it is stored."""
    if explanation is None:
        return "]"
    return "," + json.dumps(explanation, ensure_ascii=False) + "]"


def insufficient_text(neutral: bool) -> str:
    """What insufficient data does to an indicator under the version's setting."""
    if neutral:
        return _("insufficient data: counted as neutral (50)")
    return _("insufficient data: left out, the other weights re-normalised")


def _shown(value: Decimal | int) -> str:
    return str(value) if isinstance(value, int) else f"{value:f}"


def explanation_text(indicator, raw, score, neutral: bool) -> str:
    """The explanation of an entry stored without one, from its numbers: "title: raw value →
    score" (a computed indicator), or what insufficient data does ("no rating" for a manual
    indicator). ``raw`` and ``score`` as read from the column (None: no data)."""
    if indicator.source == IndicatorSource.MANUAL:
        subject = _("no rating") if raw is None else _shown(raw)
    else:
        subject = indicator.get_computed_key_display()
    if score is None:
        return f"{subject} — {insufficient_text(neutral)}"
    if raw is None:
        return f"{subject} → {_shown(score)}"
    return f"{subject}: {_shown(raw)} → {_shown(score)}"


# The places the readers have always seen (those of the table the entries replaced): raw
# values to 6 decimals, scores and weights to 2.
RAW_PLACES = Decimal("0.000001")
SCORE_PLACES = Decimal("0.01")


def _decimal(value, places: Decimal) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(places)


@dataclass(frozen=True)
class IndicatorResultRow:
    """One indicator of one customer in a run: raw value, score (None: insufficient data),
    effective weight and why. ``indicator`` is the version's ``Indicator`` (its dimension
    loaded)."""

    indicator: object
    raw_value: Decimal | None
    score: Decimal | None
    weight: Decimal
    explanation: str


def result_rows(entries: list, indicators: dict, neutral: bool) -> list[IndicatorResultRow]:
    """The stored ``entries`` as rows, their indicators looked up in ``indicators`` (by id);
    ``neutral``: the run's version counts insufficient data as neutral."""
    rows = []
    for pk, raw, score, weight, *stored in entries:
        indicator = indicators[pk]
        rows.append(
            IndicatorResultRow(
                indicator=indicator,
                raw_value=_decimal(raw, RAW_PLACES),
                score=_decimal(score, SCORE_PLACES),
                weight=_decimal(weight, SCORE_PLACES),
                explanation=(
                    stored[0] if stored else explanation_text(indicator, raw, score, neutral)
                ),
            )
        )
    return rows


def version_neutral(version) -> bool:
    return version.insufficient_data == InsufficientData.NEUTRAL
