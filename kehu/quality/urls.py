from django.urls import path

from kehu.quality import views

app_name = "quality"

urlpatterns = [
    path("duplicates/", views.DuplicateReportView.as_view(), name="duplicates"),
    path("merge/<int:survivor>/<int:other>/", views.MergeView.as_view(), name="merge"),
]
