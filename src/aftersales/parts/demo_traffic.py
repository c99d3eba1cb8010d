"""Demo: a month of parts traffic — receipts, a transfer to Hangzhou, parts lines on the
demo orders under each PRT-1 rule (a deposit reversed, a small part, a waiver waiting for
finance, an unpaid issue whose old part is overdue, user-caused damage), stock counts and a
shortage. Everything goes through the services; afterwards the ledger's times are spread
over the last 30 days so the ledger reads like a month (demo only)."""

import datetime as dt

from django.utils import timezone

from aftersales.parts import services, stock
from aftersales.parts.models import ChargeRule, PartLine, StockMove
from aftersales.service.models import ServiceKind

# part no., quantity into HQ, quantity into Hangzhou
RECEIPTS = [
    ("SNS-NTC10K", 40, 10),
    ("CMP-QXA25", 4, 0),
    ("VLV-4W-20", 6, 2),
    ("VLV-EXV-16", 6, 0),
    ("PCB-KRF-M", 5, 0),
    ("PCB-KRF-D", 8, 2),
    ("MOT-FAN-120", 4, 0),
    ("SEAL-DN20", 200, 40),
    ("FUSE-T5A", 100, 20),
    ("RC-KRF", 20, 5),
    ("IGN-L1", 30, 6),
    ("PUMP-L1", 3, 0),
    ("ANODE-KRF", 25, 8),
    ("RO-MEM-400", 10, 0),
]
# part no., reorder point, reserve (HQ); the pump falls short of its point.
LIMITS = [("SNS-NTC10K", 20, 5), ("PUMP-L1", 5, 2), ("SEAL-DN20", 50, 20), ("CMP-QXA25", 2, 1)]


def load(ctx: dict) -> None:
    people = ctx["people"]
    keeper, finance = people["cangku"], people["caiwu"]
    parts, warehouses = ctx["parts"], ctx["warehouses"]
    hq, hz = warehouses["HQ-WH"], warehouses["HZ-WH"]
    for code, to_hq, to_hz in RECEIPTS:
        part = parts[code]
        for warehouse, quantity in ((hq, to_hq), (hz, to_hz)):
            if not quantity:
                continue
            serials = (
                [f"{code}-{warehouse.code}-{n:03d}" for n in range(1, quantity + 1)]
                if part.is_valuable
                else ()
            )
            stock.receive_stock(
                actor=keeper, warehouse=warehouse, part=part, quantity=quantity, serials=serials
            )
    for code, point, reserve in LIMITS:
        stock.set_stock_limits(
            actor=keeper, warehouse=hq, part=parts[code], reorder_point=point, reserve=reserve
        )
    stock.transfer_stock(actor=keeper, source=hq, target=hz, part=parts["SNS-NTC10K"], quantity=5)
    _lines(ctx, keeper=keeper, finance=finance, hq=hq)
    _counts(keeper=keeper, finance=finance, hq=hq, hz=hz, parts=parts)
    _spread_over_a_month()


def _working_orders(ctx):
    """The demo orders a technician is working on now, warranty ones first."""
    from aftersales.service.models import ServiceOrder

    working = ServiceOrder.objects.filter(
        pk__in=[o.pk for o in ctx["orders"]],
        technician__isnull=False,
        status__in=services.REQUEST_STATUSES,
    ).select_related("technician")
    return sorted(working, key=lambda o: (o.service_kind != ServiceKind.FREE, o.pk))


