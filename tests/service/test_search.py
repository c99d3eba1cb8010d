"""The queue's keyword search (REQ-2, RPT-3; issue 7): one search column per order, kept on
every write that changes what it copies, served by a substring index (pg_trgm on
PostgreSQL, FTS5 trigram on SQLite)."""

import pytest
from django.db import connection

from aftersales.customers import privacy
from aftersales.customers import services as customer_services
from aftersales.products import services as product_services
from aftersales.service import search
from aftersales.service.models import ServiceOrder

pytestmark = pytest.mark.django_db


def _found(value) -> set[int]:
    return set(search.matching(ServiceOrder.objects.all(), value).values_list("pk", flat=True))


@pytest.fixture
def two_orders(new_order, hz_unit):
    first = new_order(description="热水器不制热，显示 E3 故障码")
    second = new_order(
        unit=None,
        order_type="consultation",
        description="咨询保养价格",
        contact_name="王建国",
        contact_phone="13851234567",
    )
    return first, second


@pytest.mark.parametrize(
    "query, expected",
    [
        ("王建国", {"second"}),  # contact name, three characters (indexed)
        ("西湖宾馆", {"first", "second"}),  # customer name
        ("1234567", {"second"}),  # mobile fragment
        ("138 5123 4567", {"second"}),  # a phone typed with spaces: its digits
        ("87001234", {"first"}),  # the landline, 0571-87001234 (the second gave a mobile)
        ("krf35-00", {"first"}),  # serial fragment, any case
        ("不制热", {"first"}),  # fault words
        ("保养", {"second"}),  # two characters: not indexed, still found (by a scan)
        ("e3 故障", {"first"}),
        ("不存在的词", set()),
    ],
)
def test_req_2_the_search_finds_orders_by_any_fragment(two_orders, query, expected):
    first, second = two_orders
    names = {first.pk: "first", second.pk: "second"}
    assert {names[pk] for pk in _found(query)} == expected


def test_req_2_the_order_number_is_found_too(two_orders):
    first, _ = two_orders
    assert _found(first.number[-8:]) == {first.pk}


def test_req_2_a_renamed_customer_is_found_by_the_new_name_only(two_orders, hz_customer, people):
    """CUS-3 changes reach the search column of the customer's orders."""
    customer_services.update_customer(
        actor=people["admin"],
        customer=hz_customer,
        name="杭州湖滨大酒店",
        credit_code="91330106MA2H3P4X0D",
    )
    first, second = two_orders
    assert _found("湖滨大酒店") == {first.pk, second.pk}
    # The contact of an order is kept as given at intake (REQ-2): the first was filed under
    # the old name as its contact, the second under 王建国.
    assert _found("西湖宾馆") == {first.pk}


def test_req_2_a_corrected_serial_number_is_found(two_orders, hz_unit, people):
    first, _ = two_orders
    product_services.update_unit(actor=people["admin"], unit=hz_unit, serial_number="KRF35-9999")
    assert _found("krf35-9999") == {first.pk}
    assert _found("krf35-0001") == set()


def test_sec_3_anonymising_a_customer_leaves_nothing_of_them_in_the_search(people, new_order, org):
    """SEC-3: the search column copies names and phones; anonymising rewrites it."""
    from aftersales.customers.models import Customer

    person = Customer.objects.create(
        code="C-HZ-009",
        name="李秀英",
        kind="end_user",
        entity="person",
        phone="13912345678",
        owner_unit=org["units"]["BR-HZ"],
        region=org["regions"]["EAST-ZJ"],
    )
    order = new_order(customer=person, unit=None, order_type="consultation")
    from aftersales.service import services

    services.cancel_order(actor=people["agent"], order=order, reason="客户撤销")
    assert _found("李秀英") == {order.pk}
    privacy.anonymise_customer(actor=people["admin"], customer=person, reason="本人来电要求")
    assert _found("李秀英") == set()
    assert _found("12345678") == set()
    order.refresh_from_db()
    assert "李秀英" not in order.search_text


def test_issue_7_the_substring_index_is_kept_in_step(two_orders):
    """SQLite: the FTS5 table follows inserts, updates and deletes (triggers). PostgreSQL:
    the trigram index exists and the planner can answer the search from it."""
    first, second = two_orders
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            ServiceOrder.objects.filter(pk=first.pk).update(search_text="换了的文字")
            assert _found("换了的文字") == {first.pk}
            assert _found("不制热") == set()
            ServiceOrder.objects.filter(pk=second.pk).delete()
            assert _found("王建国") == set()
            cursor.execute(
                f"INSERT INTO {search.FTS_TABLE}({search.FTS_TABLE}) VALUES ('integrity-check')"
            )
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = (
                search.matching(ServiceOrder.objects.order_by(), "王建国")
                .values("pk")
                .query.sql_with_params()
            )
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "order_search_trgm" in plan, plan


@pytest.mark.parametrize("query", ["保养", "建国", "e3", "王"])
def test_issue_7_short_queries_match_exactly_like_the_scan(two_orders, query):
    """Two Chinese characters are answered from the bigram index on PostgreSQL (the query
    is a piece of the column, so the match is exact); the rest scan. Either way the same
    orders as a plain substring test."""
    expected = set(
        ServiceOrder.objects.filter(search_text__contains=query.lower()).values_list(
            "pk", flat=True
        )
    )
    assert expected  # the fixture's orders hold each query
    assert _found(query) == expected


def test_issue_7_two_chinese_characters_use_the_bigram_index_on_postgresql(two_orders):
    sql = str(search.matching(ServiceOrder.objects.all(), "建国").query)
    if connection.vendor != "postgresql":
        assert "order_search_bigrams" not in sql
        return
    assert "order_search_bigrams" in sql
    assert "order_search_bigrams" not in str(
        search.matching(ServiceOrder.objects.all(), "e3").query
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = (
            search.matching(ServiceOrder.objects.order_by(), "建国")
            .values("pk")
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "order_search_bigram" in plan, plan
