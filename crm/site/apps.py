from django.apps import AppConfig


class CrmSiteConfig(AppConfig):
    """An app only so that `seed_demo` is found among the management commands; it has no models."""

    name = "crm.site"
    label = "crm_site"
    verbose_name = "CRM site"
