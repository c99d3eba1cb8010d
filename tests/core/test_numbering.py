"""Document numbers (core/numbering.py): one upsert per number (issue 7), gap-free per series
and day, given back by a rollback. Concurrency on PostgreSQL: tests/reliability."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from aftersales.core import numbering
from aftersales.core.models import DocumentCounter
from aftersales.core.numbering import next_number

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def test_the_sql_names_the_counter_table_and_columns():
    meta = DocumentCounter._meta
    assert meta.db_table == "core_documentcounter"
    for name in ("series", "day", "last"):
        assert f'"{meta.get_field(name).column}"' in numbering.TAKE_NUMBER


def test_numbers_count_up_per_series_and_day_in_one_query_each():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        first = next_number("TST", day=DAY)
        second = next_number("TST", day=DAY)
    assert len([q for q in queries if "core_documentcounter" in q["sql"]]) == 2
    assert (first, second) == ("TST-20260302-0001", "TST-20260302-0002")
    # Another series and another day start at 1 of their own.
    assert next_number("OTH", day=DAY, width=6) == "OTH-20260302-000001"
    assert next_number("TST", day=DAY + dt.timedelta(days=1)) == "TST-20260303-0001"
    assert next_number("TST", day=DAY) == "TST-20260302-0003"
    counter = DocumentCounter.objects.get(series="TST", day=DAY)
    assert counter.last == 3


def test_a_rolled_back_number_is_given_back():
    assert next_number("RBK", day=DAY) == "RBK-20260302-0001"
    with transaction.atomic():
        assert next_number("RBK", day=DAY) == "RBK-20260302-0002"
        transaction.set_rollback(True)
    assert next_number("RBK", day=DAY) == "RBK-20260302-0002"


def test_the_day_defaults_to_today_in_the_site_time_zone():
    from django.utils import timezone

    today = timezone.localdate()
    assert next_number("TDY") == f"TDY-{today:%Y%m%d}-0001"
    assert DocumentCounter.objects.get(series="TDY").day == today
