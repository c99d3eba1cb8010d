"""FIN-1, RPT-2: the monthly service statistics page (售后服务统计表) and its Excel download."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.audit.services import list_what, record_access
from aftersales.core import excel
from aftersales.core.exceptions import ServiceError
from aftersales.service import statistics


class MonthForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "class": "form-control"}),
    )

    def clean_month(self):
        try:
            return statistics.parse_month(self.cleaned_data["month"])
        except ServiceError as exc:
            raise forms.ValidationError(exc.message_dict["month"]) from exc


def _xlsx(request, table):
    title = _("Service statistics")
    workbook = excel.new_workbook()
    rows = [row.cells() for row in table.rows]
    if table.rows:
        rows.append(table.total.cells())
    excel.add_sheet(
        workbook, f"{title} {table.label}", [label for _key, label in statistics.COLUMNS], rows
    )
    record_access(request, "export", what=list_what(title, len(table.rows), request))
    return excel.xlsx_response(workbook, f"service-statistics-{table.label}.xlsx")


@login_required
def monthly_statistics(request):
    """The month's table (last month by default); ``format=xlsx`` downloads it."""
    statistics.require_view(request.user)
    data = request.GET.copy()
    if not data.get("month"):
        data["month"] = f"{statistics.last_month():%Y-%m}"
    form = MonthForm(data)
    table = None
    if form.is_valid():
        table = statistics.monthly_statistics(form.cleaned_data["month"], actor=request.user)
        if request.GET.get("format") == "xlsx":
            return _xlsx(request, table)
    return render(
        request,
        "service/monthly_statistics.html",
        {
            "form": form,
            "table": table,
            "columns": statistics.COLUMNS,
            "month": data["month"] if table is None else table.label,
        },
    )
