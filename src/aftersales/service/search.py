"""The work queue's keyword search (REQ-2, RPT-3; issue 7): substring search of Chinese text,
phone and serial fragments over a million orders.

Each order keeps one lower-case search column — its number, contact, phone (also as bare
digits), customer name, unit serial and fault text — kept here on every write that changes
one of them. A substring index makes ``LIKE '%…%'`` fast:

* PostgreSQL: a ``pg_trgm`` GIN index on the column (trigrams of Chinese characters too:
  the database's ctype must classify them as letters — C.UTF-8 and zh_CN.UTF-8 do);
* SQLite: an FTS5 table with the ``trigram`` tokenizer over the column, kept in step by
  triggers.

Both index trigrams, so a query of one or two characters cannot use them. Two Chinese
characters are the common case (a two-character name, 漏水): on PostgreSQL a second GIN
index holds each order's two-character pieces that contain a non-ASCII character
(``order_search_bigrams``, a few dozen per order), and such a query is answered from it —
the piece is the query, so the match is exact. Other short queries (one character, two
ASCII characters; on SQLite every short query) scan the column: correct, only slower
(docs/performance.md).
"""

from __future__ import annotations

from django.db import connection
from django.db.migrations.operations.base import Operation
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

# Shorter queries cannot use a trigram index.
INDEXED_MIN_LENGTH = 3
MAX_QUERY_LENGTH = 100
FTS_TABLE = "service_order_search"


def digits(text: str) -> str:
    return "".join(c for c in text or "" if c.isdigit())


def search_text(order, customer_name: str | None = None, serial: str | None = None) -> str:
    """The order's search column: what an agent types to find it, lower-case."""
    if customer_name is None:
        customer_name = order.customer.name if order.customer_id else ""
    if serial is None:
        serial = order.unit.serial_number if order.unit_id else ""
    parts = [
        order.number,
        order.contact_name,
        order.contact_phone,
        digits(order.contact_phone),
        customer_name,
        serial,
        order.description,
    ]
    return " ".join(" ".join(p.split()) for p in parts if p).lower()


def refresh(orders: QuerySet) -> int:
    """Rewrite the search column of these orders (a customer renamed or anonymised, a serial
    corrected); returns how many. In batches, so a dealer's thousands of orders fit."""
    from aftersales.service.models import ServiceOrder

    changed = 0
    batch: list[ServiceOrder] = []
    rows = orders.select_related("customer", "unit").only(
        "pk",
        "number",
        "contact_name",
        "contact_phone",
        "description",
        "search_text",
        "customer__name",
        "unit__serial_number",
    )
    for order in rows.iterator(chunk_size=2000):
        text = search_text(order)
        if text != order.search_text:
            order.search_text = text
            batch.append(order)
        if len(batch) >= 2000:
            changed += ServiceOrder.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        changed += ServiceOrder.objects.bulk_update(batch, ["search_text"])
    return changed


PHONE_PUNCTUATION = set(" -+()")


def _bigram(term: str) -> bool:
    """A query the bigram index holds: two characters, no space, one of them non-ASCII."""
    return len(term) == 2 and not any(c.isspace() for c in term) and max(map(ord, term)) > 127


def query_terms(value: str) -> list[str]:
    """What to look for: the query in lower case with single spaces; for a phone typed with
    spaces or dashes (0571 8700 1234) also its bare digits, which the column holds too."""
    query = " ".join((value or "").split())[:MAX_QUERY_LENGTH].lower()
    if not query:
        return []
    terms = [query]
    bare = digits(query)
    if bare != query and len(bare) >= 4:
        if all(c.isdigit() or c in PHONE_PUNCTUATION for c in query):
            terms.append(bare)
    return terms


def matching(queryset: QuerySet, value: str) -> QuerySet:
    """The orders whose search column contains the query (any case)."""
    terms = query_terms(value)
    if not terms:
        return queryset
    if connection.vendor == "sqlite" and min(map(len, terms)) >= INDEXED_MIN_LENGTH:
        # FTS5 trigram: a quoted string matches as a substring (quotes doubled inside).
        phrases = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        return queryset.filter(
            pk__in=RawSQL(
                "SELECT rowid FROM service_order_search WHERE service_order_search MATCH %s",
                [phrases],
            )
        )
    if connection.vendor == "postgresql" and len(terms) == 1 and _bigram(terms[0]):
        # Two characters, one of them Chinese: the bigram index, exactly (see the module).
        return queryset.filter(
            RawSQL(
                "order_search_bigrams(search_text) @> ARRAY[%s]::text[]",
                [terms[0]],
                output_field=BooleanField(),
            )
        )
    # PostgreSQL's trigram index serves LIKE '%…%' directly; other short queries scan.
    match = Q()
    for term in terms:
        match |= Q(search_text__contains=term)
    return queryset.filter(match)


