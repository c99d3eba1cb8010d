"""三包 entitlement (EXC-5): what may this unit's owner ask for on a date for a fault.

Interface fixed for the exchanges app; the rules are implemented here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

RETURN = "return"
EXCHANGE = "exchange"
REPAIR = "repair"


@dataclass(frozen=True)
class Remedies:
    unit_id: int
    on_date: dt.date
    fault_code: str | None
    # A subset of [RETURN, EXCHANGE, REPAIR] in that order; empty: nothing under 三包.
    remedies: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    sale_date: dt.date | None = None
    # Days since the sale as civil law counts them (sale on 1 March: 8 March is day 7).
    day_number: int | None = None
    same_fault_repairs: int = 0

    def as_dict(self) -> dict:
        raise NotImplementedError


def remedies(unit, on_date: dt.date, fault_type=None) -> Remedies:
    raise NotImplementedError
