# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""The customer's money (FEE-3, FIN-2, SEC-5): receipts collected on site, no overpaying, the
cash hand-over to the cent, receivables settled only when the customer has paid in full,
voids, invoices with their cap and unique numbers, and the order page's money card.

The fixtures here (a paid-service order with parts lines) are imported by the other money
test modules."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from aftersales.accounts import services as accounts_services
from aftersales.audit.models import AuditEntry
from aftersales.charges import money
from aftersales.charges.models import CashHandover, CustomerPayment, Invoice, InvoiceStatus
from aftersales.charges.sheet import charge_sheet
from aftersales.core.exceptions import ServiceError
from aftersales.parts.models import ChargeRule, Receivable
from aftersales.service.models import ServiceOrder
from aftersales.service.services import override_service_kind
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    issued,
    new_order,
    requested,
    working_order,
)
from tests.threads import run_together as _run_together

pytestmark = pytest.mark.django_db
D = Decimal


# --- fixtures shared by the money tests ------------------------------------------------------


@pytest.fixture
def paid_order(working_order, people):
    """The Hangzhou repair made paid service (out of warranty, FEE-1) by the branch manager."""
    return override_service_kind(
        actor=people["branch_manager"], order=working_order, kind="paid", reason="保修期已过"
    )


@pytest.fixture
def owing_order(paid_order, people, catalogue):
    """A paid order whose customer owes 85.00 for one sensor (requested, list price)."""
    line = requested(paid_order, people, catalogue["parts"]["sensor"])
    assert (line.charge_rule, line.amount) == (ChargeRule.PAID, D("85.00"))
    return paid_order


@pytest.fixture
def big_order(paid_order, people, catalogue):
    """A paid order whose customer owes 1885.00: a compressor (1800.00) and a sensor (85.00)."""
    requested(paid_order, people, catalogue["parts"]["compressor"])
    requested(paid_order, people, catalogue["parts"]["sensor"])
    assert charge_sheet(paid_order).total == D("1885.00")
    return paid_order


def collect(order, people, amount, who="technician", **fields):
    return money.collect_on_site(
        actor=people[who], order=order, amount=D(amount), method="cash", **fields
    )


def register(order, people, amount, received_at=None, **fields):
    return money.register_payment(
        actor=people["finance"],
        order=order,
        amount=D(amount),
        method=fields.pop("method", "transfer"),
        received_at=received_at or timezone.now(),
        **fields,
    )


def unpaid_issued(order, people, catalogue, part):
    """A charged line issued before payment on the technician's word (PRT-1 f): the
    technician's receivable."""
    return issued(
        order,
        people,
        catalogue,
        part,
        payment="unpaid",
        serials=["C-0001"] if part.is_valuable else None,
    )


def second_finance(org, people):
    return accounts_services.create_user(
        actor=people["admin"],
        username="chuna",
        password="x-pass-2026",
        roles=["finance"],
        org_unit=org["units"]["HQ-FIN"],
    )


# --- FEE-3: collected on site ----------------------------------------------------------------


def test_fee_3_the_technician_collects_and_gets_numbered_receipts(owing_order, people):
    """FEE-3: each collection is a receipt numbered in the SJ series, on site, counted as the
    technician's knowledge (notified), audited."""
    first = collect(owing_order, people, "50.00", payer="王经理")
    second = collect(owing_order, people, "35.00")
    day = timezone.localdate().strftime("%Y%m%d")
    assert (first.number, second.number) == (f"SJ-{day}-0001", f"SJ-{day}-0002")
    assert first.source == "on_site" and first.received_by == people["technician"]
    assert first.notified_at is not None and first.notify_due_at is None
    assert first.payer == "王经理" and first.handover is None
    assert charge_sheet(owing_order).outstanding == D("0.00")
    assert AuditEntry.objects.filter(action="charges.payment.collected").count() == 2


def test_fee_3_a_dispatcher_may_collect_for_the_technician(owing_order, people):
    payment = collect(owing_order, people, "85.00", who="branch_manager")
    assert payment.received_by == people["branch_manager"]


