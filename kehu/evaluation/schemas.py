"""Input and output schemas of the evaluation API: structure only, the rules are the services'."""

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictInt

from kehu.core.api.schemas import Date, InputSchema, ObjectId, Percent, SafeStr
from kehu.evaluation.choices import (
    AbcClass,
    ComputedKey,
    DimensionKey,
    IndicatorSource,
    InsufficientData,
    RfmSegment,
)

Number = Decimal
Coefficient = Field(max_digits=5, decimal_places=2, ge=0, le=100, allow_inf_nan=False)


class IndicatorIn(InputSchema):
    key: SafeStr = Field(max_length=40)
    name: SafeStr = Field(max_length=100)
    source: IndicatorSource
    computed_key: ComputedKey | None = None
    weight: Percent
    rule: list[list[Decimal]] | None = Field(
        None,
        max_length=50,
        description="[raw value, score] points with rising raw values; default for a manual "
        "rating: [[1, 0], [5, 100]].",
    )


class DimensionIn(InputSchema):
    key: DimensionKey
    weight: Percent
    indicators: list[IndicatorIn] = Field(max_length=50)


class StrategyIn(InputSchema):
    credit_grade: SafeStr | None = Field(None, max_length=30, description="A credit grade code.")
    limit_coefficient: Decimal = Coefficient
    credit_days: StrictInt
    discount_rate: Percent = Decimal(0)
    visit_every_days: StrictInt


class GradeIn(InputSchema):
    grade: SafeStr = Field(max_length=10)
    min_total: Percent
    strategy: StrategyIn


class ScorecardVersionIn(InputSchema):
    """A whole new version: the four dimensions (weights adding up to 100), each with its
    indicators (weights adding up to 100), and the grade bands with their strategies."""

    insufficient_data: InsufficientData = InsufficientData.RENORMALISE
    note: SafeStr = Field("", max_length=200)
    dimensions: list[DimensionIn] = Field(max_length=4)
    grades: list[GradeIn] = Field(max_length=20)


class IndicatorOut(Schema):
    key: str
    name: str
    source: str
    computed_key: str
    weight: Decimal
    rule: list


class DimensionOut(Schema):
    key: str
    weight: Decimal
    indicators: list[IndicatorOut]


class StrategyOut(Schema):
    credit_grade: str | None
    limit_coefficient: Decimal
    credit_days: int
    discount_rate: Decimal
    visit_every_days: int


class GradeOut(Schema):
    grade: str
    min_total: Decimal
    strategy: StrategyOut


class ScorecardOut(Schema):
    id: int
    code: str
    name: str
    is_default: bool
    version: int


class ScorecardDetailOut(ScorecardOut):
    insufficient_data: str
    note: str
    dimensions: list[DimensionOut]
    grades: list[GradeOut]


class RunIn(InputSchema):
    as_of: Date | None = Field(None, description="Default: today.")
    query: ObjectId | None = Field(None, description="A saved query's id: score its customers.")


class RunOut(Schema):
    id: int
    as_of: datetime.date
    scorecard: str
    version: int
    query_name: str
    started_by: str | None
    status: str
    customer_count: int
    created_at: datetime.datetime
    finished_at: datetime.datetime | None


class ResultFilter(Schema):
    grade: SafeStr | None = Field(None, max_length=10)
    abc_class: AbcClass | None = None
    rfm_segment: RfmSegment | None = None


class ResultOut(Schema):
    customer_code: str
    customer_name: str
    activity: Decimal | None
    capability: Decimal | None
    reputation: Decimal | None
    relations: Decimal | None
    total: Decimal | None
    grade: str
    sales_12m: Decimal
    abc_class: str
    rfm_r: int | None
    rfm_f: int | None
    rfm_m: int | None
    rfm_segment: str


class IndicatorResultOut(Schema):
    dimension: str
    key: str
    name: str
    raw_value: Decimal | None
    score: Decimal | None
    weight: Decimal
    explanation: str


class ResultDetailOut(ResultOut):
    indicators: list[IndicatorResultOut]


class RatingIn(InputSchema):
    customer_code: SafeStr = Field(max_length=30)
    indicator: SafeStr = Field(max_length=40, description="The key of a manual indicator.")
    rating: StrictInt = Field(description="1 (poor) to 5 (excellent).")
    comment: SafeStr = Field("", max_length=500)
    rated_on: Date | None = Field(None, description="Default: today.")


class RatingOut(Schema):
    id: int
    customer_code: str
    indicator: str
    rating: int
    rated_on: datetime.date
    rated_by: str | None
    comment: str


class RatingFilter(Schema):
    customer: SafeStr | None = Field(None, max_length=30, description="A customer's code.")
    indicator: SafeStr | None = Field(None, max_length=40)


class StrategyCustomersIn(InputSchema):
    customers: list[SafeStr] | None = Field(
        None, max_length=10000, description="Customer codes; default: every customer of the run."
    )


class TermsOut(Schema):
    credit_grade: str | None = None
    credit_limit: Decimal | None = None
    credit_days: int | None = None
    discount_rate: Decimal | None = None


class SuggestionOut(Schema):
    customer_code: str
    customer_name: str
    grade: str
    total: Decimal | None
    current: TermsOut
    suggested: TermsOut
    changes: list[str]


class StrategyApplyOut(Schema):
    operation_id: str
    changed: list[str]


class CompareFilter(Schema):
    with_: ObjectId | None = Field(
        None,
        alias="with",
        description="The id of the run to compare with; by default the succeeded run before.",
    )
    movement: Literal["up", "down", "same", "new"] | None = Field(
        None, description="Only the customers who moved up, down, stayed or are new."
    )


class CompareRowOut(Schema):
    customer_code: str
    customer_name: str
    before_total: Decimal | None = Field(description="The total in the run compared with.")
    before_grade: str | None
    total: Decimal | None
    grade: str
    delta: Decimal | None = Field(description="total − before_total")
    movement: str = Field(description="up, down, same, or new (not in the run compared with)")
    grade_movement: str = Field(
        description="up or down to a better or worse grade (of this run's bands), else empty"
    )
