"""`{{ field|as_filter_field }}`: a list filter's field as crispy's Bootstrap 5 pack renders it, written in Python.

A list page renders its whole filter form on every view. Through crispy each field costs a field template, a
widget template and one more template per <option>: about 1 ms a field, 20 ms for the lead list's 22 filters.
Here the common widgets (text-like <input>, single <select>) are written directly, with the same markup as
`{{ field|as_crispy_field }}`: the wrapper `div_<id>`, the label, the widget with crispy's classes
(`textinput form-control`, `select form-select`, `is-invalid`), Django's `aria-invalid` / `aria-describedby` and
the error block (`<id>_error`, `error_<n>_<id>`). Every value, label and message goes through format_html, which
escapes it as a template would. Anything else (checkboxes, multi-widgets such as date ranges, radio lists,
grouped choices, fields with help text, required or hidden fields) goes through crispy as before.

`{{ field|as_bar_field }}` is what the filter bar (`partials/_filter_bar.html`) renders: a from-to range
(django-filter's range widgets, whose sub-widgets carry `suffixes`) as one labelled input group, anything else as
`as_filter_field` writes it.
"""

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.conf import settings
from django.forms.widgets import Input
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

register = template.Library()

_NOT_WRITTEN = (
    forms.CheckboxInput,
    forms.FileInput,
    forms.HiddenInput,
    forms.MultiWidget,
    forms.RadioSelect,
    forms.SelectMultiple,
    forms.CheckboxSelectMultiple,
)


def _writable(field) -> bool:
    widget = field.field.widget
    if isinstance(widget, _NOT_WRITTEN) or not isinstance(widget, Input | forms.Select):
        return False
    plain = not (field.help_text or field.field.required or field.field.disabled or field.is_hidden)
    return plain and bool(field.auto_id)


def _attrs(attrs: dict):
    """As django/forms/widgets/attrs.html: `name` for True, nothing for False, else name="value" (escaped)."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value)),)
            for name, value in attrs.items()
            if value is not False
        ),
    )


def _css_class(widget, extra: str) -> str:
    """crispy's `crispy_field` class: the widget's own class, its class name in lower case, then `extra`."""
    name = widget.__class__.__name__.lower()
    name = getattr(settings, "CRISPY_CLASS_CONVERTERS", {}).get(name, name)
    css = widget.attrs.get("class", "")
    if css:
        if css.find(name) == -1:
            css += f" {name}"
    else:
        css = name
    tokens = css.split()
    for token in extra.split():
        if token not in tokens:
            tokens.append(token)
            css += f" {token}"
    return css


def _select(widget, name: str, value, attrs: dict):
    """A single <select> as django/forms/widgets/select.html renders it; None for grouped choices."""
    chosen = {str(v) for v in widget.format_value(value)}
    options = []
    has_selected = False
    for option_value, option_label in widget.choices:
        if isinstance(option_label, list | tuple):
            return None  # an <optgroup>: Django's template renders those
        option_value = "" if option_value is None else str(option_value)
        selected = not has_selected and option_value in chosen
        has_selected = has_selected or selected
        options.append((option_value, " selected" if selected else "", option_label))
    return format_html(
        '<select name="{}"{}>{}</select>',
        name,
        _attrs(attrs),
        format_html_join("", '<option value="{}"{}>{}</option>', options),
    )


def _input(widget, name: str, value, attrs: dict):
    """An <input> as django/forms/widgets/input.html renders it."""
    context = widget.get_context(name, value, attrs)["widget"]
    shown = "" if context["value"] is None else format_html(' value="{}"', str(context["value"]))
    return format_html('<input type="{}" name="{}"{}{}>', context["type"], name, shown, _attrs(context["attrs"]))


def _widget(field, extra_class: str | None):
    """The field's widget as BoundField.as_widget() renders it, with crispy's classes when `extra_class` is given;
    None when it is a grouped <select>."""
    widget = field.field.widget
    attrs = field.build_widget_attrs({}, widget)
    if extra_class is not None:
        attrs = {"class": _css_class(widget, extra_class), **attrs}
    if "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    value = field.value()
    if type(widget).render is not forms.Widget.render:  # a widget with its own render() keeps it
        return widget.render(name=field.html_name, value=value, attrs=attrs, renderer=field.form.renderer)
    if isinstance(widget, forms.Select):
        return _select(widget, field.html_name, value, widget.build_attrs(widget.attrs, attrs))
    return _input(widget, field.html_name, value, attrs)


@register.filter
def quick_widget(field):
    """`{{ field|quick_widget }}`: what `{{ field }}` renders (the widget alone), a text-like <input> or a single
    <select> written in Python; any other widget through its template."""
    widget = field.field.widget
    if isinstance(widget, _NOT_WRITTEN) or not isinstance(widget, Input | forms.Select) or not field.auto_id:
        return str(field)
    if field.field.localize or field.field.disabled:
        return str(field)
    html = _widget(field, None)
    return str(field) if html is None else html


@register.filter
def as_filter_field(field):
    """The field's wrapper, label, widget and errors (see the module docstring)."""
    if not _writable(field):
        return as_crispy_field(field)
    is_select = isinstance(field.field.widget, forms.Select)
    errors = field.errors
    extra = ("form-select" if is_select else "form-control") + (" is-invalid" if errors else "")
    widget_html = _widget(field, extra)
    if widget_html is None:
        return as_crispy_field(field)
    auto_id = field.auto_id
    css = field.css_classes()
    label = ""
    if field.label:
        label = format_html('<label for="{}" class="form-label">{}</label>', field.id_for_label, field.label)
    error_block = ""
    if errors:
        messages = format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((number, auto_id, error) for number, error in enumerate(errors, start=1)),
        )
        error_block = format_html('<div id="{}_error" class="invalid-feedback">{}</div>', auto_id, messages)
    return format_html(
        '<div id="div_{}" class="mb-3{}">{}{}{}</div>',
        auto_id,
        f" {css}" if css else "",
        label,
        widget_html,
        error_block,
    )


