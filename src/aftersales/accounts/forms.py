from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from aftersales.core.forms import StyledForm


class LanguageForm(StyledForm):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
