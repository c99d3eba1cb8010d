"""record() is called by every service write, inside the service's transaction (SEC-1);
record_access() by every view or export of a confidential record (CUS-2, SEC-2)."""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.models import AccessAction, AccessEntry, AuditEntry
from aftersales.core.bulk import insert_rows
from aftersales.core.ratelimit import client_ip

Snapshot = dict[str, Any]


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value, readable in the history panel."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


# search_text: a copy of other fields for the search index (service/search.py), not a fact.
SKIPPED_FIELDS = {"created_at", "updated_at", "created_by", "updated_by", "password", "search_text"}


def snapshot(obj: models.Model | None) -> Snapshot:
    """The audited field values of obj (foreign keys by id and label)."""
    if obj is None:
        return {}
    data: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if field.name in SKIPPED_FIELDS:
            continue
        if field.is_relation:
            fk_id = getattr(obj, field.attname)
            if fk_id is None:
                data[field.name] = None
            else:
                related = getattr(obj, field.name, None)
                data[field.name] = {"id": _plain(fk_id), "label": str(related)[:200]}
        else:
            data[field.name] = _plain(getattr(obj, field.attname))
    return data


def diff(before: Snapshot, after: Snapshot) -> dict[str, list]:
    """{field: [old, new]} for fields whose value changed."""
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    obj: models.Model,
    action: str,
    *,
    actor,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    note: str = "",
    deleted: bool = False,
) -> AuditEntry:
    """Write one audit row for obj.

    ``before`` is the snapshot taken before the change (empty for a create);
    ``after`` defaults to the object's state now (empty when ``deleted``).
    """
    entry = _entry(obj, action, actor=actor, before=before, after=after, note=note, deleted=deleted)
    entry.save(force_insert=True)
    return entry


# The columns record_many writes, in the order of _values.
_COLUMNS = (
    "at",
    "actor_id",
    "actor_name",
    "action",
    "content_type_id",
    "object_id",
    "object_repr",
    "changes",
    "note",
)


class Target(NamedTuple):
    """A record named without its model instance, for ``record_many`` over rows read as
    plain values (issue 7: the SLA sweep reads a thousand orders per batch). ``after``
    must then be given: there is no instance to take a snapshot of."""

    model: type[models.Model]
    pk: Any
    label: str

    def __str__(self) -> str:
        return self.label


def record_many(entries: Iterable[dict[str, Any]]) -> int:
    """Write many audit rows at once (a sweep over a batch of records). Each entry holds
    ``record``'s arguments: ``obj`` (a model instance or a ``Target``), ``action``,
    ``actor`` and optionally ``before``, ``after``, ``note``, ``deleted``; the rows are
    the ones ``record`` writes, all with the time of this call. Written as plain rows,
    without model instances (issue 7: a sweep writes tens of thousands); returns how
    many."""
    now = timezone.now()
    content_types: dict[type, int] = {}
    rows = [_values(now, content_types, **entry) for entry in entries]
    insert_rows(AuditEntry, _COLUMNS, rows)
    return len(rows)


def _values(
    now: datetime.datetime,
    content_types: dict[type, int],
    obj: models.Model | Target,
    action: str,
    *,
    actor,
    before: Snapshot | None = None,
    after: Snapshot | None = None,
    note: str = "",
    deleted: bool = False,
) -> tuple:
    """An audit row as the values of ``_COLUMNS`` (``record``'s and ``record_many``'s)."""
    before = before or {}
    if after is None:
        after = {} if deleted else snapshot(obj)
    actor_obj = actor if getattr(actor, "pk", None) else None
    kind = obj.model if isinstance(obj, Target) else type(obj)
    if kind not in content_types:
        content_types[kind] = ContentType.objects.get_for_model(kind, for_concrete_model=False).pk
    return (
        now,
        actor_obj.pk if actor_obj else None,
        (actor_obj.get_username() if actor_obj else str(actor or "system"))[:150],
        action,
        content_types[kind],
        str(obj.pk),
        str(obj)[:200],
        diff(before, after),
        note,
    )


def _entry(obj: models.Model, action: str, **kwargs) -> AuditEntry:
    """The (unsaved) audit row of ``record``: ``_values`` as a model instance."""
    row = _values(timezone.now(), {}, obj, action, **kwargs)
    return AuditEntry(**dict(zip(_COLUMNS, row, strict=True)))


def record_access(
    request, action: str, obj: models.Model | None = None, what: str = ""
) -> AccessEntry:
    """Log that the person behind ``request`` saw or took out a confidential record.

    One INSERT and nothing else (content types are cached), so it can sit in every detail
    page and export. ``obj`` is the record; a list export passes no object and says in
    ``what`` what it held ("customer list, 132 rows, filter …").
    """
    if action not in AccessAction.values:
        raise ValueError(f"unknown access action {action!r}")

    def text(value: str, limit: int) -> str:
        # The query string and the browser's header are the client's: PostgreSQL refuses NUL.
        return str(value).replace("\x00", "")[:limit]

    user = getattr(request, "user", None)
    actor = user if getattr(user, "is_authenticated", False) else None
    entry = AccessEntry(
        at=timezone.now(),
        actor=actor,
        actor_name=actor.get_username()[:150] if actor else "",
        action=action,
        what=text(what, 300),
        path=text(request.get_full_path(), 500),
        client_address=client_ip(request),
        user_agent=text(request.META.get("HTTP_USER_AGENT", ""), 200),
    )
    if obj is not None:
        entry.content_type = ContentType.objects.get_for_model(obj, for_concrete_model=False)
        entry.object_id = str(obj.pk)
        entry.object_repr = text(obj, 200)
    entry.save(force_insert=True)
    return entry


class Counted:
    """Rows passed through to a file while being counted: the log entry of a list export
    says how many rows went out without a second query."""

    def __init__(self, rows):
        self.rows = rows
        self.count = 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


# Query parameters that page or format a list rather than filter it.
_NOT_FILTERS = {"page", "page_size", "format", "export", "ordering"}


def list_what(label: str, rows: int, request, total: int | None = None) -> str:
    """``what`` of a list export: the list, its rows and the filter it was taken with."""
    if total is None or total == rows:
        text = _("%(list)s, %(rows)s rows") % {"list": label, "rows": rows}
    else:
        text = _("%(list)s, %(rows)s of %(total)s rows") % {
            "list": label,
            "rows": rows,
            "total": total,
        }
    filters = "&".join(
        f"{key}={value}"
        for key, values in request.GET.lists()
        if key not in _NOT_FILTERS
        for value in values
        if value
    )
    if filters:
        text += " · " + _("filter: %(filter)s") % {"filter": filters}
    return text
