"""Satisfaction surveys (FUP-2, FUP-3, FUP-6)."""

from aftersales.service.models import ServiceOrder


def on_order_completed(order: ServiceOrder, actor) -> None:
    """FUP-2: called inside the completion's transaction."""
