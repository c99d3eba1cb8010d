"""Return visits and follow-up cases (FUP-1, FUP-5)."""

from aftersales.service.models import ServiceOrder


def on_order_completed(order: ServiceOrder, actor) -> None:
    """FUP-1: called inside the completion's transaction."""


def visit_pending(order: ServiceOrder) -> str:
    """The close guard: why the order cannot close yet, or ""."""
    return ""