def test_fee_3_overpaying_is_refused_and_nothing_is_written(owing_order, people):
    """FEE-3: not more than the sheet's outstanding — the message says what is owed."""
    collect(owing_order, people, "80.00")
    with pytest.raises(ServiceError) as refused:
        collect(owing_order, people, "5.01")
    assert "owes ¥5.00" in refused.value.message_dict["amount"][0]
    assert CustomerPayment.objects.count() == 1


def test_fee_3_nothing_is_collected_when_nothing_is_owed(working_order, people, catalogue):
    """A warranty order with a free small part (PRT-1 b) owes nothing."""
    requested(working_order, people, catalogue["parts"]["seal"])
    with pytest.raises(ServiceError) as refused:
        collect(working_order, people, "1.00")
    assert "owes nothing" in refused.value.message_dict["amount"][0]
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "above zero"),
        ("-5.00", "above zero"),
        ("1.005", "two decimal places"),
        ("abc", "amount in yuan"),
        ("", "amount in yuan"),
        (None, "amount in yuan"),
        (True, "amount in yuan"),
        ("NaN", "amount in yuan"),
    ],
)
def test_fee_3_a_bad_amount_is_refused_clearly(owing_order, people, amount, message):
    with pytest.raises(ServiceError) as refused:
        money.collect_on_site(
            actor=people["technician"], order=owing_order, amount=amount, method="cash"
        )
    assert message in refused.value.message_dict["amount"][0]
    assert not CustomerPayment.objects.exists()


def test_fee_3_an_unknown_method_and_a_long_payer_are_refused(owing_order, people):
    with pytest.raises(ServiceError) as refused:
        money.collect_on_site(
            actor=people["technician"],
            order=owing_order,
            amount=D("10.00"),
            method="bitcoin",
            payer="x" * 101,
        )
    assert set(refused.value.message_dict) == {"method", "payer"}
    assert not CustomerPayment.objects.exists()


def test_fee_3_no_collection_on_a_closed_or_cancelled_order(owing_order, people):
    for status in ("closed", "cancelled"):
        ServiceOrder.objects.filter(pk=owing_order.pk).update(status=status)
        with pytest.raises(ServiceError, match="no money is collected"):
            collect(owing_order, people, "10.00")
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize("persona", ["keeper", "agent", "finance", "salesperson"])
def test_fee_3_a_role_without_the_right_cannot_collect(owing_order, people, persona):
    """Only the collect right (the technician, a branch manager) takes money on site."""
    with pytest.raises(PermissionDenied):
        collect(owing_order, people, "10.00", who=persona)
    assert not CustomerPayment.objects.exists()


def test_fee_3_an_order_out_of_reach_is_refused(owing_order, people):
    """ORG-3: the Nanjing branch manager holds the right but not the Hangzhou order."""
    with pytest.raises(PermissionDenied):
        collect(owing_order, people, "10.00", who="outsider")
    assert not CustomerPayment.objects.exists()


def test_fee_3_another_technician_cannot_collect_on_the_order(org, owing_order, people):
    colleague = accounts_services.create_user(
        actor=people["admin"],
        username="hz_jishi2",
        password="x-pass-2026",
        roles=["technician"],
        org_unit=org["units"]["BR-HZ"],
    )
    with pytest.raises(PermissionDenied):
        money.collect_on_site(actor=colleague, order=owing_order, amount=D("10"), method="cash")
    assert not CustomerPayment.objects.exists()


# --- FIN-2: receivables are settled when the customer has paid in full -----------------------


