"""三包 entitlement (EXC-5) on the pages: the intake screen's panel (and its htmx refresh),
the fault type chosen at intake, and the order page."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.products.models import Warranty
from aftersales.service.models import FaultType, ServiceOrder
from tests.service.test_sanbao import SALE, faults, repaired, sold  # noqa: F401
from tests.service.test_views import intake_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def covered(sold):  # noqa: F811
    """The sold unit with an extended warranty after the standard one, so that today is in
    warranty whatever the day the tests run."""
    Warranty.objects.create(
        unit=sold,
        kind="extended",
        start_date=dt.date(2027, 3, 1),
        end_date=max(timezone.localdate(), dt.date(2027, 3, 1)) + dt.timedelta(days=365),
    )
    return sold


def panel(html: str) -> str:
    start = html.index('id="sanbao-panel"')
    return html[start : html.index("</section>", start)]


def test_exc_5_intake_page_shows_the_remedies_of_the_chosen_unit(client_for, people, covered):
    resp = client_for(people["agent"]).get(f"/orders/new/?unit={covered.pk}")
    assert resp.status_code == 200
    html = resp.content.decode()
    box = panel(html)
    # Today is long after day 15 but within the warranty: repair only, and why.
    day = (timezone.localdate() - SALE).days
    assert ">Repair<" in box and ">Return<" not in box
    assert f"day {day} after the sale" in box
    assert "choose the fault" in box
    # The selects ask for a refresh of the panel (htmx, no inline script).
    assert 'hx-get="/orders/new/?part=sanbao"' in html
    assert 'name="fault_type"' in html


def test_exc_5_intake_panel_refresh_for_the_fault_and_the_day(client_for, people, sold, faults):  # noqa: F811
    client = client_for(people["agent"])
    params = {
        "part": "sanbao",
        "unit": sold.pk,
        "fault_type": faults["F01"].pk,
        "received_at": "2026-03-08T10:00",
    }
    resp = client.get("/orders/new/", params)
    assert resp.status_code == 200
    box = resp.content.decode()
    assert "<html" not in box  # the fragment only
    assert "Return" in box and "Exchange" in box
    assert "day 7 after the sale" in box
    params["received_at"] = "2026-03-09T10:00"
    box = client.get("/orders/new/", params).content.decode()
    assert "day 8 after the sale" in box
    assert ">Return<" not in box and ">Exchange<" in box
    # A non-performance fault on day 3: repair only.
    params.update(fault_type=faults["F90"].pk, received_at="2026-03-04T09:00")
    box = client.get("/orders/new/", params).content.decode()
    assert ">Repair<" in box and ">Exchange<" not in box
    assert "not a performance fault" in box


def test_exc_5_intake_panel_hides_units_outside_reach(client_for, people, sold):  # noqa: F811
    box = (
        client_for(people["outsider"])
        .get("/orders/new/", {"part": "sanbao", "unit": sold.pk})
        .content.decode()
    )
    assert "Choose the unit" in box
    assert "day " not in box


def test_exc_5_intake_panel_needs_the_intake_right(client_for, people, sold):  # noqa: F811
    resp = client_for(people["finance"]).get("/orders/new/", {"part": "sanbao", "unit": sold.pk})
    assert resp.status_code == 403


def test_exc_5_fault_type_chosen_at_intake_is_kept_and_shown(
    client_for,
    people,
    hz_customer,
    covered,
    faults,  # noqa: F811
    repaired,  # noqa: F811
):
    repaired(faults["F02"], dt.date(2026, 5, 1))
    repaired(faults["F02"], dt.date(2026, 6, 1))
    client = client_for(people["agent"])
    resp = client.post(
        "/orders/new/",
        intake_data(hz_customer, covered, fault_type=faults["F02"].pk, confirm_duplicate="on"),
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    order = ServiceOrder.objects.get(pk=resp["Location"].strip("/").split("/")[-1])
    assert order.fault_type == faults["F02"]
    page = client.get(resp["Location"]).content.decode()
    assert "F02" in page and faults["F02"].name in page
    box = panel(page)
    # Two earlier repairs of the same fault in warranty: exchange or return is due.
    assert ">Return<" in box and ">Exchange<" in box
    assert "2 repairs of the same fault have failed" in box


def test_exc_5_intake_refuses_an_inactive_fault_type(client_for, people, hz_customer, sold):  # noqa: F811
    old = FaultType.objects.create(code="F50", name="旧分类", is_active=False)
    resp = client_for(people["agent"]).post(
        "/orders/new/", intake_data(hz_customer, sold, fault_type=old.pk)
    )
    assert resp.status_code == 200
    assert "fault_type" in resp.context["form"].errors
    assert not ServiceOrder.objects.filter(fault_type=old).exists()