def _lines(ctx, *, keeper, finance, hq) -> None:
    parts = ctx["parts"]
    orders = _working_orders(ctx)
    if not orders:
        return
    first, second, third = (orders * 3)[:3]

    def ask(order, code, quantity=1, **fields):
        return services.request_part(
            actor=order.technician, order=order, part=parts[code], quantity=quantity, **fields
        )

    def issue(order, lines, serials=None):
        return services.issue_lines(
            actor=keeper, order=order, lines=lines, warehouse=hq, serials=serials
        )

    # PRT-1 d: the expansion valve's deposit is paid, the old part comes back, the deposit
    # reverses; PRT-1 b: two seals go out free (on a warranty order).
    sensor = ask(first, "VLV-EXV-16")
    seals = ask(first, "SEAL-DN20", 2)
    for line in (sensor, seals):
        services.sign_line(
            actor=finance, line=line, approve=True, payment="paid" if line.amount else ""
        )
    issue(first, [sensor, seals])
    services.use_line(actor=first.technician, line=sensor)
    services.use_line(actor=first.technician, line=seals)
    if sensor.old_part_required:
        services.receive_old_part(actor=keeper, line=sensor)

    # PRT-1 a: the display board was cracked by the user — charged, paid on site.
    board = ask(
        second, "PCB-KRF-D", user_caused=True, evidence="显示板外壳有明显撞击裂痕（见照片）"
    )
    services.sign_line(
        actor=finance, line=board, approve=True, payment="paid" if board.amount else ""
    )
    issue(second, [board])
    services.use_line(actor=second.technician, line=board)

    # PRT-1 f: a four-way valve issued unpaid on the technician's word; its old part is
    # overdue, and the receivable is the technician's (FIN-2).
    valve = ask(second, "VLV-4W-20")
    if valve.amount and valve.charge_rule != ChargeRule.DEPOSIT:
        services.agree_to_issue_unpaid(actor=second.technician, line=valve)
    services.sign_line(
        actor=finance, line=valve, approve=True, payment="unpaid" if valve.amount else ""
    )
    issue(second, [valve])
    services.use_line(actor=second.technician, line=valve)
    PartLine.objects.filter(pk=valve.pk, old_part_required=True).update(
        old_part_due_at=timezone.now() - dt.timedelta(days=2)
    )

    # FEE-1 paid service: a new remote control at list price, issued before payment.
    remote = ask(third, "RC-KRF")
    if remote.amount and remote.charge_rule != ChargeRule.DEPOSIT:
        # PRT-1 f, FEE-4: the technician agrees to issue before the customer pays.
        services.agree_to_issue_unpaid(actor=third.technician, line=remote)
    services.sign_line(
        actor=finance, line=remote, approve=True, payment="unpaid" if remote.amount else ""
    )
    issue(third, [remote])

    # PRT-1 c: a compressor whose old part is not worth bringing back waits for finance
    # (a waiver exists only on a warranty order).
    ask(first, "CMP-QXA25", waiver_requested=first.service_kind == ServiceKind.FREE)


def _counts(*, keeper, finance, hq, hz, parts) -> None:
    """PRT-8: last month's count of Hangzhou found one fuse short (approved by finance);
    this month's count of HQ's seals and fuses waits for approval."""
    done = stock.start_count(actor=keeper, warehouse=hz, parts=[parts["FUSE-T5A"]])
    stock.record_counted(actor=keeper, count=done, part=parts["FUSE-T5A"], counted=19)
    stock.submit_count(actor=keeper, count=done)
    stock.decide_count(actor=finance, count=done, approve=True, comment="保险丝丢失 1 个，核销")
    waiting = stock.start_count(
        actor=keeper, warehouse=hq, parts=[parts["SEAL-DN20"], parts["FUSE-T5A"]]
    )
    on_books = {line.part_id: line.expected for line in waiting.lines.all()}
    stock.record_counted(
        actor=keeper,
        count=waiting,
        part=parts["SEAL-DN20"],
        counted=on_books[parts["SEAL-DN20"].pk],
    )
    stock.record_counted(
        actor=keeper,
        count=waiting,
        part=parts["FUSE-T5A"],
        counted=on_books[parts["FUSE-T5A"].pk] + 2,
    )
    stock.submit_count(actor=keeper, count=waiting)


def _spread_over_a_month() -> None:
    """Demo only: the ledger rows were written just now; give them times over the last 30
    days, in the order they were written, so the ledger reads like a month of traffic."""
    moves = list(StockMove.objects.order_by("pk").values_list("pk", flat=True))
    if not moves:
        return
    now = timezone.now()
    step = dt.timedelta(days=30) / max(len(moves), 1)
    for i, pk in enumerate(moves):
        StockMove.objects.filter(pk=pk).update(at=now - dt.timedelta(days=30) + step * i)
