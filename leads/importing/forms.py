"""Forms of the import pages: the upload, and the mapping + options of a pending import."""

from crispy_forms.helper import FormHelper
from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .mapping import check_mapping, field_choices
from .models import LeadImport
from .service import max_upload_bytes


class LeadImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        error_messages={"empty": _("The file is empty."), "required": _("Choose a CSV file to upload.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,text/csv,text/plain"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "UTF-8 CSV (Excel: “CSV UTF-8”), comma or semicolon separated, with a header row; up to %(limit)s. "
            "Larger files: manage.py import_leads."
        ) % {"limit": filesizeformat(max_upload_bytes())}
        self.helper = FormHelper(self)
        self.helper.form_tag = False


class LeadImportOptionsForm(forms.ModelForm):
    """The duplicate mode, the default campaign and one select per column of the file (`column_0`, ...)."""

    class Meta:
        model = LeadImport
        fields = ["mode", "default_campaign"]
        widgets = {"mode": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = field_choices()
        mapping = list(self.instance.mapping) + [""] * (len(self.instance.header) - len(self.instance.mapping))
        for index, column in enumerate(self.instance.header):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=column or _("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=mapping[index],
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
        self.helper = FormHelper(self)
        self.helper.form_tag = False

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.instance.header))]

    def mapping(self) -> list[str]:
        return [self.cleaned_data.get(f"column_{index}", "") for index in range(len(self.instance.header))]

    def clean(self):
        cleaned = super().clean()
        for problem in check_mapping(
            self.mapping(), self.instance.header, default_campaign=cleaned.get("default_campaign", "")
        ):
            self.add_error(None, problem)
        return cleaned

    def save(self, commit=True):
        self.instance.mapping = self.mapping()
        return super().save(commit=commit)
