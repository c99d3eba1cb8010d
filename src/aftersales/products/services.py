"""Writes on product models, units, warranties, contracts and handovers (PRD-1…PRD-4).

Every function checks the right and the reach, validates everything before the first
write, runs in one transaction and leaves an audit row (SEC-1).

Warranty arithmetic (PRD-2), the one place it is defined:

* The standard warranty starts on the unit's date named by the model's
  ``warranty_starts_from`` (delivery, invoice or sale date); when that date is not
  known yet, on the delivery date, then on the sale date. With none of them known
  there is no warranty row until a date is set.
* A warranty of N months starting on S ends on the day before the day with S's
  day-of-month N calendar months later; when that month has no such day, it ends on
  that month's last day. 2026-01-15 + 12 months → 2027-01-14;
  2026-01-31 + 1 month → 2026-02-28; 2026-03-31 + 1 month → 2026-04-30.
  Start and end day are both covered.
"""

import calendar
import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.accounts.reach import require_reach
from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.numbering import next_number
from aftersales.customers.models import Customer
from aftersales.products.models import (
    DeliveryHandover,
    MaintenanceContract,
    ProductCategory,
    ProductModel,
    Unit,
    UnitServiceRecord,
    Warranty,
)

UNIT_FIELDS = {
    "serial_number",
    "product_model",
    "owner",
    "batch",
    "production_date",
    "sale_date",
    "invoice_date",
    "delivery_date",
    "installation_address",
    "notes",
}
DATE_FIELDS = ["production_date", "sale_date", "invoice_date", "delivery_date"]


# --- helpers -------------------------------------------------------------------


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(
            _("Your roles do not include the right “%(perm)s”.") % {"perm": perm}
        )


def _require_unit_reach(actor, unit: Unit) -> None:
    if actor is not None:
        require_reach(actor, unit, Unit.objects)


def _customer_in_reach(actor, customer: Customer) -> bool:
    return actor is None or Customer.objects.visible_to(actor).filter(pk=customer.pk).exists()


def _note_on_unit(unit: Unit, action: str, *, actor, note: str) -> None:
    """A line in the unit's own history for a change made to a record hanging off it."""
    state = snapshot(unit)
    record(unit, action, actor=actor, before=state, after=state, note=note)


def normalize_serial(value: str) -> str:
    return (value or "").strip().upper()


def warranty_end(start: datetime.date, months: int) -> datetime.date:
    """Last covered day of a warranty of ``months`` calendar months starting on ``start``."""
    if months < 1:
        raise ValueError("a warranty lasts at least one month")
    years, month0 = divmod(start.month - 1 + months, 12)
    year, month = start.year + years, month0 + 1
    last_day = calendar.monthrange(year, month)[1]
    if start.day > last_day:
        return datetime.date(year, month, last_day)
    return datetime.date(year, month, start.day) - datetime.timedelta(days=1)


def warranty_basis(unit: Unit) -> tuple[datetime.date | None, str | None]:
    """The standard warranty's start date and which date it is (delivery / invoice / sale)."""
    named = unit.product_model.warranty_starts_from
    for basis in dict.fromkeys([named, "delivery", "sale"]):
        day = getattr(unit, f"{basis}_date")
        if day:
            return day, basis
    return None, None


