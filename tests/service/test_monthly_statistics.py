"""FIN-1, RPT-2: the monthly service statistics table (售后服务统计表) — numbers, reach, rights,
bad input, a constant number of queries, the Excel download and the API."""

import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from aftersales.accounts.models import User
from aftersales.audit.models import AccessEntry
from aftersales.charges.models import CustomerPayment
from aftersales.core.exceptions import ServiceError
from aftersales.fieldwork.models import SiteVisit
from aftersales.followup.models import Survey
from aftersales.parts.models import Part, PartLine
from aftersales.service import statistics
from aftersales.service.models import ServiceOrder

MONTH = "2026-10"
_numbers = itertools.count(1)


def local(*args) -> dt.datetime:
    """An aware time in the local zone (Asia/Shanghai, CAL-2)."""
    return timezone.make_aware(dt.datetime(*args))


def make_order(customer, unit, technician, *, received, completed, closed, **fields):
    n = next(_numbers)
    return ServiceOrder.objects.create(
        number=f"SO-T-{n:06d}",
        status=fields.pop("status", "closed"),
        order_type=fields.pop("order_type", "repair"),
        channel="phone",
        org_unit=unit,
        customer=customer,
        contact_name="联系人",
        contact_phone="13800000000",
        description="不制热",
        received_at=received,
        completed_at=completed,
        closed_at=closed,
        technician=technician,
        service_kind=fields.pop("service_kind", "paid"),
        **fields,
    )


def pay(order, amount, received_by, *, voided=False):
    n = next(_numbers)
    return CustomerPayment.objects.create(
        number=f"R-T-{n:06d}",
        order=order,
        source="on_site",
        method="cash",
        amount=Decimal(amount),
        received_at=order.completed_at,
        received_by=received_by,
        voided_at=order.completed_at if voided else None,
    )


def visit(order):
    return SiteVisit.objects.create(
        order=order,
        technician=order.technician,
        checked_in_at=order.received_at,
        checked_out_at=order.received_at + dt.timedelta(hours=1),
    )


def part_line(order, part, quantity, status):
    return PartLine.objects.create(
        order=order,
        part=part,
        quantity=quantity,
        status=status,
        charge_rule="paid",
        unit_price=Decimal("10.00"),
        amount=Decimal(10 * quantity),
    )


def survey(order, satisfied):
    n = next(_numbers)
    return Survey.objects.create(
        token_hash=f"{n:064d}",
        customer=order.customer,
        order=order,
        technician=order.technician,
        send_at=order.closed_at,
        expires_at=order.closed_at + dt.timedelta(days=30),
        answered_at=order.closed_at + dt.timedelta(days=1),
        score=Decimal("4.50") if satisfied else Decimal("2.00"),
        satisfied=satisfied,
    )


@pytest.fixture
def nj_technician(org):
    user = User.objects.create_user(
        username="nj_jishi_t", display_name="南京师傅", org_unit=org["units"]["BR-NJ"]
    )
    user.groups.add(Group.objects.get(name="technician"))
    return user


