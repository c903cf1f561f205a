from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.MyDayView.as_view(), name="list"),
    path("new/", views.ActivityCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ActivityDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ActivityUpdateView.as_view(), name="update"),
    path("<int:pk>/done/", views.complete, name="done"),
]
