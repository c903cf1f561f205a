from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm import admin as crm_admin
from leads import capture

from . import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("leads/", include("leads.urls")),
    path("accounts/", include("accounts.urls")),
    path("contacts/", include("contacts.urls")),
    path("deals/", include("deals.urls")),
    path("activities/", include("activities.urls")),
    path("f/<slug:slug>/", capture.web_to_lead, name="web_to_lead"),
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        crm_admin.admin_view_on_site,
        name="admin_view_on_site",
    ),
    path("admin/", admin.site.urls),
]
