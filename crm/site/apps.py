from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmSiteConfig(AppConfig):
    """An app only so that `seed_demo` is found among the management commands; it has no models."""

    name = "crm.site"
    label = "crm_site"
    verbose_name = _("CRM site")
