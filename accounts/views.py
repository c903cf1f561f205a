from django.views.generic import DetailView, ListView

from crm.views_base import TenantQuerysetMixin

from .models import Account


class AccountListView(TenantQuerysetMixin, ListView):
    model = Account
    paginate_by = 25


class AccountDetailView(TenantQuerysetMixin, DetailView):
    model = Account
