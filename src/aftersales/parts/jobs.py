"""Scheduled reports of the warehouse, sent by the sweep exactly once per period:

- PRT-5: the parts consumed today, to purchasing, once the day's report time has passed
  (``AFTERSALES_CONSUMED_REPORT_AT``, 17:30 by default);
- PRT-6: last month's warranty parts whose old part has not come back, to finance, on the
  first sweep of the month (the rule asks for it before the 5th).

Each report is a notification (in-app, e-mail where set) with the summary and a link to the
report page, where the reader sees the rows within their reach and can download Excel.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from aftersales.accounts.models import User
from aftersales.core.periodic import claim, finish, periodic
from aftersales.notifications.models import Topic
from aftersales.notifications.services import notify
from aftersales.parts import services

CONSUMED_JOB = "parts.consumed_report"
UNRETURNED_JOB = "parts.unreturned_report"


def consumed_report_time() -> dt.time:
    value = str(getattr(settings, "AFTERSALES_CONSUMED_REPORT_AT", "17:30"))
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        return dt.time(17, 30)


def _text(template: str, **params):
    """Translated when each recipient's copy is written, i.e. in their language."""
    return lambda: gettext(template) % params


def _people(perm: str):
    return User.objects.filter(is_active=True).with_permission(perm)


@periodic(CONSUMED_JOB)
def send_consumed_report(now: dt.datetime) -> int:
    """PRT-5: today's consumed parts to purchasing, once, after the report time. Returns
    how many people it went to (0 when not due or already sent)."""
    local = timezone.localtime(now)
    if local.time() < consumed_report_time():
        return 0
    day = local.date()
    # The claim and the report in one transaction: a run that dies half-way gives the day
    # back to the next sweep instead of leaving it claimed and never sent.
    with transaction.atomic():
        run = claim(CONSUMED_JOB, day.isoformat(), now)
        if run is None:
            return 0
        rows = services.consumed_rows(day)
        pieces = sum(row["quantity"] for row in rows)
        lines = [
            f"{row['part__code']} {row['part__name']} × {row['quantity']} "
            f"({', '.join(row['orders'])})"
            for row in rows
        ]
        title = _text(
            gettext_noop("Parts consumed on %(day)s: %(parts)s parts, %(pieces)s pieces"),
            day=day.isoformat(),
            parts=len(rows),
            pieces=pieces,
        )
        sent = notify(
            _people("parts.answer_purchaseinquiry"),
            topic=Topic.REPORT_SENT,
            title=title,
            body="\n".join(lines) or _text(gettext_noop("No parts were used on orders today.")),
            url=reverse("parts:consumed_report") + f"?day={day.isoformat()}",
        )
        finish(run, f"{len(rows)} parts, {pieces} pieces, to {len(sent)} people")
    return len(sent)


@periodic(UNRETURNED_JOB)
def send_unreturned_report(now: dt.datetime) -> int:
    """PRT-6: last month's unreturned old parts to finance (and the keepers, who report
    it), once a month, on the first sweep of the month."""
    first = timezone.localtime(now).date().replace(day=1)
    last_month = first - dt.timedelta(days=1)
    period = f"{last_month.year}-{last_month.month:02d}"
    with transaction.atomic():  # claim and report together, as above
        run = claim(UNRETURNED_JOB, period, now)
        if run is None:
            return 0
        lines = list(services.unreturned_in_month(last_month.year, last_month.month))
        value = sum((line.amount for line in lines), Decimal("0.00"))
        title = _text(
            gettext_noop("Old parts not returned, %(month)s: %(count)s lines, %(value)s CNY"),
            month=period,
            count=len(lines),
            value=value,
        )
        body = "\n".join(
            f"{line.order.number} · {line.part.code} {line.part.name} × {line.quantity} · "
            f"{line.order.technician or '—'} · {line.slip.number if line.slip_id else ''}"
            for line in lines
        )
        recipients = list(_people("parts.sign_partline")) + list(_people("parts.issue_partline"))
        sent = notify(
            recipients,
            topic=Topic.REPORT_SENT,
            title=title,
            body=body or _text(gettext_noop("Every old part due last month has come back.")),
            url=reverse("parts:unreturned_report") + f"?month={period}",
        )
        finish(run, f"{len(lines)} lines, {value} CNY, to {len(sent)} people")
    return len(sent)
