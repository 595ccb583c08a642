"""Scorecards: the seeded default of SPEC §6, versioning, and the validation of weights."""

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kehu.evaluation.defaults import DEFAULT_SCORECARD
from kehu.evaluation.models import Indicator, ManualRating, ScorecardVersion
from kehu.evaluation.services import (
    scorecard_default,
    scorecard_default_seed,
    scorecard_version_create,
    version_current,
)
from kehu.evaluation.services.scorecards import version_as_data
from tests.factories import class_tree, customer

pytestmark = pytest.mark.django_db


def test_the_default_scorecard_of_spec_6_is_seeded_once():
    card = scorecard_default()
    version = version_current(card)
    assert version.number == 1
    dims = {d.key: d.weight for d in version.dimensions.all()}
    assert dims == {
        "activity": Decimal("25"),
        "capability": Decimal("25"),
        "reputation": Decimal("30"),
        "relations": Decimal("20"),
    }
    keys = set(version.indicators.values_list("key", flat=True))
    assert {"recency_days", "invoices_12m", "sales_growth", "cooperation"} <= keys
    assert [b.grade for b in version.grades.all()] == ["A", "B", "C", "D"]
    assert scorecard_default_seed() is False  # idempotent: kehu init runs it every time
    assert ScorecardVersion.objects.count() == 1


def test_editing_writes_a_new_version_and_keeps_the_old_one(admin_user):
    card = scorecard_default()
    data = version_as_data(version_current(card))
    data["dimensions"][0]["weight"] = 35
    data["dimensions"][3]["weight"] = 10
    version = scorecard_version_create(actor=admin_user, scorecard=card, data=data)
    assert version.number == 2 and version.created_by == admin_user
    assert version_current(card) == version
    old = card.versions.get(number=1)
    assert old.dimensions.get(key="activity").weight == Decimal("25")
    assert version.dimensions.get(key="activity").weight == Decimal("35")


def _broken(change):
    data = copy.deepcopy(DEFAULT_SCORECARD)
    change(data)
    with pytest.raises(ValidationError) as error:
        scorecard_version_create(actor=None, scorecard=scorecard_default(), data=data)
    assert ScorecardVersion.objects.count() == 1  # nothing written
    return error.value.message_dict


def test_dimension_weights_must_add_up_to_100():
    errors = _broken(lambda d: d["dimensions"][0].update(weight=30))
    assert errors == {"dimensions": ["The weights of the dimensions add up to 105, not 100."]}


def test_indicator_weights_must_add_up_to_100_within_their_dimension():
    errors = _broken(lambda d: d["dimensions"][2]["indicators"][0].update(weight=10))
    assert errors == {
        "dimensions.2.indicators": ["The weights of the indicators add up to 80, not 100."]
    }


def test_a_rule_with_falling_raw_values_and_an_unknown_computed_key_are_refused():
    def change(d):
        d["dimensions"][0]["indicators"][0]["rule"] = [[10, 0], [5, 100]]
        d["dimensions"][0]["indicators"][1]["computed_key"] = "nonsense"

    errors = _broken(change)
    assert errors["dimensions.0.indicators.0.rule"] == [
        "The raw values of the points must rise strictly."
    ]
    assert "dimensions.0.indicators.1.computed_key" in errors


def test_grades_must_cover_every_total():
    errors = _broken(lambda d: d["grades"].pop())
    assert errors == {
        "grades": ["The lowest grade must start at 0, so that every total has a grade."]
    }


def test_the_database_refuses_a_rating_out_of_range_and_a_computed_indicator_without_key():
    class_tree("01", "0101")
    someone = customer()
    with pytest.raises(IntegrityError), transaction.atomic():
        ManualRating.objects.create(
            customer=someone, indicator_key="cooperation", rating=6, rated_on="2026-01-01"
        )
    indicator = Indicator.objects.filter(source="computed").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Indicator.objects.filter(pk=indicator.pk).update(computed_key="")
