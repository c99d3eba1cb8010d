"""FEE-2 and FEE-3 in the browser, on a phone-sized screen: the technician shows the demo's
pending quotation to the customer, who signs it on the screen; the order can then be
completed; the technician takes the money on site and gets a numbered receipt (PDF).

Drives Debian's chromium through Playwright; skipped where it is not installed."""

import pytest

from tests.browser.conftest import CHROMIUM, demo_data, login, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def facts(demo_data):  # noqa: F811
    """Read before the browser starts (the ORM and Playwright's loop share the thread)."""
    from aftersales.charges.models import Quotation

    quotation = Quotation.objects.select_related("order__technician").get(status="pending")
    return {
        "quotation": quotation.pk,
        "order": quotation.order_id,
        "total": f"{quotation.total:.2f}",
        "username": quotation.order.technician.username,
    }


def _submit(page, selector):  # noqa: F811
    with page.expect_navigation():
        page.click(selector)


def test_fee_2_fee_3_signed_quotation_then_money_on_site_with_a_receipt(live_server, facts, page):  # noqa: F811
    base = live_server.url
    login(page, base, facts["username"])
    page.goto(f"{base}/charges/quotations/{facts['quotation']}/")
    assert facts["total"] in page.locator("[data-testid=quotation-total]").inner_text()
    form = page.locator("[data-testid=form-accept-signature]")
    pad = form.locator("canvas.signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 8):
        page.mouse.move(box["x"] + 20 + i * 35, box["y"] + box["height"] * (0.3 + 0.1 * (i % 3)))
    page.mouse.up()
    form.locator("input[name=signer_name]").fill("王先生")
    page.screenshot(path="/tmp/quotation-phone.png", full_page=True)
    _submit(page, "[data-testid=submit-accept-signature]")
    assert page.locator("[data-testid=acceptance-signature]").count() == 1
    signature = page.locator("[data-testid=acceptance-signature]").get_attribute("src")
    response = page.request.get(base + signature)
    assert response.status == 200 and response.body()[:8] == b"\x89PNG\r\n\x1a\n"
    # FEE-3: collect the outstanding amount on site (pre-filled), cash.
    page.goto(f"{base}/charges/orders/{facts['order']}/collect/")
    assert facts["total"] in page.locator("[data-testid=outstanding]").inner_text()
    page.locator("[data-testid=collect-form] select[name=method]").select_option("cash")
    page.screenshot(path="/tmp/collect-phone.png", full_page=True)
    _submit(page, "[data-testid=collect-submit]")
    assert "SJ-" in page.locator("[data-testid=payment-number]").inner_text()
    assert facts["total"] in page.locator("[data-testid=payment-amount]").inner_text()
    pdf = page.request.get(base + page.locator("[data-testid=receipt-pdf]").get_attribute("href"))
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"
