from django.urls import path

from crm import gdpr_views

from . import export_views, merge_views, views
from .conversion import views as conversion_views
from .importing import views as import_views
from .models import Lead

app_name = "leads"

urlpatterns = [
    path("", views.LeadListView.as_view(), name="list"),
    path("new/", views.LeadCreateView.as_view(), name="create"),
    path("bulk-assign/", views.bulk_assign, name="bulk_assign"),
    path("import/", import_views.LeadImportView.as_view(), name="import"),
    path("import/<int:pk>/", import_views.LeadImportDetailView.as_view(), name="import_detail"),
    path("import/<int:pk>/undo/", import_views.lead_import_undo, name="import_undo"),
    path("import/<int:pk>/errors.csv", import_views.lead_import_errors_csv, name="import_errors"),
    path("export/", export_views.lead_export, name="export"),
    path("<int:pk>/", views.LeadDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.LeadUpdateView.as_view(), name="update"),
    path("<int:pk>/convert/", conversion_views.LeadConvertView.as_view(), name="convert"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/take/", views.take, name="take"),
    path("<int:pk>/status/", views.set_status, name="status"),
    path("<int:pk>/stage/", views.set_stage, name="stage"),
    path("<int:pk>/merge/<int:other_pk>/", merge_views.LeadMergeView.as_view(), name="merge"),
    path("<int:pk>/personal-data/", gdpr_views.personal_data, {"model": Lead}, name="personal_data"),
    path("<int:pk>/erase/", gdpr_views.erase, {"model": Lead}, name="erase"),
]
