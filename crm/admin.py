"""The Django admin, scoped to the Company.

Who may use it (DESIGN.md, "Access"):
- a superuser sees every Company;
- a company admin (a staff user whose membership role is `admin`) sees only their own Company: its records,
  its users and its memberships. They need no Django model permissions: the role grants them.
- any other staff user needs Django's model permissions as usual, and still sees only their own Company.

`TenantAdminMixin` is the base of every tenant model's admin. It scopes the changelist, the change form
(another Company's record "doesn't exist"), the foreign-key choices, the list filters and the autocomplete
results (Django's autocomplete view asks the *related* model's admin, which is scoped the same way).

On add, `company` and `created_by` come from the signed-in user's membership. A superuser, who belongs to no
Company or acts for any, picks the Company in an extra form field shown on the add form only.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _

from .filters import MAX_SEARCH_TERMS, MAX_TERM_LENGTH
from .models import Company, ErasureLog, Membership, Role, TenantModel, company_of, membership_of
from .permissions import can_edit, is_company_admin

User = get_user_model()

AUDIT_FIELDS = ("created_by", "created_at", "updated_at")


def company_members(company):
    """Every user who belongs to `company` (active or not, so a past owner stays a valid value)."""
    return User.objects.filter(membership__company=company).order_by("first_name", "last_name", "username", "pk")


ADMIN_SEARCH_LENGTH = MAX_SEARCH_TERMS * (MAX_TERM_LENGTH + 1)


class CompanyRoleAdminMixin:
    """Model permissions from the Company role, plus a per-object check that the object is in scope.

    Subclasses say what "in scope" means with `object_in_scope(request, obj)` (never called for superusers).
    """

    company_admin_may_add = True
    company_admin_may_delete = True

    def object_in_scope(self, request, obj) -> bool:
        raise NotImplementedError

    def _in_scope(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or self.object_in_scope(request, obj)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or is_company_admin(request.user)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj) or is_company_admin(request.user)
        return allowed and self._in_scope(request, obj)

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return super().has_add_permission(request)
        if is_company_admin(request.user):
            return self.company_admin_may_add
        return super().has_add_permission(request) and company_of(request.user) is not None

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj) or is_company_admin(request.user)
        return allowed and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        if is_company_admin(request.user):
            allowed = self.company_admin_may_delete
        else:
            allowed = super().has_delete_permission(request, obj)
        return allowed and self._in_scope(request, obj)

    def get_search_results(self, request, queryset, search_term):
        # The changelist's search and the autocomplete's term, cut like a list's `?q=` (a pasted essay must not
        # become a LIKE pattern too complex for SQLite).
        return super().get_search_results(request, queryset, (search_term or "")[:ADMIN_SEARCH_LENGTH])


class SafeAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that re-renders a bound form whose value is no id ("x", "null") without an error:
    Django's widget looks the submitted value up in the database, and a non-integer id raises ValueError.
    The field itself answers "Select a valid choice"."""

    def optgroups(self, name, value, attr=None):
        try:
            return super().optgroups(name, value, attr)
        except (ValueError, TypeError, OverflowError, ValidationError):  # OverflowError: an id past 64 bits
            return super().optgroups(name, [], attr)


class TenantAdminForm(forms.ModelForm):
    """The admin form of a tenant model.

    A new instance gets its Company before validation (from the user's membership, or from the `company`
    field a superuser fills in), so the model's `clean()` checks owners and related records against it.
    Whatever the queryset offered, a related record or user of another Company is refused.
    """

    tenant_company = None  # set per request by TenantAdminMixin.get_form

    def clean(self):
        cleaned_data = super().clean()
        company = cleaned_data.get("company") if "company" in self.fields else self.tenant_company
        if self.instance._state.adding and company is not None:
            self.instance.company = company
        company_id = self.instance.company_id
        if company_id:
            for name in list(cleaned_data):
                value = cleaned_data[name]
                if isinstance(value, TenantModel) and value.company_id != company_id:
                    self.add_error(name, _("Choose a record of the same company."))
                elif isinstance(value, AbstractBaseUser):
                    membership = membership_of(value)
                    if membership is None or membership.company_id != company_id:
                        self.add_error(name, _("Choose a user of the same company."))
        return cleaned_data


