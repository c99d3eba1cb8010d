"""Browser tests: a demo user logs in and opens the customer list and a unit's page.

They drive Debian's chromium through Playwright and are skipped, with the reason,
where /usr/bin/chromium is not installed (`apt-get install chromium`).
"""

import pytest

from tests.browser.conftest import CHROMIUM, login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def units(demo_data):
    """Units the tests open, read before the browser starts: ORM calls made while
    Playwright's event loop runs open connections that outlive the test database."""
    from aftersales.products.models import Unit

    return {
        "first": Unit.objects.order_by("pk").first(),
        "hangzhou": Unit.objects.filter(owner__owner_unit__code="BR-HZ").first(),
    }


def test_a_demo_agent_logs_in_and_opens_customers_and_a_unit(live_server, demo_data, units, page):
    """On a phone-sized screen: log in, open the customer list, then a unit's page."""
    login(page, live_server.url, "kefu")
    assert page.locator("[data-testid=current-user]").count() == 1

    page.goto(f"{live_server.url}/customers/")
    rows = page.locator("[data-testid=customer-row]")
    assert rows.count() > 0
    first_name = demo_data["customers"][0].name
    page.fill("input[name=q]", first_name)
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert first_name in page.content()

    unit = units["first"]
    page.goto(f"{live_server.url}/products/units/{unit.pk}/")
    assert unit.serial_number in page.content()
    assert page.locator("[data-testid=entitlement]").count() == 1
    assert page.locator("[data-testid=history-panel]").count() == 1


def test_org_3_outsider_sees_a_403_that_says_why(live_server, units, page):
    unit = units["hangzhou"]
    assert unit is not None
    login(page, live_server.url, "nj_zhuguan")
    response = page.goto(f"{live_server.url}/products/units/{unit.pk}/")
    assert response.status == 403
    assert page.locator("[data-testid=forbidden]").count() == 1
