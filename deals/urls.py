from django.urls import path

from . import export, forecast_views, pipeline_views, views

app_name = "deals"

urlpatterns = [
    path("", views.DealListView.as_view(), name="list"),
    path("export/", export.deal_export, name="export"),
    path("new/", views.DealCreateView.as_view(), name="create"),
    # Fixed paths (pipeline/, forecast/) go here, before the <int:pk>/ patterns.
    path("pipeline/", pipeline_views.PipelineView.as_view(), name="pipeline"),
    path("pipeline/<int:pk>/move/", pipeline_views.pipeline_move, name="pipeline_move"),
    path("forecast/", forecast_views.ForecastView.as_view(), name="forecast"),
    path("forecast/export/", forecast_views.forecast_export, name="forecast_export"),
    path("<int:pk>/", views.DealDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.DealUpdateView.as_view(), name="update"),
    path("<int:pk>/stage/", views.deal_stage, name="stage"),
    path("<int:pk>/close-won/", views.deal_close_won, name="close_won"),
    path("<int:pk>/close-lost/", views.deal_close_lost, name="close_lost"),
]
