"""Who may do what: every "may this user do X to this record" and "who may own it" answer, in one place.

Views, forms (owner choices), services, the importer, the admin and templates ask these functions; services
turn a "no" into `PermissionDenied` (`require`). Each answer is built on the model's declared `AccessPolicy`
(`Model.access`) and the user's membership, so it holds for any tenant model without this module naming one:
a record is anything with `company_id` and an `access` policy, a model anything with `access` and `objects`.

The rules (DESIGN.md, "Access"):
- nobody sees or touches another Company's record, and a user without a membership (a superuser included:
  the admin has its own, wider scope for superusers, see crm/admin.py) touches none;
- a rep sees what they own, the unowned records of models that keep a queue (leads), and every record of
  models reps see in full (accounts, contacts); edits what they own (and the queue where the model allows);
- managers and admins see and edit everything in their Company; they alone assign, merge and erase;
- converting a lead is for its owner or a manager (a queue lead is taken first).

Every function takes an already loaded record and runs no query unless it says so.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .models import Membership, Role, company_users, membership_of


def _membership_in(user, obj) -> Membership | None:
    """The user's membership when it is of the record's Company, else None."""
    membership = membership_of(user)
    if membership is None or membership.company_id != obj.company_id:
        return None
    return membership


def _is_owner(user, obj) -> bool:
    return obj.access.owner_id(obj) == user.pk


def _is_model(obj_or_model) -> bool:
    return isinstance(obj_or_model, type)


def require(allowed: bool, message: str = "") -> None:
    """Raise PermissionDenied (with `message`) unless `allowed`: how services and views refuse."""
    if not allowed:
        raise PermissionDenied(message) if message else PermissionDenied


# --- Reading and editing -----------------------------------------------------------------------------------------


def visible(user, model):
    """The records of `model` the user may see (the start of every read)."""
    return model.objects.visible_to(user)


def editable(user, model):
    """The records of `model` the user may change."""
    return model.objects.editable_by(user)


def in_company_of(user, obj) -> bool:
    """Is the user a member of the record's Company? (The first check of every workflow on a record.)"""
    return _membership_in(user, obj) is not None


def can_view(user, obj) -> bool:
    """May the user open this record? The same rule as `visible_to`, for a loaded record (no query).

    None (no related record) is never viewable: `{% if request.user|can_view:lead.converted_deal %}` is enough.
    """
    if obj is None:
        return False
    membership = _membership_in(user, obj)
    if membership is None:
        return False
    policy = obj.access
    if membership.is_manager or policy.rep_sees_all or _is_owner(user, obj):
        return True
    if policy.through:
        parent = policy.parent(obj)
        return parent is not obj and can_view(user, parent)
    return policy.rep_sees_unowned and policy.owner_id(obj) is None


def can_edit(user, obj) -> bool:
    """May the user change this record? The same rule as `editable_by` (no query): the record's policy, through
    `TenantModel.can_edit`."""
    return obj is not None and obj.can_edit(user)


def can_see_all_owners(user, model) -> bool:
    """Does the user see every owner's records of `model` (the team's forecast, an owner filter, "of yours")?"""
    membership = membership_of(user)
    return membership is not None and (membership.is_manager or model.access.rep_sees_all)


# --- Ownership ---------------------------------------------------------------------------------------------------


def can_assign(user, obj_or_model) -> bool:
    """May the user give this record (or, given a model, records of that kind) to another owner?

    Managers and admins assign; reps only where the model lets them hand records to a colleague (accounts,
    contacts), and then only the records they may edit.
    """
    if _is_model(obj_or_model):
        membership = membership_of(user)
        return membership is not None and (membership.is_manager or obj_or_model.access.rep_assigns_others)
    membership = _membership_in(user, obj_or_model)
    if membership is None:
        return False
    return membership.is_manager or (obj_or_model.access.rep_assigns_others and can_edit(user, obj_or_model))


def can_take(user, obj) -> bool:
    """May the user make themselves the owner of this unowned record ("assign to me", the lead queue)?

    Whether the record is still unowned is the service's check (a message, not a refusal)."""
    membership = _membership_in(user, obj)
    return membership is not None and (membership.is_manager or obj.access.rep_edits_unowned)


def assignable_owners(user, model):
    """The users the user may make the owner of a `model` record (a query): the Company's active users for
    those who assign, else the user alone. The owner choices of every form, the bulk assignment and the importer."""
    membership = membership_of(user)
    if membership is None:
        return company_users(None).none()
    users = company_users(membership.company)
    return users if can_assign(user, model) else users.filter(pk=user.pk)


def may_leave_unowned(user, model) -> bool:
    """May the user leave a `model` record without an owner (the queue, "Nobody")?"""
    membership = membership_of(user)
    return membership is not None and (membership.is_manager or model.access.rep_leaves_unowned)


def can_own(user, owner_id: int | None, model) -> bool:
    """May the user make `owner_id` (a user id of their Company, or None) the owner of a `model` record?
    No query: the importer asks it for every row."""
    if owner_id is None:
        return may_leave_unowned(user, model)
    return owner_id == user.pk or can_assign(user, model)


# --- Workflows ---------------------------------------------------------------------------------------------------


def can_convert(user, lead) -> bool:
    """Reps convert the leads they own (a queue lead must be taken first); managers any lead of the Company."""
    membership = _membership_in(user, lead)
    return membership is not None and (membership.is_manager or _is_owner(user, lead))


def can_merge(user, obj, other=None) -> bool:
    """Managers and admins merge two records of their Company."""
    membership = _membership_in(user, obj)
    if membership is None or not membership.is_manager:
        return False
    return other is None or other.company_id == obj.company_id


def can_erase(user, obj) -> bool:
    """Managers and admins of the record's Company erase personal data; reps do not (it cannot be undone)."""
    membership = _membership_in(user, obj)
    return membership is not None and membership.is_manager


def can_make_primary(user, contact) -> bool:
    """Who may change an account's primary contact: whoever may edit the contact or its account."""
    return can_edit(user, contact) or can_edit(user, contact.account)


# --- The Django admin --------------------------------------------------------------------------------------------


def is_company_admin(user) -> bool:
    """A staff user whose role in their Company is admin: may use the Django admin for that Company."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    membership = membership_of(user)
    return bool(membership and membership.role == Role.ADMIN)
