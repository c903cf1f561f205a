"""Tenancy, membership and the access policy shared by every entity app.

Every tenant-owned model inherits `TenantModel` and gets a `TenantQuerySet`; views start every read from
`Model.objects.visible_to(user)` and check writes with `Model.objects.editable_by(user)`.
The role rules of DESIGN.md live here and nowhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Sales manager")
    ADMIN = "admin", _("Admin")


class Source(models.TextChoices):
    """Where a lead came from; carried onto the deal it becomes."""

    WEB = "web", _("Web form")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISEMENT = "advertisement", _("Advertisement")
    PARTNER = "partner", _("Partner")
    SOCIAL = "social", _("Social media")
    EMAIL = "email", _("Email campaign")
    IMPORT = "import", _("Import")
    OTHER = "other", _("Other")


def choice_constraint(field: str, choices: type[models.TextChoices], name: str, *, blank=False):
    """A CheckConstraint that keeps `field` to the values of `choices` (so `.update()` cannot write junk)."""
    values = list(choices.values) + ([""] if blank else [])
    return models.CheckConstraint(condition=Q(**{f"{field}__in": values}), name=name)


def percent_constraint(field: str, name: str):
    return models.CheckConstraint(condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}), name=name)


class Company(models.Model):
    """The tenant: the business that uses the CRM. Every record belongs to exactly one."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, help_text=_("Used in the public lead form URL."))
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default=settings.DEFAULT_CURRENCY,
        help_text=_("ISO 4217 code, e.g. USD, EUR, INR."),
    )
    default_campaign = models.CharField(
        _("default campaign"),
        max_length=120,
        default="website",
        help_text=_("Campaign given to web-form leads whose URL carries no utm_campaign."),
    )
    spam_threshold = models.PositiveSmallIntegerField(
        _("spam threshold"), default=70, help_text=_("Leads with a spam score at or above this are flagged as spam.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name", "pk"]
        constraints = [percent_constraint("spam_threshold", "company_spam_threshold_0_100")]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's place in one Company, with one role."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("user")
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.REP)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["company_id", "user_id", "pk"]
        constraints = [choice_constraint("role", Role, "membership_role_valid")]

    def __str__(self):
        return f"{self.get_role_display()} #{self.user_id}"

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)


def membership_of(user) -> Membership | None:
    """The user's membership, or None for anonymous users and users without a Company."""
    if user is None or not user.is_authenticated:
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def company_of(user) -> Company | None:
    membership = membership_of(user)
    return membership.company if membership else None


def is_manager(user) -> bool:
    """Managers and admins see and edit everything in their Company."""
    membership = membership_of(user)
    return bool(membership and membership.is_manager)


def company_users(company):
    """The active users of a Company (owner choices, assignment targets)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(membership__company=company, is_active=True)
        .order_by("first_name", "last_name", "username", "pk")
    )


class TenantQuerySet(models.QuerySet):
    """Reads always start here: `for_company` for system code, `visible_to` / `editable_by` for users.

    The role rules (DESIGN.md):
    - rep: records they own; plus unowned records where the model says reps see them (the lead queue);
      all records of models that reps see in full (accounts, contacts). Reps edit what they own
      (and the unowned queue where the model allows it).
    - manager, admin: everything in their Company.
    - anyone without a membership: nothing.
    """

    def for_company(self, company):
        if company is None:
            return self.none()
        return self.filter(company=company)

    def _scoped(self, user, *, for_edit: bool):
        membership = membership_of(user)
        if membership is None:
            return self.none()
        qs = self.for_company(membership.company)
        if membership.is_manager:
            return qs
        policy = self.model.access
        if not for_edit and policy.rep_sees_all:
            return qs
        owner = policy.owner_field
        condition = Q(**{owner: user})
        if policy.rep_sees_unowned if not for_edit else policy.rep_edits_unowned:
            condition |= Q(**{f"{owner}__isnull": True})
        return qs.filter(condition)

    def visible_to(self, user):
        return self._scoped(user, for_edit=False)

    def editable_by(self, user):
        return self._scoped(user, for_edit=True)


class AccessPolicy:
    """How a tenant model is seen by reps. Declared once per model as `access = AccessPolicy(...)`."""

    def __init__(self, *, owner_field: str, rep_sees_all=False, rep_sees_unowned=False, rep_edits_unowned=False):
        self.owner_field = owner_field
        self.rep_sees_all = rep_sees_all
        self.rep_sees_unowned = rep_sees_unowned
        self.rep_edits_unowned = rep_edits_unowned

    def owner_id(self, obj):
        return getattr(obj, f"{self.owner_field}_id")

    def can_edit(self, user, obj) -> bool:
        """The same rule as `editable_by`, for an object already loaded (no query)."""
        membership = membership_of(user)
        if membership is None or membership.company_id != obj.company_id:
            return False
        if membership.is_manager:
            return True
        owner_id = self.owner_id(obj)
        return owner_id == user.pk or (owner_id is None and self.rep_edits_unowned)


class TenantModel(models.Model):
    """Abstract base for every record that belongs to a Company."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"), editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def can_edit(self, user) -> bool:
        return self.access.can_edit(user, self)

    def validate_same_company(self, **related):
        """Raise a field error for every related record that belongs to another Company."""
        errors = {}
        for field, obj in related.items():
            if obj is not None and obj.company_id != self.company_id:
                errors[field] = _("Choose a record of your own company.")
        if errors:
            raise ValidationError(errors)

    def validate_owner(self, field: str):
        """The owner (a user) must be a member of the record's Company."""
        user = getattr(self, field)
        if user is not None and self.company_id:
            membership = membership_of(user)
            if membership is None or membership.company_id != self.company_id:
                raise ValidationError({field: _("The owner must be a user of your company.")})
