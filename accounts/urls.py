from django.urls import path

from . import export, views

app_name = "accounts"

urlpatterns = [
    path("", views.AccountListView.as_view(), name="list"),
    path("export/", export.account_export, name="export"),
    path("new/", views.AccountCreateView.as_view(), name="create"),
    path("<int:pk>/", views.AccountDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.AccountUpdateView.as_view(), name="update"),
    path("<int:pk>/deactivate/", views.account_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.account_reactivate, name="reactivate"),
]
