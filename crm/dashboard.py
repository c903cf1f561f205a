"""The dashboard's figures. `crm` imports no entity app at module level: the dashboard asks the apps
for their querysets through the app registry, so the dependency still points from the apps to `crm`."""

from django.apps import apps


def _visible(model_label, user):
    return apps.get_model(model_label).objects.visible_to(user)


def dashboard_context(user) -> dict:
    leads = _visible("leads.Lead", user)
    deals = _visible("deals.Deal", user)
    return {
        "counts": {
            "my_open_leads": leads.open().filter(lead_owner=user).count(),
            "queue": leads.queue().count(),
            "accounts": _visible("accounts.Account", user).active().count(),
            "contacts": _visible("contacts.Contact", user).count(),
            "open_deals": deals.open().count(),
        }
    }
