"""The parts catalogue, finance's price list and the labour-rate standard (FEE-2, PRT-8).

Every write checks the right, validates everything before the first write, runs in one
transaction and leaves an audit row (SEC-1). A refusal writes nothing.

Prices and labour rates are dated rows: the row in force on a day is the one with the
latest ``effective_from`` on or before it. A new price may not start before today — a
price cannot change the past, so orders already received keep the price of their day.
A second price for the same start day replaces that day's row (audited as a change);
any other day adds a row.

The charge computation reads ``price_on(part, day)`` / ``prices_on(parts, day)`` and
``labour_rate_on(code, day)``; keep their names and signatures.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.audit.services import record, snapshot
from aftersales.core.exceptions import ServiceError
from aftersales.core.permissions import require_perm
from aftersales.parts.models import LabourBasis, LabourRate, Part, PartPrice, Warehouse

PRICE_PERM = "parts.manage_prices"
PART_FIELDS = {
    "code",
    "name",
    "specification",
    "unit_of_measure",
    "compatible_models",
    "is_assembly",
    "is_valuable",
    "has_recovery_value",
    "is_active",
}
TEXT_FIELDS = ("code", "name", "specification", "unit_of_measure")
CENT = Decimal("0.01")
# DecimalField(max_digits=12, decimal_places=2): ten digits before the point.
MAX_AMOUNT = Decimal("9999999999.99")

# The labour-rate codes of the shipped standard (demo data and the charge computation).
LABOUR_VISIT = "VISIT"  # 上门服务费, per service item
LABOUR_HOUR = "HOUR"  # 维修工时, per hour


# --- helpers --------------------------------------------------------------------------


def _user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


def _full_clean(obj, exclude=None) -> None:
    """Model validation as a ServiceError (field by field), so callers catch one kind."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ServiceError(exc.error_dict if hasattr(exc, "error_dict") else exc.messages) from exc


def parse_money(value, field: str) -> Decimal:
    """A money amount in yuan, not negative, with at most two decimals, or ServiceError on
    ``field``.

    Accepts a Decimal, an int or a string ("120", "35.50"); refuses floats (never money),
    booleans, text, NaN, infinity, negatives, fractions of a fen and amounts too large to
    keep.
    """
    error = ServiceError({field: _("Enter an amount in yuan, for example 120.00.")})
    if value is None or isinstance(value, bool | float):
        raise error
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise error from exc
    if not amount.is_finite():
        raise error
    if amount < 0:
        raise ServiceError({field: _("The amount cannot be negative.")})
    if amount > MAX_AMOUNT:
        raise ServiceError({field: _("The amount is too large.")})
    if amount != amount.quantize(CENT):
        raise ServiceError({field: _("The amount has at most two decimals (fen).")})
    return amount.quantize(CENT)


def parse_start(value, *, allow_past: bool, field: str = "effective_from") -> datetime.date:
    """The start day of a price or rate: a date (or YYYY-MM-DD), not before today unless
    ``allow_past`` (demo data and data import only)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    elif isinstance(value, str):
        try:
            value = datetime.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime.date):
        raise ServiceError({field: _("Enter the date from which it applies (YYYY-MM-DD).")})
    if not allow_past and value < timezone.localdate():
        raise ServiceError(
            {
                field: _(
                    "A price cannot change the past: choose today or a later day. Orders "
                    "already received keep the price of their day."
                )
            }
        )
    return value


def _as_day(day) -> datetime.date:
    if isinstance(day, datetime.datetime):
        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return day


def normalize_code(value) -> str:
    return (value or "").strip().upper()


# --- parts --------------------------------------------------------------------------------


def _part_snapshot(part: Part) -> dict:
    """The audited values of a part, its fitting models (many-to-many) included."""
    data = snapshot(part)
    if part.pk:
        # One readable line in the history panel ("KRF-35, L1PB26").
        data["compatible_models"] = ", ".join(sorted(m.code for m in part.compatible_models.all()))
    return data


def _save_part(part: Part, fields: dict, *, actor, action: str, before: dict) -> Part:
    unknown = set(fields) - PART_FIELDS
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    models = fields.pop("compatible_models", None)
    for name, value in fields.items():
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        setattr(part, name, value)
    part.code = normalize_code(part.code)
    errors: dict[str, str] = {}
    if not part.code:
        errors["code"] = _("Enter the part number.")
    elif Part.objects.filter(code__iexact=part.code).exclude(pk=part.pk).exists():
        errors["code"] = _("A part with number %(code)s already exists.") % {"code": part.code}
    if not part.name:
        errors["name"] = _("Enter the part's name.")
    if not part.unit_of_measure:
        part.unit_of_measure = "个"
    if errors:
        raise ServiceError(errors)
    _full_clean(part)
    part.updated_by = _user_or_none(actor)
    try:
        with transaction.atomic():
            part.save()
    except IntegrityError as exc:  # the same number saved at the same moment
        raise ServiceError(
            {"code": _("A part with number %(code)s already exists.") % {"code": part.code}}
        ) from exc
    if models is not None:
        part.compatible_models.set(list(models))
    record(part, action, actor=actor, before=before, after=_part_snapshot(part))
    return part


def create_part(*, actor, **fields) -> Part:
    """Add a part to the catalogue (PRT-8). The number is trimmed and upper-cased and is
    unique; a name is required; ``compatible_models`` are the product models it fits."""
    require_perm(actor, "parts.add_part")
    with transaction.atomic():
        part = Part(created_by=_user_or_none(actor))
        return _save_part(part, dict(fields), actor=actor, action="parts.part.created", before={})


def update_part(*, actor, part: Part, **fields) -> Part:
    """Change a part's facts; fields left out keep their value."""
    require_perm(actor, "parts.change_part")
    with transaction.atomic():
        current = Part.objects.select_for_update().get(pk=part.pk)
        before = _part_snapshot(current)
        return _save_part(
            current, dict(fields), actor=actor, action="parts.part.changed", before=before
        )