class TenantAdminMixin(CompanyRoleAdminMixin):
    """Scope a tenant model's ModelAdmin to the user's Company (see the module docstring).

    Subclasses declare their own `fieldsets` without the audit fields: a "Record" section with
    company, created_by, created_at and updated_at (read-only) is added to change forms.
    """

    form = TenantAdminForm

    # Scope: changelist, change form, autocomplete

    def scope_queryset(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        return queryset.visible_to(request.user)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return self.scope_queryset(request, queryset), may_have_duplicates

    def object_in_scope(self, request, obj) -> bool:
        company = company_of(request.user)
        return company is not None and obj.company_id == company.pk

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if allowed and obj is not None and not request.user.is_superuser:
            allowed = can_edit(request.user, obj)
        return allowed

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if allowed and obj is not None and not request.user.is_superuser:
            allowed = can_edit(request.user, obj)
        return allowed

    # Lists: the Company column and filter are for superusers only

    def get_list_display(self, request):
        list_display = list(super().get_list_display(request))
        if request.user.is_superuser and "company" not in list_display:
            list_display.insert(1, "company")
        return list_display

    def get_list_filter(self, request):
        list_filter = list(super().get_list_filter(request))
        if request.user.is_superuser:
            list_filter.append("company")
        return list_filter

    # Forms

    def superuser_picks_company(self, request, obj) -> bool:
        return obj is None and request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        if self.superuser_picks_company(request, obj):
            fieldsets.insert(0, (_("Company"), {"fields": ["company"]}))
        elif obj is not None:
            fieldsets.append((_("Record"), {"fields": ["company", *AUDIT_FIELDS], "classes": ["collapse"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        extra = ["company", *AUDIT_FIELDS] if obj is not None else []
        return readonly + [name for name in extra if name not in readonly]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The Company that FK choices are narrowed to (a superuser adding a record picks it: all until then).
        if obj is not None:
            request.tenant_admin_company = obj.company
        else:
            request.tenant_admin_company = None if request.user.is_superuser else company_of(request.user)
        attrs = {"tenant_company": company_of(request.user)}
        picks_company = self.superuser_picks_company(request, obj)
        if picks_company:
            attrs["company"] = forms.ModelChoiceField(
                queryset=Company.objects.filter(is_active=True), label=_("Company")
            )
        base = kwargs.pop("form", self.form)
        if not issubclass(base, TenantAdminForm):
            base = type(base.__name__, (TenantAdminForm, base), {})
        kwargs["form"] = type(base.__name__, (base,), attrs)
        # `company` is not editable on the model: on the add form it is the declared form field above.
        fields = kwargs["fields"] if "fields" in kwargs else flatten_fieldsets(self.get_fieldsets(request, obj))
        if fields is not None:
            kwargs["fields"] = [name for name in fields if name != "company"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        company = company_of(request.user)
        if request.user.is_superuser and company is not None:
            initial.setdefault("company", company.pk)
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            queryset = self.foreignkey_queryset(db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and type(formfield.widget) is AutocompleteSelect:
            formfield.widget.__class__ = SafeAutocompleteSelect
        return formfield

    def foreignkey_queryset(self, db_field, request):
        """Tenant records: what the user sees; users: the Company's members. None: Django's default."""
        related = db_field.related_model
        company = getattr(request, "tenant_admin_company", None)
        superuser = request.user.is_superuser
        if issubclass(related, TenantModel):
            if not superuser:
                return related.objects.visible_to(request.user)
            return related.objects.for_company(company) if company is not None else None
        if issubclass(related, AbstractBaseUser):
            if not superuser:
                return company_members(company_of(request.user))
            return company_members(company) if company is not None else None
        return None

    def stamp_new_record(self, request, obj):
        """A new record belongs to the user's Company (or the one a superuser picked) and was created by them."""
        if not obj.company_id:
            obj.company = company_of(request.user)
        obj.created_by = request.user

    def save_model(self, request, obj, form, change):
        if not change:
            self.stamp_new_record(request, obj)
        super().save_model(request, obj, form, change)


# Company, membership and users


class CompanyRecordsAdminMixin(CompanyRoleAdminMixin):
    """A read-only admin of records the system writes for a Company (erasure logs, scoring models): a company
    admin sees their own Company's, a superuser every Company's; nobody adds or edits them here."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        company = company_of(request.user)
        return queryset.filter(company=company) if company else queryset.none()

    def object_in_scope(self, request, obj) -> bool:
        company = company_of(request.user)
        return company is not None and obj.company_id == company.pk

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Company)
class CompanyAdmin(CompanyRoleAdminMixin, admin.ModelAdmin):
    """Superusers manage every Company; a company admin edits their own Company's settings."""

    company_admin_may_add = False
    company_admin_may_delete = False
    list_display = ["name", "slug", "currency", "default_campaign", "spam_threshold", "is_active", "created_at"]
    list_filter = ["is_active", "currency"]
    search_fields = ["name", "slug"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "is_active"]}),
        (_("Settings"), {"fields": ["currency", "default_campaign", "spam_threshold"]}),
        (_("Record"), {"fields": ["created_at"]}),
    ]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        company = company_of(request.user)
        return queryset.filter(pk=company.pk) if company else queryset.none()

    def object_in_scope(self, request, obj) -> bool:
        company = company_of(request.user)
        return company is not None and obj.pk == company.pk

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["slug", "is_active"]
        return readonly


@admin.register(Membership)
class MembershipAdmin(CompanyRoleAdminMixin, admin.ModelAdmin):
    """A company admin changes the roles of their Company's users; adding users is done on the user page."""

    company_admin_may_add = False
    company_admin_may_delete = False
    list_display = ["user", "user_full_name", "company", "role"]
    list_filter = ["role", "company"]
    list_select_related = ["user", "company"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "company__name"]
    autocomplete_fields = ["user", "company"]
    fields = ["user", "company", "role"]

    @admin.display(description=_("name"), ordering="user__last_name")
    def user_full_name(self, obj):
        return obj.user.get_full_name()

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        company = company_of(request.user)
        return queryset.filter(company=company, user__is_superuser=False) if company else queryset.none()

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not request.user.is_superuser:
            queryset = queryset.filter(company=company_of(request.user))
        return queryset, may_have_duplicates

    def object_in_scope(self, request, obj) -> bool:
        company = company_of(request.user)
        return company is not None and obj.company_id == company.pk and not obj.user.is_superuser

    def get_list_filter(self, request):
        return ["role", "company"] if request.user.is_superuser else ["role"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ["user"] if obj is not None else []
        return ["user", "company"]


class MembershipInline(admin.StackedInline):
    model = Membership
    fields = ["company", "role"]
    autocomplete_fields = ["company"]
    can_delete = False
    max_num = 1
    min_num = 0
    extra = 1

    def get_readonly_fields(self, request, obj=None):
        return [] if request.user.is_superuser else ["company"]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or is_company_admin(request.user)

    def has_add_permission(self, request, obj=None):
        # A company admin's new users get their membership on save (see CrmUserAdmin.save_related).
        return super().has_add_permission(request, obj) if request.user.is_superuser else False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or is_company_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


admin.site.unregister(User)


@admin.register(ErasureLog)
class ErasureLogAdmin(CompanyRecordsAdminMixin, admin.ModelAdmin):
    """The log of GDPR erasures: read-only, scoped to the Company, never the erased data."""

    company_admin_may_add = False
    company_admin_may_delete = False
    list_display = ["erased_at", "content_type", "object_id", "erased_by", "company"]
    list_filter = ["content_type", "erased_at"]
    list_select_related = ["content_type", "erased_by", "company"]
    search_fields = ["object_id"]
    readonly_fields = ["company", "content_type", "object_id", "fields", "erased_by", "erased_at"]
    fields = readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class CrmUserAdmin(CompanyRoleAdminMixin, UserAdmin):
    """Users with their membership. A company admin sees and adds users of their own Company only, cannot
    see superusers and cannot grant Django permissions (only `is_staff`, which with the admin role opens
    the admin)."""

    company_admin_may_delete = False  # users own records (PROTECT): deactivate them instead
    inlines = [MembershipInline]
    list_display = ["username", "email", "first_name", "last_name", "company", "role", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "membership__role", "membership__company"]
    list_select_related = ["membership__company"]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description=_("company"), ordering="membership__company__name")
    def company(self, obj):
        membership = membership_of(obj)
        return membership.company if membership else None

    @admin.display(description=_("role"), ordering="membership__role")
    def role(self, obj):
        membership = membership_of(obj)
        return membership.get_role_display() if membership else ""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        company = company_of(request.user)
        if company is None:
            return queryset.none()
        return queryset.filter(membership__company=company, is_superuser=False)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not request.user.is_superuser:
            queryset = queryset.filter(membership__company=company_of(request.user), is_superuser=False)
        return queryset, may_have_duplicates

    def object_in_scope(self, request, obj) -> bool:
        company = company_of(request.user)
        membership = membership_of(obj)
        return (
            company is not None
            and not obj.is_superuser
            and membership is not None
            and membership.company_id == company.pk
        )

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return self.list_filter
        return ["is_active", "is_staff", "membership__role"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"is_superuser", "groups", "user_permissions"}
        return [
            (title, {**options, "fields": [name for name in options["fields"] if name not in hidden]})
            for title, options in fieldsets
        ]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_formset(self, request, form, formset, change):
        memberships = formset.save(commit=False)
        for membership in memberships:
            if not request.user.is_superuser:
                membership.company = company_of(request.user)
            membership.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser and membership_of(form.instance) is None:
            Membership.objects.create(user=form.instance, company=company_of(request.user), role=Role.REP)


def admin_view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" link, scoped: a record the user cannot see is a 404, whether or not it exists.

    Replaces Django's `/admin/r/<ct>/<pk>/` shortcut, which redirects for any existing record of any Company.
    """
    if not request.user.is_active or not request.user.is_staff:
        raise Http404
    # The route takes any text (so nothing falls through to Django's unscoped shortcut): only plain digits pass.
    if not (content_type_id.isascii() and content_type_id.isdigit()):
        raise Http404
    content_type = get_object_or_404(ContentType, pk=int(content_type_id))
    model = content_type.model_class()
    if model is None or not hasattr(model, "get_absolute_url"):
        raise Http404
    if issubclass(model, TenantModel):
        queryset = model.objects.all() if request.user.is_superuser else model.objects.visible_to(request.user)
    elif request.user.is_superuser:
        queryset = model._default_manager.all()
    else:
        raise Http404
    try:
        obj = queryset.get(pk=object_id)
    except (model.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None
    return redirect(obj.get_absolute_url())
