"""The parts catalogue, finance's price list and the labour rates (FEE-2, PRT-8, SEC-1, SEC-5).

Services first, then the pages, then the API; every refusal is checked to write nothing.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.parts import catalogue
from aftersales.parts.models import LabourRate, Part, PartPrice, StockLevel, Warehouse
from aftersales.products.models import ProductCategory, ProductModel

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def models(db):
    cat = ProductCategory.objects.create(code="HW", name="空气能热水器")
    boiler = ProductCategory.objects.create(code="BOILER", name="燃气壁挂炉")
    return {
        "KRF-35": ProductModel.objects.create(
            code="KRF-35", name="空气能热水器 KRF-35", category=cat, warranty_months=36
        ),
        "L1PB26": ProductModel.objects.create(
            code="L1PB26", name="燃气壁挂炉 L1PB26", category=boiler, warranty_months=24
        ),
    }


@pytest.fixture
def part(people, models):
    return catalogue.create_part(
        actor=people["keeper"],
        code="SNS-NTC10K",
        name="水温传感器",
        compatible_models=[models["KRF-35"]],
        is_assembly=False,
        has_recovery_value=False,
    )


@pytest.fixture
def priced(part, people, today):
    """The part at 38.00 / 12.50 from today."""
    catalogue.set_price(
        actor=people["finance"],
        part=part,
        list_price=Decimal("38.00"),
        cost=Decimal("12.50"),
        effective_from=today,
    )
    return part


def _counts():
    return (PartPrice.objects.count(), LabourRate.objects.count(), AuditEntry.objects.count())


def _set(people, part, persona="finance", **overrides):
    fields = {
        "list_price": Decimal("38.00"),
        "cost": Decimal("12.50"),
        "effective_from": timezone.localdate(),
    }
    fields.update(overrides)
    return catalogue.set_price(actor=people[persona], part=part, **fields)


# --- parts (PRT-8, SEC-1) ------------------------------------------------------------------


def test_prt_8_keeper_adds_a_part_code_trimmed_and_upper_cased_and_audited(people, models):
    part = catalogue.create_part(
        actor=people["keeper"],
        code="  cmp-qxa25 ",
        name=" 压缩机 ",
        compatible_models=[models["KRF-35"], models["L1PB26"]],
        is_valuable=True,
    )
    assert part.code == "CMP-QXA25" and part.name == "压缩机"
    assert set(part.compatible_models.values_list("code", flat=True)) == {"KRF-35", "L1PB26"}
    entry = AuditEntry.objects.for_object(part).get()
    assert entry.action == "parts.part.created" and entry.actor == people["keeper"]
    assert entry.changes["code"] == [None, "CMP-QXA25"]
    assert entry.changes["compatible_models"] == [None, "KRF-35, L1PB26"]


def test_prt_8_part_code_is_unique_whatever_the_case_and_name_is_required(people, part):
    before = (Part.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ServiceError) as exc:
        catalogue.create_part(actor=people["keeper"], code="sns-ntc10k", name="")
    assert set(exc.value.message_dict) == {"code", "name"}
    with pytest.raises(ServiceError) as exc:
        catalogue.create_part(actor=people["keeper"], code="  ", name="x")
    assert "code" in exc.value.message_dict
    assert (Part.objects.count(), AuditEntry.objects.count()) == before


def test_prt_8_sec_1_update_part_records_before_and_after(people, part, models):
    catalogue.update_part(
        actor=people["admin"],
        part=part,
        name="水温传感器 NTC",
        compatible_models=[models["L1PB26"]],
    )
    part.refresh_from_db()
    assert part.name == "水温传感器 NTC"
    entry = AuditEntry.objects.for_object(part).filter(action="parts.part.changed").get()
    assert entry.changes["name"] == ["水温传感器", "水温传感器 NTC"]
    assert entry.changes["compatible_models"] == ["KRF-35", "L1PB26"]


@pytest.mark.parametrize("persona", ["technician", "finance", "agent"])
def test_prt_8_sec_5_only_the_warehouse_and_administrator_add_parts(persona, people):
    with pytest.raises(PermissionDenied):
        catalogue.create_part(actor=people[persona], code="X-1", name="x")
    assert not Part.objects.exists()


# --- prices (FEE-2) -------------------------------------------------------------------------


def test_fee_2_finance_sets_a_price_audited(people, part, today):
    price = _set(people, part)
    assert (price.list_price, price.cost, price.effective_from) == (
        Decimal("38.00"),
        Decimal("12.50"),
        today,
    )
    assert price.created_by == people["finance"]
    entry = AuditEntry.objects.for_object(price).get()
    assert entry.action == "parts.price.set" and entry.actor == people["finance"]
    assert entry.changes["list_price"] == [None, "38.00"]
    assert catalogue.price_on(part, today) == price


@pytest.mark.parametrize("persona", ["keeper", "technician", "agent"])
def test_fee_2_sec_5_keeper_or_technician_cannot_set_a_price_in_the_service(persona, people, part):
    before = _counts()
    with pytest.raises(PermissionDenied):
        _set(people, part, persona)
    with pytest.raises(PermissionDenied):
        catalogue.set_labour_rate(
            actor=people[persona],
            code="VISIT",
            name="上门服务费",
            basis="item",
            rate=Decimal("80.00"),
            effective_from=timezone.localdate(),
        )
    assert _counts() == before


def test_fee_2_a_price_dated_in_the_past_is_refused(people, part, today):
    before = _counts()
    with pytest.raises(ServiceError) as exc:
        _set(people, part, effective_from=today - DAY)
    assert list(exc.value.message_dict) == ["effective_from"]
    assert _counts() == before


@pytest.mark.parametrize(
    ("list_price", "cost", "fields"),
    [
        (Decimal("-1.00"), Decimal("1.00"), {"list_price"}),
        ("abc", Decimal("1.00"), {"list_price"}),
        (Decimal("38.001"), Decimal("1.00"), {"list_price"}),
        (38.5, Decimal("1.00"), {"list_price"}),  # a float is never money
        (Decimal("NaN"), Decimal("Infinity"), {"list_price", "cost"}),
        (None, "-0.01", {"list_price", "cost"}),
        (Decimal("38.00"), "12.345", {"cost"}),
        (Decimal("1e12"), True, {"list_price", "cost"}),
    ],
)
def test_fee_2_bad_amounts_are_field_errors_and_nothing_is_written(
    list_price, cost, fields, people, part
):
    before = _counts()
    with pytest.raises(ServiceError) as exc:
        _set(people, part, list_price=list_price, cost=cost)
    assert set(exc.value.message_dict) == fields
    assert _counts() == before


def test_fee_2_amounts_as_text_or_whole_numbers_are_accepted(people, part):
    price = _set(people, part, list_price="38.5", cost=12)
    assert (price.list_price, price.cost) == (Decimal("38.50"), Decimal("12.00"))


def test_fee_2_sec_1_same_day_replaces_that_days_row_audited_as_a_change(people, priced, today):
    row = _set(people, priced, list_price=Decimal("40.00"))
    assert PartPrice.objects.filter(part=priced).count() == 1
    assert row.list_price == Decimal("40.00")
    entry = AuditEntry.objects.for_object(row).filter(action="parts.price.changed").get()
    assert entry.changes == {"list_price": ["38.00", "40.00"]}
    # The same values again change nothing and record nothing.
    before = _counts()
    _set(people, priced, list_price=Decimal("40.00"))
    assert _counts() == before


def test_fee_2_a_later_day_adds_a_row_and_orders_received_before_keep_the_old_price(
    people, priced, today
):
    """An order received today is charged today's price; a change from next week does not
    touch it, and orders received from then on get the new price."""
    order_received = today
    _set(people, priced, list_price=Decimal("45.00"), effective_from=today + 7 * DAY)
    assert PartPrice.objects.filter(part=priced).count() == 2
    assert catalogue.price_on(priced, order_received).list_price == Decimal("38.00")
    assert catalogue.price_on(priced, today + 6 * DAY).list_price == Decimal("38.00")
    assert catalogue.price_on(priced, today + 7 * DAY).list_price == Decimal("45.00")
    assert catalogue.price_on(priced, today + 400 * DAY).list_price == Decimal("45.00")
    assert catalogue.price_on(priced, today - DAY) is None  # no price before the first


def test_fee_2_price_on_picks_the_row_in_force_on_a_day(people, part, today):
    """Prices loaded for the past (demo / import only) show which one applied when."""
    for days_ago, amount in [(60, "30.00"), (20, "34.00"), (5, "36.00")]:
        _set(
            people,
            part,
            list_price=Decimal(amount),
            effective_from=today - days_ago * DAY,
            allow_past=True,
        )
    received = timezone.now() - datetime.timedelta(days=10)  # an order received 10 days ago
    assert catalogue.price_on(part, received).list_price == Decimal("34.00")
    assert catalogue.price_on(part.pk, today - 60 * DAY).list_price == Decimal("30.00")
    assert catalogue.price_on(part, today).list_price == Decimal("36.00")
    assert catalogue.price_on(part, today - 61 * DAY) is None


def test_fee_2_prices_on_many_parts_is_one_query(people, models, today, django_assert_num_queries):
    parts = []
    for i in range(12):
        p = catalogue.create_part(actor=people["keeper"], code=f"P-{i}", name=f"配件 {i}")
        _set(people, p, list_price=Decimal(i), effective_from=today - 30 * DAY, allow_past=True)
        _set(people, p, list_price=Decimal(i + 100), effective_from=today + DAY)
        parts.append(p)
    unpriced = catalogue.create_part(actor=people["keeper"], code="P-NONE", name="无价")
    with django_assert_num_queries(1):
        found = catalogue.prices_on([*parts, unpriced], today)
    assert {pid: row.list_price for pid, row in found.items()} == {
        p.pk: Decimal(i) for i, p in enumerate(parts)
    }
    with django_assert_num_queries(1):
        later = catalogue.prices_on([p.pk for p in parts], today + DAY)
    assert later[parts[3].pk].list_price == Decimal("103")
    with django_assert_num_queries(0):
        assert catalogue.prices_on([], today) == {}


# --- labour rates (FEE-2) -------------------------------------------------------------------


def _rate(people, persona="finance", **overrides):
    fields = {
        "code": "visit",
        "name": "上门服务费",
        "basis": "item",
        "rate": Decimal("80.00"),
        "effective_from": timezone.localdate(),
    }
    fields.update(overrides)
    return catalogue.set_labour_rate(actor=people[persona], **fields)


def test_fee_2_finance_sets_a_labour_rate_audited(people, today):
    rate = _rate(people)
    assert (rate.code, rate.basis, rate.rate) == ("VISIT", "item", Decimal("80.00"))
    entry = AuditEntry.objects.for_object(rate).get()
    assert entry.action == "parts.labour_rate.set" and entry.actor == people["finance"]
    assert catalogue.labour_rate_on("VISIT", today) == rate
    assert catalogue.labour_rate_on("visit", today) == rate


def test_fee_2_labour_rate_on_a_day_and_same_day_replace(people, today):
    old = _rate(people, effective_from=today - 30 * DAY, allow_past=True)
    new = _rate(people, rate=Decimal("90.00"), effective_from=today + 3 * DAY)
    assert catalogue.labour_rate_on("VISIT", today) == old  # an order received today
    assert catalogue.labour_rate_on("VISIT", today + 3 * DAY) == new
    assert catalogue.labour_rate_on("HOUR", today) is None
    replaced = _rate(people, rate=Decimal("95.00"), effective_from=today + 3 * DAY)
    assert replaced.pk == new.pk and LabourRate.objects.count() == 2
    entry = AuditEntry.objects.for_object(new).filter(action="parts.labour_rate.changed").get()
    assert entry.changes == {"rate": ["90.00", "95.00"]}
    _rate(people, code="HOUR", name="维修工时", basis="hour", rate=Decimal("60.00"))
    assert [r.code for r in catalogue.labour_rates_on(today)] == ["HOUR", "VISIT"]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"effective_from": timezone.localdate() - DAY}, {"effective_from"}),
        ({"rate": Decimal("-80")}, {"rate"}),
        ({"rate": "eighty"}, {"rate"}),
        ({"rate": Decimal("80.005")}, {"rate"}),
        ({"rate": 80.0}, {"rate"}),
        ({"code": " ", "name": "", "basis": "day"}, {"code", "name", "basis"}),
        ({"effective_from": "someday"}, {"effective_from"}),
    ],
)
def test_fee_2_bad_labour_rates_are_field_errors_and_nothing_is_written(overrides, fields, people):
    before = _counts()
    with pytest.raises(ServiceError) as exc:
        _rate(people, **overrides)
    assert set(exc.value.message_dict) == fields
    assert _counts() == before


# --- pages -----------------------------------------------------------------------------------


def test_fee_2_finance_adds_a_price_on_the_part_page(client_for, people, part, today):
    c = client_for(people["finance"])
    page = c.get(reverse("parts:part_detail", args=[part.pk]))
    assert page.status_code == 200 and 'data-testid="price-form"' in page.content.decode()
    resp = c.post(
        reverse("parts:price_add", args=[part.pk]),
        {"list_price": "38.00", "cost": "12.50", "effective_from": today.isoformat()},
    )
    assert resp.status_code == 302
    price = PartPrice.objects.get(part=part)
    assert price.list_price == Decimal("38.00") and price.updated_by == people["finance"]
    assert AuditEntry.objects.for_object(price).get().actor == people["finance"]
    # The price history shows it with who set it.
    html = c.get(reverse("parts:part_detail", args=[part.pk])).content.decode()
    assert "38.00" in html and str(people["finance"]) in html


@pytest.mark.parametrize("persona", ["keeper", "technician"])
def test_fee_2_sec_5_keeper_or_technician_gets_403_on_the_price_page(
    persona, client_for, people, part, today
):
    c = client_for(people[persona])
    page = c.get(reverse("parts:part_detail", args=[part.pk]))
    assert page.status_code == 200 and 'data-testid="price-form"' not in page.content.decode()
    before = _counts()
    resp = c.post(
        reverse("parts:price_add", args=[part.pk]),
        {"list_price": "1.00", "cost": "1.00", "effective_from": today.isoformat()},
    )
    assert resp.status_code == 403 and "parts.manage_prices" in resp.content.decode()
    resp = c.post(
        reverse("parts:labour_rates"),
        {
            "code": "VISIT",
            "name": "x",
            "basis": "item",
            "rate": "1",
            "effective_from": today.isoformat(),
        },
    )
    assert resp.status_code == 403
    assert _counts() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"list_price": "-5"}, "list_price"),
        ({"list_price": "abc"}, "list_price"),
        ({"cost": "1.234"}, "cost"),
        ({"effective_from": "past"}, "effective_from"),
        ({"effective_from": "2000-01-01"}, "effective_from"),
        ({"list_price": "NaN"}, "list_price"),
    ],
)
def test_fee_2_bad_price_on_the_page_is_a_400_with_field_errors(
    data, field, client_for, people, part, today
):
    form = {"list_price": "38.00", "cost": "12.50", "effective_from": today.isoformat()}
    if data.get("effective_from") == "past":
        data = {"effective_from": (today - DAY).isoformat()}
    form.update(data)
    before = _counts()
    resp = client_for(people["finance"]).post(reverse("parts:price_add", args=[part.pk]), form)
    assert resp.status_code == 400
    assert field in resp.context["price_form"].errors
    assert _counts() == before


def test_prt_8_keeper_creates_and_edits_a_part_on_the_pages(client_for, people, models):
    c = client_for(people["keeper"])
    assert c.get(reverse("parts:part_create")).status_code == 200
    resp = c.post(
        reverse("parts:part_create"),
        {
            "code": " pump-l1 ",
            "name": "水泵",
            "unit_of_measure": "台",
            "compatible_models": [models["L1PB26"].pk],
            "is_assembly": "on",
            "has_recovery_value": "on",
            "is_active": "on",
        },
    )
    part = Part.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "parts:part_detail", args=[part.pk]
    )
    assert part.code == "PUMP-L1" and part.is_assembly and not part.is_valuable
    assert list(part.compatible_models.all()) == [models["L1PB26"]]
    resp = c.post(
        reverse("parts:part_edit", args=[part.pk]),
        {"code": "PUMP-L1", "name": "循环水泵", "unit_of_measure": "台", "is_active": "on"},
    )
    assert resp.status_code == 302
    part.refresh_from_db()
    assert part.name == "循环水泵" and not part.is_assembly
    assert AuditEntry.objects.for_object(part).count() == 2


def test_prt_8_part_form_errors_are_400_and_write_nothing(client_for, people, part):
    c = client_for(people["keeper"])
    before = (Part.objects.count(), AuditEntry.objects.count())
    resp = c.post(reverse("parts:part_create"), {"code": "sns-ntc10k", "name": "重复"})
    assert resp.status_code == 400 and "code" in resp.context["form"].errors
    resp = c.post(reverse("parts:part_create"), {"code": "X" * 41, "name": ""})
    assert resp.status_code == 400
    assert {"code", "name"} <= set(resp.context["form"].errors)
    assert (Part.objects.count(), AuditEntry.objects.count()) == before


def test_prt_8_technician_cannot_add_or_edit_parts_on_the_pages(client_for, people, part):
    c = client_for(people["technician"])
    assert c.get(reverse("parts:part_create")).status_code == 403
    resp = c.post(reverse("parts:part_edit", args=[part.pk]), {"code": "X", "name": "y"})
    assert resp.status_code == 403 and "parts.change_part" in resp.content.decode()
    part.refresh_from_db()
    assert part.code == "SNS-NTC10K"


def test_prt_8_outsider_without_parts_rights_gets_403_on_the_list(client_for, people):
    resp = client_for(people["engineer"]).get(reverse("parts:part_list"))
    assert resp.status_code == 403 and "parts.view_part" in resp.content.decode()


def test_prt_8_fee_2_part_detail_shows_facts_models_prices_and_stock(
    client_for, people, priced, models, today
):
    _set(people, priced, list_price=Decimal("45.00"), effective_from=today + 7 * DAY)
    central = Warehouse.objects.create(
        code="HQ-WH", name="总部中心仓库", kind="central", org_unit=people["keeper"].org_unit
    )
    branch = Warehouse.objects.create(
        code="HZ-WH",
        name="杭州分公司仓库",
        kind="branch",
        org_unit=people["technician"].org_unit,
    )
    StockLevel.objects.create(warehouse=central, part=priced, on_hand=40, reorder_point=10)
    StockLevel.objects.create(warehouse=branch, part=priced, on_hand=3)
    resp = client_for(people["keeper"]).get(reverse("parts:part_detail", args=[priced.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "水温传感器" in html and "KRF-35" in html
    assert resp.context["price_today"].list_price == Decimal("38.00")
    assert [p.list_price for p in resp.context["prices"]] == [Decimal("45.00"), Decimal("38.00")]
    assert "总部中心仓库" in html and "杭州分公司仓库" in html
    assert resp.context["on_hand_total"] == 43
    # A technician sees the part and its prices, not the warehouses' stock.
    resp = client_for(people["technician"]).get(reverse("parts:part_detail", args=[priced.pk]))
    assert resp.status_code == 200 and 'data-testid="stock-levels"' not in resp.content.decode()


def test_prt_8_part_list_searches_chinese_substrings_and_filters(
    client_for, people, priced, models
):
    catalogue.create_part(actor=people["keeper"], code="CMP-1", name="压缩机", is_valuable=True)
    catalogue.create_part(
        actor=people["keeper"], code="OLD-1", name="旧主控板", is_active=False, is_assembly=True
    )
    c = client_for(people["technician"])
    url = reverse("parts:part_list")

    def codes(**params):
        resp = c.get(url, params)
        assert resp.status_code == 200
        return [p.code for p in resp.context["page_obj"]]

    assert codes(q="水温") == ["SNS-NTC10K"]
    assert codes(q="ntc") == ["SNS-NTC10K"]
    assert codes(is_valuable="true") == ["CMP-1"]
    assert codes(is_assembly="false") == ["SNS-NTC10K"]
    assert codes(is_active="false") == ["OLD-1"]
    assert codes(fits=models["KRF-35"].pk) == ["SNS-NTC10K"]
    assert codes(is_active="maybe", fits="x") == ["CMP-1", "OLD-1", "SNS-NTC10K"]
    html = c.get(url, {"q": "水温"}).content.decode()
    assert "38.00" in html  # the price in force today


def test_prt_8_part_list_runs_a_constant_number_of_queries(
    client_for, people, models, today, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            p = catalogue.create_part(actor=people["keeper"], code=f"P-{i:03d}", name=f"配件{i}")
            p.compatible_models.set(models.values())
            _set(people, p, list_price=Decimal(i), effective_from=today - DAY, allow_past=True)
            _set(people, p, list_price=Decimal(i + 1), effective_from=today)

    c = client_for(people["finance"])
    url = reverse("parts:part_list")
    add(3, 0)
    c.get(url)  # warm the session
    with django_assert_max_num_queries(15) as few:
        c.get(url)
    add(30, 3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = c.get(url, {"q": "配件"})
    assert len(resp.context["page_obj"]) == 33
    assert resp.content.decode().count('data-testid="price-today"') == 33


def test_fee_2_finance_sets_a_labour_rate_on_the_page(client_for, people, today):
    c = client_for(people["finance"])
    assert c.get(reverse("parts:labour_rates")).status_code == 200
    resp = c.post(
        reverse("parts:labour_rates"),
        {
            "code": "hour",
            "name": "维修工时",
            "basis": "hour",
            "rate": "60.00",
            "effective_from": today.isoformat(),
        },
    )
    assert resp.status_code == 302
    rate = LabourRate.objects.get()
    assert rate.code == "HOUR" and AuditEntry.objects.for_object(rate).exists()
    page = c.get(reverse("parts:labour_rates"), {"code": "HOUR"})
    assert page.context["form"].initial["name"] == "维修工时"
    assert [r.code for r in page.context["current"]] == ["HOUR"]
    bad = c.post(
        reverse("parts:labour_rates"),
        {
            "code": "HOUR",
            "name": "维修工时",
            "basis": "hour",
            "rate": "-1",
            "effective_from": (today - DAY).isoformat(),
        },
    )
    assert bad.status_code == 400 and "rate" in bad.context["form"].errors
    past = c.post(
        reverse("parts:labour_rates"),
        {
            "code": "HOUR",
            "name": "维修工时",
            "basis": "hour",
            "rate": "70",
            "effective_from": (today - DAY).isoformat(),
        },
    )
    assert past.status_code == 400 and "effective_from" in past.context["form"].errors
    assert LabourRate.objects.count() == 1


def test_fee_2_labour_rates_page_needs_a_rate_right(client_for, people):
    assert client_for(people["technician"]).get(reverse("parts:labour_rates")).status_code == 403


# --- API -----------------------------------------------------------------------------------


def test_fee_2_finance_sets_a_price_through_the_api(api_for, people, part, today):
    api = api_for(people["finance"])
    resp = api.post(
        "/api/part-prices/",
        {
            "part": part.pk,
            "list_price": "38.00",
            "cost": "12.50",
            "effective_from": today.isoformat(),
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["set_by"] == people["finance"].username
    price = PartPrice.objects.get()
    assert AuditEntry.objects.for_object(price).get().actor == people["finance"]
    listed = api_for(people["technician"]).get("/api/part-prices/", {"part": part.pk}).json()
    assert [r["list_price"] for r in listed["results"]] == ["38.00"]
    # The part's own record shows the price in force today.
    detail = api_for(people["technician"]).get(f"/api/parts/{part.pk}/").json()
    assert detail["price_today"] == "38.00" and detail["price_from"] == today.isoformat()


@pytest.mark.parametrize("persona", ["keeper", "technician"])
def test_fee_2_sec_5_keeper_or_technician_gets_403_on_the_price_api(
    persona, api_for, people, part, today
):
    api = api_for(people[persona])
    before = _counts()
    resp = api.post(
        "/api/part-prices/",
        {"part": part.pk, "list_price": "1", "cost": "1", "effective_from": today.isoformat()},
        format="json",
    )
    assert resp.status_code == 403 and "parts.manage_prices" in resp.json()["detail"]
    resp = api.post(
        "/api/labour-rates/",
        {
            "code": "VISIT",
            "name": "x",
            "basis": "item",
            "rate": "1",
            "effective_from": today.isoformat(),
        },
        format="json",
    )
    assert resp.status_code == 403
    assert _counts() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"list_price": "-1"}, "list_price"),
        ({"list_price": "abc"}, "list_price"),
        ({"cost": "1.234"}, "cost"),
        ({"list_price": "NaN"}, "list_price"),
        ({"effective_from": "2000-01-01"}, "effective_from"),
        ({"effective_from": "x"}, "effective_from"),
        ({"part": 999999}, "part"),
    ],
)
def test_fee_2_bad_prices_through_the_api_are_400_field_errors(
    payload, field, api_for, people, part, today
):
    body = {"part": part.pk, "list_price": "38", "cost": "12", "effective_from": str(today)}
    body.update(payload)
    before = _counts()
    resp = api_for(people["finance"]).post("/api/part-prices/", body, format="json")
    assert resp.status_code == 400 and field in resp.json()
    assert _counts() == before


def test_fee_2_labour_rates_through_the_api(api_for, people, today):
    api = api_for(people["finance"])
    body = {
        "code": "visit",
        "name": "上门服务费",
        "basis": "item",
        "rate": "80.00",
        "effective_from": today.isoformat(),
    }
    resp = api.post("/api/labour-rates/", body, format="json")
    assert resp.status_code == 201 and resp.json()["code"] == "VISIT"
    resp = api.post(
        "/api/labour-rates/", {**body, "effective_from": str(today - DAY)}, format="json"
    )
    assert resp.status_code == 400 and "effective_from" in resp.json()
    listed = api.get("/api/labour-rates/", {"code": "visit"}).json()
    assert [r["rate"] for r in listed["results"]] == ["80.00"]
    assert api_for(people["technician"]).get("/api/labour-rates/").status_code == 403


def test_prt_8_parts_through_the_api(api_for, people, models, priced):
    keeper = api_for(people["keeper"])
    resp = keeper.post(
        "/api/parts/",
        {
            "code": " cmp-1 ",
            "name": "压缩机",
            "compatible_models": [models["KRF-35"].pk],
            "is_valuable": True,
        },
        format="json",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["code"] == "CMP-1" and resp.json()["price_today"] is None
    created = Part.objects.get(code="CMP-1")
    assert AuditEntry.objects.for_object(created).get().actor == people["keeper"]
    dup = keeper.post("/api/parts/", {"code": "cmp-1", "name": "x"}, format="json")
    assert dup.status_code == 400 and "code" in dup.json()
    resp = keeper.patch(f"/api/parts/{created.pk}/", {"name": "压缩机 2.5 匹"}, format="json")
    assert resp.status_code == 200 and resp.json()["name"] == "压缩机 2.5 匹"
    tech = api_for(people["technician"])
    assert [p["code"] for p in tech.get("/api/parts/", {"search": "水温"}).json()["results"]] == [
        "SNS-NTC10K"
    ]
    assert [
        p["code"] for p in tech.get("/api/parts/", {"is_valuable": "true"}).json()["results"]
    ] == ["CMP-1"]
    listed = tech.get("/api/parts/", {"q": "传感"}).json()["results"]
    assert listed[0]["price_today"] == "38.00"
    resp = tech.post("/api/parts/", {"code": "X", "name": "y"}, format="json")
    assert resp.status_code == 403 and "parts.add_part" in resp.json()["detail"]


# --- demo and admin ----------------------------------------------------------------------


def test_prt_8_fee_2_demo_parts_prices_rates_and_warehouses(org):
    from aftersales.parts import demo as parts_demo
    from aftersales.products import demo as products_demo

    ctx = dict(org)
    products_demo.load(ctx)
    parts_demo.load(ctx)
    today = timezone.localdate()
    parts = ctx["parts"]
    assert len(parts) >= 15 and Part.objects.count() == len(parts)
    assert parts["CMP-QXA25"].is_valuable and parts["PCB-KRF-M"].is_valuable
    seal, fuse = parts["SEAL-DN20"], parts["FUSE-T5A"]
    for small in (seal, fuse):
        assert not small.has_recovery_value
        assert catalogue.price_on(small, today).list_price < Decimal("50")
    assert not parts["PCB-KRF-M2"].is_active
    assert set(parts["IGN-L1"].compatible_models.values_list("code", flat=True)) == {
        "L1PB26",
        "L1PB32",
    }
    compressor = parts["CMP-QXA25"]
    assert catalogue.price_on(compressor, today).list_price == Decimal("1780.00")
    assert catalogue.price_on(compressor, today - 30 * DAY).list_price == Decimal("1680.00")
    assert catalogue.price_on(parts["PUMP-L1"], today - 60 * DAY) is not None
    assert catalogue.labour_rate_on(catalogue.LABOUR_VISIT, today).rate == Decimal("80.00")
    rate = catalogue.labour_rate_on(catalogue.LABOUR_HOUR, today)
    assert (rate.basis, rate.rate) == ("hour", Decimal("60.00"))
    warehouses = ctx["warehouses"]
    assert {w.kind for w in warehouses.values()} == {"central", "old_parts", "branch"}
    assert warehouses["HQ-WH"].org_unit.code == "HQ-WH"
    assert warehouses["HZ-WH"].org_unit.code == "BR-HZ"
    # Written through the services: every price has its audit row.
    for price in PartPrice.objects.all():
        assert AuditEntry.objects.for_object(price).exists()


def test_prt_8_admin_registers_the_catalogue_and_prices_are_read_only_for_staff(people, rf):
    from django.contrib import admin

    for model in (Part, PartPrice, LabourRate, Warehouse):
        assert model in admin.site._registry
    request = rf.get("/")
    request.user = people["finance"]
    price_admin = admin.site._registry[PartPrice]
    assert not price_admin.has_add_permission(request)
    assert not price_admin.has_change_permission(request)
    request.user = people["admin"]
    assert price_admin.has_change_permission(request)
