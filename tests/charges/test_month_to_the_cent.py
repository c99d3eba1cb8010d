"""FEE-1…FEE-5, PRT-1, FIN-2 and PRT-8 together: a month of orders — paid and warranty,
parts under every rule, labour by the hour and by the item, money taken on site and at
finance, cash handed over, old parts back — summed to the cent against figures this test
works out by itself from the price list, and the stock ledger summed against on-hand.

Decimal throughout; any float or rounding slip shows up as a cent of difference."""

import datetime as dt
from decimal import ROUND_DOWN, Decimal

import pytest
from django.db.models import Q, Sum
from django.utils import timezone

from aftersales.charges import money, quotes
from aftersales.charges.models import CashHandover, CustomerPayment
from aftersales.charges.sheet import charge_sheet
from aftersales.parts import services as parts
from aftersales.parts.models import LabourRate, PartLine, Receivable, StockLevel, StockMove
from tests.parts.fixtures import in_progress

pytestmark = pytest.mark.django_db
D = Decimal
CENT = D("0.01")
LIST = {"sensor": D("85.00"), "seal": D("4.50")}
HOUR, ITEM = D("80.00"), D("33.33")


@pytest.fixture
def rates(db):
    start = timezone.localdate() - dt.timedelta(days=30)
    LabourRate.objects.create(
        code="GS-H", name="维修工时", basis="hour", rate=HOUR, effective_from=start
    )
    LabourRate.objects.create(
        code="JC-01", name="检测", basis="item", rate=ITEM, effective_from=start
    )


def _line(order, people, part, **fields):
    return parts.request_part(
        actor=people["technician"], order=order, part=part, **{"quantity": 1, **fields}
    )


def _sign_issue_use(line, people, catalogue, payment):
    if payment == "unpaid" and parts.needs_credit_agreement(line):
        parts.agree_to_issue_unpaid(actor=people["technician"], line=line)
    parts.sign_line(actor=people["finance"], line=line, approve=True, payment=payment)
    parts.issue_lines(
        actor=people["keeper"], order=line.order, lines=[line], warehouse=catalogue["central"]
    )
    line.refresh_from_db()
    return parts.use_line(actor=people["technician"], line=line)


def test_fee_prt_fin_a_month_of_charges_payments_and_stock_sums_to_the_cent(
    new_order, people, catalogue, rates
):
    tech, fin = people["technician"], people["finance"]
    sensor, seal = catalogue["parts"]["sensor"], catalogue["parts"]["seal"]
    expected_total = D("0.00")  # what customers owe, worked out here from the price list
    expected_paid = D("0.00")
    expected_open_receivables = D("0.00")
    on_site = []
    orders = []
    for i in range(15):
        if i % 3 == 0:
            # FEE-1 free (warranty): a deposit (d), a small part (b), user damage (a).
            order = in_progress(new_order(), people)
            assert order.service_kind == "free"
            deposit = _sign_issue_use(_line(order, people, sensor), people, catalogue, "unpaid")
            _sign_issue_use(_line(order, people, seal), people, catalogue, "")
            damage = _line(order, people, sensor, user_caused=True, evidence="外壳摔裂")
            _sign_issue_use(damage, people, catalogue, "paid")
            expected_total += LIST["sensor"]  # only the damage is the customer's
            if i % 2 == 0:
                parts.receive_old_part(actor=people["keeper"], line=deposit)  # d reversed
            else:
                expected_open_receivables += LIST["sensor"]  # the technician's deposit
            paid_now = [LIST["sensor"]]
        else:
            # FEE-1 paid: parts at list price and labour; a quotation the customer accepts.
            order = in_progress(new_order(unit=None), people)
            assert order.service_kind == "paid"
            quantity = i % 2 + 1
            payment = "paid" if i % 2 == 0 else "unpaid"
            _sign_issue_use(
                _line(order, people, sensor, quantity=quantity), people, catalogue, payment
            )
            hours = D("0.25") * (i % 4 + 1)
            quotes.add_labour(actor=tech, order=order, rate_code="GS-H", quantity=hours)
            quotes.add_labour(actor=tech, order=order, rate_code="JC-01", quantity="1")
            owed = LIST["sensor"] * quantity + (HOUR * hours).quantize(CENT) + ITEM
            expected_total += owed
            quotation = quotes.make_quotation(actor=tech, order=order)
            assert quotation.total == owed
            if i == 5:
                paid_now = [D("100.00")]  # a partial payment: the rest stays outstanding
            elif i % 2 == 0:
                first = (owed / 3).quantize(CENT, ROUND_DOWN)
                paid_now = [first, owed - first]  # two receipts on site
            else:
                paid_now = [owed]
            if payment == "unpaid" and i == 5:
                expected_open_receivables += LIST["sensor"] * quantity
        for amount in paid_now:
            if i % 2 == 0:
                on_site.append(
                    money.collect_on_site(actor=tech, order=order, amount=amount, method="cash")
                )
            else:
                money.register_payment(
                    actor=fin,
                    order=order,
                    amount=amount,
                    method="transfer",
                    received_at=timezone.now() - dt.timedelta(hours=1),
                )
            expected_paid += amount
        orders.append(order)

    # Finance takes the technician's cash: every receipt but the last, counted to the cent.
    handed = on_site[:-1]
    handed_total = sum((p.amount for p in handed), D("0.00"))
    money.hand_over_cash(actor=fin, technician=tech, payments=handed, counted_total=handed_total)

    sheets = [charge_sheet(order) for order in orders]
    total = sum((s.total for s in sheets), D("0.00"))
    paid = sum((s.paid for s in sheets), D("0.00"))
    outstanding = sum((s.outstanding for s in sheets), D("0.00"))
    assert total == expected_total
    assert paid == expected_paid
    assert (
        CustomerPayment.objects.filter(voided_at__isnull=True).aggregate(s=Sum("amount"))["s"]
        == expected_paid
    )
    assert outstanding == expected_total - expected_paid
    assert [s.outstanding for s in sheets if s.outstanding] == [sheets[5].total - D("100.00")]
    # Cash: what finance holds from hand-overs equals their receipts; the rest is in hand.
    assert CashHandover.objects.get().total == handed_total
    assert money.cash_in_hand(tech).total == on_site[-1].amount
    # FIN-2: receivables still open are the unreturned deposits and the part-paid order's
    # unpaid part; every other unpaid line was settled when its order was paid in full.
    open_sum = Receivable.objects.filter(settled_at__isnull=True).aggregate(s=Sum("amount"))["s"]
    assert open_sum == expected_open_receivables
    # PRT-1 d: a deposit taken unpaid is reversed with no credit; it no longer counts.
    returned = PartLine.objects.filter(charge_rule="d", deposit_reversed_at__isnull=False)
    assert returned.count() == 3
    assert all(line.charged == D("0.00") for line in returned)
    # PRT-8: every location's on-hand is the sum of its ledger.
    for level in StockLevel.objects.all():
        moves = StockMove.objects.filter(part=level.part)
        into = moves.filter(to_warehouse=level.warehouse).aggregate(s=Sum("quantity"))["s"] or 0
        out = moves.filter(from_warehouse=level.warehouse).aggregate(s=Sum("quantity"))["s"] or 0
        assert level.on_hand == into - out, (level.warehouse, level.part)
    assert not StockLevel.objects.filter(Q(on_hand__lt=0)).exists()