def unit_date_errors(
    *,
    production_date=None,
    sale_date=None,
    invoice_date=None,
    delivery_date=None,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """Field errors for a unit's dates: none in the future; produced ≤ sold ≤ delivered."""
    today = today or timezone.localdate()
    dates = {
        "production_date": production_date,
        "sale_date": sale_date,
        "invoice_date": invoice_date,
        "delivery_date": delivery_date,
    }
    errors: dict[str, str] = {}
    for name, value in dates.items():
        if value and value > today:
            errors[name] = _("This date is in the future.")
    if sale_date and delivery_date and delivery_date < sale_date and "delivery_date" not in errors:
        errors["delivery_date"] = _("The delivery date cannot be before the sale date.")
    if production_date and "production_date" not in errors:
        for later in ("sale_date", "delivery_date"):
            if dates[later] and dates[later] < production_date:
                errors["production_date"] = _(
                    "The production date cannot be after the sale or delivery date."
                )
                break
    return errors


def _validate_unit(unit: Unit, *, actor) -> None:
    errors: dict[str, str] = {}
    unit.serial_number = normalize_serial(unit.serial_number)
    if not unit.serial_number:
        errors["serial_number"] = _("Enter the serial number.")
    elif Unit.objects.filter(serial_number=unit.serial_number).exclude(pk=unit.pk).exists():
        errors["serial_number"] = _(
            "A unit with serial number %(serial)s is already registered."
        ) % {"serial": unit.serial_number}
    if unit.owner_id and not _customer_in_reach(actor, unit.owner):
        errors["owner"] = _("This customer belongs to another unit or region outside your reach.")
    if unit.product_model_id and not unit.product_model.is_active and unit._state.adding:
        errors["product_model"] = _("This model is no longer in production or sold.")
    errors.update(
        unit_date_errors(**{name: getattr(unit, name) for name in DATE_FIELDS}),
    )
    if errors:
        raise ServiceError(errors)
    unit.full_clean()


def _save_unit(unit: Unit) -> None:
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:  # a concurrent registration of the same serial
        raise ServiceError(
            {"serial_number": _("A unit with this serial number is already registered.")}
        ) from exc


def _sync_standard_warranty(unit: Unit, *, actor) -> Warranty | None:
    """Create, move or remove the standard warranty so it follows the unit's dates.

    A standard warranty whose dates were set by hand is left as it is.
    """
    model = unit.product_model
    current = Warranty.objects.select_for_update().filter(unit=unit, kind="standard").first()
    if current is not None and current.set_by_hand:
        return current
    start, _basis = warranty_basis(unit)
    if start is None or model.warranty_months < 1:
        if current is not None:
            before = snapshot(current)
            record(current, "products.warranty.removed", actor=actor, before=before, deleted=True)
            current.delete()
        return None
    end = warranty_end(start, model.warranty_months)
    if current is None:
        warranty = Warranty(
            unit=unit,
            kind=Warranty.Kind.STANDARD,
            start_date=start,
            end_date=end,
            scope=model.warranty_scope,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        warranty.full_clean()
        warranty.save()
        record(warranty, "products.warranty.created", actor=actor)
        return warranty
    if (current.start_date, current.end_date, current.scope) != (start, end, model.warranty_scope):
        before = snapshot(current)
        current.start_date, current.end_date, current.scope = start, end, model.warranty_scope
        current.updated_by = actor if getattr(actor, "pk", None) else None
        current.full_clean()
        current.save(update_fields=["start_date", "end_date", "scope", "updated_at", "updated_by"])
        record(current, "products.warranty.recomputed", actor=actor, before=before)
    return current


def _user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


# --- catalogue -----------------------------------------------------------------


def save_category(*, actor, category: ProductCategory | None = None, **fields) -> ProductCategory:
    """Create (category=None) or change a product category."""
    _require(
        actor, "products.change_productcategory" if category else "products.add_productcategory"
    )
    with transaction.atomic():
        if category is None:
            category, before, action = (
                ProductCategory(created_by=_user_or_none(actor)),
                {},
                "products.category.created",
            )
        else:
            category = ProductCategory.objects.select_for_update().get(pk=category.pk)
            before, action = snapshot(category), "products.category.changed"
        for name, value in fields.items():
            if name not in {"code", "name"}:
                raise TypeError(f"unknown field {name}")
            setattr(category, name, value.strip() if isinstance(value, str) else value)
        category.updated_by = _user_or_none(actor)
        category.full_clean()
        category.save()
        record(category, action, actor=actor, before=before)
    return category


MODEL_FIELDS = {
    "code",
    "name",
    "category",
    "warranty_months",
    "warranty_starts_from",
    "warranty_scope",
    "is_active",
}


def save_product_model(
    *, actor, product_model: ProductModel | None = None, **fields
) -> ProductModel:
    """Create (product_model=None) or change a product model and its default warranty terms.

    Changed terms apply to units registered afterwards and to standard warranties
    recomputed later; warranties already written keep their dates.
    """
    _require(
        actor, "products.change_productmodel" if product_model else "products.add_productmodel"
    )
    unknown = set(fields) - MODEL_FIELDS
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    with transaction.atomic():
        if product_model is None:
            obj, before, action = (
                ProductModel(created_by=_user_or_none(actor)),
                {},
                "products.model.created",
            )
        else:
            obj = ProductModel.objects.select_for_update().get(pk=product_model.pk)
            before, action = snapshot(obj), "products.model.changed"
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.code = (obj.code or "").strip().upper()
        if obj.code and ProductModel.objects.filter(code=obj.code).exclude(pk=obj.pk).exists():
            raise ServiceError({"code": _("A model with this code already exists.")})
        obj.updated_by = _user_or_none(actor)
        obj.full_clean()
        obj.save()
        record(obj, action, actor=actor, before=before)
    return obj


# --- units -----------------------------------------------------------------------


def register_unit(
    *,
    actor,
    serial_number: str,
    product_model: ProductModel,
    owner: Customer,
    batch: str = "",
    production_date: datetime.date | None = None,
    sale_date: datetime.date | None = None,
    invoice_date: datetime.date | None = None,
    delivery_date: datetime.date | None = None,
    installation_address: str = "",
    notes: str = "",
) -> Unit:
    """Register a serial-numbered unit (PRD-1) and its standard warranty (PRD-2)."""
    _require(actor, "products.add_unit")
    with transaction.atomic():
        unit = Unit(
            serial_number=serial_number,
            product_model=product_model,
            owner=owner,
            batch=(batch or "").strip(),
            production_date=production_date,
            sale_date=sale_date,
            invoice_date=invoice_date,
            delivery_date=delivery_date,
            installation_address=(installation_address or "").strip(),
            notes=notes or "",
            created_by=_user_or_none(actor),
            updated_by=_user_or_none(actor),
        )
        _validate_unit(unit, actor=actor)
        _save_unit(unit)
        record(unit, "products.unit.registered", actor=actor)
        _sync_standard_warranty(unit, actor=actor)
    return unit


def update_unit(*, actor, unit: Unit, **fields) -> Unit:
    """Change a unit. The standard warranty follows its dates and model unless set by hand."""
    _require(actor, "products.change_unit")
    unknown = set(fields) - UNIT_FIELDS
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    _require_unit_reach(actor, unit)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("product_model").get(pk=unit.pk)
        before = snapshot(unit)
        for name, value in fields.items():
            setattr(unit, name, value)
        _validate_unit(unit, actor=actor)
        unit.updated_by = _user_or_none(actor)
        _save_unit(unit)
        record(unit, "products.unit.changed", actor=actor, before=before)
        _sync_standard_warranty(unit, actor=actor)
        if unit.serial_number != before.get("serial_number"):
            from aftersales.service import search  # the orders' search column copies it

            search.refresh(unit.service_orders.all())
    return unit


# --- warranties ------------------------------------------------------------------


def _extended_overlap(unit: Unit, start, end, *, exclude_pk=None) -> Warranty | None:
    return (
        Warranty.objects.filter(
            unit=unit, kind=Warranty.Kind.EXTENDED, start_date__lte=end, end_date__gte=start
        )
        .exclude(pk=exclude_pk)
        .first()
    )


def add_extended_warranty(
    *,
    actor,
    unit: Unit,
    months: int | None = None,
    end_date: datetime.date | None = None,
    start_date: datetime.date | None = None,
    price: Decimal = Decimal("0.00"),
    reference: str = "",
    scope: str | None = None,
) -> Warranty:
    """Sell an extended warranty (延保): it starts the day after the latest warranty ends,
    or on start_date, and lasts ``months`` or until ``end_date``; it may not overlap
    another extended warranty of the unit."""
    _require(actor, "products.add_warranty")
    _require_unit_reach(actor, unit)
    errors: dict[str, str] = {}
    if (months is None) == (end_date is None):
        errors["months"] = _("Give either the number of months or the end date.")
    elif months is not None and months < 1:
        errors["months"] = _("An extended warranty lasts at least one month.")
    price = Decimal(price if price is not None else "0")
    if price < 0:
        errors["price"] = _("The price cannot be negative.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        # The unit row is the lock that keeps two sales of the same period apart.
        unit = Unit.objects.select_for_update().select_related("product_model").get(pk=unit.pk)
        if start_date is None:
            latest = (
                Warranty.objects.filter(unit=unit)
                .order_by("-end_date")
                .values_list("end_date", flat=True)
            ).first()
            if latest is None:
                raise ServiceError(
                    {
                        "start_date": _(
                            "This unit has no warranty yet: give the date the extended "
                            "warranty starts."
                        )
                    }
                )
            start_date = latest + datetime.timedelta(days=1)
        end = warranty_end(start_date, months) if months else end_date
        if end < start_date:
            raise ServiceError({"end_date": _("The end date cannot be before the start date.")})
        other = _extended_overlap(unit, start_date, end)
        if other is not None:
            raise ServiceError(
                {
                    "start_date": _(
                        "This period overlaps the extended warranty from %(start)s to %(end)s."
                    )
                    % {"start": other.start_date, "end": other.end_date}
                }
            )
        warranty = Warranty(
            unit=unit,
            kind=Warranty.Kind.EXTENDED,
            start_date=start_date,
            end_date=end,
            scope=unit.product_model.warranty_scope if scope is None else scope,
            reference=(reference or "").strip(),
            price=price,
            created_by=_user_or_none(actor),
            updated_by=_user_or_none(actor),
        )
        warranty.full_clean()
        warranty.save()
        record(warranty, "products.warranty.extended", actor=actor)
        _note_on_unit(
            unit,
            "products.unit.warranty_extended",
            actor=actor,
            note=_("Extended warranty %(start)s – %(end)s")
            % {"start": warranty.start_date, "end": warranty.end_date},
        )
    return warranty


def change_warranty(*, actor, warranty: Warranty, **fields) -> Warranty:
    """Correct a warranty by hand (dates, scope, reference, price).

    A standard warranty changed here is marked "set by hand" and no longer follows
    the unit's dates; ``recompute_standard_warranty`` hands it back to the rule.
    """
    _require(actor, "products.change_warranty")
    allowed = {"start_date", "end_date", "scope", "reference", "price"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    _require_unit_reach(actor, warranty.unit)
    with transaction.atomic():
        warranty = Warranty.objects.select_for_update().select_related("unit").get(pk=warranty.pk)
        before = snapshot(warranty)
        for name, value in fields.items():
            setattr(warranty, name, value)
        if warranty.end_date < warranty.start_date:
            raise ServiceError({"end_date": _("The end date cannot be before the start date.")})
        if warranty.price is not None and Decimal(warranty.price) < 0:
            raise ServiceError({"price": _("The price cannot be negative.")})
        if warranty.kind == Warranty.Kind.EXTENDED:
            other = _extended_overlap(
                warranty.unit, warranty.start_date, warranty.end_date, exclude_pk=warranty.pk
            )
            if other is not None:
                raise ServiceError(
                    {
                        "start_date": _(
                            "This period overlaps the extended warranty from %(start)s to %(end)s."
                        )
                        % {"start": other.start_date, "end": other.end_date}
                    }
                )
        elif {"start_date", "end_date"} & set(fields) and (
            before["start_date"] != warranty.start_date.isoformat()
            or before["end_date"] != warranty.end_date.isoformat()
        ):
            warranty.set_by_hand = True
        warranty.updated_by = _user_or_none(actor)
        warranty.full_clean()
        warranty.save()
        record(warranty, "products.warranty.changed", actor=actor, before=before)
    return warranty


def recompute_standard_warranty(*, actor, unit: Unit) -> Warranty | None:
    """Drop a hand-set standard warranty's dates and compute them again from the rule."""
    _require(actor, "products.change_warranty")
    _require_unit_reach(actor, unit)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("product_model").get(pk=unit.pk)
        current = Warranty.objects.select_for_update().filter(unit=unit, kind="standard").first()
        if current is not None and current.set_by_hand:
            before = snapshot(current)
            current.set_by_hand = False
            current.save(update_fields=["set_by_hand", "updated_at"])
            record(current, "products.warranty.changed", actor=actor, before=before)
        return _sync_standard_warranty(unit, actor=actor)


# --- maintenance contracts ----------------------------------------------------------


def create_maintenance_contract(
    *,
    actor,
    customer: Customer,
    units,
    start_date: datetime.date,
    end_date: datetime.date,
    covered_items: str = "",
    visits_per_year: int = 1,
    amount: Decimal = Decimal("0.00"),
) -> MaintenanceContract:
    """A maintenance contract (保养合同) for some of the customer's units (PRD-2)."""
    _require(actor, "products.add_maintenancecontract")
    if not _customer_in_reach(actor, customer):
        raise PermissionDenied(
            _("This customer belongs to another organisation unit or region outside your reach.")
        )
    units = list(units)
    errors: dict[str, str] = {}
    if not units:
        errors["units"] = _("Choose at least one unit.")
    strangers = [u.serial_number for u in units if u.owner_id != customer.pk]
    if strangers:
        errors["units"] = _("These units do not belong to %(customer)s: %(serials)s") % {
            "customer": customer,
            "serials": ", ".join(strangers),
        }
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = _("The end date cannot be before the start date.")
    amount = Decimal(amount if amount is not None else "0")
    if amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        contract = MaintenanceContract(
            number=next_number("MC"),
            customer=customer,
            start_date=start_date,
            end_date=end_date,
            covered_items=(covered_items or "").strip(),
            visits_per_year=visits_per_year,
            amount=amount,
            created_by=_user_or_none(actor),
            updated_by=_user_or_none(actor),
        )
        contract.full_clean()
        contract.save()
        contract.units.set(units)
        serials = ", ".join(sorted(u.serial_number for u in units))
        record(contract, "products.contract.created", actor=actor, note=serials)
        for unit in units:
            _note_on_unit(
                unit,
                "products.unit.contract_added",
                actor=actor,
                note=_("Maintenance contract %(number)s %(start)s – %(end)s")
                % {"number": contract.number, "start": start_date, "end": end_date},
            )
    return contract


def cancel_maintenance_contract(
    *, actor, contract: MaintenanceContract, reason: str, cancelled_on=None
) -> MaintenanceContract:
    """Cancel a contract: from then on it gives no entitlement on any date."""
    _require(actor, "products.change_maintenancecontract")
    if actor is not None and not (
        MaintenanceContract.objects.visible_to(actor).filter(pk=contract.pk).exists()
    ):
        raise PermissionDenied(
            _("This contract belongs to another organisation unit or region outside your reach.")
        )
    if not (reason or "").strip():
        raise ServiceError({"reason": _("Say why the contract is cancelled.")})
    with transaction.atomic():
        contract = MaintenanceContract.objects.select_for_update().get(pk=contract.pk)
        if contract.is_cancelled:
            raise ServiceError(_("This contract is already cancelled."))
        before = snapshot(contract)
        contract.is_cancelled = True
        contract.cancelled_on = cancelled_on or timezone.localdate()
        contract.cancel_reason = reason.strip()
        contract.updated_by = _user_or_none(actor)
        contract.save(
            update_fields=[
                "is_cancelled",
                "cancelled_on",
                "cancel_reason",
                "updated_at",
                "updated_by",
            ]
        )
        record(contract, "products.contract.cancelled", actor=actor, before=before, note=reason)
    return contract


# --- delivery handover and warranty card ------------------------------------------------


def record_delivery_handover(
    *,
    actor,
    unit: Unit,
    delivered_on: datetime.date,
    received_by: str,
    explained_use: bool = False,
    explained_maintenance: bool = False,
    explained_precautions: bool = False,
    notes: str = "",
) -> DeliveryHandover:
    """Record the handover (交付记录, PRD-4); the salesperson is the actor.

    A unit without a delivery date takes the handover's date, which starts a
    delivery-based standard warranty.
    """
    _require(actor, "products.add_deliveryhandover")
    _require_unit_reach(actor, unit)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if delivered_on is None:
        errors["delivered_on"] = _("Enter the delivery date.")
    elif delivered_on > today:
        errors["delivered_on"] = _("This date is in the future.")
    elif unit.sale_date and delivered_on < unit.sale_date:
        errors["delivered_on"] = _("The delivery date cannot be before the sale date.")
    elif unit.production_date and delivered_on < unit.production_date:
        errors["delivered_on"] = _("The delivery date cannot be before the production date.")
    if not (received_by or "").strip():
        errors["received_by"] = _("Enter who received the product.")
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        unit = Unit.objects.select_for_update().select_related("product_model").get(pk=unit.pk)
        handover = DeliveryHandover(
            unit=unit,
            delivered_on=delivered_on,
            salesperson=_user_or_none(actor),
            received_by=received_by.strip(),
            explained_use=explained_use,
            explained_maintenance=explained_maintenance,
            explained_precautions=explained_precautions,
            notes=(notes or "").strip(),
            created_by=_user_or_none(actor),
            updated_by=_user_or_none(actor),
        )
        handover.full_clean()
        handover.save()
        record(handover, "products.handover.recorded", actor=actor)
        if unit.delivery_date is None:
            before = snapshot(unit)
            unit.delivery_date = delivered_on
            unit.updated_by = _user_or_none(actor)
            unit.save(update_fields=["delivery_date", "updated_at", "updated_by"])
            record(
                unit,
                "products.unit.changed",
                actor=actor,
                before=before,
                note=_("Delivery date taken from the handover record."),
            )
            _sync_standard_warranty(unit, actor=actor)
        else:
            _note_on_unit(
                unit,
                "products.unit.handover_recorded",
                actor=actor,
                note=_("Handover on %(date)s to %(person)s")
                % {"date": delivered_on, "person": handover.received_by},
            )
    return handover


def add_service_record(
    *, actor, unit: Unit, date: datetime.date, content: str, reference: str = ""
) -> UnitServiceRecord:
    """Write a line on the unit's warranty card (保修卡, PRD-3); called when a service completes."""
    _require(actor, "products.add_unitservicerecord")
    _require_unit_reach(actor, unit)
    errors: dict[str, str] = {}
    if date is None:
        errors["date"] = _("Enter the date of the service.")
    elif date > timezone.localdate():
        errors["date"] = _("This date is in the future.")
    if not (content or "").strip():
        errors["content"] = _("Say what was done.")
    if errors:
        raise ServiceError(errors)
    return record_completed_service(
        actor=actor, unit=unit, date=date, content=content, reference=reference
    )


def record_completed_service(
    *, actor, unit: Unit, date: datetime.date, content: str, reference: str = ""
) -> UnitServiceRecord:
    """The warranty-card line of a completed service order (PRD-3).

    Called by the order's completion, which has already checked the person's right on
    the order; the technician of an order may not otherwise see the unit's owner.
    """
    with transaction.atomic():
        line = UnitServiceRecord(
            unit=unit,
            date=date,
            content=content.strip(),
            reference=(reference or "").strip(),
            created_by=_user_or_none(actor),
            updated_by=_user_or_none(actor),
        )
        line.full_clean()
        line.save()
        record(line, "products.service_record.added", actor=actor)
    return line
