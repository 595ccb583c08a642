from django.urls import path

from kehu.sales import views

app_name = "sales"

# /sales/aging/ and /sales/receivables/ are the receivables reports' (another module).
urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<str:number>/", views.order_detail, name="order_detail"),
    path("orders/<str:number>/edit/", views.order_edit, name="order_edit"),
    path("orders/<str:number>/close/", views.order_action, {"action": "close"}, name="order_close"),
    path(
        "orders/<str:number>/cancel/", views.order_action, {"action": "cancel"}, name="order_cancel"
    ),
    path(
        "orders/<str:number>/reopen/", views.order_action, {"action": "reopen"}, name="order_reopen"
    ),
    path("invoices/", views.invoice_list, name="invoice_list"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<str:number>/cancel/", views.invoice_cancel, name="invoice_cancel"),
    path("receipts/", views.receipt_list, name="receipt_list"),
    path("receipts/new/", views.receipt_create, name="receipt_create"),
    path("receipts/<str:number>/reverse/", views.receipt_reverse, name="receipt_reverse"),
    path("settlements/<int:pk>/reverse/", views.settlement_reverse, name="settlement_reverse"),
]
