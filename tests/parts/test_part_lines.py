"""PRT-1 a–f: the charge of each parts line, finance's sign-off before issue, the slip, the
old part's return and the deposit's reversal (PRT-2, PRT-3, FIN-2, SEC-5)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.parts import services, stock
from aftersales.parts.models import (
    ChargeRule,
    LineStatus,
    MoveKind,
    PartLine,
    PartPrice,
    Payment,
    Receivable,
    StockLevel,
    StockMove,
    Warehouse,
    WarehouseKind,
)

pytestmark = pytest.mark.django_db
D = Decimal


# --- the rule itself, worked amounts -------------------------------------------------------


def charge(**overrides):
    facts = {
        "service_kind": "free",
        "user_caused": False,
        "waiver_requested": False,
        "has_recovery_value": False,
        "list_price": D("49.99"),
        "cost": D("30.00"),
        "quantity": 1,
    }
    return services.charge_for(**{**facts, **overrides})


def test_prt_1a_user_caused_damage_in_warranty_is_charged_at_list_price():
    c = charge(user_caused=True, list_price=D("320.00"), quantity=2)
    assert (c.rule, c.unit_price, c.amount, c.old_part_required) == (
        ChargeRule.USER_DAMAGE,
        D("320.00"),
        D("640.00"),
        False,
    )


def test_prt_1b_a_small_part_at_49_99_without_recovery_value_is_free_and_stays():
    c = charge(list_price=D("49.99"), quantity=3)
    assert (c.rule, c.amount, c.old_part_required) == (ChargeRule.SMALL_PART, D("0.00"), False)


def test_prt_1b_boundary_a_part_at_50_00_is_not_small_its_old_part_comes_back():
    c = charge(list_price=D("50.00"))
    assert (c.rule, c.amount, c.old_part_required) == (ChargeRule.DEPOSIT, D("50.00"), True)


def test_prt_1b_a_cheap_part_with_recovery_value_still_comes_back():
    c = charge(list_price=D("12.50"), has_recovery_value=True, quantity=2)
    assert (c.rule, c.amount, c.old_part_required) == (ChargeRule.DEPOSIT, D("25.00"), True)


def test_prt_1c_a_large_part_asked_to_be_waived_is_free_and_stays():
    c = charge(list_price=D("1800.00"), waiver_requested=True, has_recovery_value=True)
    assert (c.rule, c.amount, c.old_part_required) == (ChargeRule.WAIVED, D("0.00"), False)


def test_prt_1d_a_warranty_part_whose_old_part_must_come_back_is_a_deposit():
    c = charge(list_price=D("1280.50"), has_recovery_value=True)
    assert (c.rule, c.unit_price, c.amount, c.old_part_required) == (
        ChargeRule.DEPOSIT,
        D("1280.50"),
        D("1280.50"),
        True,
    )


def test_fee_1_out_of_warranty_is_list_price_and_contract_is_cost():
    paid = charge(service_kind="paid", list_price=D("88.00"), quantity=2)
    assert (paid.rule, paid.amount, paid.old_part_required) == (ChargeRule.PAID, D("176.00"), False)
    contract = charge(service_kind="contract", list_price=D("88.00"), cost=D("61.35"), quantity=3)
    assert (contract.rule, contract.amount) == (ChargeRule.CONTRACT, D("184.05"))
    # user-caused damage under a contract is not covered either (a)
    assert charge(service_kind="contract", user_caused=True, list_price=D("88.00")).amount == D(
        "88.00"
    )


def test_prt_1b_the_small_part_limit_is_a_setting(settings):
    settings.AFTERSALES_SMALL_PART_LIMIT = "100.00"
    assert charge(list_price=D("99.99")).rule == ChargeRule.SMALL_PART
    assert charge(list_price=D("100.00")).rule == ChargeRule.DEPOSIT


# --- the line's life (fixtures in tests/parts/fixtures.py) -----------------------------------


def request(order, people, part, **fields):
    return services.request_part(
        actor=people["technician"], order=order, part=part, **{"quantity": 1, **fields}
    )


def test_prt_1_nothing_is_issued_before_finance_signs(working_order, people, catalogue):
    line = request(working_order, people, catalogue["parts"]["sensor"])
    with pytest.raises(ServiceError):
        services.issue_lines(
            actor=people["keeper"],
            order=working_order,
            lines=[line],
            warehouse=catalogue["central"],
        )
    assert not StockMove.objects.filter(kind=MoveKind.ISSUE).exists()
    assert stock.on_hand(catalogue["central"], catalogue["parts"]["sensor"]) == 40


def test_sec_5_only_finance_signs_and_the_signature_records_who_and_when(
    working_order, people, catalogue
):
    line = request(working_order, people, catalogue["parts"]["sensor"])
    for persona in ("technician", "keeper", "agent"):
        with pytest.raises(PermissionDenied):
            services.sign_line(actor=people[persona], line=line, approve=True, payment="paid")
    signed = services.sign_line(actor=people["finance"], line=line, approve=True, payment="paid")
    assert signed.status == LineStatus.SIGNED
    assert signed.signed_by == people["finance"] and signed.signed_at is not None
    assert AuditEntry.objects.filter(action="parts.line.signed").count() == 1


def test_prt_1_a_charged_line_needs_the_payment_state_and_a_refusal_a_reason(
    working_order, people, catalogue
):
    line = request(working_order, people, catalogue["parts"]["sensor"])
    with pytest.raises(ServiceError) as missing:
        services.sign_line(actor=people["finance"], line=line, approve=True)
    assert "payment" in missing.value.message_dict
    with pytest.raises(ServiceError) as no_reason:
        services.sign_line(actor=people["finance"], line=line, approve=False)
    assert "comment" in no_reason.value.message_dict
    assert PartLine.objects.get(pk=line.pk).status == LineStatus.REQUESTED


def test_prt_1a_user_caused_damage_needs_evidence(working_order, people, catalogue):
    with pytest.raises(ServiceError) as refused:
        request(working_order, people, catalogue["parts"]["sensor"], user_caused=True)
    assert "evidence" in refused.value.message_dict
    line = request(
        working_order,
        people,
        catalogue["parts"]["sensor"],
        user_caused=True,
        evidence="外壳有明显摔裂痕迹，见照片",
    )
    assert (line.charge_rule, line.amount) == (ChargeRule.USER_DAMAGE, D("85.00"))


def test_prt_1c_a_waiver_finance_refuses_becomes_a_deposit(working_order, people, catalogue):
    compressor = catalogue["parts"]["compressor"]
    line = request(working_order, people, compressor, waiver_requested=True)
    assert (line.charge_rule, line.amount) == (ChargeRule.WAIVED, D("0.00"))
    signed = services.sign_line(
        actor=people["finance"], line=line, approve=True, waiver_approved=False, payment="unpaid"
    )
    assert (signed.charge_rule, signed.amount, signed.old_part_required) == (
        ChargeRule.DEPOSIT,
        D("1800.00"),
        True,
    )
    other = request(working_order, people, compressor, waiver_requested=True)
    approved = services.sign_line(
        actor=people["finance"], line=other, approve=True, waiver_approved=True
    )
    assert (approved.charge_rule, approved.amount, approved.waiver_approved) == (
        ChargeRule.WAIVED,
        D("0.00"),
        True,
    )
    assert approved.payment == Payment.NOT_CHARGED


def test_prt_1d_deposit_paid_then_reversed_when_the_old_part_is_received(
    working_order, people, catalogue
):
    """The whole path: request → sign (paid, e) → issue on a slip → use → old part in →
    deposit reversed, credit recorded, slip marked."""
    sensor = catalogue["parts"]["sensor"]
    line = request(working_order, people, sensor, quantity=2)
    assert (line.charge_rule, line.amount) == (ChargeRule.DEPOSIT, D("170.00"))
    services.sign_line(actor=people["finance"], line=line, approve=True, payment="paid")
    slip = services.issue_lines(
        actor=people["keeper"], order=working_order, lines=[line], warehouse=catalogue["central"]
    )
    assert slip.number.startswith("CK-") and slip.order == working_order
    line.refresh_from_db()
    assert line.status == LineStatus.ISSUED and line.slip == slip
    assert line.old_part_due_at is not None
    assert stock.on_hand(catalogue["central"], sensor) == 38
    van = stock.personal_stock(people["technician"])
    assert stock.on_hand(van, sensor) == 2
    services.use_line(actor=people["technician"], line=line)
    assert stock.on_hand(van, sensor) == 0
    assert list(services.old_parts_due(technician=people["technician"])) == [line]
    received = services.receive_old_part(actor=people["keeper"], line=line)
    assert received.deposit_reversed_at is not None
    assert received.charged == D("0.00") and received.deposit_credit == D("170.00")
    slip.refresh_from_db()
    assert slip.old_part_received_at is not None
    zone = Warehouse.objects.get(kind=WarehouseKind.OLD_PARTS)
    assert stock.on_hand(zone, sensor) == 2
    assert list(services.old_parts_due(technician=people["technician"])) == []
    with pytest.raises(ServiceError):
        services.receive_old_part(actor=people["keeper"], line=line)


def test_prt_1f_unpaid_issue_is_the_technicians_receivable_until_the_deposit_reverses(
    working_order, people, catalogue
):
    sensor = catalogue["parts"]["sensor"]
    line = request(working_order, people, sensor)
    services.sign_line(actor=people["finance"], line=line, approve=True, payment="unpaid")
    services.issue_lines(
        actor=people["keeper"], order=working_order, lines=[line], warehouse=catalogue["central"]
    )
    receivable = Receivable.objects.get(line=line)
    assert (receivable.owner, receivable.amount, receivable.settled_at) == (
        people["technician"],
        D("85.00"),
        None,
    )
    services.use_line(actor=people["technician"], line=line)
    services.receive_old_part(actor=people["keeper"], line=line)
    receivable.refresh_from_db()
    assert receivable.settled_at is not None
    assert PartLine.objects.get(pk=line.pk).deposit_credit == D("0.00")  # nothing was paid


def test_prt_1b_a_small_part_is_issued_free_and_owes_no_old_part(working_order, people, catalogue):
    seal = catalogue["parts"]["seal"]
    line = request(working_order, people, seal, quantity=4)
    assert (line.charge_rule, line.amount, line.old_part_required) == (
        ChargeRule.SMALL_PART,
        D("0.00"),
        False,
    )
    services.sign_line(actor=people["finance"], line=line, approve=True)
    services.issue_lines(
        actor=people["keeper"], order=working_order, lines=[line], warehouse=catalogue["central"]
    )
    line.refresh_from_db()
    assert line.old_part_due_at is None and line.payment == Payment.NOT_CHARGED
    assert not Receivable.objects.exists()


def test_prt_2_valuable_parts_are_issued_by_serial_and_traced(working_order, people, catalogue):
    compressor = catalogue["parts"]["compressor"]
    line = request(working_order, people, compressor, waiver_requested=True)
    services.sign_line(actor=people["finance"], line=line, approve=True, waiver_approved=True)
    with pytest.raises(ServiceError) as missing:
        services.issue_lines(
            actor=people["keeper"],
            order=working_order,
            lines=[line],
            warehouse=catalogue["central"],
        )
    assert "serial_numbers" in missing.value.message_dict
    with pytest.raises(ServiceError):  # a serial that is not in this warehouse
        services.issue_lines(
            actor=people["keeper"],
            order=working_order,
            lines=[line],
            warehouse=catalogue["central"],
            serials={line.pk: ["C-9999"]},
        )
    assert not StockMove.objects.filter(kind=MoveKind.ISSUE).exists()
    services.issue_lines(
        actor=people["keeper"],
        order=working_order,
        lines=[line],
        warehouse=catalogue["central"],
        serials={line.pk: ["C-0002"]},
    )
    services.use_line(actor=people["technician"], line=line)
    from aftersales.parts.models import PartSerial

    traced = PartSerial.objects.get(serial_number="C-0002")
    assert traced.order == working_order and traced.warehouse is None
    assert PartLine.objects.get(pk=line.pk).serial_numbers == ["C-0002"]


def test_prt_3_an_unused_part_returns_to_stock_and_cancels_its_receivable(
    working_order, people, catalogue
):
    sensor = catalogue["parts"]["sensor"]
    line = request(working_order, people, sensor)
    services.sign_line(actor=people["finance"], line=line, approve=True, payment="unpaid")
    services.issue_lines(
        actor=people["keeper"], order=working_order, lines=[line], warehouse=catalogue["central"]
    )
    services.return_unused(actor=people["keeper"], line=line)
    assert stock.on_hand(catalogue["central"], sensor) == 40
    line.refresh_from_db()
    assert line.status == LineStatus.RETURNED and line.old_part_due_at is None
    assert Receivable.objects.get(line=line).settled_at is not None


def test_prt_1_bad_requests_are_refused_and_nothing_written(working_order, people, catalogue):
    sensor = catalogue["parts"]["sensor"]
    for quantity in (0, -1, "2", 1.5, True):
        with pytest.raises(ServiceError):
            request(working_order, people, sensor, quantity=quantity)
    with pytest.raises(PermissionDenied):  # the order's technician or dispatch only
        services.request_part(actor=people["keeper"], order=working_order, part=sensor, quantity=1)
    with pytest.raises(ServiceError):  # a paid part cannot be "waived"
        request(working_order, people, catalogue["parts"]["seal"], waiver_requested=True)
    assert not PartLine.objects.exists()


def test_prt_8_issuing_more_than_on_hand_is_refused(working_order, people, catalogue):
    seal = catalogue["parts"]["seal"]
    line = request(working_order, people, seal, quantity=51)
    services.sign_line(actor=people["finance"], line=line, approve=True)
    with pytest.raises(ServiceError) as refused:
        services.issue_lines(
            actor=people["keeper"],
            order=working_order,
            lines=[line],
            warehouse=catalogue["central"],
        )
    assert "quantity" in refused.value.message_dict
    assert StockLevel.objects.get(part=seal, warehouse=catalogue["central"]).on_hand == 50
    assert PartLine.objects.get(pk=line.pk).status == LineStatus.SIGNED
    from aftersales.parts.models import Slip

    assert not Slip.objects.exists()  # the slip's number and row rolled back too


def test_fee_2_an_order_keeps_the_price_in_force_on_its_received_day(
    working_order, people, catalogue
):
    sensor = catalogue["parts"]["sensor"]
    PartPrice.objects.create(
        part=sensor, list_price=D("99.00"), cost=D("45.00"), effective_from=timezone.localdate()
    )
    working_order.received_at = timezone.now() - dt.timedelta(days=3)
    working_order.save(update_fields=["received_at"])
    line = request(working_order, people, sensor)
    assert line.unit_price == D("85.00")


def test_prt_1_the_ledger_and_the_charges_sum_to_the_cent(working_order, people, catalogue):
    """A run of lines: every on-hand equals the sum of its ledger rows; the charges add up
    to the cent in Decimal."""
    from django.db.models import Q, Sum

    sensor, seal = catalogue["parts"]["sensor"], catalogue["parts"]["seal"]
    lines = [
        request(working_order, people, sensor, quantity=3),
        request(working_order, people, seal, quantity=7),
        request(working_order, people, sensor, user_caused=True, evidence="进水", quantity=1),
    ]
    for line in lines:
        services.sign_line(actor=people["finance"], line=line, approve=True, payment="paid")
    services.issue_lines(
        actor=people["keeper"], order=working_order, lines=lines, warehouse=catalogue["central"]
    )
    total = sum((PartLine.objects.get(pk=line.pk).charged for line in lines), D("0"))
    assert total == D("340.00")  # 3 × 85.00 deposit + 0 + 85.00
    for level in StockLevel.objects.all():
        ins = (
            StockMove.objects.filter(to_warehouse=level.warehouse, part=level.part).aggregate(
                n=Sum("quantity")
            )["n"]
            or 0
        )
        outs = (
            StockMove.objects.filter(Q(from_warehouse=level.warehouse), part=level.part).aggregate(
                n=Sum("quantity")
            )["n"]
            or 0
        )
        assert level.on_hand == ins - outs


def test_prt_3_after_a_reassign_the_part_is_used_from_the_stock_it_was_issued_to(
    working_order, people, catalogue
):
    from aftersales.service import services as order_services

    sensor = catalogue["parts"]["sensor"]
    line = request(working_order, people, sensor)
    services.sign_line(actor=people["finance"], line=line, approve=True, payment="paid")
    services.issue_lines(
        actor=people["keeper"], order=working_order, lines=[line], warehouse=catalogue["central"]
    )
    first_van = stock.personal_stock(people["technician"])
    order = order_services.reassign_order(
        actor=people["agent"],
        order=working_order,
        technician=people["service_centre"],
        reason="就近安排特约服务中心",
    )
    services.use_line(actor=people["service_centre"], line=PartLine.objects.get(pk=line.pk))
    assert stock.on_hand(first_van, sensor) == 0
    assert order.technician == people["service_centre"]


def test_prt_2_the_new_parts_serial_is_not_taken_for_the_old_one(working_order, people, catalogue):
    compressor = catalogue["parts"]["compressor"]
    line = request(working_order, people, compressor)  # d: the old compressor comes back
    services.sign_line(actor=people["finance"], line=line, approve=True, payment="paid")
    services.issue_lines(
        actor=people["keeper"],
        order=working_order,
        lines=[line],
        warehouse=catalogue["central"],
        serials={line.pk: ["C-0001"]},
    )
    services.use_line(actor=people["technician"], line=line)
    with pytest.raises(ServiceError) as refused:
        services.receive_old_part(actor=people["keeper"], line=line, serials=["C-0001"])
    assert "serial_numbers" in refused.value.message_dict
    received = services.receive_old_part(actor=people["keeper"], line=line, serials=["OLD-7788"])
    assert received.deposit_reversed_at is not None


def test_prt_2_a_slip_is_never_made_of_lines_that_do_not_exist(working_order, people, catalogue):
    from aftersales.parts.models import Slip

    ghost = PartLine(pk=987654, order=working_order)
    with pytest.raises(ServiceError):
        services.issue_lines(
            actor=people["keeper"],
            order=working_order,
            lines=[ghost],
            warehouse=catalogue["central"],
        )
    assert not Slip.objects.exists()


def test_sec_5_finance_outside_the_orders_reach_cannot_sign(working_order, people, catalogue):
    """ORG-3 with SEC-5: a signer must reach the order (a branch person with the finance
    right signs only their branch's lines)."""
    from django.contrib.auth.models import Group

    line = request(working_order, people, catalogue["parts"]["sensor"])
    outsider = people["outsider"]
    outsider.groups.add(Group.objects.get(name="finance"))
    outsider = type(outsider).objects.get(pk=outsider.pk)  # fresh permission cache
    with pytest.raises(PermissionDenied):
        services.sign_line(actor=outsider, line=line, approve=True, payment="paid")


# --- PRT-1 f, FEE-4: issue before payment only on the technician's agreement ----------------


def test_prt_1f_fee_4_unpaid_customer_charge_needs_the_technicians_agreement(
    working_order, people, catalogue
):
    """A user-caused (charged) line cannot be signed "unpaid" until the order's technician
    agreed; refused with the reason and nothing written; after the agreement it can, and
    the issue makes the receivable theirs."""
    line = request(
        working_order, people, catalogue["parts"]["sensor"], user_caused=True, evidence="摔裂"
    )
    assert line.charge_rule == ChargeRule.USER_DAMAGE
    with pytest.raises(ServiceError) as refused:
        services.sign_line(actor=people["finance"], line=line, approve=True, payment="unpaid")
    assert "technician has not agreed" in str(refused.value.message_dict["payment"])
    line.refresh_from_db()
    assert (line.status, line.signed_by) == (LineStatus.REQUESTED, None)
    agreed = services.agree_to_issue_unpaid(actor=people["technician"], line=line)
    assert agreed.credit_approved_by == people["technician"]
    assert agreed.credit_approved_at is not None
    assert AuditEntry.objects.filter(action="parts.line.credit_agreed").count() == 1
    services.sign_line(actor=people["finance"], line=line, approve=True, payment="unpaid")
    services.issue_lines(
        actor=people["keeper"], order=working_order, lines=[line], warehouse=catalogue["central"]
    )
    assert Receivable.objects.get(line=line).owner == people["technician"]


def test_prt_1f_only_the_orders_technician_agrees_and_only_for_a_customer_charge(
    working_order, people, catalogue
):
    charged = request(
        working_order, people, catalogue["parts"]["sensor"], user_caused=True, evidence="进水"
    )
    for someone in (people["agent"], people["finance"]):
        with pytest.raises(PermissionDenied):
            services.agree_to_issue_unpaid(actor=someone, line=charged)
    charged.refresh_from_db()
    assert charged.credit_approved_by is None
    # A PRT-1 d deposit is the requesting technician's anyway: nothing to agree, and
    # finance signs it unpaid without an agreement.
    deposit = request(working_order, people, catalogue["parts"]["sensor"])
    assert deposit.charge_rule == ChargeRule.DEPOSIT
    with pytest.raises(ServiceError):
        services.agree_to_issue_unpaid(actor=people["technician"], line=deposit)
    services.sign_line(actor=people["finance"], line=deposit, approve=True, payment="unpaid")
    deposit.refresh_from_db()
    assert deposit.payment == Payment.UNPAID


def test_prt_1f_agreement_given_with_the_request_and_once_only(working_order, people, catalogue):
    line = services.request_part(
        actor=people["technician"],
        order=working_order,
        part=catalogue["parts"]["sensor"],
        quantity=1,
        user_caused=True,
        evidence="用户摔落",
        issue_before_payment=True,
    )
    assert line.credit_approved_by == people["technician"]
    with pytest.raises(ServiceError):
        services.agree_to_issue_unpaid(actor=people["technician"], line=line)
    signed_line = services.sign_line(
        actor=people["finance"], line=line, approve=True, payment="unpaid"
    )
    assert signed_line.payment == Payment.UNPAID
