from django.views.generic import DetailView, ListView

from crm.views_base import TenantQuerysetMixin

from .models import Deal


class DealListView(TenantQuerysetMixin, ListView):
    model = Deal
    paginate_by = 25


class DealDetailView(TenantQuerysetMixin, DetailView):
    model = Deal
