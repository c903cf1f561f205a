from django.urls import path

from crm import gdpr_views

from . import export, views
from .models import Contact

app_name = "contacts"

urlpatterns = [
    path("", views.ContactListView.as_view(), name="list"),
    path("export/", export.contact_export, name="export"),
    path("new/", views.ContactCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ContactDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ContactUpdateView.as_view(), name="update"),
    path("<int:pk>/make-primary/", views.contact_make_primary, name="make_primary"),
    path("<int:pk>/personal-data/", gdpr_views.personal_data, {"model": Contact}, name="personal_data"),
    path("<int:pk>/erase/", gdpr_views.erase, {"model": Contact}, name="erase"),
]
