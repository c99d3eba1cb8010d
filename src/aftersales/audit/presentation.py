"""How an audit row reads to a person: field names and labels instead of codes."""

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst

from aftersales.audit.models import AuditEntry


def _field(model, name):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _resolve(model, key: str):
    """(label, field) for a changes key: "name", or "contact.name" for a child record."""
    if "." in key:
        prefix, name = key.split(".", 1)
        try:
            child = apps.get_model(model._meta.app_label, prefix)
        except LookupError:
            return key, None
        label, field = _resolve(child, name)
        return f"{capfirst(child._meta.verbose_name)} · {label}", field
    field = _field(model, key)
    if field is None or not hasattr(field, "verbose_name"):
        return key, None
    return capfirst(field.verbose_name), field


def _shown(value, field):
    """The value as a person reads it: labels for relations and choices, 是/否 for flags."""
    if value is None or value == "":
        return None
    if isinstance(value, dict) and "label" in value:
        return value["label"]
    if field is not None and getattr(field, "choices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return template.defaultfilters.yesno(value)
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        # Stored as ISO 8601 in UTC; shown like every other time: local, to the minute.
        parsed = parse_datetime(value)
        if parsed is not None:
            return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
    return value


def history_rows(entry: AuditEntry) -> list[dict]:
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for key, (old, new) in entry.changes.items():
        if key == "id":
            continue
        label, field = _resolve(model, key) if model else (key, None)
        rows.append({"label": label, "old": _shown(old, field), "new": _shown(new, field)})
    return rows
