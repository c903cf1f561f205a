"""Tenancy, membership and the access policy shared by every entity app.

Every tenant-owned model inherits `TenantModel` and gets a `TenantQuerySet`; views start every read from
`Model.objects.visible_to(user)` and check writes with `Model.objects.editable_by(user)`.
The role rules of DESIGN.md live here and nowhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .history import record_bulk_history


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


def parse_id(value) -> int | None:
    """A record id from a URL or form parameter: ASCII digits within the 64-bit range, else None.

    `str.isdigit()` also accepts "²" and Arabic digits, and an id past 2**63 makes SQLite raise instead of finding
    nothing."""
    value = str(value or "").strip()
    if value.isascii() and value.isdigit() and int(value) < 2**63:
        return int(value)
    return None


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
        return qs.filter(self.model.access.rep_condition(self.model, user, for_edit=for_edit))

    def visible_to(self, user):
        return self._scoped(user, for_edit=False)

    def editable_by(self, user):
        return self._scoped(user, for_edit=True)


class AccessPolicy:
    """How a tenant model is seen by reps. Declared once per model as `access = AccessPolicy(...)`.

    - `rep_sees_all`: reps see every record (else the ones they own);
    - `rep_sees_unowned` / `rep_edits_unowned`: reps see / edit the unowned records too (a queue);
    - `rep_assigns_others`: reps may make a colleague the owner (else only themselves);
    - `rep_leaves_unowned`: reps may leave a record without an owner;
    - `through`: the record is seen and edited as the record it belongs to (an activity as its lead, account,
      contact or deal): the names of its foreign keys to those records, exactly one of which is set. Its own
      owner (who has the task in hand) sees and edits it too.
    Managers and admins see, edit and assign everything in their Company. `crm.permissions` answers every
    question from these.
    """

    def __init__(
        self,
        *,
        owner_field: str,
        rep_sees_all=False,
        rep_sees_unowned=False,
        rep_edits_unowned=False,
        rep_assigns_others=False,
        rep_leaves_unowned=False,
        through: tuple[str, ...] = (),
    ):
        self.owner_field = owner_field
        self.through = through
        self.rep_sees_all = rep_sees_all
        self.rep_sees_unowned = rep_sees_unowned
        self.rep_edits_unowned = rep_edits_unowned
        self.rep_assigns_others = rep_assigns_others
        self.rep_leaves_unowned = rep_leaves_unowned

    def owner_id(self, obj):
        return getattr(obj, f"{self.owner_field}_id")

    def rep_condition(self, model, user, *, for_edit: bool, prefix: str = "") -> Q:
        """The filter a rep's `visible_to` (or `editable_by`) adds to the Company's records of `model`."""
        if self.through:
            condition = Q(**{f"{prefix}{self.owner_field}": user})
            for name in self.through:
                parent = model._meta.get_field(name).related_model
                condition |= Q(**{f"{prefix}{name}__isnull": False}) & parent.access.rep_condition(
                    parent, user, for_edit=for_edit, prefix=f"{prefix}{name}__"
                )
            return condition
        if not for_edit and self.rep_sees_all:
            return Q()
        owner = f"{prefix}{self.owner_field}"
        condition = Q(**{owner: user})
        if self.rep_sees_unowned if not for_edit else self.rep_edits_unowned:
            condition |= Q(**{f"{owner}__isnull": True})
        return condition

    def parent(self, obj):
        """The record whose rules apply to `obj` (itself, or for a `through` policy the record it belongs to,
        which the caller has loaded with `select_related` to keep this free of queries)."""
        for name in self.through:
            if getattr(obj, f"{name}_id") is not None:
                return getattr(obj, name)
        return obj

    def can_edit(self, user, obj) -> bool:
        """The same rule as `editable_by`, for an object already loaded (no query)."""
        membership = membership_of(user)
        if membership is None or membership.company_id != obj.company_id:
            return False
        if membership.is_manager:
            return True
        owner_id = self.owner_id(obj)
        if self.through:
            parent = self.parent(obj)
            return owner_id == user.pk or (parent is not obj and parent.can_edit(user))
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


class ConcurrentEditError(Exception):
    """Someone saved the record after the user loaded it: saving would overwrite their change.

    Raised by `TrackedModel.save()` when the instance carries an `expected_version` that is no longer the
    stored one. Nothing was written.
    """

    def __init__(self, record, expected_version: int):
        super().__init__(f"{record._meta.label} #{record.pk} is no longer at version {expected_version}.")
        self.record = record
        self.expected_version = expected_version


# Rows per statement when a bulk write re-reads what it changed (well under SQLite's parameter limit).
BULK_CHUNK = 500


def _chunks(items: list, size: int = BULK_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class TrackedQuerySet(TenantQuerySet):
    """The queryset of a `TrackedModel`: bulk writes bump `version` and record history like save() does.

    - `update()` locks the rows it matches, updates them with `version = version + 1` and records a historical
      row for each (so a take, a bulk assignment or an import undo shows in the timeline and in edit conflicts);
    - `bulk_create()` records a "created" row for each new record;
    - `bulk_update()` runs its UPDATEs through `update()`, so it bumps versions and records history the same way.
    Who and why come from `crm.history.acting_as` or the request (see crm/history.py).
    """

    def update(self, **kwargs):
        if not kwargs:
            return 0
        bump = "version" not in kwargs
        if bump:
            kwargs["version"] = F("version") + 1
        matched = self.model._base_manager.filter(pk__in=self.values("pk")) if self.query.distinct else self
        with transaction.atomic(using=self.db):
            # Lock the rows first (PostgreSQL re-checks the filter after waiting for a concurrent writer, so a
            # conditional update such as "take it while it is unassigned" stays race-safe), then update them.
            locked = dict(matched.select_for_update(of=("self",)).order_by("pk").values_list("pk", "version"))
            updated = 0
            for chunk in _chunks(list(locked)):
                updated += super(TrackedQuerySet, self.filter(pk__in=chunk)).update(**kwargs)
                rows = self.model._base_manager.filter(pk__in=chunk)
                changed = [row for row in rows if not bump or row.version != locked[row.pk]]
                record_bulk_history(self.model, changed, update=True)
        return updated

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            objs = super().bulk_create(objs, *args, **kwargs)
            if not (kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts")):
                record_bulk_history(self.model, objs, update=False, batch_size=kwargs.get("batch_size"))
        return objs

    bulk_create.alters_data = True


class TrackedModel(TenantModel):
    """A tenant record with field history (`history = TrackedHistory(...)` on the concrete model) and a
    `version` for safe concurrent edits.

    `version` starts at 1 and goes up by one on every save and every bulk write. An edit form carries the
    version it showed; the view puts it on the instance as `expected_version` and `save()` then writes with
    `UPDATE ... WHERE pk = %s AND version = %s`: if someone saved in between, no row matches and
    `ConcurrentEditError` is raised (nothing written). A save without `expected_version` (services, imports,
    the admin) is conditional on the version it loaded and, when that is stale, bumps the stored version instead:
    it never fails and never moves the version backwards.
    """

    version = models.PositiveIntegerField(
        _("version"), default=1, editable=False, help_text=_("Goes up by one on every change.")
    )

    objects = TrackedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        expected = self.__dict__.pop("expected_version", None)
        update_fields = kwargs.get("update_fields")
        if self._state.adding or kwargs.get("force_insert") or (update_fields is not None and not update_fields):
            return super().save(*args, **kwargs)
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "version"}
        loaded = self.version
        base = int(expected) if expected is not None else loaded
        self.__dict__["_version_check"] = (base, expected is not None)
        self.version = base + 1
        try:
            super().save(*args, **kwargs)
        except BaseException:
            self.version = loaded
            raise
        finally:
            self.__dict__.pop("_version_check", None)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        check = self.__dict__.get("_version_check")
        if check is None:
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        base, explicit = check
        if super()._do_update(base_qs.filter(version=base), using, pk_val, values, update_fields, forced_update):
            return True
        if explicit:
            raise ConcurrentEditError(self, base)
        # Loaded before someone else's write: count from the stored version rather than fail.
        values = [(fld, model, F("version") + 1 if fld.attname == "version" else value) for fld, model, value in values]
        if not super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update):
            return False
        self.version = base_qs.filter(pk=pk_val).values_list("version", flat=True).get()
        return True


class SubmissionToken(models.Model):
    """A create form's one-time token, stored with the record it created, in the same transaction.

    A second submission of the same form (double click, reload, back button) finds the token taken and is sent
    to the record the first one created, instead of creating another.
    """

    token = models.UUIDField(_("token"))
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+", verbose_name=_("company"))
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.CASCADE, related_name="+", verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("submission token")
        verbose_name_plural = _("submission tokens")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["company", "token"], name="submission_token_unique_per_company"),
        ]

    def __str__(self):
        return str(self.token)

    @property
    def record(self):
        """The record the first submission created, or None when it is gone."""
        model = self.content_type.model_class()
        return model._base_manager.filter(pk=self.object_id, company_id=self.company_id).first() if model else None


class ErasureLog(models.Model):
    """A record whose personal data was erased (GDPR right to erasure): which record, who, when.

    Never the erased data: `fields` names the fields that were anonymised, not their values.
    """

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="+", verbose_name=_("company"))
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("record type")
    )
    object_id = models.PositiveBigIntegerField(_("record id"))
    fields = models.JSONField(_("erased fields"), default=list, blank=True, help_text=_("Names only, never values."))
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    erased_at = models.DateTimeField(_("erased at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("personal data erasure")
        verbose_name_plural = _("personal data erasures")
        ordering = ["-erased_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="erasurelog_record_idx")]

    def __str__(self):
        return f"{self.content_type_id}#{self.object_id} erased"


# The job engine's bookkeeping lives with it in crm/jobs/; imported here so Django registers the models.
from .jobs.models import PeriodicRun, WorkerHeartbeat  # noqa: E402, F401
