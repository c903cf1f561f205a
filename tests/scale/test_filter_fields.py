"""`as_filter_field` writes a list filter's field in Python: the same HTML as crispy's `as_crispy_field`, escaped."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.test import RequestFactory
from django.test.html import parse_html

from accounts.filters import AccountFilter
from contacts.filters import ContactFilter
from crm.templatetags.filter_fields import as_filter_field, quick_widget
from deals.filters import DealFilterSet
from leads.filters import LeadFilterSet
from leads.forms import BulkAssignForm

NASTY = '<b>"x" & y</b>'
DATA = [
    {},
    {"status": "qualified", "campaign": NASTY, "country": "GB", "lead_owner": "none", "is_duplicate": "true"},
    {"status": "bogus", "lead_score_min": "abc", "created_at_after": "not a date", "q": NASTY, "spam": "<only>"},
]


def fields(filterset_class, user, data):
    request = RequestFactory().get("/", data)
    request.user = user
    return list(filterset_class(data=request.GET, queryset=None, request=request).form)


@pytest.mark.django_db
@pytest.mark.parametrize("data", DATA, ids=["empty", "filtered", "invalid"])
@pytest.mark.parametrize("filterset_class", [LeadFilterSet, AccountFilter, ContactFilter, DealFilterSet])
def test_every_filter_renders_as_crispy_renders_it(manager, data, filterset_class):
    written = [str(as_filter_field(field)) for field in fields(filterset_class, manager, data)]
    # crispy adds its classes to the widgets' attrs in place: it renders a form of its own.
    by_crispy = [str(as_crispy_field(field)) for field in fields(filterset_class, manager, data)]

    assert len(written) == len(by_crispy) > 5
    for ours, theirs in zip(written, by_crispy, strict=True):
        assert parse_html(ours) == parse_html(theirs)


@pytest.mark.django_db
def test_values_labels_and_errors_are_escaped(manager):
    data = {"campaign": NASTY, "status": NASTY, "q": NASTY}
    html = "".join(str(as_filter_field(field)) for field in fields(LeadFilterSet, manager, data))

    assert NASTY not in html
    assert 'value="&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;"' in html
    assert "&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt; is not one of the available choices" in html


def test_a_widget_it_does_not_write_goes_through_crispy():
    class Form(forms.Form):
        flag = forms.BooleanField(required=False)
        tags = forms.MultipleChoiceField(choices=[("a", "A")], required=False)
        grouped = forms.ChoiceField(choices=[("Group", [("a", "A")])], required=False)
        helped = forms.CharField(required=False, help_text="Some <em>help</em>")
        needed = forms.CharField()

    for field in Form(data={}):
        assert parse_html(str(as_filter_field(field))) == parse_html(str(as_crispy_field(field)))


@pytest.mark.django_db
def test_the_lead_filters_are_all_written_without_a_template(manager, monkeypatch):
    def refuse(field):
        raise AssertionError(f"{field.name} went through crispy")

    monkeypatch.setattr("crm.templatetags.filter_fields.as_crispy_field", refuse)

    html = "".join(str(as_filter_field(field)) for field in fields(LeadFilterSet, manager, DATA[2]))

    assert html.count('class="mb-3"') == len(LeadFilterSet.base_filters)


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"lead_owner": "<b>"}], ids=["empty", "invalid"])
def test_quick_widget_renders_what_the_bound_field_renders(manager, data):
    form = BulkAssignForm(data=data or None, user=manager, auto_id="id_bulk_%s")

    assert parse_html(str(quick_widget(form["lead_owner"]))) == parse_html(str(form["lead_owner"]))


def test_quick_widget_leaves_other_widgets_to_their_templates():
    class Form(forms.Form):
        flag = forms.BooleanField(required=False)
        grouped = forms.ChoiceField(choices=[("Group", [("a", "A")])], required=False)
        text = forms.CharField(max_length=5, widget=forms.TextInput(attrs={"placeholder": '"quoted"'}))

    for field in Form(data={"text": "<x>"}):
        assert parse_html(str(quick_widget(field))) == parse_html(str(field))
