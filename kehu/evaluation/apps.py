from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Customer evaluation (SPEC §6): scorecards, ratings, runs, grades and strategies."""

    name = "kehu.evaluation"
    label = "evaluation"
    verbose_name = _("Customer evaluation")

    def ready(self):
        from kehu.evaluation.overview import register

        register()
