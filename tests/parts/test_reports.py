"""PRT-6: the monthly report to finance of warranty parts whose old part has not come back
(waived lines b and c excluded), on a page and in Excel."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.parts import services
from tests.parts.fixtures import issued, used

pytestmark = pytest.mark.django_db


def test_prt_6_lists_this_months_unreturned_warranty_parts_only(
    working_order, people, catalogue, client_for
):
    parts = catalogue["parts"]
    waiting = used(working_order, people, catalogue, parts["sensor"], quantity=2)  # d
    back = used(working_order, people, catalogue, parts["sensor"])  # d, returned below
    services.receive_old_part(actor=people["keeper"], line=back)
    issued(working_order, people, catalogue, parts["seal"], payment="")  # b: stays
    today = timezone.localdate()
    found = list(
        services.unreturned_old_parts(actor=people["finance"], year=today.year, month=today.month)
    )
    assert found == [waiting]
    page = client_for(people["finance"]).get(
        reverse("parts:unreturned_report"), {"month": f"{today:%Y-%m}"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="unreturned-row"') == 1
    assert "170.00" in html  # 2 × 85.00 deposit
    previous = today.replace(day=1) - dt.timedelta(days=1)
    assert not list(
        services.unreturned_old_parts(
            actor=people["finance"], year=previous.year, month=previous.month
        )
    )


def test_prt_6_excel_download_has_the_rows(working_order, people, catalogue, client_for):
    from openpyxl import load_workbook

    used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    today = timezone.localdate()
    response = client_for(people["keeper"]).get(
        reverse("parts:unreturned_report"), {"month": f"{today:%Y-%m}", "format": "xlsx"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == working_order.number
    assert Decimal(str(rows[1][9])) == Decimal("85.00")


def test_prt_6_a_technician_may_not_see_the_report_and_a_bad_month_is_no_error(
    people, client_for, org
):
    url = reverse("parts:unreturned_report")
    assert client_for(people["technician"]).get(url).status_code == 403
    assert client_for(people["finance"]).get(url, {"month": "2026-13"}).status_code == 200
    assert client_for(people["finance"]).get(url, {"month": "<script>"}).status_code == 200


def test_prt_5_the_days_consumed_parts_are_summed_per_part_for_purchasing(
    working_order, make_order, people, catalogue, client_for
):
    parts = catalogue["parts"]
    other = make_order()
    used(working_order, people, catalogue, parts["seal"], quantity=2, payment="")
    used(other, people, catalogue, parts["seal"], quantity=3, payment="")
    issued(working_order, people, catalogue, parts["sensor"])  # issued, not used: not listed
    rows = services.consumed_on(actor=people["keeper"], day=timezone.localdate())
    assert [(r["part__code"], r["quantity"]) for r in rows] == [("MFQ-01", 5)]
    assert rows[0]["orders"] == sorted([working_order.number, other.number])
    assert (
        services.consumed_on(
            actor=people["keeper"], day=timezone.localdate() - dt.timedelta(days=1)
        )
        == []
    )
    page = client_for(people["keeper"]).get(reverse("parts:consumed_report"))
    assert page.content.decode().count('data-testid="consumed-row"') == 1
    assert client_for(people["technician"]).get(reverse("parts:consumed_report")).status_code == 403
    assert (
        client_for(people["keeper"])
        .get(reverse("parts:consumed_report"), {"day": "not-a-day"})
        .status_code
        == 200
    )
