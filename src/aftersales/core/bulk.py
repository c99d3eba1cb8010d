"""Many rows written without model instances (issue 7: the SLA sweep's audit rows and inbox
messages, tens of thousands per sweep).

``insert_rows`` writes plain value tuples: on PostgreSQL with one COPY (the ids, when
wanted, are drawn from the table's sequence first, in one query), elsewhere with
multi-row INSERTs. The values are the fields' Python values, as a model instance would
hold them; each column is prepared for the database as the ORM's ``bulk_create`` does it
(``get_db_prep_save``), except the plain text, number and key columns, which go as they
are. Model ``save`` methods, signals and field defaults (``auto_now_add`` included) are
not involved: the caller gives every column it writes; the columns left out get the
database's default (NULL for the nullable ones).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

from django.db import connections, models, router

# Columns whose Python value is what the database adapter takes as it is.
_PLAIN = (
    models.CharField,  # TextField, SlugField, EmailField… are CharField or TextField
    models.TextField,
    models.IntegerField,  # the auto fields and the positive and small variants too
    models.BooleanField,
    models.ForeignKey,  # by its ``attname`` (``recipient_id``): the related pk
)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    returning_ids: bool = False,
    using: str | None = None,
) -> list[int]:
    """Insert ``rows`` (tuples of values in the order of ``fields``, which are field
    names or attnames) into ``model``'s table. Returns the new rows' ids, in row order,
    when ``returning_ids`` (an empty list otherwise)."""
    rows = list(rows)
    if not rows:
        return []
    using = using or router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    prepare = [_preparer(field, connection) for field in columns]
    if any(prepare):
        rows = [
            tuple(value if p is None else p(value) for p, value in zip(prepare, row, strict=True))
            for row in rows
        ]
    table = connection.ops.quote_name(meta.db_table)
    names = [connection.ops.quote_name(field.column) for field in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy(cursor, connection, meta, table, names, rows, returning_ids)
        return _insert(cursor, connection, meta, table, names, rows, returning_ids)


def _preparer(field: models.Field, connection) -> Callable[[Any], Any] | None:
    if isinstance(field, _PLAIN):
        return None
    if connection.vendor == "postgresql":
        if isinstance(field, models.DateTimeField):
            return None  # psycopg writes an aware datetime as it is (what the backend does)
        if isinstance(field, models.JSONField):
            # COPY's text of a jsonb column is the JSON itself: what the backend's Jsonb
            # adapter would send, without the adapter.
            return partial(json.dumps, cls=field.encoder)
    return lambda value: field.get_db_prep_save(value, connection)


def _copy(cursor, connection, meta, table, names, rows, returning_ids) -> list[int]:
    ids: list[int] = []
    if returning_ids:
        # The ids the INSERTs would have drawn, from the same sequence, in one query.
        pk = meta.pk.column
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk, len(rows)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        names = [connection.ops.quote_name(pk), *names]
        rows = [(id_, *row) for id_, row in zip(ids, rows, strict=True)]
    # The psycopg cursor under Django's wrapper: COPY has no place in the DB-API.
    with cursor.cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    return ids


def _insert(cursor, connection, meta, table, names, rows, returning_ids) -> list[int]:
    width = len(names)
    # As many rows per statement as the backend takes parameters (SQLite: 999).
    limit = getattr(connection.features, "max_query_params", None) or 65535
    per_statement = max(1, min(1000, limit // width))
    one = "(" + ", ".join(["%s"] * width) + ")"
    returning = ""
    if returning_ids:
        returning = f" RETURNING {connection.ops.quote_name(meta.pk.column)}"
    ids: list[int] = []
    for start in range(0, len(rows), per_statement):
        part = rows[start : start + per_statement]
        # Quoted table and column names of the model and placeholders only: the values
        # go as parameters.
        sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES "  # nosec B608
        cursor.execute(
            sql + ", ".join([one] * len(part)) + returning,
            [value for row in part for value in row],
        )
        if returning_ids:
            ids.extend(row[0] for row in cursor.fetchall())
    return ids
