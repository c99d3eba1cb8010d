"""EXC-1 and SEC-5 in the browser, on a phone-sized screen: the salesperson fills the
exchange form and submits it; the regional head, the office and the general manager each
sign it in turn (each logged in as themselves); the form ends approved with the four rows
of its approval chain.

Drives Debian's chromium through Playwright; skipped where it is not installed."""

import datetime as dt

import pytest

from tests.browser.conftest import CHROMIUM, login, page  # noqa: F401
from tests.exchanges.conftest import REASON

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def facts(transactional_db, django_db_serialized_rollback):
    """The organisation and one Hangzhou customer's unit sold three days ago; read before
    the browser starts (the ORM and Playwright's loop share the thread)."""
    from django.utils import timezone

    from aftersales.accounts import demo
    from aftersales.customers.models import Customer
    from aftersales.products.models import ProductCategory, ProductModel, Unit
    from aftersales.service.models import FaultType

    ctx: dict = {}
    demo.load(ctx)
    customer = Customer.objects.create(
        code="C-HZ-B1",
        name="杭州西湖宾馆",
        kind="end_user",
        entity="company",
        phone="0571-87001234",
        owner_unit=ctx["units"]["BR-HZ"],
        region=ctx["regions"]["EAST-ZJ"],
    )
    category = ProductCategory.objects.create(code="HW", name="空气能热水器")
    model = ProductModel.objects.create(code="KRF-35", name="空气能热水器", category=category)
    unit = Unit.objects.create(
        serial_number="KRF35-B001",
        product_model=model,
        owner=customer,
        sale_date=timezone.localdate() - dt.timedelta(days=3),
    )
    fault = FaultType.objects.filter(performance_fault=True, is_active=True).first()
    return {"serial": unit.serial_number, "fault": str(fault.pk)}


def _submit(page, selector):  # noqa: F811
    with page.expect_navigation():
        page.click(selector)


def _as(page, base, username, url):  # noqa: F811
    page.context.clear_cookies()
    login(page, base, username)
    page.goto(url)


def test_exc_1_sec_5_four_signatures_in_the_browser(live_server, facts, page):  # noqa: F811
    base = live_server.url
    login(page, base, "hz_xiaoshou")
    page.goto(f"{base}/exchanges/new/")
    form = page.locator("[data-testid=exchange-form]")
    form.locator("select[name=kind]").select_option("exchange")
    form.locator("input[name=serial_number]").fill(facts["serial"])
    form.locator("select[name=fault_type]").select_option(facts["fault"])
    form.locator("textarea[name=reason]").fill(REASON)
    form.locator("input[name=purchase_price]").fill("3600")
    # EXC-5: the 三包 entitlement of the unit and fault, before saving.
    _submit(page, "[data-testid=exchange-check]")
    assert page.locator("[data-testid=entitlement] [data-testid=remedy]").count() >= 2
    _submit(page, "[data-testid=exchange-save]")
    detail = page.url
    assert "/exchanges/" in detail and page.locator("[data-testid=exchange-status]").count() == 1
    page.screenshot(path="/tmp/exchange-draft-phone.png", full_page=True)
    _submit(page, "[data-testid=submit-submit]")
    assert page.locator("[data-testid=approval-row]").count() == 1

    for username, comment in (
        ("hz_zhuguan", "情况属实，同意换货"),
        ("bangongshi", "资料齐全，核对无误"),
        ("jingli", "同意"),
    ):
        _as(page, base, username, detail)
        review = page.locator("[data-testid=form-review]")
        review.locator("textarea[name=comment]").fill(comment)
        _submit(page, "[data-testid=review-approve]")
        assert page.locator("[data-testid=form-review]").count() == 0
    page.screenshot(path="/tmp/exchange-approved-phone.png", full_page=True)
    rows = page.locator("[data-testid=approval-row]")
    assert rows.count() == 4
    assert [rows.nth(i).get_attribute("data-step") for i in range(4)] == [
        "submit",
        "regional_head",
        "office",
        "general_manager",
    ]
    assert all(rows.nth(i).get_attribute("data-decision") != "rejected" for i in range(4))

    from aftersales.exchanges.models import ExchangeRequest

    form = ExchangeRequest.objects.get(unit__serial_number=facts["serial"])
    assert form.status == "approved"
    assert list(form.approvals.values_list("by__username", flat=True)) == [
        "hz_xiaoshou",
        "hz_zhuguan",
        "bangongshi",
        "jingli",
    ]
