"""Background jobs of service orders; each safe to run twice or on several workers at once."""

from django_tasks import task

from aftersales.service import sla


@task()
def sla_sweep() -> int:
    """SVC-7: warn before deadlines, mark overdue clocks breached and escalate them up the
    ladder (each step exactly once). Returns how many steps were taken."""
    return sum(sla.sweep().values())
