from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM core")

    def ready(self):
        # The engine's own periodic jobs (stale-job sweep, pruning) register themselves on import.
        from crm.jobs import tasks  # noqa: F401
