"""The convert page (`/leads/<pk>/convert/`) and the admin action: both call `leads.conversion.service.lead_convert`.

GET shows the plan and writes nothing: the accounts that match the lead (with the reason each matched), the
contacts on them, the new records that would be created, the deal's fields. One POST converts.
A lead that is not visible is a 404; visible but not the user's to convert (a rep and a lead they do not own)
is a 403; a lead that is no longer open gets a clear message instead of a form.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView

from crm.filters import MAX_TERM_LENGTH
from crm.forms import add_errors
from crm.permissions import can_convert, require

from ..models import Lead, LeadStatus
from .forms import NEW, LeadConvertForm
from .matching import corporate_domain, default_account, propose_accounts, propose_contacts, search_accounts
from .service import Conversion, ConversionError, default_deal_name, lead_convert, new_account_name, not_open_message


def _text_param(value) -> str:
    """A search box's value as the plan uses it: no NUL characters (PostgreSQL refuses them; a multipart POST
    reaches us unfiltered), trimmed and cut to 100 characters (a LIKE pattern SQLite can run)."""
    return (value or "").replace("\x00", "").strip()[:MAX_TERM_LENGTH]


class LeadConvertView(FormView):
    template_name = "leads/convert/lead_convert.html"
    form_class = LeadConvertForm

    def dispatch(self, request, *args, **kwargs):
        self.lead = get_object_or_404(
            Lead.objects.visible_to(request.user).select_related(
                "company", "lead_owner", "converted_to_account", "converted_contact", "converted_deal"
            ),
            pk=kwargs["pk"],
        )
        require(can_convert(request.user, self.lead), _("Only the lead's owner or a manager can convert it."))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        blocked = not_open_message(self.lead)
        if blocked:
            messages.error(request, blocked)
            return redirect(self.lead.get_absolute_url())
        return super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["deal_name"].widget.attrs["placeholder"] = self.get_plan()["deal_name_placeholder"]
        return form

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(lead=self.lead, user=self.request.user)
        return kwargs

    # --- The plan (what GET shows; a POST with errors shows it again) -----------------------------------------

    def get_plan(self):
        if hasattr(self, "_plan"):
            return self._plan
        lead, user = self.lead, self.request.user
        gstin = _text_param(self.request.GET.get("gstin") or self.request.POST.get("gstin"))
        query = _text_param(self.request.GET.get("q"))
        matches = propose_accounts(lead, user=user, gstin=gstin)
        found = search_accounts(lead, user=user, query=query, exclude=[p.account.pk for p in matches])
        proposals = matches + found
        suggested = default_account(matches) or (found[0].account if found else None)
        rows = []
        for proposal in proposals:
            contacts = propose_contacts(lead, proposal.account)
            reused = next((c.contact for c in contacts if c.kind == "email"), None)
            rows.append({"proposal": proposal, "contacts": contacts, "reused_contact": reused})
        website_domain = corporate_domain(lead.email)
        self._plan = {
            "rows": rows,
            "suggested_account": suggested,
            "gstin_query": gstin,
            "search_query": query,
            "new_account": {
                "name": new_account_name(lead),
                "website": f"https://{website_domain}" if website_domain else "",
                "country": lead.country,
            },
            "deal_name_placeholder": default_deal_name(lead, suggested.name if suggested else new_account_name(lead)),
        }
        return self._plan

    def get_initial(self):
        plan = self.get_plan()
        chosen = self.request.GET.get("account", "")
        proposed_ids = {str(row["proposal"].account.pk) for row in plan["rows"]}
        if chosen not in proposed_ids and chosen != NEW:
            chosen = str(plan["suggested_account"].pk) if plan["suggested_account"] else NEW
        return {"account": chosen, "contact": "", "gstin": plan["gstin_query"]}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        chosen = str(form["account"].value() or NEW)
        context.update(self.get_plan())
        context.update(
            lead=self.lead,
            chosen_account=chosen,
            chosen_contact=str(form["contact"].value() or ""),
            create_deal_checked=bool(form["create_deal"].value()),
            new_contact_name=" ".join(p for p in (self.lead.first_name, self.lead.last_name) if p)
            or self.lead.lead_name,
            blocked_reason=not_open_message(self.lead),
            needs_confirmation=form.needs_confirmation,
        )
        return context

    # --- The one write -----------------------------------------------------------------------------------------

    def form_valid(self, form):
        try:
            conversion = lead_convert(lead=self.lead, by=self.request.user, **form.service_kwargs())
        except ConversionError as error:
            if getattr(error, "code", None) == "not_open":
                messages.error(self.request, error.messages[0])
                return redirect(self.lead.get_absolute_url())
            add_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, success_message(conversion))
        return redirect(self.lead.get_absolute_url())


def success_message(conversion: Conversion):
    """The flash message after a conversion: each record it created or linked, with a link to it."""
    parts = [
        (
            _("account"),
            conversion.account.get_absolute_url(),
            conversion.account,
            _("new") if conversion.account_created else _("existing"),
        ),
        (
            _("contact"),
            conversion.contact.get_absolute_url(),
            conversion.contact,
            _("new") if conversion.contact_created else _("existing"),
        ),
    ]
    if conversion.deal is not None:
        parts.append((_("deal"), conversion.deal.get_absolute_url(), conversion.deal, _("new")))
    links = format_html_join(
        ", ", '{} <a href="{}" class="alert-link" data-testid="converted-{}">{}</a> ({})', _with_ids(parts)
    )
    return format_html("{} {}.", _("Lead converted:"), links)


def _with_ids(parts):
    for label, url, obj, state in parts:
        yield label, url, obj._meta.model_name, obj, state


# --- The Django admin ------------------------------------------------------------------------------------------


@admin.action(description=_("Convert the selected qualified leads (account, contact and deal)"), permissions=["change"])
def admin_convert_action(modeladmin, request, queryset):
    """Convert each selected qualified lead through the same service as the convert page.

    Each lead links to its strongest active matching account (GSTIN, domain, name: what the page preselects)
    or gets a new one; a contact with the lead's email is reused; a deal is created with the defaults.
    Leads that are not qualified are skipped (their page asks for confirmation); each lead is its own
    transaction, so one failure does not undo the others. Wire it with `actions = [admin_convert_action]`.
    """
    converted, skipped = [], []
    for lead in queryset.select_related("company").order_by("pk"):
        if lead.status != LeadStatus.QUALIFIED:
            skipped.append(
                format_html(
                    "{}: {}",
                    lead,
                    not_open_message(lead) or _("not qualified; convert it from its page to confirm"),
                )
            )
            continue
        try:
            account = default_account(propose_accounts(lead, user=request.user))
            conversion = lead_convert(lead=lead, by=request.user, account=account)
        except (ValidationError, PermissionDenied) as error:
            detail = "; ".join(getattr(error, "messages", None) or [str(error) or _("permission denied")])
            skipped.append(format_html("{}: {}", lead, detail))
            continue
        converted.append(conversion)
    if converted:
        modeladmin.message_user(
            request,
            format_html(
                "{} {}",
                _("Converted %(count)d lead(s):") % {"count": len(converted)},
                format_html_join(
                    ", ",
                    '<a href="{}">{}</a> → {}',
                    (
                        (
                            reverse("admin:leads_lead_change", args=[c.lead.pk]),
                            c.lead,
                            c.account,
                        )
                        for c in converted
                    ),
                ),
            ),
            messages.SUCCESS,
        )
    if skipped:
        modeladmin.message_user(
            request,
            format_html(
                "{} {}",
                _("Not converted:"),
                format_html_join("; ", "{}", ((item,) for item in skipped)),
            ),
            messages.WARNING,
        )