def test_fin_2_receivables_settle_only_when_finance_holds_the_whole_charge(
    paid_order, people, catalogue
):
    """FIN-2, PRT-1 f: a compressor issued unpaid is the technician's receivable; a partial
    payment leaves it open; the payment that completes the charges settles it, naming the
    payments."""
    line = unpaid_issued(paid_order, people, catalogue, catalogue["parts"]["compressor"])
    receivable = Receivable.objects.get(line=line)
    assert receivable.owner == people["technician"] and receivable.amount == D("1800.00")

    first = register(paid_order, people, "1000.00")
    receivable.refresh_from_db()
    assert receivable.settled_at is None

    second = register(paid_order, people, "800.00")
    receivable.refresh_from_db()
    assert receivable.settled_at is not None
    assert first.number in receivable.settlement and second.number in receivable.settlement
    assert AuditEntry.objects.filter(action="parts.receivable.settled").count() == 1


def test_fin_2_cash_settles_receivables_only_once_handed_over(paid_order, people, catalogue):
    """The technician holding the customer's cash has not settled anything yet: the
    receivable is settled when finance receives the cash."""
    line = unpaid_issued(paid_order, people, catalogue, catalogue["parts"]["compressor"])
    receipt = collect(paid_order, people, "1800.00")
    receivable = Receivable.objects.get(line=line)
    assert receivable.settled_at is None
    money.hand_over_cash(
        actor=people["finance"],
        technician=people["technician"],
        payments=[receipt],
        counted_total=D("1800.00"),
    )
    receivable.refresh_from_db()
    assert receivable.settled_at is not None and receipt.number in receivable.settlement


def test_fin_2_prt_1_d_deposit_receivable_stays_with_the_technician(
    working_order, people, catalogue
):
    """PRT-1 d: on a warranty order, a user-caused part (a, the customer's) and a deposit
    part (d, the technician's until the old part is back) both go out unpaid; the customer
    paying the 85.00 settles only the first."""
    user_caused = issued(
        working_order,
        people,
        catalogue,
        catalogue["parts"]["sensor"],
        payment="unpaid",
        user_caused=True,
        evidence="外壳有明显撞击痕迹",
    )
    deposit = issued(
        working_order, people, catalogue, catalogue["parts"]["sensor"], payment="unpaid"
    )
    assert (user_caused.charge_rule, deposit.charge_rule) == (ChargeRule.USER_DAMAGE, "d")
    sheet = charge_sheet(working_order)
    assert (sheet.total, sheet.deposits_total) == (D("85.00"), D("85.00"))

    register(working_order, people, "85.00")
    assert Receivable.objects.get(line=user_caused).settled_at is not None
    assert Receivable.objects.get(line=deposit).settled_at is None


# --- voiding ---------------------------------------------------------------------------------


def test_a_void_needs_a_reason_and_then_stops_counting(owing_order, people):
    receipt = collect(owing_order, people, "85.00")
    with pytest.raises(ServiceError) as refused:
        money.void_payment(actor=people["finance"], payment=receipt, reason="  ")
    assert "why" in refused.value.message_dict["reason"][0]
    receipt.refresh_from_db()
    assert receipt.voided_at is None

    money.void_payment(actor=people["finance"], payment=receipt, reason="金额录错")
    receipt.refresh_from_db()
    assert receipt.voided_by == people["finance"] and receipt.void_reason == "金额录错"
    assert charge_sheet(owing_order).paid == D("0.00")
    assert AuditEntry.objects.filter(action="charges.payment.voided").count() == 1
    with pytest.raises(ServiceError, match="already voided"):
        money.void_payment(actor=people["finance"], payment=receipt, reason="again")


def test_fee_3_a_payment_handed_over_cannot_be_voided(owing_order, people):
    receipt = collect(owing_order, people, "85.00")
    money.hand_over_cash(
        actor=people["finance"],
        technician=people["technician"],
        payments=[receipt],
        counted_total=D("85.00"),
    )
    with pytest.raises(ServiceError, match="handed over"):
        money.void_payment(actor=people["finance"], payment=receipt, reason="录错")
    receipt.refresh_from_db()
    assert receipt.voided_at is None


@pytest.mark.parametrize("persona", ["technician", "keeper", "agent"])
def test_voiding_needs_finance(owing_order, people, persona):
    receipt = collect(owing_order, people, "85.00")
    with pytest.raises(PermissionDenied):
        money.void_payment(actor=people[persona], payment=receipt, reason="录错")
    receipt.refresh_from_db()
    assert receipt.voided_at is None


