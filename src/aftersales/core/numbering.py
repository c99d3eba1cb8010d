"""Gap-free document numbers per series and day (e.g. CUS-20261122-0001)."""

import datetime

from django.db import connection
from django.utils import timezone

# One statement takes the next number (issue 7; before: a SELECT … FOR UPDATE, then an
# UPDATE, and an INSERT on the day's first call): the day's first call inserts the counter
# (core.DocumentCounter) at 1, later calls bump it — an upsert on the unique (series, day),
# the same SQL on PostgreSQL and SQLite. The row stays locked until the transaction ends.
TAKE_NUMBER = (
    'INSERT INTO "core_documentcounter" ("series", "day", "last") VALUES (%s, %s, 1) '
    'ON CONFLICT ("series", "day") DO UPDATE SET "last" = "core_documentcounter"."last" + 1 '
    'RETURNING "last"'
)


def next_number(series: str, *, day: datetime.date | None = None, width: int = 4) -> str:
    """Take the next number in the series; call inside the writing transaction.

    The counter row is locked for the rest of the transaction, so a rollback
    gives the number back and concurrent callers queue (no gaps, no duplicates).
    """
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(TAKE_NUMBER, [series, connection.ops.adapt_datefield_value(day)])
        (last,) = cursor.fetchone()
    return f"{series}-{day:%Y%m%d}-{last:0{width}d}"
