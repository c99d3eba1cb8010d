"""Gap-free document numbers per series and day (e.g. CUS-20261122-0001)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from aftersales.core.models import DocumentCounter


def next_number(series: str, *, day: datetime.date | None = None, width: int = 4) -> str:
    """Take the next number in the series; call inside the writing transaction.

    The counter row is locked for the rest of the transaction, so a rollback
    gives the number back and concurrent callers queue (no gaps, no duplicates).
    """
    day = day or timezone.localdate()
    for _attempt in range(3):
        counter = DocumentCounter.objects.select_for_update().filter(series=series, day=day).first()
        if counter is None:
            try:
                with transaction.atomic():
                    DocumentCounter.objects.create(series=series, day=day, last=0)
            except IntegrityError:
                pass  # created by a concurrent caller; lock theirs
            continue
        counter.last += 1
        counter.save(update_fields=["last"])
        return f"{series}-{day:%Y%m%d}-{counter.last:0{width}d}"
    raise RuntimeError(f"could not take a number in series {series}")
