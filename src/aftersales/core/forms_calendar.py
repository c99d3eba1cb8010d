"""Forms of the business calendar page (CAL-1)."""

from decimal import Decimal

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftersales.core import calendar as cal
from aftersales.core.forms import StyledForm
from aftersales.core.models import CalendarDay

WEEKDAY_CHOICES = [(number, WEEKDAYS[number]) for number in range(7)]
UNIT_CHOICES = [
    (cal.UNIT_HOURS, _("hours (wall clock)")),
    (cal.UNIT_WORKING_HOURS, pgettext_lazy("deadline unit", "working hours")),
    (cal.UNIT_WORKING_DAYS, _("working days")),
    (cal.UNIT_DAYS, pgettext_lazy("deadline unit", "calendar days")),
]
MAX_AMOUNT = Decimal(10000)


class CalendarDayForm(StyledForm):
    """Add or change the administrator's entry for one date."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=CalendarDay.Kind.choices)
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        required=False,
        help_text=_("For example 元旦 or a company holiday."),
    )


class NewCalendarForm(StyledForm):
    """A calendar of its own for units that keep other days (a copy of the one on screen)."""

    code = forms.CharField(label=_("Code"), max_length=30, help_text=_("For example HZ."))
    name = forms.CharField(label=_("Name"), max_length=100)


class WorkingHoursForm(StyledForm):
    weekday = forms.TypedChoiceField(label=_("Weekday"), choices=WEEKDAY_CHOICES, coerce=int)
    opens_at = forms.TimeField(
        label=_("Opens at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    closes_at = forms.TimeField(
        label=_("Closes at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )


class DeadlineForm(StyledForm):
    """The deadline calculator: start + amount + unit → deadline (reads only)."""

    start = forms.DateTimeField(
        label=_("Clock starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    amount = forms.DecimalField(
        label=_("Limit"),
        min_value=Decimal("0.01"),
        max_value=MAX_AMOUNT,
        max_digits=9,
        decimal_places=2,
    )
    unit = forms.ChoiceField(label=pgettext_lazy("deadline unit", "Unit"), choices=UNIT_CHOICES)

    def clean(self):
        data = super().clean()
        amount, unit = data.get("amount"), data.get("unit")
        if amount is not None and unit in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
            if amount != amount.to_integral_value():
                self.add_error("amount", _("Days are counted in whole days."))
        return data

    def deadline(self, calendar_data: cal.BusinessCalendarData):
        """The computed deadline of a valid form."""
        data = self.cleaned_data
        amount = data["amount"]
        if data["unit"] in (cal.UNIT_WORKING_DAYS, cal.UNIT_DAYS):
            amount = int(amount)
        return cal.deadline(data["start"], amount, data["unit"], calendar_data)
