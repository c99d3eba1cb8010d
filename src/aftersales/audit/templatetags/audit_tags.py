from django import template

from aftersales.audit.models import AuditEntry
from aftersales.audit.presentation import hidden_fields, history_note, history_rows

register = template.Library()


@register.inclusion_tag("audit/history_panel.html")
def history_panel(obj, limit: int = 50):
    """The object's change history from the audit trail (SEC-1, CUS-3)."""
    entries = AuditEntry.objects.for_object(obj).select_related("actor", "content_type")[:limit]
    hidden = hidden_fields(obj)
    return {
        "entries": [
            {"entry": e, "rows": history_rows(e, hidden(e)), "note": history_note(e, hidden(e))}
            for e in entries
        ]
    }
