"""Periodic jobs of the complaint register (registered on import from ComplaintsConfig)."""

import datetime as dt

from aftersales.complaints import services
from aftersales.core.periodic import periodic

LATE_JOB = "complaints.late"


@periodic(LATE_JOB)
def complaints_late(now: dt.datetime) -> int:
    """CMP-2: complaints neither resolved nor reported in time record their violations
    (once each)."""
    return services.record_late_complaints(now)
