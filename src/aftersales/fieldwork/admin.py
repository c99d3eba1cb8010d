"""Configuration screen of the field work: the pre-visit checklist (SVC-5)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.core.admin import AuditedAdminMixin
from aftersales.fieldwork.models import ChecklistItem
from aftersales.service.models import PlanMode


class ChecklistItemForm(forms.ModelForm):
    """The plans an item applies to, as checkboxes (stored comma-separated)."""

    plan_modes = forms.MultipleChoiceField(
        label=_("applies to plans"),
        choices=PlanMode.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The solution plans this item is checked for."),
    )

    class Meta:
        model = ChecklistItem
        fields = ["text", "plan_modes", "required", "rank", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["plan_modes"] = self.instance.mode_list

    def clean_plan_modes(self) -> str:
        return ",".join(self.cleaned_data["plan_modes"])


@admin.register(ChecklistItem)
class ChecklistItemAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = ChecklistItemForm
    list_display = ["text", "mode_labels", "required", "rank", "is_active"]
    list_filter = ["is_active", "required"]
    search_fields = ["text"]
    ordering = ["rank", "pk"]

    @admin.display(description=_("applies to plans"))
    def mode_labels(self, obj) -> str:
        return obj.mode_labels()
