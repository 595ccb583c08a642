from django.contrib import admin

from kehu.core.admin import ReadOnlyAdmin
from kehu.masterdata import models


@admin.register(models.CustomerClass, models.Region)
class TreeNodeAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "is_leaf"]
    search_fields = ["code", "name"]


@admin.register(
    models.Industry,
    models.Department,
    models.Currency,
    models.ShippingMethod,
    models.CreditGrade,
    models.PaymentTerms,
    models.Salesperson,
)
class CodedItemAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "is_active"]
    search_fields = ["code", "name"]


@admin.register(models.CodingScheme)
class CodingSchemeAdmin(ReadOnlyAdmin):
    list_display = ["tree", "segments"]
