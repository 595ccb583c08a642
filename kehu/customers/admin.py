from django.contrib import admin

from kehu.core.admin import ReadOnlyAdmin
from kehu.customers import models
from kehu.customers.selectors import customers_visible_to


@admin.register(models.Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "customer_class", "region", "deactivated_on"]
    search_fields = ["code", "name", "short_name", "mnemonic"]
    list_select_related = ["customer_class", "region"]

    def get_queryset(self, request):
        # The admin is one more place that reads customers: the user's data scope applies.
        return super().get_queryset(request).filter(pk__in=customers_visible_to(request.user))


@admin.register(
    models.Contact,
    models.DeliveryAddress,
    models.BankAccount,
    models.QualificationDocument,
)
class CustomerChildAdmin(ReadOnlyAdmin):
    def get_queryset(self, request):
        visible = customers_visible_to(request.user)
        return super().get_queryset(request).filter(customer__in=visible)


admin.site.register([models.UserField, models.Tag], ReadOnlyAdmin)
