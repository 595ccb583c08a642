"""Every write of the customer evaluation (SPEC §6)."""

from kehu.evaluation.services.ratings import rating_record
from kehu.evaluation.services.runs import evaluation_run
from kehu.evaluation.services.scorecards import (
    scorecard_default,
    scorecard_default_seed,
    scorecard_version_create,
    version_current,
)
from kehu.evaluation.services.strategy import strategy_apply, strategy_preview

__all__ = [
    "evaluation_run",
    "rating_record",
    "scorecard_default",
    "scorecard_default_seed",
    "scorecard_version_create",
    "strategy_apply",
    "strategy_preview",
    "version_current",
]
