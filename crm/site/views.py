from django.views.generic import TemplateView

from .dashboard import dashboard_context


class DashboardView(TemplateView):
    """`/`: a rep's own numbers, or a manager's view of the team (crm.site.dashboard computes both)."""

    template_name = "crm/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(dashboard_context(self.request.user, self.request.GET))
        return context
