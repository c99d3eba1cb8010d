"""SVC-9 in the browser, on a phone-sized screen: the technician passes a lead from the order
page, sales takes it up and wins it, the technician finds the fee under My information fees.

Drives Debian's chromium through Playwright; skipped where it is not installed.
"""

import pytest

from tests.browser.conftest import CHROMIUM, demo_data, login, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def hz_order(demo_data):  # noqa: F811
    """An order of the Hangzhou technician, read before the browser starts."""
    from aftersales.service.models import ServiceOrder

    return ServiceOrder.objects.filter(technician__username="hz_jishi").order_by("pk").first()


def test_svc_9_lead_from_the_order_page_to_the_fee(live_server, hz_order, page, tmp_path):  # noqa: F811
    base = live_server.url
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)

    # the technician opens the order on the phone and passes a lead to sales
    login(page, base, "hz_jishi")
    page.goto(f"{base}/orders/{hz_order.pk}/")
    page.click("[data-testid=record-lead]")
    page.wait_for_selector("#lead-form.collapse.show")
    page.fill("#id_lead_product_interest", "新楼要三台热泵机组")
    page.fill("#id_lead_note", "下周二上午看现场")
    with page.expect_navigation():
        page.click("[data-testid=submit-lead]")
    page.wait_for_url(f"{base}/orders/{hz_order.pk}/")
    lead_link = page.locator("[data-testid=order-lead] a").filter(has_text="SL-").last
    number = lead_link.inner_text()
    page.screenshot(path=str(tmp_path / "order-card.png"), full_page=True)

    # the salesperson takes it up and wins it with a commission of 1234.57
    page.context.clear_cookies()
    login(page, base, "hz_xiaoshou")
    page.goto(f"{base}/leads/")
    with page.expect_navigation():
        page.click(f"text={number}")
    page.click("[data-testid=open-contact]")
    page.wait_for_selector("#action-contact.collapse.show")  # the collapse has stopped moving
    with page.expect_navigation():
        page.click("[data-testid=action-contact]")
    page.click("[data-testid=open-win]")
    page.wait_for_selector("#action-win.collapse.show")
    page.fill("#id_win_commission", "1234.57")
    with page.expect_navigation():
        page.click("[data-testid=action-win]")
    assert page.locator("[data-testid=info-fee]").inner_text().startswith("¥61.73")
    page.screenshot(path=str(tmp_path / "lead-won.png"), full_page=True)

    # the technician sees the fee, and the demo's won lead, in the total
    page.context.clear_cookies()
    login(page, base, "hz_jishi")
    page.goto(f"{base}/leads/fees/")
    assert number in page.content()
    assert page.locator("[data-testid=total]").inner_text() == "¥161.73"  # 100.00 + 61.73
    assert blocked == []