@pytest.fixture
def october(org, people, hz_customer, nj_technician):
    """The hand-made month: four orders of the Hangzhou technician closed in October, one of
    the Ningbo service centre (under Hangzhou), one of Nanjing, and three that do not count."""
    hz, nb, nj = (org["units"][c] for c in ("BR-HZ", "SC-NB", "BR-NJ"))
    tech, sc_tech = people["technician"], people["service_centre"]
    part = Part.objects.create(code="P-T-1", name="温控器")
    o1 = make_order(
        hz_customer,
        hz,
        tech,
        received=local(2026, 10, 1, 8),
        completed=local(2026, 10, 1, 18),  # 10 h
        closed=local(2026, 10, 5, 10),
        sla_breached=True,
    )
    o2 = make_order(
        hz_customer,
        hz,
        tech,
        order_type="installation",
        service_kind="free",
        received=local(2026, 10, 19, 9),
        completed=local(2026, 10, 19, 13),  # 4 h
        closed=local(2026, 10, 20, 10),
    )
    make_order(
        hz_customer,
        hz,
        tech,
        order_type="maintenance",
        service_kind="contract",
        received=local(2026, 10, 31, 10, 30),
        completed=local(2026, 10, 31, 20, 30),  # 10 h
        closed=local(2026, 10, 31, 23, 30),  # the month's last hour (local)
    )
    make_order(
        hz_customer,
        hz,
        tech,
        received=local(2026, 9, 30, 12),
        completed=local(2026, 9, 30, 18),  # 6 h
        closed=local(2026, 10, 1, 7),  # still 30 September in UTC: counts in October (CAL-2)
    )
    # Not counted: closed in November (local), closed in September, cancelled.
    make_order(
        hz_customer,
        hz,
        tech,
        order_type="consultation",
        service_kind="other",
        received=local(2026, 10, 31, 9),
        completed=local(2026, 10, 31, 10),
        closed=local(2026, 11, 1, 0, 30),
    )
    make_order(
        hz_customer,
        hz,
        tech,
        received=local(2026, 9, 29, 9),
        completed=local(2026, 9, 29, 10),
        closed=local(2026, 9, 30, 23, 30),
    )
    make_order(
        hz_customer,
        hz,
        tech,
        status="cancelled",
        received=local(2026, 10, 3, 9),
        completed=None,
        closed=None,
    )
    # The Hangzhou technician's money, visits, parts and surveys of October's orders.
    pay(o1, "120.50", tech)
    pay(o1, "30.00", people["finance"])
    pay(o1, "999.00", tech, voided=True)
    visit(o1)
    visit(o1)
    visit(o2)
    part_line(o1, part, 2, "issued")
    part_line(o1, part, 1, "used")
    part_line(o1, part, 5, "cancelled")
    part_line(o2, part, 4, "returned")
    survey(o1, True)
    survey(o2, False)
    make_order(
        hz_customer,
        nb,
        sc_tech,
        order_type="complaint",
        service_kind="other",
        received=local(2026, 10, 10, 8),
        completed=local(2026, 10, 10, 10),  # 2 h
        closed=local(2026, 10, 11, 9),
    )
    o_nj = make_order(
        hz_customer,
        nj,
        nj_technician,
        received=local(2026, 10, 12, 8),
        completed=local(2026, 10, 12, 11),  # 3 h
        closed=local(2026, 10, 12, 15),
    )
    pay(o_nj, "50.00", nj_technician)
    return {"hz": hz, "nb": nb, "nj": nj}


def by_technician(table) -> dict:
    return {row.technician_id: row for row in table.rows}


def test_fin1_numbers_of_a_hand_made_month(people, october, nj_technician):
    """FIN-1: each technician's row counts the orders closed in the (local) month, by type
    and service kind, with visits, money collected (voided payments left out), parts issued
    or used, average hours received→completed, breaches and the satisfied share."""
    table = statistics.monthly_statistics(MONTH, actor=people["finance"])
    assert table.label == MONTH and not table.own_only
    rows = by_technician(table)
    assert set(rows) == {people["technician"].pk, people["service_centre"].pk, nj_technician.pk}
    hz = rows[people["technician"].pk]
    assert (hz.org_unit, hz.technician) == (str(october["hz"]), str(people["technician"]))
    by_type = (hz.repair, hz.installation, hz.maintenance, hz.other_type)
    assert hz.orders == 4 and by_type == (2, 1, 1, 0)
    assert (hz.free, hz.contract, hz.paid, hz.other_kind) == (1, 1, 2, 0)
    assert hz.site_visits == 3
    assert hz.collected == Decimal("150.50")
    assert hz.parts_used == 3
    assert hz.avg_hours == Decimal("7.5")  # (10 + 4 + 10 + 6) / 4
    assert hz.sla_breached == 1
    assert (hz.surveys_answered, hz.surveys_satisfied) == (2, 1)
    assert hz.satisfied_share == Decimal("50.0")
    nb = rows[people["service_centre"].pk]
    assert (nb.orders, nb.other_type, nb.other_kind, nb.avg_hours) == (1, 1, 1, Decimal("2.0"))
    assert nb.satisfied_share is None and nb.collected == Decimal("0.00")
    nj = rows[nj_technician.pk]
    assert (nj.orders, nj.collected, nj.avg_hours) == (1, Decimal("50.00"), Decimal("3.0"))
    total = table.total
    assert (total.orders, total.repair, total.other_type, total.paid) == (6, 3, 1, 3)
    assert total.collected == Decimal("200.50")
    assert total.site_visits == 3 and total.parts_used == 3 and total.sla_breached == 1
    assert total.avg_hours == Decimal("5.8")  # (10 + 4 + 10 + 6 + 2 + 3) h / 6 orders
    assert total.satisfied_share == Decimal("50.0")


