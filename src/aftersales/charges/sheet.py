"""The order's charge sheet (FEE-1, FEE-2): what the customer pays, computed from the
service kind, the parts lines (their PRT-1 charge) and the labour lines — never stored, so it
cannot drift from the lines. Quotations freeze it; payments are set against it.

PRT-1 d deposits are not the customer's: the technician owes them until the old part is
back (FIN-2), so they are listed apart and left out of the customer's total.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from aftersales.charges.models import CustomerPayment, LabourLine
from aftersales.parts.models import ChargeRule, LineStatus, PartLine
from aftersales.service import order_page
from aftersales.service.models import ServiceKind, ServiceOrder

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Parts lines that are (or will be) charged: not refused, cancelled or returned unused.
CHARGED_STATUSES = [LineStatus.REQUESTED, LineStatus.SIGNED, LineStatus.ISSUED, LineStatus.USED]
# FEE-1: labour is charged for paid and other service; free and contract service do not pay it.
LABOUR_CHARGED_KINDS = {ServiceKind.PAID, ServiceKind.OTHER}


def labour_charge(
    *, service_kind: str, rate: Decimal, quantity: Decimal
) -> tuple[Decimal, Decimal]:
    """FEE-1, FEE-2: (unit price, amount) of labour — the rate for paid and other service,
    nothing for free (warranty) and contract service. Rounded half up to the cent."""
    rate, quantity = Decimal(rate), Decimal(quantity)
    if service_kind not in LABOUR_CHARGED_KINDS:
        return ZERO, ZERO
    return rate, (rate * quantity).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class SheetLine:
    kind: str  # "part" or "labour"
    id: int
    code: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    rule: str = ""
    rule_label: str = ""

    def as_item(self) -> dict:
        """The line as a quotation keeps it (Decimal as text, so JSON keeps every cent)."""
        return {
            "kind": self.kind,
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "quantity": str(self.quantity),
            "unit_price": str(self.unit_price),
            "amount": str(self.amount),
            "rule": self.rule,
            "rule_label": str(self.rule_label),
        }


@dataclass
class ChargeSheet:
    order: ServiceOrder
    service_kind: str
    parts: list[SheetLine] = field(default_factory=list)
    labour: list[SheetLine] = field(default_factory=list)
    # PRT-1 d: deposits the technician owes until the old part is back (not the customer's).
    deposits: list[SheetLine] = field(default_factory=list)
    paid: Decimal = ZERO

    @property
    def parts_total(self) -> Decimal:
        return sum((line.amount for line in self.parts), ZERO)

    @property
    def labour_total(self) -> Decimal:
        return sum((line.amount for line in self.labour), ZERO)

    @property
    def total(self) -> Decimal:
        return self.parts_total + self.labour_total

    @property
    def deposits_total(self) -> Decimal:
        return sum((line.amount for line in self.deposits), ZERO)

    @property
    def outstanding(self) -> Decimal:
        """What the customer still owes; negative when they paid more (a refund is due)."""
        return self.total - self.paid

    @property
    def items(self) -> list[SheetLine]:
        return [*self.parts, *self.labour]

    @property
    def fingerprint(self) -> str:
        """Changes whenever a charged line, its quantity or amount, or the service kind does;
        a quotation is current while it carries the sheet's fingerprint."""
        payload = [self.service_kind] + [
            [line.kind, line.id, str(line.quantity), str(line.amount)] for line in self.items
        ]
        return hashlib.sha256(json.dumps(payload).encode()).hexdigest()


def charge_sheet(order: ServiceOrder) -> ChargeSheet:
    """The sheet in three queries (parts lines, labour lines, payments) whatever its size.

    While the order's page is built (issue 7), once for the page — the "complete" guard,
    the charges card and the money card share it — and in no query when the order has no
    parts line, labour line or payment."""

    def compute() -> ChargeSheet:
        if not any(order_page.may_have(order, name) for name in SHEET_RELATIONS):
            return ChargeSheet(order=order, service_kind=order.service_kind)
        return charge_sheets([order])[order.pk]

    return order_page.memoized(("charge_sheet", order.pk), compute)


# The order's lists a sheet is made of (reverse accessor names).
SHEET_RELATIONS = ("part_lines", "labour_lines", "customer_payments")


def charge_sheets(orders) -> dict[int, ChargeSheet]:
    """The sheets of several orders (a list page's), by order id, in the same three queries
    as one sheet's — whatever the number of orders and lines."""
    sheets = {o.pk: ChargeSheet(order=o, service_kind=o.service_kind) for o in orders}
    if not sheets:
        return sheets
    lines = (
        PartLine.objects.filter(order_id__in=sheets, status__in=CHARGED_STATUSES)
        .select_related("part")
        .order_by("pk")
    )
    for line in lines:
        sheet = sheets[line.order_id]
        sheet_line = SheetLine(
            kind="part",
            id=line.pk,
            code=line.part.code,
            name=line.part.name,
            quantity=Decimal(line.quantity),
            unit_price=line.unit_price,
            amount=line.charged,
            rule=line.charge_rule,
            rule_label=line.get_charge_rule_display(),
        )
        if line.charge_rule == ChargeRule.DEPOSIT:
            if line.is_deposit:
                sheet.deposits.append(sheet_line)
        else:
            sheet.parts.append(sheet_line)
    for labour in (
        LabourLine.objects.filter(order_id__in=sheets, cancelled_at__isnull=True)
        .select_related("rate")
        .order_by("pk")
    ):
        sheets[labour.order_id].labour.append(
            SheetLine(
                kind="labour",
                id=labour.pk,
                code=labour.rate.code,
                name=labour.description or labour.rate.name,
                quantity=labour.quantity,
                unit_price=labour.unit_price,
                amount=labour.amount,
            )
        )
    paid = (
        CustomerPayment.objects.filter(order_id__in=sheets, voided_at__isnull=True)
        .values("order_id")
        .annotate(s=Sum("amount"))
        .values_list("order_id", "s")
    )
    for order_id, amount in paid:
        # SQLite's SUM drops the scale (215 for 215.00): money is shown with its two places.
        sheets[order_id].paid = Decimal(amount or 0).quantize(CENT)
    return sheets
