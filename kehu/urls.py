from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kehu.api import api
from kehu.core.permissions import public

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("kehu.core.i18n_urls")),
    path("accounts/", include("kehu.accounts.urls")),
    path("customers/", include("kehu.customers.urls")),
    path("masterdata/", include("kehu.masterdata.urls")),
    path("quality/", include("kehu.quality.urls")),
    path("evaluation/", include("kehu.evaluation.urls")),
    path("sales/", include("kehu.sales.receivables_urls")),
    path("sales/", include("kehu.sales.urls")),
    path("credit/", include("kehu.credit.urls")),
    path("", public(RedirectView.as_view(pattern_name="customers:list", permanent=False))),
]