# --- FEE-3: the cash hand-over ---------------------------------------------------------------


def test_fee_3_hand_over_to_the_cent(big_order, people):
    """FEE-3: finance counts 500.00 against two receipts; the hand-over (JK) names them and
    the technician holds nothing more."""
    a = collect(big_order, people, "300.00")
    b = collect(big_order, people, "200.00")
    held = money.cash_in_hand(people["technician"])
    assert held.total == D("500.00") and held.oldest == a.received_at
    assert [row["total"] for row in money.cash_in_hand_by_technician()] == [D("500.00")]

    handover = money.hand_over_cash(
        actor=people["finance"],
        technician=people["technician"],
        payments=[a.pk, b],
        counted_total="500.00",
        note="现金",
    )
    assert handover.number.startswith("JK-") and handover.total == D("500.00")
    assert handover.received_by == people["finance"]
    assert set(handover.payments.values_list("pk", flat=True)) == {a.pk, b.pk}
    assert money.cash_in_hand(people["technician"]).total == D("0.00")
    assert money.cash_in_hand_by_technician() == []
    assert AuditEntry.objects.filter(action="charges.handover.received").count() == 1


def test_fee_3_a_counted_total_that_does_not_match_is_refused_nothing_written(big_order, people):
    a = collect(big_order, people, "300.00")
    b = collect(big_order, people, "200.00")
    with pytest.raises(ServiceError) as refused:
        money.hand_over_cash(
            actor=people["finance"],
            technician=people["technician"],
            payments=[a, b],
            counted_total=D("499.90"),
        )
    assert refused.value.message_dict["counted_total"] == [
        "Counted 499.90, the receipts say 500.00."
    ]
    assert not CashHandover.objects.exists()
    assert not CustomerPayment.objects.filter(handover__isnull=False).exists()


def test_sec_5_the_technician_cannot_receive_their_own_cash(owing_order, people):
    """SEC-5: a technician who also has a finance role cannot take their own hand-over."""
    tech = people["technician"]
    receipt = collect(owing_order, people, "85.00")
    tech.groups.add(Group.objects.get(name="finance"))
    tech = type(tech).objects.get(pk=tech.pk)  # fresh permission cache
    with pytest.raises(PermissionDenied, match="SEC-5"):
        money.hand_over_cash(
            actor=tech, technician=tech, payments=[receipt], counted_total=D("85.00")
        )
    assert not CashHandover.objects.exists()


def test_fee_3_a_receipt_cannot_be_handed_over_twice_or_when_voided(big_order, people, org):
    a = collect(big_order, people, "300.00")
    b = collect(big_order, people, "200.00")
    money.hand_over_cash(
        actor=people["finance"], technician=people["technician"], payments=[a], counted_total="300"
    )
    with pytest.raises(ServiceError, match="already handed over"):
        money.hand_over_cash(
            actor=people["finance"],
            technician=people["technician"],
            payments=[a, b],
            counted_total="500.00",
        )
    money.void_payment(actor=people["finance"], payment=b, reason="重复收款")
    with pytest.raises(ServiceError, match="voided"):
        money.hand_over_cash(
            actor=people["finance"],
            technician=people["technician"],
            payments=[b],
            counted_total="200.00",
        )
    assert CashHandover.objects.count() == 1


def test_fee_3_only_the_technicians_own_on_site_receipts_are_handed_over(big_order, people):
    by_manager = collect(big_order, people, "100.00", who="branch_manager")
    transfer = register(big_order, people, "100.00")
    for payment in (by_manager, transfer):
        with pytest.raises(ServiceError, match="not a receipt"):
            money.hand_over_cash(
                actor=people["finance"],
                technician=people["technician"],
                payments=[payment],
                counted_total="100.00",
            )
    with pytest.raises(ServiceError) as refused:
        money.hand_over_cash(
            actor=people["finance"],
            technician=people["technician"],
            payments=[],
            counted_total="0",
        )
    assert set(refused.value.message_dict) == {"payments", "counted_total"}
    assert not CashHandover.objects.exists()


