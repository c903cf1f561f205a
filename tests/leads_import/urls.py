"""The project's URLs plus the import and export routes (and the LeadImport admin), until the apps wire them.

The routes are the ones the report asks the apps' owners to add; a route an app already has is left as the
app wires it, so these tests keep passing before and after the wiring. The admin's URLs are built again here,
so that they include the LeadImport admin.
"""

from django.contrib import admin
from django.urls import URLResolver, include, path

import leads.importing.admin  # noqa: F401 - the LeadImport admin, until leads/admin.py imports it
from accounts.export import account_export
from contacts.export import contact_export
from crm import urls as project_urls
from deals.export import deal_export
from leads import export_views, import_views

EXTRA = {
    "leads": [
        path("import/", import_views.LeadImportView.as_view(), name="import"),
        path("import/<int:pk>/", import_views.LeadImportDetailView.as_view(), name="import_detail"),
        path("import/<int:pk>/undo/", import_views.lead_import_undo, name="import_undo"),
        path("import/<int:pk>/errors.csv", import_views.lead_import_errors_csv, name="import_errors"),
        path("export/", export_views.lead_export, name="export"),
    ],
    "accounts": [path("export/", account_export, name="export")],
    "contacts": [path("export/", contact_export, name="export")],
    "deals": [path("export/", deal_export, name="export")],
}


def _with_extra(resolver: URLResolver, extra: list) -> list:
    names = {getattr(pattern, "name", None) for pattern in resolver.url_patterns}
    return [*(pattern for pattern in extra if pattern.name not in names), *resolver.url_patterns]


def _route(pattern):
    if not isinstance(pattern, URLResolver):
        return pattern
    if pattern.app_name in EXTRA:
        return path(str(pattern.pattern), include((_with_extra(pattern, EXTRA[pattern.app_name]), pattern.app_name)))
    if pattern.app_name == "admin":
        return path(str(pattern.pattern), admin.site.urls)  # built now, with every model registered so far
    return pattern


urlpatterns = [_route(pattern) for pattern in project_urls.urlpatterns]
