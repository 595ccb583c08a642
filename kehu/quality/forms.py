"""Forms of the data-quality pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ImportUploadForm(forms.Form):
    """The file to import and how: all or nothing (default), or skipping the rows in error."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("An XLSX workbook or a CSV file (UTF-8 or GB18030) in the template's form."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    skip_errors = forms.BooleanField(
        label=_("Skip the rows in error"),
        required=False,
        help_text=_(
            "Import every valid row and report the others. Without it, one bad row stops the "
            "whole import (nothing is written)."
        ),
    )
