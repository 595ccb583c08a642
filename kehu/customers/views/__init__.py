"""Web pages of the customer archive: the main screen (list) and the customer card."""

from kehu.customers.views.card import (
    CustomerCreateView,
    CustomerDeactivateView,
    CustomerEditView,
    CustomerReactivateView,
    mnemonic_view,
)
from kehu.customers.views.documents import ExpiringDocumentsView
from kehu.customers.views.export import CustomerExportView
from kehu.customers.views.list import CustomerListView
from kehu.customers.views.overview import CustomerOverviewView
from kehu.customers.views.saved_queries import SavedQueryView
from kehu.customers.views.statistics import CustomerStatisticsView

__all__ = [
    "CustomerCreateView",
    "CustomerDeactivateView",
    "CustomerEditView",
    "CustomerExportView",
    "CustomerListView",
    "CustomerOverviewView",
    "CustomerReactivateView",
    "CustomerStatisticsView",
    "ExpiringDocumentsView",
    "SavedQueryView",
    "mnemonic_view",
]