def _range(field):
    """A from-to range as one input group: a label for the pair, an aria-label for each input, the errors below."""
    widget = field.field.widget
    auto_id = field.auto_id
    attrs = {"id": auto_id} if auto_id else {}
    subwidgets = widget.get_context(field.html_name, field.value(), attrs)["widget"]["subwidgets"]
    errors = field.errors
    inputs = []
    for position, sub in enumerate(subwidgets):
        sub_attrs = dict(sub["attrs"])
        input_type = sub_attrs.pop("type", sub["type"])  # the range widget's own `type` (date, number) wins
        sub_attrs["class"] = "form-control is-invalid" if errors else "form-control"
        sub_attrs["aria-label"] = f"{field.label}: {_('from') if position == 0 else _('to')}"
        if errors:
            sub_attrs["aria-invalid"] = "true"
        value = "" if sub["value"] is None else format_html(' value="{}"', str(sub["value"]))
        inputs.append(format_html('<input type="{}" name="{}"{}{}>', input_type, sub["name"], value, _attrs(sub_attrs)))
    error_block = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((error,) for error in errors))
    return format_html(
        '<div id="div_{}" class="mb-3" role="group" aria-labelledby="label_{}">'
        '<div class="form-label" id="label_{}">{}</div>'
        '<div class="input-group">{}<span class="input-group-text">{}</span>{}</div>{}</div>',
        auto_id,
        auto_id,
        auto_id,
        field.label,
        inputs[0],
        _("to"),
        inputs[1],
        error_block,
    )


@register.filter
def as_bar_field(field):
    """A filter as the filter bar shows it: a from-to range as one input group, anything else `as_filter_field`."""
    widget = field.field.widget
    if isinstance(widget, forms.MultiWidget) and getattr(widget, "suffixes", None) and len(widget.widgets) == 2:
        return _range(field)
    return as_filter_field(field)
