from django.views.generic import DetailView, ListView

from crm.views_base import TenantQuerysetMixin

from .models import Contact


class ContactListView(TenantQuerysetMixin, ListView):
    model = Contact
    paginate_by = 25


class ContactDetailView(TenantQuerysetMixin, DetailView):
    model = Contact
