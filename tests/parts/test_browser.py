# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""PRT-1 d, PRT-2, PRT-3 in the browser: the technician, on a phone at the customer's,
requests a sensor on a demo order in progress; finance signs it (paid) at a desk; the
keeper issues it on a slip; the technician marks it used; the keeper receives the old
part — and the order's card shows the deposit reversed.

Drives Debian's chromium through Playwright; skipped where it is not installed.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import CHROMIUM, demo_data, login, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def facts(demo_data):  # noqa: F811
    """A demo warranty order in progress with the Hangzhou technician, and a sensor priced
    85.00 in stock at the HQ warehouse with its old-part zone — made through the services
    when the demo data has none. Read before the browser starts."""
    from aftersales.accounts.models import User
    from aftersales.parts import catalogue, stock
    from aftersales.parts.models import Part, Warehouse, WarehouseKind
    from aftersales.service.models import ServiceOrder

    order = (
        ServiceOrder.objects.filter(
            technician__username="hz_jishi", status="in_progress", service_kind="free"
        )
        .order_by("pk")
        .first()
    )
    assert order is not None, "the demo has a warranty order in progress in Hangzhou"
    users = {u.username: u for u in User.objects.filter(username__in=["admin", "caiwu", "cangku"])}
    keeper, finance = users["cangku"], users["caiwu"]

    def location(kind, code, name):
        found = Warehouse.objects.filter(kind=kind, is_active=True).order_by("pk").first()
        return found or catalogue.create_warehouse(
            actor=users["admin"], code=code, name=name, kind=kind, org_unit=keeper.org_unit
        )

    central = location(WarehouseKind.CENTRAL, "BT-WH", "总部中心仓库")
    location(WarehouseKind.OLD_PARTS, "BT-OLD", "总部旧件区")
    part = Part.objects.filter(code="BT-CGQ-85").first() or catalogue.create_part(
        actor=keeper, code="BT-CGQ-85", name="水温传感器（浏览器测试）", has_recovery_value=True
    )
    catalogue.set_price(
        actor=finance,
        part=part,
        list_price=Decimal("85.00"),
        cost=Decimal("40.00"),
        effective_from=timezone.localdate(order.received_at) - dt.timedelta(days=1),
        allow_past=True,
    )
    stock.receive_stock(actor=keeper, warehouse=central, part=part, quantity=3)
    return {"order": order, "part": part, "central": central}


def _submit(page, selector):  # noqa: F811 (the page fixture)
    """Click a submit button and wait for the next page (the redirect after the POST)."""
    try:
        with page.expect_navigation():
            page.click(selector)
    except Exception:
        page.screenshot(path="/tmp/parts-browser-failure.png", full_page=True)
        raise


def test_prt_1d_request_sign_issue_use_receive_the_deposit_is_reversed(
    live_server,
    facts,
    page,  # noqa: F811
    tmp_path,
):
    from aftersales.parts.models import PartLine

    base = live_server.url
    order, part = facts["order"], facts["part"]
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)

    # the technician, on the phone, requests the sensor from the order's parts card
    login(page, base, "hz_jishi")
    page.goto(f"{base}/orders/{order.pk}/")
    page.click("[data-testid=open-part-request]")
    page.wait_for_selector("#part-request.collapse.show")
    page.type("#id_part_part", "bt-cgq")  # the suggestions follow the typing (htmx)
    page.wait_for_selector("#parts-suggestions option[value^='BT-CGQ-85']", state="attached")
    page.fill("#id_part_part", part.code)
    page.fill("#id_part_quantity", "1")
    page.locator("[data-testid=parts-card]").screenshot(path=str(tmp_path / "request-form.png"))
    _submit(page, "[data-testid=submit-part-request]")
    line = PartLine.objects.get(order=order, part=part)
    assert (line.charge_rule, line.amount) == ("d", Decimal("85.00"))
    row = f"[data-testid=part-line][data-line='{line.pk}']"
    assert page.locator(f"{row} [data-testid=deposit]").is_visible()
    assert "85.00" in page.locator(f"{row} [data-testid=line-charge]").inner_text()
    page.locator("[data-testid=parts-card]").screenshot(path=str(tmp_path / "requested.png"))

    # finance signs it at a desk: the customer has paid (PRT-1 e)
    desk = page.context.browser.new_context(viewport={"width": 1280, "height": 900})
    office = desk.new_page()
    office.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    login(office, base, "caiwu")
    office.goto(f"{base}/parts/lines/signoff/")
    sign_row = f"[data-testid=sign-row][data-line='{line.pk}']"
    office.check(f"{sign_row} input[value=paid]")
    office.locator(sign_row).screenshot(path=str(tmp_path / "sign.png"))
    _submit(office, f"{sign_row} [data-testid=approve]")
    assert office.locator(sign_row).count() == 0
    line.refresh_from_db()
    assert (line.status, line.payment) == ("signed", "paid")

    # the keeper issues it on an outbound slip from the HQ warehouse
    office.context.clear_cookies()
    login(office, base, "cangku")
    office.goto(f"{base}/parts/lines/issue/")
    group = f"[data-testid=issue-order][data-order='{order.pk}']"
    office.select_option(f"{group} select", str(facts["central"].pk))
    office.locator(group).screenshot(path=str(tmp_path / "issue.png"))
    _submit(office, f"{group} [data-testid=issue-submit]")
    slip_number = office.locator("[data-testid=slip-number]").inner_text()
    assert "CK-" in slip_number
    office.screenshot(path=str(tmp_path / "slip.png"), full_page=True)

    # the technician fits it and marks it used, on the phone
    page.reload()
    assert slip_number.split()[-1] in page.locator(f"{row} [data-testid=line-slip]").inner_text()
    _submit(page, f"{row} [data-testid=use-line]")
    line.refresh_from_db()
    assert line.status == "used" and line.old_part_due_at is not None

    # the keeper receives the old part: the deposit is reversed (PRT-1 d, PRT-3)
    office.goto(f"{base}/parts/lines/old-parts/")
    _submit(office, f"[data-testid=due-row][data-line='{line.pk}'] [data-testid=receive-old-part]")
    line.refresh_from_db()
    assert line.deposit_reversed_at is not None and line.charged == Decimal("0.00")

    page.reload()
    assert page.locator(f"{row} [data-testid=deposit-reversed]").is_visible()
    assert page.locator(f"{row} [data-testid=old-part-received]").is_visible()
    page.locator("[data-testid=parts-card]").screenshot(path=str(tmp_path / "reversed.png"))
    desk.close()
    assert blocked == []
