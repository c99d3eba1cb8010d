"""三包 entitlement (EXC-5): what may this unit's owner ask for on a date for a fault.

Interface fixed for the exchanges app; the rules are implemented here.

The rules (periods from settings, defaults in brackets):

* days are counted as Chinese civil law counts them: the day of sale is not counted, so
  after a sale on 1 March, 8 March is day 7 (``day_number = on_date - sale_date``);
* a *performance fault* (``FaultType.performance_fault``) within RETURN_DAYS (7) of the sale
  allows return, exchange or repair; within EXCHANGE_DAYS (15) exchange or repair;
* within the warranty (``products.entitlement``) any fault allows repair; a performance
  fault that FAILED_REPAIRS (2) earlier repairs of the same fault did not cure (completed
  repair orders of this unit, each completed within a warranty, on or before the date)
  allows exchange or return;
* otherwise nothing: a paid repair out of warranty is not a 三包 remedy.

Without a sale date only the warranty rules can be judged; without a fault type only
repair can (return and exchange need a performance fault). Every answer carries one plain
sentence per fact in ``reasons``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

RETURN = "return"
EXCHANGE = "exchange"
REPAIR = "repair"

ORDER = [RETURN, EXCHANGE, REPAIR]
LABELS = {
    RETURN: gettext_lazy("Return"),
    EXCHANGE: gettext_lazy("Exchange"),
    REPAIR: gettext_lazy("Repair"),
}


def return_days() -> int:
    return int(settings.AFTERSALES_SANBAO_RETURN_DAYS)


def exchange_days() -> int:
    return int(settings.AFTERSALES_SANBAO_EXCHANGE_DAYS)


def failed_repairs_needed() -> int:
    return int(settings.AFTERSALES_SANBAO_FAILED_REPAIRS)


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
    # Added: the numbers of the counted repair orders, the fault's name and kind, and the
    # end of the warranty that covers on_date (None: not in warranty).
    same_fault_orders: list[str] = field(default_factory=list)
    fault_name: str | None = None
    performance_fault: bool | None = None
    warranty_end: dt.date | None = None

    @property
    def in_warranty(self) -> bool:
        return self.warranty_end is not None

    @property
    def may_return(self) -> bool:
        return RETURN in self.remedies

    @property
    def may_exchange(self) -> bool:
        return EXCHANGE in self.remedies

    @property
    def may_repair(self) -> bool:
        return REPAIR in self.remedies

    @property
    def labels(self) -> list[str]:
        """The remedies in the reader's language (for pages)."""
        return [str(LABELS[r]) for r in self.remedies]

    def as_dict(self) -> dict:
        return {
            "unit": self.unit_id,
            "date": self.on_date.isoformat(),
            "fault_type": self.fault_code,
            "fault_name": self.fault_name,
            "performance_fault": self.performance_fault,
            "remedies": list(self.remedies),
            "remedy_labels": self.labels,
            "reasons": [str(r) for r in self.reasons],
            "sale_date": self.sale_date.isoformat() if self.sale_date else None,
            "day_number": self.day_number,
            "same_fault_repairs": self.same_fault_repairs,
            "same_fault_orders": list(self.same_fault_orders),
            "in_warranty": self.in_warranty,
            "warranty_end": self.warranty_end.isoformat() if self.warranty_end else None,
            "return_days": return_days(),
            "exchange_days": exchange_days(),
            "failed_repairs_needed": failed_repairs_needed(),
        }


def resolve_fault_type(value):
    """A FaultType from an instance, a primary key or a code (None when value is empty).

    Raises FaultType.DoesNotExist when nothing matches."""
    from aftersales.service.models import FaultType

    if value in (None, ""):
        return None
    if isinstance(value, FaultType):
        return value
    text = str(value).strip()
    if text.isdigit():
        found = FaultType.objects.filter(pk=int(text)).first()
        if found is not None:
            return found
    return FaultType.objects.get(code__iexact=text)


