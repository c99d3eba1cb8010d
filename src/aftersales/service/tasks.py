"""Background jobs of service orders; each safe to run twice or on several workers at once."""

from django_tasks import task

from aftersales.service import sla


@task()
def sla_sweep() -> int:
    """SVC-7: mark overdue SLA clocks as breached (each exactly once)."""
    return sla.sweep_breaches()
