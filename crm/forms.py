"""The base form of every entity form: Company-scoped choices and the crispy helper."""

from crispy_forms.helper import FormHelper
from django import forms

from .models import TenantModel, company_of, company_users


class TenantModelForm(forms.ModelForm):
    """A ModelForm bound to the signed-in user.

    - A new instance gets the user's Company and `created_by` before validation, so the model's `clean()`
      can check that related records belong to the same Company.
    - Every foreign key to a tenant model offers only what the user can see in their Company; every user
      foreign key offers only the Company's active users. A posted id outside that is a field error.
    """

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.company = company_of(user)
        if self.instance._state.adding and not self.instance.company_id:
            self.instance.company = self.company
            self.instance.created_by = user
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if issubclass(model, TenantModel):
                    field.queryset = self.scoped_queryset(model)
                elif model._meta.label == "auth.User" or model._meta.label_lower == "auth.user":
                    field.queryset = company_users(self.company)
                    field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
        self.helper = FormHelper(self)
        self.helper.form_tag = False

    def scoped_queryset(self, model):
        return model.objects.visible_to(self.user)