# --- prices (FEE-2) ------------------------------------------------------------------------


def set_price(
    *,
    actor,
    part: Part,
    list_price,
    cost,
    effective_from,
    allow_past: bool = False,
) -> PartPrice:
    """FEE-2: finance sets a part's list price and cost from ``effective_from`` on.

    Amounts are Decimal (or int / numeric string) with at most two decimals, never
    negative. The day may not be before today: a price cannot change the past, and
    orders received before it keep the old price. A price for a day that already has
    one replaces it (audited as a change); otherwise a new row starts.

    ``allow_past`` lets a price start on an earlier day. It is for demo data and data
    import (loading a price list that was already in force) only; pages and the API
    never pass it.
    """
    require_perm(actor, PRICE_PERM)
    errors: dict[str, list[str]] = {}
    values: dict = {}
    for field, value, parser in (
        ("list_price", list_price, parse_money),
        ("cost", cost, parse_money),
    ):
        try:
            values[field] = parser(value, field)
        except ServiceError as exc:
            errors.update(exc.message_dict)
    try:
        day = parse_start(effective_from, allow_past=allow_past)
    except ServiceError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        # One writer per part at a time (the lock serialises same-day replacements).
        part = Part.objects.select_for_update().get(pk=part.pk)
        row = PartPrice.objects.select_for_update().filter(part=part, effective_from=day).first()
        if row is not None:
            if (row.list_price, row.cost) == (values["list_price"], values["cost"]):
                return row  # nothing changes, nothing to record
            before, action = snapshot(row), "parts.price.changed"
        else:
            row = PartPrice(part=part, effective_from=day, created_by=_user_or_none(actor))
            before, action = {}, "parts.price.set"
        row.list_price = values["list_price"]
        row.cost = values["cost"]
        row.updated_by = _user_or_none(actor)
        row.save()
        record(row, action, actor=actor, before=before)
    return row


def price_on(part: Part | int, day: datetime.date) -> PartPrice | None:
    """The price of ``part`` in force on ``day``: the row with the latest effective_from
    on or before it, or None when the part had no price yet."""
    part_id = getattr(part, "pk", part)
    return (
        PartPrice.objects.filter(part_id=part_id, effective_from__lte=_as_day(day))
        .order_by("-effective_from")
        .first()
    )


