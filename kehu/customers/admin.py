from django.contrib import admin

from kehu.core.admin import ReadOnlyAdmin
from kehu.customers import models


@admin.register(models.Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "customer_class", "region", "deactivated_on"]
    search_fields = ["code", "name", "short_name", "mnemonic"]
    list_select_related = ["customer_class", "region"]


@admin.register(
    models.Contact,
    models.DeliveryAddress,
    models.BankAccount,
    models.QualificationDocument,
    models.UserField,
    models.Tag,
)
class CustomerChildAdmin(ReadOnlyAdmin):
    pass
