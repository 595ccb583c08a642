"""The receivables reports' pages, under /sales/."""

from django.urls import path

from kehu.sales import receivables_views as views

app_name = "receivables"

urlpatterns = [
    path("receivables/", views.ReceivablesView.as_view(), name="receivables"),
    path("aging/", views.AgingView.as_view(), name="aging"),
]