def prices_on(parts: Iterable[Part | int], day: datetime.date) -> dict[int, PartPrice]:
    """{part id: price in force on ``day``} for many parts, in one query whatever their
    number. Parts without a price on that day are left out."""
    ids = {getattr(p, "pk", p) for p in parts}
    if not ids:
        return {}
    day = _as_day(day)
    latest = (
        PartPrice.objects.filter(part=OuterRef("part"), effective_from__lte=day)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    rows = PartPrice.objects.filter(part_id__in=ids, effective_from__lte=day, pk=Subquery(latest))
    return {row.part_id: row for row in rows}


def with_price_on(queryset: QuerySet, day: datetime.date | None = None) -> QuerySet:
    """Parts annotated with ``price_today`` (list price), ``cost_today`` and
    ``price_from`` in force on ``day`` (today): subqueries, no query per row."""
    day = _as_day(day or timezone.localdate())
    latest = PartPrice.objects.filter(part=OuterRef("pk"), effective_from__lte=day).order_by(
        "-effective_from"
    )
    return queryset.annotate(
        price_today=Subquery(latest.values("list_price")[:1]),
        cost_today=Subquery(latest.values("cost")[:1]),
        price_from=Subquery(latest.values("effective_from")[:1]),
    )


# --- labour rates (FEE-2) ----------------------------------------------------------------


def set_labour_rate(
    *,
    actor,
    code: str,
    name: str,
    basis: str,
    rate,
    effective_from,
    allow_past: bool = False,
) -> LabourRate:
    """FEE-2: finance sets a labour rate (工时费标准) of a service item, per item or per
    hour, from ``effective_from`` on — same rules as part prices: Decimal with at most
    two decimals, not negative, not before today (``allow_past`` for demo data and data
    import only), a second rate on the same day replaces that day's row."""
    require_perm(actor, PRICE_PERM)
    code = normalize_code(code)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Enter the code of the service item.")]
    elif len(code) > LabourRate._meta.get_field("code").max_length:
        errors["code"] = [_("The code is too long.")]
    if not name:
        errors["name"] = [_("Enter the name of the service item.")]
    elif len(name) > LabourRate._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long.")]
    if basis not in LabourBasis.values:
        errors["basis"] = [_("Choose per service item or per hour.")]
    amount = None
    try:
        amount = parse_money(rate, "rate")
    except ServiceError as exc:
        errors.update(exc.message_dict)
    try:
        day = parse_start(effective_from, allow_past=allow_past)
    except ServiceError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ServiceError(errors)
    with transaction.atomic():
        row = LabourRate.objects.select_for_update().filter(code=code, effective_from=day).first()
        if row is not None:
            if (row.name, row.basis, row.rate) == (name, basis, amount):
                return row
            before, action = snapshot(row), "parts.labour_rate.changed"
        else:
            row = LabourRate(code=code, effective_from=day, created_by=_user_or_none(actor))
            before, action = {}, "parts.labour_rate.set"
        row.name, row.basis, row.rate = name, basis, amount
        row.updated_by = _user_or_none(actor)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # the same code and day saved at the same moment
            raise ServiceError(
                {"effective_from": _("This rate was just set by someone else; try again.")}
            ) from exc
        record(row, action, actor=actor, before=before)
    return row


def labour_rate_on(code: str, day: datetime.date) -> LabourRate | None:
    """The labour rate of ``code`` in force on ``day``, or None."""
    return (
        LabourRate.objects.filter(code=normalize_code(code), effective_from__lte=_as_day(day))
        .order_by("-effective_from")
        .first()
    )


def labour_rates_on(day: datetime.date) -> list[LabourRate]:
    """Every code's rate in force on ``day`` (one query), by code."""
    day = _as_day(day)
    latest = (
        LabourRate.objects.filter(code=OuterRef("code"), effective_from__lte=day)
        .order_by("-effective_from")
        .values("pk")[:1]
    )
    return list(
        LabourRate.objects.filter(effective_from__lte=day, pk=Subquery(latest)).order_by("code")
    )


# --- warehouses (PRT-8) -------------------------------------------------------------------


def create_warehouse(*, actor, code: str, name: str, kind: str, org_unit) -> Warehouse:
    """Set up a stock location of an organisation unit (a warehouse or an old-part zone;
    a technician's own stock is made by ``stock.personal_stock``)."""
    require_perm(actor, "parts.add_warehouse")
    with transaction.atomic():
        warehouse = Warehouse(
            code=normalize_code(code),
            name=(name or "").strip(),
            kind=kind,
            org_unit=org_unit,
            created_by=_user_or_none(actor),
            updated_by=_user_or_none(actor),
        )
        errors = {}
        if Warehouse.objects.filter(code__iexact=warehouse.code).exists():
            errors["code"] = _("A warehouse with code %(code)s already exists.") % {
                "code": warehouse.code
            }
        if kind == "technician":
            errors["kind"] = _("A technician's stock is created with their first issue.")
        if errors:
            raise ServiceError(errors)
        _full_clean(warehouse)
        warehouse.save()
        record(warehouse, "parts.warehouse.created", actor=actor)
    return warehouse
