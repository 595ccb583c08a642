from django.urls import path

from kehu.credit import views

app_name = "credit"

urlpatterns = [
    path("approvals/", views.approval_list, name="approval_list"),
    path("approvals/<int:pk>/", views.approval_detail, name="approval_detail"),
    path("events/", views.event_list, name="event_list"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<int:pk>/delete/", views.policy_delete, name="policy_delete"),
    path("approvers/", views.approver_set, name="approver_set"),
]
