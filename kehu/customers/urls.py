from django.urls import path

from kehu.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("<int:pk>/", views.CustomerOverviewView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path("<int:pk>/deactivate/", views.CustomerDeactivateView.as_view(), name="deactivate"),
    path("<int:pk>/reactivate/", views.CustomerReactivateView.as_view(), name="reactivate"),
    path("mnemonic/", views.mnemonic_view, name="mnemonic"),
    path("export/", views.CustomerExportView.as_view(), name="export"),
    path("statistics/", views.CustomerStatisticsView.as_view(), name="statistics"),
    path("queries/", views.SavedQueryView.as_view(), name="saved_queries"),
    path("documents/expiring/", views.ExpiringDocumentsView.as_view(), name="expiring_documents"),
]
