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


def _table(key: str):
    """The model a key names as "app_label.model" (a row about a whole table), or None."""
    if key.count(".") != 1:
        return None
    try:
        return apps.get_model(key)
    except (LookupError, ValueError):
        return None


def _resolve(model, key: str):
    """(label, field) for a changes key: "name", or "contact.name" for a child record."""
    table = _table(key)
    if table is not None:
        return capfirst(table._meta.verbose_name_plural), None
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
    if isinstance(value, dict) and "fields" in value:
        # A whole table's fields cleared (SEC-3 anonymisation): names only, never values.
        return _fields_cleared(value)
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


def _fields_cleared(value: dict) -> str:
    model = _table(value.get("table", ""))
    names = []
    for name in value.get("fields", []):
        field = _field(model, name) if model else None
        names.append(str(field.verbose_name) if field is not None else name)
    return f"{', '.join(names)} ({value.get('rows', 0)})"


# In place of a value that is kept in the trail but no longer shown (SEC-3).
MASK = "***"


def hidden_fields(obj):
    """For each of obj's audit rows, the keys whose values are no longer shown: their person
    was anonymised on request (SEC-3). The values stay in the trail (SEC-1) for the audit
    search. A function of the row."""
    if not apps.is_installed("aftersales.customers"):
        return lambda entry: frozenset()
    from aftersales.customers.privacy import history_mask

    return history_mask(obj)


def history_rows(entry: AuditEntry, hidden: frozenset[str] = frozenset()) -> list[dict]:
    """The entry's changes as label, old, new; the values of ``hidden`` keys masked."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    rows = []
    for key, (old, new) in entry.changes.items():
        if key == "id":
            continue
        label, field = _resolve(model, key) if model else (key, None)
        old, new = _shown(old, field), _shown(new, field)
        if key in hidden:
            old = MASK if old is not None else None
            new = MASK if new is not None else None
        rows.append({"label": label, "old": old, "new": new})
    return rows


def history_note(entry: AuditEntry, hidden: frozenset[str] = frozenset()) -> str:
    """The entry's note; masked with the values once its person was anonymised (a note may
    name them), except the anonymisation's own note, which names no one."""
    if hidden and entry.note and not entry.action.endswith(".anonymised"):
        return MASK
    return entry.note