def test_fin1_other_month_and_date_argument(people, october):
    """FIN-1: November holds the order closed at 00:30 on 1 November (local)."""
    table = statistics.monthly_statistics(dt.date(2026, 11, 15), actor=people["finance"])
    assert [(r.technician_id, r.orders, r.other_type) for r in table.rows] == [
        (people["technician"].pk, 1, 1)
    ]
    empty = statistics.monthly_statistics("2026-08", actor=people["finance"])
    assert empty.rows == [] and empty.total.orders == 0 and empty.total.avg_hours is None


def test_org3_branch_manager_sees_only_their_branch(people, october, nj_technician):
    """ORG-3: the Hangzhou branch manager sees Hangzhou and its Ningbo service centre; the
    Nanjing manager only Nanjing."""
    hz = statistics.monthly_statistics(MONTH, actor=people["branch_manager"])
    assert set(by_technician(hz)) == {people["technician"].pk, people["service_centre"].pk}
    assert hz.total.orders == 5 and hz.total.collected == Decimal("150.50")
    nj = statistics.monthly_statistics(MONTH, actor=people["outsider"])
    assert set(by_technician(nj)) == {nj_technician.pk}
    assert nj.total.collected == Decimal("50.00")


def test_fin1_a_technician_sees_only_their_own_row(people, october):
    """FIN-1: each technician's own table — the Hangzhou technician does not see the service
    centre's row although its orders are in the branch."""
    table = statistics.monthly_statistics(MONTH, actor=people["technician"])
    assert table.own_only
    assert [row.technician_id for row in table.rows] == [people["technician"].pk]
    assert table.total.orders == 4


@pytest.mark.parametrize("persona", ["keeper", "agent", "salesperson", "engineer"])
def test_org2_roles_without_the_right_are_refused(people, persona):
    """ORG-2: roles with neither the statistics right nor order handling get 403 —
    before the month is even read."""
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        statistics.monthly_statistics("not a month", actor=people[persona])


@pytest.mark.parametrize(
    "persona", ["finance", "company_manager", "branch_manager", "info_manager"]
)
def test_org2_roles_holding_the_right(people, persona):
    """ORG-2: finance, the company manager, branch managers and the information manager
    hold service.view_service_statistics."""
    assert people[persona].has_perm(statistics.VIEW_STATISTICS)
    assert not people["technician"].has_perm(statistics.VIEW_STATISTICS)


@pytest.mark.parametrize("value", ["2026-13", "2026-1", "10/2026", "", "abcd-ef", "1999-12"])
def test_bad_month_is_a_field_error(people, value):
    with pytest.raises(ServiceError) as raised:
        statistics.monthly_statistics(value, actor=people["finance"])
    assert "month" in raised.value.message_dict


