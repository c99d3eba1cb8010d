from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm


class LanguageForm(StyledForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)


class ApiTokenForm(StyledForm):
    name = forms.CharField(
        label=_("Label"),
        max_length=100,
        required=False,
        help_text=_("What the token is for, e.g. the program that uses it."),
    )