@pytest.mark.parametrize("persona", ["technician", "keeper", "agent"])
def test_fee_3_taking_a_hand_over_needs_finance(owing_order, people, persona):
    receipt = collect(owing_order, people, "85.00")
    with pytest.raises(PermissionDenied):
        money.hand_over_cash(
            actor=people[persona],
            technician=people["technician"],
            payments=[receipt],
            counted_total="85.00",
        )
    assert not CashHandover.objects.exists()


# --- FEE-3: invoices -------------------------------------------------------------------------


def test_fee_3_invoice_amount_is_capped_by_what_was_paid(owing_order, people):
    """At most the money paid less what is already invoiced (not cancelled)."""
    tech = people["technician"]
    with pytest.raises(ServiceError, match="At most ¥0.00"):
        money.request_invoice(actor=tech, order=owing_order, title="西湖宾馆", amount=D("1"))
    collect(owing_order, people, "85.00")
    first = money.request_invoice(
        actor=tech, order=owing_order, title="杭州西湖宾馆", tax_number="91330100ab", amount="50"
    )
    assert first.tax_number == "91330100AB" and first.status == InvoiceStatus.TO_ISSUE
    with pytest.raises(ServiceError) as refused:
        money.request_invoice(actor=tech, order=owing_order, title="西湖宾馆", amount="35.01")
    assert "At most ¥35.00" in refused.value.message_dict["amount"][0]
    assert Invoice.objects.count() == 1
    money.cancel_invoice(actor=people["finance"], invoice=first, reason="抬头错误")
    again = money.request_invoice(actor=tech, order=owing_order, title="西湖宾馆", amount="85")
    assert again.amount == D("85.00")


def test_fee_3_invoice_request_needs_a_title_and_a_clean_tax_number(owing_order, people):
    collect(owing_order, people, "85.00")
    with pytest.raises(ServiceError) as refused:
        money.request_invoice(
            actor=people["technician"],
            order=owing_order,
            title=" ",
            tax_number="9133-01",
            amount="0",
        )
    assert set(refused.value.message_dict) == {"title", "tax_number", "amount"}
    assert not Invoice.objects.exists()


def test_fee_3_issue_invoice_with_a_unique_number(owing_order, people):
    """An invoice no. already recorded is a clear error, not an IntegrityError."""
    collect(owing_order, people, "85.00")
    tech, fin = people["technician"], people["finance"]
    first = money.request_invoice(actor=tech, order=owing_order, title="西湖宾馆", amount="40")
    second = money.request_invoice(actor=tech, order=owing_order, title="西湖宾馆", amount="45")
    assert money.invoice_status(owing_order) == "to_issue"
    issued_one = money.issue_invoice(actor=fin, invoice=first, number=" 04400001 ")
    assert (issued_one.status, issued_one.number) == ("issued", "04400001")
    assert issued_one.issued_by == fin
    with pytest.raises(ServiceError) as refused:
        money.issue_invoice(actor=fin, invoice=second, number="04400001")
    assert refused.value.message_dict["number"] == ["Invoice no. 04400001 is already recorded."]
    second.refresh_from_db()
    assert (second.status, second.number) == ("to_issue", "")
    with pytest.raises(ServiceError, match="only one to issue"):
        money.issue_invoice(actor=fin, invoice=first, number="04400002")
    with pytest.raises(ServiceError) as refused:
        money.issue_invoice(actor=fin, invoice=second, number="")
    assert "number" in refused.value.message_dict
    money.issue_invoice(actor=fin, invoice=second, number="04400002")
    assert money.invoice_status(owing_order) == "issued"