def _same_fault_repairs(unit, fault_type, on_date, warranties, exclude_order_id=None):
    """Completed repair orders of this unit for this fault, each completed within a
    warranty, on or before on_date (one query)."""
    from aftersales.service.models import OrderType, ServiceOrder, Status

    tz = timezone.get_current_timezone()
    end_of_day = dt.datetime.combine(on_date + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    rows = (
        ServiceOrder.objects.filter(
            unit_id=unit.pk,
            fault_type_id=fault_type.pk,
            order_type=OrderType.REPAIR,
            status__in=[Status.COMPLETED, Status.CLOSED],
            completed_at__isnull=False,
            completed_at__lt=end_of_day,
        )
        .exclude(pk=exclude_order_id)
        .order_by("completed_at", "pk")
        .values_list("number", "completed_at")
    )
    counted = []
    for number, completed_at in rows:
        day = timezone.localtime(completed_at, tz).date()
        if any(w.covers(day) for w in warranties):
            counted.append((number, day))
    return counted


def remedies(
    unit, on_date: dt.date, fault_type=None, *, exclude_order_id: int | None = None
) -> Remedies:
    """EXC-5: the 三包 remedies the owner of ``unit`` may ask for on ``on_date`` for
    ``fault_type`` (a FaultType, its id or code, or None), with the reasons.

    ``exclude_order_id``: an order not to count among the earlier repairs (the order being
    judged). Runs a constant number of queries: the unit's warranties (unless prefetched)
    and one for the repair history (only with a performance fault in warranty)."""
    from aftersales.products.entitlement import entitlement

    fault = resolve_fault_type(fault_type)
    reasons: list[str] = []
    sale_date = unit.sale_date
    warranties = list(unit.warranties.all())
    # Maintenance contracts are not 三包: only the warranty answer matters here.
    ent = entitlement(unit, on_date, warranties=warranties, contracts=[])
    in_warranty = ent.status == "warranty"
    warranty_end = ent.warranty.end_date if in_warranty and ent.warranty else None

    def answer(found: list[str], day_number=None, repairs=()) -> Remedies:
        return Remedies(
            unit_id=unit.pk,
            on_date=on_date,
            fault_code=fault.code if fault else None,
            remedies=[r for r in ORDER if r in found],
            reasons=reasons,
            sale_date=sale_date,
            day_number=day_number,
            same_fault_repairs=len(repairs),
            same_fault_orders=[number for number, _day in repairs],
            fault_name=fault.name if fault else None,
            performance_fault=fault.performance_fault if fault else None,
            warranty_end=warranty_end,
        )

    # 1. The sale date and the day number (civil-law count: the day of sale not counted).
    day_number = None
    if sale_date is None:
        reasons.append(
            _(
                "No sale date recorded: return and exchange cannot be judged; "
                "only the warranty rules apply."
            )
        )
    else:
        day_number = (on_date - sale_date).days
        if day_number < 0:
            reasons.append(
                _("%(date)s is before the sale on %(sale)s: nothing is due under 三包.")
                % {"date": on_date, "sale": sale_date}
            )
            return answer([], day_number)
        reasons.append(
            _(
                "Sold on %(sale)s; %(date)s is day %(day)s after the sale "
                "(the day of sale is not counted)."
            )
            % {"sale": sale_date, "date": on_date, "day": day_number}
        )

    # 2. The fault.
    performance = bool(fault and fault.performance_fault)
    if fault is None:
        reasons.append(_("No fault type chosen: choose the fault to judge return or exchange."))
    elif performance:
        reasons.append(
            _("Fault %(fault)s is a performance fault of the product.") % {"fault": fault}
        )
    else:
        reasons.append(
            _(
                "Fault %(fault)s is not a performance fault (damage by use or installation "
                "problem): it does not entitle return or exchange."
            )
            % {"fault": fault}
        )

    # 3. The warranty.
    if in_warranty:
        reasons.append(
            _("In warranty until %(end)s: repair is free.") % {"end": ent.warranty.end_date}
        )
    else:
        # Why not (the last sentence, "paid service", is said below in 三包 terms).
        reasons.extend(str(r) for r in ent.reasons[:-1])
        reasons.append(_("Not in warranty on %(date)s.") % {"date": on_date})

    found: set[str] = set()
    if in_warranty:
        found.add(REPAIR)

    # 4. The return and exchange periods (performance faults only).
    if performance and day_number is not None:
        if day_number <= return_days():
            found.update({RETURN, EXCHANGE, REPAIR})
            reasons.append(
                _("Within %(days)s days of the sale: return, exchange or repair.")
                % {"days": return_days()}
            )
        elif day_number <= exchange_days():
            found.update({EXCHANGE, REPAIR})
            reasons.append(
                _(
                    "More than %(return_days)s days after the sale: no return; within "
                    "%(days)s days: exchange or repair."
                )
                % {"return_days": return_days(), "days": exchange_days()}
            )
        else:
            reasons.append(
                _("More than %(days)s days after the sale: no return or exchange by date.")
                % {"days": exchange_days()}
            )

    # 5. Earlier repairs of the same fault that did not cure it (in warranty only).
    repairs: list = []
    if performance and in_warranty:
        repairs = _same_fault_repairs(unit, fault, on_date, warranties, exclude_order_id)
        needed = failed_repairs_needed()
        if repairs:
            numbers = ", ".join(number for number, _day in repairs)
            reasons.append(
                _("%(count)s earlier repair(s) of the same fault in warranty: %(numbers)s.")
                % {"count": len(repairs), "numbers": numbers}
            )
        else:
            reasons.append(_("No earlier repair of the same fault in warranty."))
        if needed and len(repairs) >= needed:
            found.update({EXCHANGE, RETURN})
            reasons.append(
                _("%(needed)s repairs of the same fault have failed: exchange or return is due.")
                % {"needed": needed}
            )
        elif repairs:
            reasons.append(
                _("Exchange or return after %(needed)s failed repairs of the same fault.")
                % {"needed": needed}
            )

    if not found:
        reasons.append(
            _("Nothing is due under 三包: a paid repair outside the warranty is not a 三包 remedy.")
        )
    return answer(sorted(found), day_number, repairs)


def unit_remedies(*, actor, unit, on_date: dt.date | None = None, fault_type=None) -> Remedies:
    """EXC-5 for a person: the unit must be in their reach (ORG-3) and they need the right to
    view units; ``fault_type`` may be a FaultType, its id or its code; date: today."""
    from aftersales.accounts.reach import require_reach
    from aftersales.core.exceptions import ServiceError
    from aftersales.core.permissions import require_perm
    from aftersales.products.models import Unit
    from aftersales.service.models import FaultType

    require_perm(actor, "products.view_unit")
    require_reach(actor, unit, Unit.objects)
    try:
        fault = resolve_fault_type(fault_type)
    except FaultType.DoesNotExist:
        raise ServiceError({"fault_type": _("No such fault type.")}) from None
    return remedies(unit, on_date or timezone.localdate(), fault)