class CreateOrderSearchIndex(Operation):
    """The substring index of the search column, per database (see the module's text).

    Its own operation, not RunPython or RunSQL: each database needs different DDL, and a
    restore (core/backup.py) must run it rather than skip it as it skips data migrations."""

    reversible = True
    reduces_to_sql = False

    def state_forwards(self, app_label, state):
        pass

    def create_sql(self, vendor: str) -> list[str]:
        return _create_sql(vendor)

    def drop_sql(self, vendor: str) -> list[str]:
        return _drop_sql(vendor)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self.create_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        for sql in self.drop_sql(schema_editor.connection.vendor):
            schema_editor.execute(sql)

    def describe(self):
        return "Create the substring index of the orders' search column"


class CreateOrderBigramIndex(CreateOrderSearchIndex):
    """PostgreSQL's index of the two-character pieces (see the module); nothing on SQLite."""

    def create_sql(self, vendor: str) -> list[str]:
        return _bigram_create_sql(vendor)

    def drop_sql(self, vendor: str) -> list[str]:
        return _bigram_drop_sql(vendor)

    def describe(self):
        return "Create the two-character index of the orders' search column (PostgreSQL)"


def _bigram_create_sql(vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    # The distinct two-character pieces without a space and with a non-ASCII character
    # (U+0080 and up): Chinese text, not digits or Latin letters, which would make the
    # index several times larger for queries nobody types.
    return [
        "CREATE OR REPLACE FUNCTION order_search_bigrams(value text) RETURNS text[] "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
        "SELECT ARRAY(SELECT DISTINCT substr(value, i, 2) "
        "FROM generate_series(1, char_length(value) - 1) AS i "
        "WHERE substr(value, i, 2) !~ '\\s' AND substr(value, i, 2) ~ '[^\\x01-\\x7f]') $$",
        "CREATE INDEX IF NOT EXISTS order_search_bigram ON service_serviceorder "
        "USING gin (order_search_bigrams(search_text))",
    ]


def _bigram_drop_sql(vendor: str) -> list[str]:
    if vendor != "postgresql":
        return []
    return [
        "DROP INDEX IF EXISTS order_search_bigram",
        "DROP FUNCTION IF EXISTS order_search_bigrams(text)",
    ]


def _create_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX IF NOT EXISTS order_search_trgm ON service_serviceorder "
            "USING gin (search_text gin_trgm_ops)",
        ]
    if vendor == "sqlite":
        # Plain literals (FTS_TABLE spelled out): DDL, nothing of the user's in it.
        return [
            "CREATE VIRTUAL TABLE IF NOT EXISTS service_order_search USING fts5(search_text, "
            "content='service_serviceorder', content_rowid='id', tokenize='trigram')",
            "INSERT INTO service_order_search(service_order_search) VALUES ('rebuild')",
            "CREATE TRIGGER IF NOT EXISTS service_order_search_insert AFTER INSERT ON "
            "service_serviceorder BEGIN INSERT INTO service_order_search(rowid, search_text) "
            "VALUES (new.id, new.search_text); END",
            "CREATE TRIGGER IF NOT EXISTS service_order_search_delete AFTER DELETE ON "
            "service_serviceorder BEGIN INSERT INTO service_order_search("
            "service_order_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); END",
            "CREATE TRIGGER IF NOT EXISTS service_order_search_update AFTER UPDATE OF "
            "search_text ON service_serviceorder BEGIN INSERT INTO service_order_search("
            "service_order_search, rowid, search_text) "
            "VALUES ('delete', old.id, old.search_text); "
            "INSERT INTO service_order_search(rowid, search_text) "
            "VALUES (new.id, new.search_text); END",
        ]
    return []


def _drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return ["DROP INDEX IF EXISTS order_search_trgm"]
    if vendor == "sqlite":
        return [
            "DROP TRIGGER IF EXISTS service_order_search_insert",
            "DROP TRIGGER IF EXISTS service_order_search_delete",
            "DROP TRIGGER IF EXISTS service_order_search_update",
            "DROP TABLE IF EXISTS service_order_search",
        ]
    return []