def test_fee_3_invoice_state_of_the_order(owing_order, people):
    assert money.invoice_status(owing_order) == "none"
    collect(owing_order, people, "85.00")
    invoice = money.request_invoice(
        actor=people["technician"], order=owing_order, title="西湖宾馆", amount="85"
    )
    assert money.invoice_status(owing_order) == "to_issue"
    money.cancel_invoice(actor=people["finance"], invoice=invoice, reason="客户不要了")
    assert money.invoice_status(owing_order) == "none"
    with pytest.raises(ServiceError, match="already cancelled"):
        money.cancel_invoice(actor=people["finance"], invoice=invoice, reason="again")


@pytest.mark.parametrize("persona", ["keeper", "salesperson"])
def test_fee_3_invoices_need_their_rights(owing_order, people, persona):
    collect(owing_order, people, "85.00")
    with pytest.raises(PermissionDenied):
        money.request_invoice(
            actor=people[persona], order=owing_order, title="西湖宾馆", amount="85"
        )
    invoice = money.request_invoice(
        actor=people["technician"], order=owing_order, title="西湖宾馆", amount="85"
    )
    for who in (persona, "technician"):
        with pytest.raises(PermissionDenied):
            money.issue_invoice(actor=people[who], invoice=invoice, number="1")
        with pytest.raises(PermissionDenied):
            money.cancel_invoice(actor=people[who], invoice=invoice, reason="x")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.number) == ("to_issue", "")


# --- the order page's money card -------------------------------------------------------------


def test_card_context_shows_payments_state_and_the_forms_each_may_use(owing_order, people):
    receipt = collect(owing_order, people, "50.00")
    tech_card = money.card_context(owing_order, people["technician"])["money"]
    assert [row["payment"].pk for row in tech_card["rows"]] == [receipt.pk]
    assert tech_card["outstanding"] == D("35.00") and tech_card["paid"] == D("50.00")
    assert tech_card["invoice_state"] == "none"
    assert tech_card["can_collect"] and not tech_card["can_register"]
    assert tech_card["can_request_invoice"]

    fin_card = money.card_context(owing_order, people["finance"])["money"]
    assert fin_card["can_register"] and not fin_card["can_collect"]

    assert money.card_context(owing_order, people["salesperson"]) == {"money": None}
    collect(owing_order, people, "35.00")
    assert not money.card_context(owing_order, people["technician"])["money"]["can_collect"]


# --- concurrency on PostgreSQL ---------------------------------------------------------------

ON_POSTGRES = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions"
)


@ON_POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fee_3_one_receipt_in_two_hand_overs_at_once_only_one_wins(org, owing_order, people):
    """Invariant: two finance people take the same receipt at the same moment → one
    hand-over, the other is told it was already handed over."""
    receipt = collect(owing_order, people, "85.00")
    other = second_finance(org, people)

    def take(actor):
        return lambda: money.hand_over_cash(
            actor=actor,
            technician=people["technician"],
            payments=[receipt.pk],
            counted_total="85.00",
        )

    results, errors = _run_together([take(people["finance"]), take(other)])
    assert sum(r is not None for r in results) == 1
    refused = [e for e in errors if e is not None]
    # The loser is told which hand-over took the receipt (in the site's language: threads
    # run without the test's English).
    assert len(refused) == 1 and isinstance(refused[0], ServiceError)
    winner = CashHandover.objects.get()
    assert list(refused[0].message_dict) == ["payments"]
    assert receipt.number in str(refused[0]) and winner.number in str(refused[0])


@ON_POSTGRES
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_fee_3_two_collections_of_the_whole_debt_at_once_cannot_overpay(owing_order, people):
    """Invariant: the order is locked while a payment is checked against what is owed, so
    two people collecting the full 85.00 at once leave exactly one payment."""
    results, errors = _run_together(
        [
            lambda: collect(owing_order, people, "85.00"),
            lambda: collect(owing_order, people, "85.00", who="branch_manager"),
        ]
    )
    assert sum(r is not None for r in results) == 1
    assert [type(e) for e in errors if e is not None] == [ServiceError]
    assert charge_sheet(owing_order).paid == D("85.00")
