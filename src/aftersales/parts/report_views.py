"""PRT-6: the monthly report to finance of warranty parts whose old part has not come back —
viewable for any month, last month by default, and as an Excel download."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import list_what, record_access
from aftersales.core import excel
from aftersales.core.permissions import require_any_perm
from aftersales.parts import services


def _month(value: str) -> tuple[int, int]:
    """YYYY-MM from the query string; last month when missing or not a month."""
    try:
        day = dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return day.year, day.month


@login_required
def unreturned_report(request):
    require_any_perm(request.user, "parts.issue_partline", "parts.sign_partline")
    year, month = _month(request.GET.get("month", ""))
    lines = list(services.unreturned_old_parts(actor=request.user, year=year, month=month))
    total = sum((line.charged for line in lines), Decimal("0.00"))
    now = timezone.now()
    if request.GET.get("format") == "xlsx":
        workbook = excel.new_workbook()
        excel.add_sheet(
            workbook,
            _("Old parts not returned"),
            [
                _("Order no."),
                _("Customer"),
                _("Technician"),
                _("Part no."),
                _("Part"),
                _("Quantity"),
                _("Slip no."),
                _("Issued at"),
                _("Old part due"),
                _("Deposit"),
                _("Payment"),
            ],
            (
                [
                    line.order.number,
                    line.order.customer.name,
                    str(line.order.technician or ""),
                    line.part.code,
                    line.part.name,
                    line.quantity,
                    line.slip.number,
                    timezone.localtime(line.slip.issued_at).strftime("%Y-%m-%d %H:%M"),
                    timezone.localtime(line.old_part_due_at).strftime("%Y-%m-%d")
                    if line.old_part_due_at
                    else "",
                    line.charged,
                    line.get_payment_display(),
                ]
                for line in lines
            ),
        )
        # The list names customers: logged as a list export (CUS-2).
        what = list_what(_("Old parts not returned"), len(lines), request)
        record_access(request, "export", what=what)
        return excel.xlsx_response(workbook, f"old-parts-not-returned-{year}-{month:02d}.xlsx")
    return render(
        request,
        "parts/reports/unreturned.html",
        {
            "lines": lines,
            "total": total,
            "month": f"{year}-{month:02d}",
            "now": now,
        },
    )


@login_required
def consumed_report(request):
    """PRT-5: the parts used on orders on a day (today by default), for purchasing."""
    require_any_perm(request.user, "parts.view_stockmove", "parts.issue_partline")
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    rows = services.consumed_on(actor=request.user, day=day)
    return render(request, "parts/reports/consumed.html", {"rows": rows, "day": day})


urlpatterns = [
    path("reports/consumed/", consumed_report, name="consumed_report"),
    path("reports/old-parts-not-returned/", unreturned_report, name="unreturned_report"),
]
