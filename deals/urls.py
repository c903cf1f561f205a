from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("", views.DealListView.as_view(), name="list"),
    path("<int:pk>/", views.DealDetailView.as_view(), name="detail"),
]