def _queries(actor):
    """The table and the statements it ran, transaction control (PostgreSQL: the savepoint
    and SET LOCAL around the aggregate) left out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        table = statistics.monthly_statistics(MONTH, actor=actor)
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "SET LOCAL")
    sql = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(control)]
    return table, sql


def test_issue7_query_count_does_not_grow(people, org, hz_customer, october, nj_technician):
    """Issue 7: one aggregate query (plus the names of the technicians and the units),
    whatever the number of orders and technicians."""
    actor = people["finance"]
    statistics.monthly_statistics(MONTH, actor=actor)  # the actor's rights are cached
    small, queries = _queries(actor)
    assert len(queries) == 3
    part = Part.objects.create(code="P-T-2", name="压缩机")
    for i in range(6):
        tech = User.objects.create_user(username=f"extra_{i}", org_unit=org["units"]["BR-NJ"])
        tech.groups.add(Group.objects.get(name="technician"))
        for day in (3, 4, 5):
            order = make_order(
                hz_customer,
                org["units"]["BR-NJ"],
                tech,
                received=local(2026, 10, day, 8),
                completed=local(2026, 10, day, 9),
                closed=local(2026, 10, day, 10),
            )
            visit(order)
            pay(order, "10.00", tech)
            part_line(order, part, 1, "used")
            survey(order, True)
    large, queries = _queries(actor)
    assert len(queries) == 3
    assert len(large.rows) == len(small.rows) + 6
    assert large.total.orders == small.total.orders + 18
    assert large.total.collected == small.total.collected + Decimal("180.00")


# --- the page and its Excel download ----------------------------------------------------------


def test_rpt2_page_shows_the_table(client_for, people, october):
    response = client_for(people["finance"]).get(
        reverse("service:monthly_statistics"), {"month": MONTH}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="statistics-row"') == 3
    assert "150.50" in html and "200.50" in html and "7.5" in html
    assert 'data-testid="xlsx"' in html


def test_rpt2_page_defaults_to_last_month(client_for, people):
    response = client_for(people["finance"]).get(reverse("service:monthly_statistics"))
    assert response.status_code == 200
    assert response.context["table"].month == statistics.last_month()


def test_fin1_technician_page_shows_own_row(client_for, people, october):
    response = client_for(people["technician"]).get(
        reverse("service:monthly_statistics"), {"month": MONTH}
    )
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="statistics-row"') == 1
    assert response.context["table"].own_only


@pytest.mark.parametrize("fmt", ["", "xlsx"])
def test_org2_page_refused_without_the_right(client_for, people, fmt):
    response = client_for(people["keeper"]).get(
        reverse("service:monthly_statistics"), {"month": MONTH, "format": fmt}
    )
    assert response.status_code == 403


def test_bad_month_on_the_page_is_a_form_error(client_for, people):
    response = client_for(people["finance"]).get(
        reverse("service:monthly_statistics"), {"month": "2026-13", "format": "xlsx"}
    )
    assert response.status_code == 200  # the page again with the error, no download
    assert response["Content-Type"].startswith("text/html")
    assert response.context["form"].errors["month"]
    assert 'data-testid="month-error"' in response.content.decode()
    assert response.context["table"] is None


def test_rpt2_excel_has_the_same_numbers_and_is_logged(client_for, people, october):
    """RPT-2: the Excel download holds the page's rows and the total; SEC-2: the export is
    in the access log."""
    from openpyxl import load_workbook

    response = client_for(people["finance"]).get(
        reverse("service:monthly_statistics"), {"month": MONTH, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert "service-statistics-2026-10.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = list(sheet.values)
    header = values[0]
    keys = [key for key, _label in statistics.COLUMNS]
    assert len(header) == len(keys) and len(values) == 1 + 3 + 1
    table = statistics.monthly_statistics(MONTH, actor=people["finance"])
    for cells, row in zip(values[1:], [*table.rows, table.total], strict=True):
        as_sheet = dict(zip(keys, cells, strict=True))
        assert as_sheet["orders"] == row.orders
        assert as_sheet["technician"] == (row.technician or None)
        assert Decimal(str(as_sheet["collected"])) == row.collected
        assert as_sheet["site_visits"] == row.site_visits
        assert as_sheet["parts_used"] == row.parts_used
    assert values[-1][keys.index("orders")] == 6
    assert Decimal(str(values[-1][keys.index("collected")])) == Decimal("200.50")
    entry = AccessEntry.objects.filter(actor=people["finance"], action="export").latest("at")
    assert "Service statistics" in entry.what and "3 rows" in entry.what


# --- the API --------------------------------------------------------------------------------


def test_rpt2_api_returns_the_rows(api_for, people, october):
    response = api_for(people["branch_manager"]).get(
        reverse("api:service-statistics"), {"month": MONTH}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["month"] == MONTH and data["own_only"] is False
    assert len(data["rows"]) == 2
    hz = next(r for r in data["rows"] if r["technician_id"] == people["technician"].pk)
    assert hz["orders"] == 4 and hz["collected"] == "150.50" and hz["avg_hours"] == "7.5"
    assert hz["satisfied_share"] == "50.0"
    assert data["total"]["orders"] == 5


def test_api_bad_month_is_400_with_a_field_error(api_for, people):
    response = api_for(people["finance"]).get(
        reverse("api:service-statistics"), {"month": "2026-1x"}
    )
    assert response.status_code == 400
    assert "month" in response.json()


@pytest.mark.parametrize("month", [MONTH, "bad"])
def test_org2_api_refused_without_the_right(api_for, people, month):
    response = api_for(people["keeper"]).get(reverse("api:service-statistics"), {"month": month})
    assert response.status_code == 403


def test_api_in_openapi_schema(api_for, people):
    response = api_for(people["finance"]).get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    operation = paths["/api/service-statistics/"]["get"]
    assert operation["operationId"] == "service_statistics_monthly"
    assert any(p["name"] == "month" for p in operation["parameters"])


def test_rpt2_menu_entries(people):
    """The menu shows the table to holders of the right, a technician's own as "My
    statistics", and nothing to a role without either."""
    from aftersales.core.navigation import menu_for

    def labels(persona):
        return [str(i["label"]) for i in menu_for(people[persona], "/")]

    assert "Service statistics" in labels("finance")
    assert "My statistics" not in labels("finance")
    assert "My statistics" in labels("technician")
    assert not {"Service statistics", "My statistics"} & set(labels("keeper"))
