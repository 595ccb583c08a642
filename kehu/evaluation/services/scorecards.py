"""Scorecard versions: a scorecard is edited by writing a new version, validated as a whole."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.evaluation import defaults
from kehu.evaluation.choices import ComputedKey, DimensionKey, IndicatorSource, InsufficientData
from kehu.evaluation.models import (
    Dimension,
    GradeBand,
    Indicator,
    Scorecard,
    ScorecardVersion,
    ServiceStrategy,
)
from kehu.evaluation.scoring import rule_problem
from kehu.masterdata.models import CreditGrade

MODELS = {
    "Scorecard": Scorecard,
    "ScorecardVersion": ScorecardVersion,
    "Dimension": Dimension,
    "Indicator": Indicator,
    "GradeBand": GradeBand,
    "ServiceStrategy": ServiceStrategy,
}
HUNDRED = Decimal("100")
RULE_MESSAGES = {
    "at_least_two": gettext_lazy("A rule needs at least two [raw value, score] points."),
    "point_shape": gettext_lazy("Each point is a pair of numbers: [raw value, score]."),
    "score_range": gettext_lazy("Scores are between 0 and 100."),
    "not_rising": gettext_lazy("The raw values of the points must rise strictly."),
}


def scorecard_default_seed() -> bool:
    """Seed the default scorecard of SPEC §6 when there is none (``kehu init``)."""
    return defaults.scorecard_default_seed(MODELS)


def scorecard_default() -> Scorecard:
    return Scorecard.objects.get(is_default=True)


def version_current(scorecard: Scorecard) -> ScorecardVersion:
    return scorecard.versions.order_by("-number").first()


def _decimal(value, errors: dict, path: str, *, low=Decimal(0), high=HUNDRED) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite():
        errors.setdefault(path, []).append(_("Enter a number."))
        return None
    if not low <= number <= high or number != number.quantize(Decimal("0.01")):
        errors.setdefault(path, []).append(
            _("Enter a number from %(low)s to %(high)s with at most 2 decimals.")
            % {"low": low, "high": high}
        )
        return None
    return number


def _check_sum(weights: list, errors: dict, path: str, what: str) -> None:
    if all(w is not None for w in weights) and weights and sum(weights) != HUNDRED:
        errors.setdefault(path, []).append(
            _("The weights of the %(what)s add up to %(sum)s, not 100.")
            % {"what": what, "sum": sum(weights)}
        )


def _clean_indicator(ind, path: str, errors: dict, keys: set) -> dict:
    if not isinstance(ind, dict):
        errors.setdefault(path, []).append(_("Give an object."))
        return {}
    key = str(ind.get("key") or "").strip()
    if not key or not key.replace("_", "").isalnum() or not key.isascii() or key != key.lower():
        errors.setdefault(f"{path}.key", []).append(
            _("Use lower-case Latin letters, digits and underscores.")
        )
    elif key in keys:
        errors.setdefault(f"{path}.key", []).append(_("Another indicator has this key."))
    keys.add(key)
    name = str(ind.get("name") or "").strip()
    if not name or len(name) > 100:
        errors.setdefault(f"{path}.name", []).append(_("Give a name of at most 100 characters."))
    source = ind.get("source")
    computed_key = ind.get("computed_key") or ""
    if source not in IndicatorSource.values:
        errors.setdefault(f"{path}.source", []).append(
            _("Choose one of: %(expected)s.") % {"expected": ", ".join(IndicatorSource.values)}
        )
    elif source == IndicatorSource.COMPUTED and computed_key not in ComputedKey.values:
        errors.setdefault(f"{path}.computed_key", []).append(
            _("Choose one of: %(expected)s.") % {"expected": ", ".join(ComputedKey.values)}
        )
    elif source == IndicatorSource.MANUAL:
        computed_key = ""
    weight = _decimal(ind.get("weight"), errors, f"{path}.weight")
    rule = ind.get("rule", defaults.MANUAL_RULE if source == IndicatorSource.MANUAL else None)
    problem = rule_problem(rule)
    if problem:
        errors.setdefault(f"{path}.rule", []).append(str(RULE_MESSAGES[problem]))
    else:
        rule = [[str(raw), str(score)] for raw, score in rule]
    return {
        "key": key,
        "name": name,
        "source": source,
        "computed_key": computed_key,
        "weight": weight,
        "rule": rule,
    }


def _clean_strategy(data, path: str, errors: dict) -> dict:
    if not isinstance(data, dict):
        errors.setdefault(path, []).append(_("Give an object."))
        return {}
    clean = {
        "limit_coefficient": _decimal(
            data.get("limit_coefficient"), errors, f"{path}.limit_coefficient"
        ),
        "discount_rate": _decimal(data.get("discount_rate", 0), errors, f"{path}.discount_rate"),
    }
    for name, low in (("credit_days", 0), ("visit_every_days", 1)):
        value = data.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 3650:
            errors.setdefault(f"{path}.{name}", []).append(
                _("Enter a whole number from %(low)s to 3650.") % {"low": low}
            )
        clean[name] = value
    grade_code = data.get("credit_grade")
    clean["credit_grade_id"] = None
    if grade_code not in (None, ""):
        grade = CreditGrade.objects.filter(code=str(grade_code)).first()
        if grade is None:
            errors.setdefault(f"{path}.credit_grade", []).append(
                _("There is no credit grade %(code)s.") % {"code": grade_code}
            )
        else:
            clean["credit_grade_id"] = grade.pk
    return clean


def scorecard_data_clean(data) -> dict:
    """Validate a whole version (the shape of ``defaults.DEFAULT_SCORECARD``); field errors
    are named by their path (``dimensions.1.indicators.0.weight``)."""
    errors: dict = {}
    if not isinstance(data, dict):
        raise ValidationError({"__all__": [_("Give an object.")]})
    insufficient = data.get("insufficient_data", InsufficientData.RENORMALISE)
    if insufficient not in InsufficientData.values:
        errors["insufficient_data"] = [
            _("Choose one of: %(expected)s.") % {"expected": ", ".join(InsufficientData.values)}
        ]
    note = str(data.get("note") or "")[:200]
    dims_in = data.get("dimensions")
    dims = []
    if (
        not isinstance(dims_in, list)
        or {d.get("key") for d in dims_in if isinstance(d, dict)} != set(DimensionKey.values)
        or len(dims_in) != len(DimensionKey.values)
    ):
        errors.setdefault("dimensions", []).append(
            _("Give the four dimensions once each: %(keys)s.")
            % {"keys": ", ".join(DimensionKey.values)}
        )
        dims_in = dims_in if isinstance(dims_in, list) else []
    keys: set = set()
    for d_index, dim in enumerate(dims_in):
        path = f"dimensions.{d_index}"
        if not isinstance(dim, dict):
            errors.setdefault(path, []).append(_("Give an object."))
            continue
        weight = _decimal(dim.get("weight"), errors, f"{path}.weight")
        inds_in = dim.get("indicators")
        if not isinstance(inds_in, list) or not inds_in:
            errors.setdefault(f"{path}.indicators", []).append(_("Give at least one indicator."))
            inds_in = []
        inds = [
            _clean_indicator(ind, f"{path}.indicators.{i}", errors, keys)
            for i, ind in enumerate(inds_in)
        ]
        _check_sum([i.get("weight") for i in inds], errors, f"{path}.indicators", _("indicators"))
        dims.append({"key": dim.get("key"), "weight": weight, "indicators": inds})
    _check_sum([d["weight"] for d in dims], errors, "dimensions", _("dimensions"))
    grades_in = data.get("grades")
    grades = []
    if not isinstance(grades_in, list) or not grades_in:
        errors.setdefault("grades", []).append(_("Give at least one grade."))
        grades_in = []
    seen_grades, seen_min = set(), set()
    for g_index, band in enumerate(grades_in):
        path = f"grades.{g_index}"
        if not isinstance(band, dict):
            errors.setdefault(path, []).append(_("Give an object."))
            continue
        grade = str(band.get("grade") or "").strip()
        if not grade or len(grade) > 10 or grade in seen_grades:
            errors.setdefault(f"{path}.grade", []).append(
                _("Give each grade a different name of at most 10 characters.")
            )
        seen_grades.add(grade)
        minimum = _decimal(band.get("min_total"), errors, f"{path}.min_total")
        if minimum is not None and minimum in seen_min:
            errors.setdefault(f"{path}.min_total", []).append(
                _("Another grade starts at this total.")
            )
        seen_min.add(minimum)
        strategy = _clean_strategy(band.get("strategy"), f"{path}.strategy", errors)
        grades.append({"grade": grade, "min_total": minimum, "strategy": strategy})
    if grades and Decimal(0) not in seen_min:
        errors.setdefault("grades", []).append(
            _("The lowest grade must start at 0, so that every total has a grade.")
        )
    if errors:
        raise ValidationError(errors)
    return {
        "insufficient_data": insufficient,
        "note": note,
        "dimensions": dims,
        "grades": grades,
    }


@transaction.atomic
def scorecard_version_create(*, actor, scorecard: Scorecard, data) -> ScorecardVersion:
    """Write ``data`` as the scorecard's next version (the old versions stay as they were)."""
    clean = scorecard_data_clean(data)
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    current = version_current(scorecard)
    version = ScorecardVersion.objects.create(
        scorecard=scorecard,
        number=(current.number + 1) if current else 1,
        insufficient_data=clean["insufficient_data"],
        note=clean["note"],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    defaults.version_write(MODELS, version, clean)
    return version


def version_as_data(version: ScorecardVersion) -> dict:
    """A version in the shape ``scorecard_version_create`` accepts (the editor's start)."""
    dimensions = []
    indicators = list(version.indicators.all())
    for dim in version.dimensions.all():
        dimensions.append(
            {
                "key": dim.key,
                "weight": dim.weight,
                "indicators": [
                    {
                        "key": ind.key,
                        "name": ind.name,
                        "source": ind.source,
                        "computed_key": ind.computed_key,
                        "weight": ind.weight,
                        "rule": ind.rule,
                    }
                    for ind in indicators
                    if ind.dimension_id == dim.pk
                ],
            }
        )
    grades = []
    for band in version.grades.select_related("strategy__credit_grade"):
        s = band.strategy
        grades.append(
            {
                "grade": band.grade,
                "min_total": band.min_total,
                "strategy": {
                    "credit_grade": s.credit_grade.code if s.credit_grade else None,
                    "limit_coefficient": s.limit_coefficient,
                    "credit_days": s.credit_days,
                    "discount_rate": s.discount_rate,
                    "visit_every_days": s.visit_every_days,
                },
            }
        )
    return {
        "insufficient_data": version.insufficient_data,
        "note": version.note,
        "dimensions": dimensions,
        "grades": grades,
    }
