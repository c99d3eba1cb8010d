"""record() is called by every service write, inside the service's transaction (SEC-1)."""

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from aftersales.audit.models import AuditEntry

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


SKIPPED_FIELDS = {"created_at", "updated_at", "created_by", "updated_by", "password"}


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
    before = before or {}
    if after is None:
        after = {} if deleted else snapshot(obj)
    actor_obj = actor if getattr(actor, "pk", None) else None
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor_obj,
        actor_name=(actor_obj.get_username() if actor_obj else str(actor or "system"))[:150],
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=diff(before, after),
        note=note,
    )
