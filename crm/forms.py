"""The base form of every entity form: Company-scoped choices, the crispy helper, and the hidden fields that
make edits safe (`version`) and creates idempotent (`submission_token`)."""

import uuid

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Row
from django import forms
from django.core.exceptions import ValidationError

from .models import TenantModel, TrackedModel, company_of, company_users
from .permissions import assignable_owners, may_leave_unowned
from .users import user_label

VERSION_FIELD = "version"
MAX_VERSION = 2**31 - 1  # the largest PositiveIntegerField on every database
TOKEN_FIELD = "submission_token"  # noqa: S105 - a form field name, not a secret


class TenantModelForm(forms.ModelForm):
    """A ModelForm bound to the signed-in user.

    - A new instance gets the user's Company and `created_by` before validation, so the model's `clean()`
      can check that related records belong to the same Company.
    - Every foreign key to a tenant model offers only what the user can see in their Company; every user
      foreign key offers only the Company's active users. A posted id outside that is a field error.
    - An edit form of a tracked record carries the record's `version` (hidden); once validated it is put on
      the instance as `expected_version`, so the save fails with `ConcurrentEditError` instead of overwriting
      a change someone made meanwhile (`crm.views_base.TenantUpdateView` turns that into a warning).
    - A create form carries a one-time `submission_token` (hidden, a fresh uuid4 per form shown), which
      `crm.views_base.TenantCreateView` stores with the record so that submitting twice creates it once.
    Both are optional on input: a client that does not send them gets no check.
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
                    field.label_from_instance = user_label
        self._scope_owner_field()
        if self.instance._state.adding:
            self.fields[TOKEN_FIELD] = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)
        elif isinstance(self.instance, TrackedModel):
            self.fields[VERSION_FIELD] = forms.IntegerField(
                widget=forms.HiddenInput,
                required=False,
                min_value=1,
                max_value=MAX_VERSION,
                initial=self.instance.version,
            )
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.render_hidden_fields = True  # the hidden fields above, whatever layout a subclass sets

    def _scope_owner_field(self):
        """The owner field offers the users this user may make the owner (`crm.permissions`); one who may not
        leave the record unowned must pick one."""
        policy = getattr(self._meta.model, "access", None)
        owner = self.fields.get(policy.owner_field) if policy is not None else None
        if not isinstance(owner, forms.ModelChoiceField):
            return
        owner.queryset = assignable_owners(self.user, self._meta.model)
        if not may_leave_unowned(self.user, self._meta.model):
            owner.required = True
            owner.empty_label = None

    def full_clean(self):
        super().full_clean()
        version = getattr(self, "cleaned_data", {}).get(VERSION_FIELD)
        if version is not None and VERSION_FIELD in self.fields:
            self.instance.expected_version = version

    def scoped_queryset(self, model):
        return model.objects.visible_to(self.user)


def add_errors(form, error: ValidationError) -> None:
    """Put a model/service ValidationError on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def error_text(error: ValidationError) -> str:
    """A ValidationError's messages as one sentence (for a flash message)."""
    return " ".join(str(message) for message in error.messages)


def section(title, *fields):
    """A titled card in a form's crispy layout: the sections a rep thinks in."""
    return Div(Fieldset(title, *fields, css_class="mb-0"), css_class="card card-body mb-3")


def row(*fields, css_class: str):
    """A layout row whose fields share one column class (a field name or a crispy object such as PrependedText)."""
    return Row(*(Column(field, css_class=css_class) for field in fields))
