from django.contrib import admin

from kehu.core.admin import ReadOnlyAdmin
from kehu.customers.selectors import customers_visible_to
from kehu.evaluation import models


@admin.register(models.Scorecard, models.ScorecardVersion, models.EvaluationRun)
class EvaluationAdmin(ReadOnlyAdmin):
    pass


@admin.register(models.ManualRating, models.CustomerEvaluation)
class EvaluationCustomerAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        # Ratings and results are customer data: the user's data scope applies.
        visible = customers_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(customer__in=visible)
