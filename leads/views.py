from django.views.generic import DetailView, ListView

from crm.views_base import TenantQuerysetMixin

from .models import Lead


class LeadListView(TenantQuerysetMixin, ListView):
    model = Lead
    paginate_by = 25


class LeadDetailView(TenantQuerysetMixin, DetailView):
    model = Lead
