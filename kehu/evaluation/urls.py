from django.urls import path

from kehu.evaluation import rating_views, views

app_name = "evaluation"

urlpatterns = [
    path("", views.RunListView.as_view(), name="runs"),
    path("runs/<int:pk>/", views.RunDashboardView.as_view(), name="run"),
    path("runs/<int:pk>/compare/", views.RunCompareView.as_view(), name="compare"),
    path("runs/<int:pk>/strategy/", views.StrategyView.as_view(), name="strategy"),
    path("jobs/<int:pk>/", views.RunJobView.as_view(), name="job"),
    path("jobs/<int:pk>/status/", views.RunJobStatusView.as_view(), name="job_status"),
    path("ratings/", rating_views.RatingGridView.as_view(), name="ratings"),
    path("scorecard/", views.ScorecardEditView.as_view(), name="scorecard"),
]
