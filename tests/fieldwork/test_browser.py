"""Browser test of the field work on a phone-sized screen (SVC-3, SVC-5): the technician
checks out of one site, checks in at the next with the phone's position, and records a
take-back with both signatures drawn on the screen."""

import pytest

from tests.browser.conftest import CHROMIUM, demo_data, login, page  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def facts(demo_data):  # noqa: F811
    """Read before the browser starts (the ORM and Playwright's loop share the thread)."""
    done = demo_data["fieldwork"]
    checked_in, working = done["checked_in"], done["take_back"].order
    assert checked_in.technician_id == working.technician_id
    return {
        "checked_in": checked_in.pk,
        "working": working.pk,
        "username": working.technician.username,
    }


def _submit(page, selector):  # noqa: F811
    with page.expect_navigation():
        page.click(selector)


def _sign(page, canvas):  # noqa: F811
    pad = page.locator(canvas)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for i in range(1, 8):
        page.mouse.move(box["x"] + 20 + i * 35, box["y"] + box["height"] * (0.3 + 0.1 * (i % 3)))
    page.mouse.up()


def test_svc_3_check_in_with_position_and_a_take_back_signed_by_both(live_server, facts, page):  # noqa: F811
    base = live_server.url
    context = page.context.browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        geolocation={"latitude": 30.2741, "longitude": 120.1551},
        permissions=["geolocation"],
    )
    phone = context.new_page()
    login(phone, base, facts["username"])
    # out of the site the demo left them at
    phone.goto(f"{base}/orders/{facts['checked_in']}/")
    phone.fill("#fieldwork textarea[name=note]", "客户不在家，改约")
    _submit(phone, "[data-testid=check-out]")
    # in at the next one: the phone gives its position
    phone.goto(f"{base}/orders/{facts['working']}/")
    _submit(phone, "[data-testid=check-in]")
    assert phone.locator("[data-testid=check-out]").count() == 1
    position = phone.locator("[data-testid=visit]").first.inner_text()
    assert "30.274100" in position and "120.155100" in position
    phone.locator("#fieldwork").screenshot(path="/tmp/fieldwork-card-phone.png")
    # the hand-over, signed by both on the screen
    with phone.expect_navigation():
        phone.click("[data-testid=new-take-back]")
    phone.fill("textarea[name=items]", "水泵 1 台")
    phone.fill("input[name=serial_numbers]", "PUMP-0042")
    phone.fill("textarea[name=condition]", "外壳轻微划痕，无附件")
    phone.fill("input[name=promised_return_on]", "2099-12-31")
    _sign(phone, "#id_technician_signature-pad")
    _sign(phone, "#id_customer_signature-pad")
    phone.fill("input[name=signer_name]", "王先生")
    phone.screenshot(path="/tmp/fieldwork-take-back-phone.png", full_page=True)
    _submit(phone, "[data-testid=save-take-back]")
    assert phone.locator("[data-testid=take-back-number]").inner_text().startswith("TB-")
    phone.screenshot(path="/tmp/fieldwork-take-back-sheet.png", full_page=True)
    for testid in ["technician-signature", "customer-signature"]:
        src = phone.locator(f"[data-testid={testid}]").get_attribute("src")
        response = phone.request.get(base + src)
        assert response.status == 200 and response.body()[:8] == b"\x89PNG\r\n\x1a\n"
    context.close()
