from django.urls import path

from kehu.quality import import_views, views

app_name = "quality"

urlpatterns = [
    path("duplicates/", views.DuplicateReportView.as_view(), name="duplicates"),
    path("merge/<int:survivor>/<int:other>/", views.MergeView.as_view(), name="merge"),
    path("imports/", import_views.ImportJobListView.as_view(), name="imports"),
    path("imports/new/", import_views.ImportJobCreateView.as_view(), name="import_new"),
    path(
        "imports/template.xlsx", import_views.ImportTemplateView.as_view(), name="import_template"
    ),
    path("imports/<int:pk>/", import_views.ImportJobView.as_view(), name="import_job"),
    path(
        "imports/<int:pk>/status.json",
        import_views.ImportJobStatusView.as_view(),
        name="import_job_status",
    ),
    path(
        "imports/<int:pk>/errors.csv",
        import_views.ImportJobErrorsView.as_view(),
        name="import_job_errors",
    ),
    path(
        "imports/<int:pk>/confirm/",
        import_views.ImportJobConfirmView.as_view(),
        name="import_job_confirm",
    ),
    path(
        "imports/<int:pk>/discard/",
        import_views.ImportJobDiscardView.as_view(),
        name="import_job_discard",
    ),
]
