"""Configuration screens of the return visits (FUP-1), kept by the administrator role: the
script of questions asked on the phone and the sampling rules (the share of completed
orders of a type that get a return visit; a type without a rule is visited every time).
Visits and follow-up cases themselves are worked on their own pages, never here."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from aftersales.core.admin import AuditedAdminMixin
from aftersales.followup.models import VisitQuestion, VisitSampling
from aftersales.service.models import OrderType


class VisitQuestionForm(forms.ModelForm):
    order_type = forms.ChoiceField(
        label=_("only for order type"),
        choices=[("", _("every order"))] + list(OrderType.choices),
        required=False,
    )

    class Meta:
        model = VisitQuestion
        fields = ["text", "position", "order_type", "is_active"]


@admin.register(VisitQuestion)
class VisitQuestionAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = VisitQuestionForm
    list_display = ["position", "text", "order_type", "is_active"]
    list_display_links = ["text"]
    list_editable = ["position", "is_active"]
    list_filter = ["is_active", "order_type"]
    search_fields = ["text"]
    ordering = ["position", "pk"]

    def has_delete_permission(self, request, obj=None):
        # Stored answers copy the question's text; retire a question instead (inactive).
        return False


class VisitSamplingForm(forms.ModelForm):
    order_type = forms.ChoiceField(label=_("order type"), choices=OrderType.choices)

    class Meta:
        model = VisitSampling
        fields = ["order_type", "percent"]


@admin.register(VisitSampling)
class VisitSamplingAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = VisitSamplingForm
    list_display = ["order_type", "percent"]
    ordering = ["order_type"]
