"""Customer evaluation (SPEC §6): versioned scorecards, manual ratings, runs and their results.

A ``Scorecard`` is a name; what it measures lives in its ``ScorecardVersion`` rows. A version
is never changed once written: editing a scorecard writes a new version (``services``), and a
run records the version it used, so an old run can always be explained. Results point at the
customer with ``CASCADE`` rather than ``PROTECT``: an evaluation is not a transaction, so it
neither freezes the customer's code nor keeps a customer without documents from deletion.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel
from kehu.customers.models import MONEY, Customer, SavedQuery
from kehu.evaluation.choices import (
    AbcClass,
    ComputedKey,
    DimensionKey,
    IndicatorSource,
    InsufficientData,
    RfmSegment,
    RunStatus,
)
from kehu.evaluation.results import ExactDecoder, ResultsJSONField
from kehu.masterdata.models import CreditGrade

WEIGHT = {"max_digits": 5, "decimal_places": 2}
SCORE = {"max_digits": 5, "decimal_places": 2}
# Raw values: amounts, days, percentages; 6 decimals keep a share exact enough to re-score.
RAW = {"max_digits": 24, "decimal_places": 6}
KEY_VALIDATOR_MESSAGE = _("Use lower-case Latin letters, digits and underscores.")
HUNDRED = Decimal("100")


def _between(field: str, low, high, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": low, f"{field}__lte": high}), name=name
    )


class Scorecard(TimeStampedModel):
    """A scorecard (评分卡): its versions say what it measures; the default one is run when
    no other is named."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="scorecard_one_default"
            )
        ]

    def __str__(self):
        return self.name


class ScorecardVersion(TimeStampedModel):
    """One version of a scorecard: dimensions, indicators, grade bands and strategies.

    Never changed after it is written; the scorecard's current version is its highest number.
    """

    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.PROTECT, related_name="versions", verbose_name=_("scorecard")
    )
    number = models.PositiveIntegerField(_("version"))
    insufficient_data = models.CharField(
        _("indicator without data"),
        max_length=20,
        choices=InsufficientData.choices,
        default=InsufficientData.RENORMALISE,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["scorecard", "-number"]
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "number"], name="scorecardversion_unique_number"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="scorecardversion_number_1"),
        ]

    def __str__(self):
        return f"{self.scorecard} v{self.number}"


class Dimension(TimeStampedModel):
    """One of the four dimensions of a version, with its weight in the total."""

    version = models.ForeignKey(
        ScorecardVersion,
        on_delete=models.CASCADE,
        related_name="dimensions",
        verbose_name=_("scorecard version"),
    )
    key = models.CharField(_("dimension"), max_length=20, choices=DimensionKey.choices)
    weight = models.DecimalField(_("weight"), **WEIGHT)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "position", "pk"]
        verbose_name = _("dimension")
        verbose_name_plural = _("dimensions")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="dimension_unique_key"),
            _between("weight", 0, 100, "dimension_weight_0_100"),
        ]

    def __str__(self):
        return self.get_key_display()


class Indicator(TimeStampedModel):
    """An indicator (指标): its source, its weight in the dimension and its scoring rule.

    ``rule`` is a list of ``[raw, score]`` points with rising raw values: the score is read
    off the line through them, and is the first (last) point's score below (above) them.
    """

    version = models.ForeignKey(
        ScorecardVersion,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("scorecard version"),
    )
    dimension = models.ForeignKey(
        Dimension,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("dimension"),
    )
    key = models.CharField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=20, choices=IndicatorSource.choices)
    computed_key = models.CharField(
        _("computed value"), max_length=40, choices=ComputedKey.choices, blank=True
    )
    weight = models.DecimalField(_("weight"), **WEIGHT)
    rule = models.JSONField(_("scoring rule"), default=list)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["version", "dimension__position", "position", "pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="indicator_unique_key"),
            _between("weight", 0, 100, "indicator_weight_0_100"),
            models.CheckConstraint(
                condition=Q(source=IndicatorSource.COMPUTED, computed_key__gt="")
                | Q(source=IndicatorSource.MANUAL, computed_key=""),
                name="indicator_computed_has_key",
            ),
        ]

    def __str__(self):
        return self.name


class GradeBand(TimeStampedModel):
    """A grade (客户等级) and the lowest total that reaches it."""

    version = models.ForeignKey(
        ScorecardVersion,
        on_delete=models.CASCADE,
        related_name="grades",
        verbose_name=_("scorecard version"),
    )
    grade = models.CharField(_("grade"), max_length=10)
    min_total = models.DecimalField(_("lowest total"), **SCORE)

    class Meta:
        ordering = ["version", "-min_total"]
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        constraints = [
            models.UniqueConstraint(fields=["version", "grade"], name="gradeband_unique_grade"),
            models.UniqueConstraint(fields=["version", "min_total"], name="gradeband_unique_min"),
            _between("min_total", 0, 100, "gradeband_min_0_100"),
        ]

    def __str__(self):
        return self.grade


