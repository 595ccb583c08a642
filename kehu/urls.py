from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from kehu.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("kehu.accounts.urls")),
    path("customers/", include("kehu.customers.urls")),
    path("masterdata/", include("kehu.masterdata.urls")),
    path("", RedirectView.as_view(pattern_name="customers:list", permanent=False)),
]
