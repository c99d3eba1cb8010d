"""What is a unit entitled to on a date, and why (PRD-2, feeding FEE-1).

* ``warranty`` — a standard or extended warranty covers the date: free service
  (no parts, no labour charge);
* ``contract`` — no warranty, but a maintenance contract in force covers the unit:
  parts at cost, no labour charge;
* ``paid`` — neither: parts and labour are charged.

Start and end day of a warranty or contract are both covered; the day after the end
is not; a day before the start is not. A cancelled contract covers nothing.

``entitlement()`` is a pure function of the unit and its warranties and contracts:
pass them in (or prefetch ``warranties`` and ``contracts``) and it runs no query
beyond reading those two relations once.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.products.models import MaintenanceContract, Unit, Warranty

STATUS_LABELS = {
    "warranty": gettext_lazy("In warranty"),
    "contract": gettext_lazy("Under maintenance contract"),
    "paid": gettext_lazy("Paid service"),
}
# FEE-1 service kind that each status leads to.
SERVICE_KIND = {"warranty": "free", "contract": "contract", "paid": "paid"}
BASIS_LABELS = {
    "delivery": gettext_lazy("delivery date"),
    "invoice": gettext_lazy("invoice date"),
    "sale": gettext_lazy("sale date"),
}


@dataclass(frozen=True)
class Entitlement:
    unit: Unit
    on_date: datetime.date
    status: str
    reasons: list[str] = field(default_factory=list)
    warranty: Warranty | None = None
    contract: MaintenanceContract | None = None
    # Covered days from on_date to the end of the cover, on_date included (None: not covered).
    days_left: int | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def service_kind(self) -> str:
        return SERVICE_KIND[self.status]

    @property
    def covered_until(self) -> datetime.date | None:
        cover = self.warranty or self.contract
        return cover.end_date if cover else None

    def as_dict(self) -> dict:
        warranty = self.warranty
        contract = self.contract
        return {
            "unit": self.unit.pk,
            "serial_number": self.unit.serial_number,
            "date": self.on_date.isoformat(),
            "status": self.status,
            "status_label": self.status_label,
            "service_kind": self.service_kind,
            "reasons": list(self.reasons),
            "days_left": self.days_left,
            "warranty": None
            if warranty is None
            else {
                "id": warranty.pk,
                "kind": warranty.kind,
                "start_date": warranty.start_date.isoformat(),
                "end_date": warranty.end_date.isoformat(),
                "scope": warranty.scope,
                "reference": warranty.reference,
            },
            "contract": None
            if contract is None
            else {
                "id": contract.pk,
                "number": contract.number,
                "start_date": contract.start_date.isoformat(),
                "end_date": contract.end_date.isoformat(),
                "covered_items": contract.covered_items,
            },
        }


def _covers_text(w: Warranty) -> str:
    if w.kind == Warranty.Kind.EXTENDED:
        text = _("Covered by the extended warranty from %(start)s to %(end)s (both days included).")
    else:
        text = _("Covered by the standard warranty from %(start)s to %(end)s (both days included).")
    return text % {"start": w.start_date, "end": w.end_date}


def _ended_text(w: Warranty) -> str:
    if w.kind == Warranty.Kind.EXTENDED:
        text = _("The extended warranty ended on %(end)s.")
    else:
        text = _("The standard warranty ended on %(end)s.")
    return text % {"end": w.end_date}


def _not_started_text(w: Warranty) -> str:
    if w.kind == Warranty.Kind.EXTENDED:
        text = _("The extended warranty starts only on %(start)s.")
    else:
        text = _("The standard warranty starts only on %(start)s.")
    return text % {"start": w.start_date}


def _basis_text(unit: Unit, w: Warranty) -> str | None:
    if w.kind != Warranty.Kind.STANDARD:
        return None
    if w.set_by_hand:
        return _("The warranty dates were set by hand.")
    from aftersales.products.services import warranty_basis

    day, basis = warranty_basis(unit)
    if day is None:
        return None
    return _(
        "The warranty counts from the %(basis)s %(date)s; the model gives %(months)s months."
    ) % {
        "basis": BASIS_LABELS[basis],
        "date": day,
        "months": unit.product_model.warranty_months,
    }


def entitlement(
    unit: Unit,
    on_date: datetime.date,
    *,
    warranties=None,
    contracts=None,
) -> Entitlement:
    """Answer "is this unit in warranty / under contract on on_date", with the reasons."""
    warranties = list(unit.warranties.all() if warranties is None else warranties)
    contracts = list(unit.contracts.all() if contracts is None else contracts)
    reasons: list[str] = []

    covering = [w for w in warranties if w.covers(on_date)]
    active_contracts = [c for c in contracts if c.covers(on_date)]
    if covering:
        # Several may cover the day (a standard one and an extension bought early): take
        # the one that lasts longest, so "days left" is the whole remaining cover.
        w = max(covering, key=lambda x: (x.end_date, x.kind == Warranty.Kind.STANDARD))
        reasons.append(_covers_text(w))
        basis = _basis_text(unit, w)
        if basis:
            reasons.append(basis)
        follow = [x for x in warranties if x.start_date == w.end_date + datetime.timedelta(days=1)]
        if follow:
            reasons.append(
                _("An extended warranty follows until %(end)s.") % {"end": follow[0].end_date}
            )
        reasons.append(_("Free service: no charge for parts or labour."))
        if active_contracts:
            c = max(active_contracts, key=lambda x: x.end_date)
            reasons.append(
                _("Also under maintenance contract %(number)s until %(end)s.")
                % {"number": c.number, "end": c.end_date}
            )
        return Entitlement(
            unit=unit,
            on_date=on_date,
            status="warranty",
            reasons=reasons,
            warranty=w,
            days_left=(w.end_date - on_date).days + 1,
        )

    # Why no warranty applies.
    if not warranties:
        if not (unit.delivery_date or unit.invoice_date or unit.sale_date):
            reasons.append(_("No warranty start date recorded."))
        else:
            reasons.append(_("This unit has no warranty."))
    else:
        ended = [w for w in warranties if w.end_date < on_date]
        upcoming = [w for w in warranties if w.start_date > on_date]
        if ended:
            reasons.append(_ended_text(max(ended, key=lambda x: x.end_date)))
        if upcoming:
            reasons.append(_not_started_text(min(upcoming, key=lambda x: x.start_date)))

    if active_contracts:
        c = max(active_contracts, key=lambda x: x.end_date)
        reasons.append(
            _(
                "Covered by maintenance contract %(number)s from %(start)s to %(end)s "
                "(both days included)."
            )
            % {"number": c.number, "start": c.start_date, "end": c.end_date}
        )
        if c.covered_items:
            reasons.append(_("Covered items: %(items)s") % {"items": c.covered_items})
        reasons.append(_("Contract service: parts at cost, no labour charge."))
        return Entitlement(
            unit=unit,
            on_date=on_date,
            status="contract",
            reasons=reasons,
            contract=c,
            days_left=(c.end_date - on_date).days + 1,
        )

    for c in sorted(contracts, key=lambda x: x.start_date):
        if c.is_cancelled:
            if c.start_date <= on_date <= c.end_date:
                reasons.append(
                    _("Maintenance contract %(number)s was cancelled on %(date)s.")
                    % {"number": c.number, "date": c.cancelled_on or "—"}
                )
        elif c.end_date < on_date:
            reasons.append(
                _("Maintenance contract %(number)s ended on %(end)s.")
                % {"number": c.number, "end": c.end_date}
            )
        elif c.start_date > on_date:
            reasons.append(
                _("Maintenance contract %(number)s starts only on %(start)s.")
                % {"number": c.number, "start": c.start_date}
            )
    reasons.append(_("Paid service: parts and labour are charged."))
    return Entitlement(unit=unit, on_date=on_date, status="paid", reasons=reasons)