class ServiceStrategy(TimeStampedModel):
    """A grade's service strategy (服务策略): the credit terms suggested for its customers.

    Suggested credit limit = average monthly purchases (sales of the last 12 months / 12)
    × credit period in months (``credit_days`` / 30) × ``limit_coefficient``; a coefficient
    of 0 means cash only.
    """

    band = models.OneToOneField(
        GradeBand, on_delete=models.CASCADE, related_name="strategy", verbose_name=_("grade")
    )
    credit_grade = models.ForeignKey(
        CreditGrade,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested credit grade"),
    )
    limit_coefficient = models.DecimalField(
        _("credit-limit coefficient"), max_digits=5, decimal_places=2
    )
    credit_days = models.PositiveIntegerField(_("credit period (days)"))
    discount_rate = models.DecimalField(_("discount rate (%)"), max_digits=5, decimal_places=2)
    visit_every_days = models.PositiveIntegerField(_("visit every (days)"))

    class Meta:
        ordering = ["band"]
        verbose_name = _("service strategy")
        verbose_name_plural = _("service strategies")
        constraints = [
            _between("limit_coefficient", 0, 100, "strategy_coefficient_0_100"),
            _between("discount_rate", 0, 100, "strategy_discount_0_100"),
            models.CheckConstraint(
                condition=Q(visit_every_days__gte=1), name="strategy_visit_positive"
            ),
        ]

    def __str__(self):
        return str(self.band)


class ManualRating(TimeStampedModel):
    """A rating of 1–5 for a manual indicator (by its key, so that ratings outlive versions).

    Ratings are history: a run uses each customer's latest rating given on or before its date.
    """

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="evaluation_ratings",
        verbose_name=_("customer"),
    )
    indicator_key = models.CharField(_("indicator"), max_length=40)
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rated_on = models.DateField(_("rated on"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        ordering = ["-rated_on", "-pk"]
        verbose_name = _("manual rating")
        verbose_name_plural = _("manual ratings")
        constraints = [_between("rating", 1, 5, "manualrating_rating_1_5")]
        indexes = [
            models.Index(fields=["customer", "indicator_key", "rated_on"], name="rating_latest")
        ]

    def __str__(self):
        return f"{self.indicator_key}: {self.rating}"


class EvaluationRun(TimeStampedModel):
    """An evaluation run: every customer in its scope scored as of a date with one version."""

    as_of = models.DateField(_("as of"))
    version = models.ForeignKey(
        ScorecardVersion,
        on_delete=models.PROTECT,
        related_name="runs",
        verbose_name=_("scorecard version"),
    )
    query = models.ForeignKey(
        SavedQuery,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved query"),
    )
    # The query's name when the run was made (the query may be renamed or deleted later).
    query_name = models.CharField(_("query"), max_length=100, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    customer_count = models.PositiveIntegerField(_("customers"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        ordering = ["-as_of", "-pk"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")
        default_permissions = ("add", "view")

    def __str__(self):
        return f"#{self.pk} {self.as_of}"


class CustomerEvaluation(models.Model):
    """One customer's result in a run: dimension scores, total, grade, ABC class, RFM segment.

    There is no unique (run, customer) constraint on purpose: merging two customers moves the
    other's results onto the survivor, and both historical rows stay true.
    """

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("run")
    )
    # Its own index would repeat the first column of ``evaluation_customer_run``.
    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("customer"),
        db_index=False,
    )
    activity = models.DecimalField(_("Activity"), null=True, **SCORE)
    capability = models.DecimalField(_("Business capability"), null=True, **SCORE)
    reputation = models.DecimalField(_("Credit reputation"), null=True, **SCORE)
    relations = models.DecimalField(_("Social relations"), null=True, **SCORE)
    total = models.DecimalField(_("total"), null=True, **SCORE)
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    sales_12m = models.DecimalField(_("sales, last 12 months"), **MONEY)
    abc_class = models.CharField(_("ABC class"), max_length=1, choices=AbcClass.choices)
    rfm_r = models.PositiveSmallIntegerField(_("R"), null=True)
    rfm_f = models.PositiveSmallIntegerField(_("F"), null=True)
    rfm_m = models.PositiveSmallIntegerField(_("M"), null=True)
    rfm_segment = models.CharField(_("RFM segment"), max_length=20, choices=RfmSegment.choices)
    # Every indicator's raw value, score, effective weight and explanation, in the
    # scorecard's order (``kehu.evaluation.results``; read through
    # ``selectors.indicator_results``): one column rather than ~17 rows per customer, kept as
    # the JSON text the run wrote (decision 0011).
    indicators = ResultsJSONField(
        _("indicator results"), default=list, decoder=ExactDecoder, editable=False
    )

    class Meta:
        ordering = ["run", "customer"]
        verbose_name = _("customer evaluation")
        verbose_name_plural = _("customer evaluations")
        default_permissions = ("view",)
        constraints = [
            *(
                _between(name, 0, 100, f"customerevaluation_{name}_0_100")
                for name in ("activity", "capability", "reputation", "relations", "total")
            ),
            *(
                _between(f"rfm_{name}", 1, 5, f"customerevaluation_rfm_{name}_1_5")
                for name in "rfm"
            ),
            models.CheckConstraint(condition=Q(sales_12m__gte=0), name="customerevaluation_sales"),
        ]
        indexes = [models.Index(fields=["customer", "run"], name="evaluation_customer_run")]

    def __str__(self):
        return f"{self.customer_id} {self.total} {self.grade}"
