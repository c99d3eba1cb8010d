"""The exchange form's chain and what follows it, through the services (EXC-1…EXC-4,
SEC-5)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.exchanges import services
from aftersales.exchanges.models import (
    ExchangeApproval,
    ExchangeRequest,
    LedgerEntry,
    Refund,
)
from aftersales.notifications.models import Notification
from tests.exchanges.conftest import through_chain

pytestmark = pytest.mark.django_db


def _approvals(form):
    return list(
        ExchangeApproval.objects.filter(request=form).values_list(
            "step", "decision", "by__username"
        )
    )


def test_exc_1_sec_5_full_chain_by_the_four_roles(make_form, people):
    form = make_form()
    assert form.status == "draft" and form.number.startswith("HH-")
    form = services.submit_request(actor=people["salesperson"], request=form, comment="请审批")
    assert form.status == "regional_head"
    # EXC-5: the 三包 entitlement of the day is kept on the form.
    assert "exchange" in form.entitlement["remedies"]
    assert Notification.objects.filter(
        recipient=people["branch_manager"], topic="exchange.approve"
    ).exists()
    form = services.approve_request(actor=people["branch_manager"], request=form, comment="同意")
    assert form.status == "office"
    assert Notification.objects.filter(
        recipient=people["office"], topic="exchange.approve"
    ).exists()
    form = services.approve_request(actor=people["office"], request=form, comment="资料齐全")
    assert form.status == "general_manager"
    form = services.approve_request(actor=people["company_manager"], request=form, comment="批准")
    assert form.status == "approved" and form.decided_at is not None
    assert _approvals(form) == [
        ("submit", "submitted", "hz_xiaoshou"),
        ("regional_head", "approved", "hz_zhuguan"),
        ("office", "approved", "bangongshi"),
        ("general_manager", "approved", "jingli"),
    ]
    assert all(a.at is not None and a.round == 1 for a in form.approvals.all())
    assert Notification.objects.filter(
        recipient=people["salesperson"], topic="exchange.decided"
    ).exists()
    assert Notification.objects.filter(
        recipient=people["keeper"], topic="exchange.decided"
    ).exists()
    actions = set(
        AuditEntry.objects.filter(
            object_id=str(form.pk), action__startswith="exchanges.request"
        ).values_list("action", flat=True)
    )
    assert {"exchanges.request.submitted", "exchanges.request.approved"} <= actions


@pytest.mark.parametrize(
    "status_steps, wrong",
    [
        (0, ["salesperson", "keeper", "finance", "outsider"]),
        (1, ["salesperson", "keeper", "finance"]),
        (2, ["salesperson", "keeper", "finance"]),
    ],
)
def test_sec_5_a_step_refused_to_a_person_without_its_role(make_form, people, status_steps, wrong):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    signers = ["branch_manager", "office", "company_manager"]
    for persona in signers[:status_steps]:
        form = services.approve_request(actor=people[persona], request=form, comment="ok")
    for persona in wrong:
        before = ExchangeApproval.objects.count()
        with pytest.raises(PermissionDenied):
            services.approve_request(actor=people[persona], request=form, comment="ok")
        assert ExchangeApproval.objects.count() == before
    assert ExchangeRequest.objects.get(pk=form.pk).status == form.status


def test_sec_5_out_of_order_refused_nothing_written(make_form, people):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    for persona in ("office", "company_manager"):
        with pytest.raises(ServiceError, match="in order"):
            services.approve_request(actor=people[persona], request=form, comment="跳过")
    assert ExchangeRequest.objects.get(pk=form.pk).status == "regional_head"
    assert form.approvals.count() == 1
    # A draft waits for no signature.
    draft = make_form(unit=_another_unit(form.unit))
    with pytest.raises(ServiceError, match="not waiting"):
        services.approve_request(actor=people["branch_manager"], request=draft)
    # A page showing an old step: the form has moved on.
    with pytest.raises(ServiceError, match="moved on"):
        services.approve_request(
            actor=people["branch_manager"], request=form, comment="ok", step="office"
        )


def _another_unit(unit):
    from aftersales.products.models import Unit

    return Unit.objects.create(
        serial_number=unit.serial_number + "-B",
        product_model=unit.product_model,
        owner=unit.owner,
        sale_date=unit.sale_date,
    )


def test_exc_1_returned_for_information_then_resubmitted_as_round_2(make_form, people):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    form = services.approve_request(actor=people["branch_manager"], request=form, comment="同意")
    with pytest.raises(ServiceError):
        services.return_request(actor=people["office"], request=form, comment="")
    form = services.return_request(actor=people["office"], request=form, comment="请补充故障照片")
    assert form.status == "returned"
    assert Notification.objects.filter(
        recipient=people["salesperson"], topic="exchange.decided"
    ).exists()
    form = services.update_request(
        actor=people["salesperson"],
        request=form,
        kind="exchange",
        customer=form.customer,
        unit=form.unit,
        fault_type=form.fault_type,
        reason=form.reason + " 已补充照片。",
    )
    form = services.submit_request(actor=people["salesperson"], request=form)
    assert form.status == "regional_head"
    rounds = list(form.approvals.values_list("step", "decision", "round"))
    assert rounds[-1] == ("submit", "submitted", 2)
    assert ("office", "returned", 1) in rounds
    # The same regional head signs again in the new round.
    form = services.approve_request(actor=people["branch_manager"], request=form)
    assert form.status == "office"


def test_exc_1_rejection_is_final(make_form, people):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    form = services.reject_request(actor=people["branch_manager"], request=form, comment="人为损坏")
    assert form.status == "rejected" and form.decided_at
    for call in (
        lambda: services.submit_request(actor=people["salesperson"], request=form),
        lambda: services.approve_request(actor=people["branch_manager"], request=form),
        lambda: services.cancel_request(actor=people["salesperson"], request=form, reason="x"),
    ):
        with pytest.raises(ServiceError):
            call()
    assert ExchangeRequest.objects.get(pk=form.pk).status == "rejected"


def test_sec_5_filler_cannot_sign_even_holding_the_role(make_form, people):
    # The branch manager is also the regional head: filling the form, they cannot sign it.
    form = make_form(actor=people["branch_manager"])
    form = services.submit_request(actor=people["branch_manager"], request=form)
    with pytest.raises(PermissionDenied, match="SEC-5"):
        services.approve_request(actor=people["branch_manager"], request=form, comment="ok")
    assert form.approvals.count() == 1


def test_sec_5_nobody_signs_two_steps(make_form, people):
    from django.contrib.auth.models import Group

    from aftersales.accounts.models import User

    clerk = people["office"]
    clerk.groups.add(Group.objects.get(name="regional_head"))
    clerk.region = people["branch_manager"].region
    clerk.save()
    clerk = User.objects.get(pk=clerk.pk)
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    form = services.approve_request(actor=clerk, request=form, comment="区域同意")
    with pytest.raises(PermissionDenied, match="SEC-5"):
        services.approve_request(actor=clerk, request=form, comment="办公室同意")
    assert ExchangeRequest.objects.get(pk=form.pk).status == "office"


def test_sec_5_regional_head_only_of_their_region(make_form, people, org):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    from django.contrib.auth.models import Group

    from aftersales.accounts.models import User

    nj = people["outsider"]
    nj.groups.add(Group.objects.get(name="regional_head"))
    nj = User.objects.get(pk=nj.pk)
    with pytest.raises(PermissionDenied):
        services.approve_request(actor=nj, request=form, comment="ok")
    assert form.approvals.count() == 1


def test_exc_1_office_must_comment(make_form, people):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    form = services.approve_request(actor=people["branch_manager"], request=form)
    with pytest.raises(ServiceError) as caught:
        services.approve_request(actor=people["office"], request=form, comment=" ")
    assert "comment" in caught.value.message_dict
    assert ExchangeRequest.objects.get(pk=form.pk).status == "office"


def test_exc_1_exc_3_receive_then_ledger_same_model(approved_form, people, warehouse, spare_units):
    form = approved_form()
    with pytest.raises(ServiceError):  # not received yet
        services.write_ledger(
            actor=people["keeper"], request=form, replacement_unit=spare_units["same"]
        )
    with pytest.raises(PermissionDenied):
        services.receive_goods(
            actor=people["salesperson"], request=form, warehouse=warehouse, inspection="as_claimed"
        )
    form = services.receive_goods(
        actor=people["keeper"],
        request=form,
        warehouse=warehouse,
        inspection="as_claimed",
        inspection_note="压缩机卡缸",
    )
    assert form.status == "received" and form.received_by == people["keeper"]
    entry = services.write_ledger(
        actor=people["keeper"], request=form, replacement_unit=spare_units["same"]
    )
    form.refresh_from_db()
    assert form.status == "done" and form.replacement_unit == spare_units["same"]
    assert entry.handler == people["keeper"] and entry.signed_at is not None
    assert entry.returned_serial == form.unit.serial_number
    assert entry.replacement_serial == "KRF35-9001"


def test_exc_3_other_model_needs_the_customers_agreement(
    approved_form, people, warehouse, spare_units
):
    form = approved_form(kind="transfer")
    form = services.receive_goods(
        actor=people["keeper"], request=form, warehouse=warehouse, inspection="as_claimed"
    )
    with pytest.raises(ServiceError) as caught:
        services.write_ledger(
            actor=people["keeper"], request=form, replacement_unit=spare_units["other"]
        )
    assert "EXC-3" in str(caught.value.message_dict["substitute_agreed"])
    assert not LedgerEntry.objects.exists()
    assert ExchangeRequest.objects.get(pk=form.pk).status == "received"
    # Customer service may write the ledger too; with the agreement written down it passes.
    entry = services.write_ledger(
        actor=people["agent"],
        request=form,
        replacement_unit=spare_units["other"],
        substitute_agreed="客户 2026-03-02 电话同意换 KRF-50，差价不补。",
    )
    assert entry.replacement_serial == "KRF50-9001"


def test_exc_1_user_damage_gives_no_replacement_form_finished(
    approved_form, people, warehouse, spare_units
):
    form = approved_form()
    with pytest.raises(ServiceError) as caught:
        services.receive_goods(
            actor=people["keeper"], request=form, warehouse=warehouse, inspection="user_damage"
        )
    assert "inspection_note" in caught.value.message_dict
    form = services.receive_goods(
        actor=people["keeper"],
        request=form,
        warehouse=warehouse,
        inspection="user_damage",
        inspection_note="外壳摔裂",
    )
    with pytest.raises(ServiceError):
        services.write_ledger(
            actor=people["keeper"], request=form, replacement_unit=spare_units["same"]
        )
    form = services.finish_request(actor=people["keeper"], request=form, note="退回客户")
    assert form.status == "done" and not LedgerEntry.objects.exists()


def _received_return(approved_form, people, warehouse, inspection="unused", **overrides):
    form = approved_form(kind="return", **overrides)
    return services.receive_goods(
        actor=people["keeper"],
        request=form,
        warehouse=warehouse,
        inspection=inspection,
        inspection_note="外观完好" if inspection != "user_damage" else "进水",
    )


def test_exc_2_return_refunded_in_two_parts_never_over_paid(approved_form, people, warehouse):
    form = _received_return(approved_form, people, warehouse)
    with pytest.raises(ServiceError) as caught:
        services.record_refund(
            actor=people["finance"], request=form, amount="3600.01", method="cash"
        )
    assert "amount" in caught.value.message_dict
    services.record_refund(actor=people["finance"], request=form, amount="2000", method="transfer")
    with pytest.raises(ServiceError):  # 2000 + 1600.01 > 3600
        services.record_refund(
            actor=people["finance"], request=form, amount="1600.01", method="cash"
        )
    assert Refund.objects.count() == 1
    assert ExchangeRequest.objects.get(pk=form.pk).status == "received"
    services.record_refund(
        actor=people["finance"], request=form, amount="1600", method="original", reference="R-1"
    )
    form.refresh_from_db()
    assert form.status == "done" and services.refunded(form) == Decimal("3600.00")
    with pytest.raises(ServiceError):
        services.record_refund(actor=people["finance"], request=form, amount="1", method="cash")


def test_exc_2_refund_before_goods_received_refused(approved_form, people):
    form = approved_form(kind="return")
    with pytest.raises(ServiceError, match="after the goods"):
        services.record_refund(actor=people["finance"], request=form, amount="100", method="cash")
    assert not Refund.objects.exists()


def test_exc_2_user_damage_refused(approved_form, people, warehouse):
    form = _received_return(approved_form, people, warehouse, inspection="user_damage")
    with pytest.raises(ServiceError, match="damage by the user"):
        services.record_refund(actor=people["finance"], request=form, amount="100", method="cash")
    assert not Refund.objects.exists()


def test_exc_4_fault_confirmed_is_refunded(approved_form, people, warehouse):
    form = _received_return(approved_form, people, warehouse, inspection="as_claimed")
    refund = services.record_refund(
        actor=people["finance"], request=form, amount="3600", method="cash"
    )
    assert refund.amount == Decimal("3600.00")


def test_exc_2_return_needs_proof_of_purchase(make_form, people, approved_form, warehouse):
    form = make_form(kind="return", purchase_proof="")
    with pytest.raises(ServiceError) as caught:
        services.submit_request(actor=people["salesperson"], request=form)
    assert "purchase_proof" in caught.value.message_dict
    assert ExchangeRequest.objects.get(pk=form.pk).status == "draft"
    # An attached proof counts.
    from tests.service.conftest import signature_png

    services.add_attachment(
        actor=people["salesperson"],
        request=form,
        content=signature_png(),
        name="fapiao.png",
        is_purchase_proof=True,
    )
    form = services.submit_request(actor=people["salesperson"], request=form)
    assert form.status == "regional_head"
    # The refund checks the proof again (a form whose proof was taken away).
    form.attachments.update(is_purchase_proof=False)
    for persona, comment in (("branch_manager", ""), ("office", "ok"), ("company_manager", "")):
        form = services.approve_request(actor=people[persona], request=form, comment=comment)
    form = services.receive_goods(
        actor=people["keeper"], request=form, warehouse=warehouse, inspection="unused"
    )
    with pytest.raises(ServiceError, match="proof of purchase"):
        services.record_refund(actor=people["finance"], request=form, amount="10", method="cash")
    assert not Refund.objects.exists()


def test_exc_2_refund_by_a_person_without_the_right(approved_form, people, warehouse):
    form = _received_return(approved_form, people, warehouse)
    for persona in ("keeper", "salesperson", "office"):
        with pytest.raises(PermissionDenied):
            services.record_refund(actor=people[persona], request=form, amount="10", method="cash")
    assert not Refund.objects.exists()


def test_exc_1_bad_input_refused_nothing_written(make_form, people, hz_customer, sold_unit):
    from aftersales.products.models import Unit

    stranger = Unit.objects.create(
        serial_number="X-1",
        product_model=sold_unit.product_model,
        owner=_other_customer(people),
    )
    with pytest.raises(ServiceError) as caught:
        make_form(reason="坏了", unit=stranger, purchase_price="-1", kind="swap")
    errors = caught.value.message_dict
    assert {"reason", "unit", "purchase_price", "kind"} <= set(errors)
    assert not ExchangeRequest.objects.exists()


def _other_customer(people):
    from aftersales.customers.models import Customer

    return Customer.objects.create(
        code="C-NJ-9",
        name="南京客户",
        kind="end_user",
        entity="person",
        phone="025-1",
        owner_unit=people["outsider"].org_unit,
    )


def test_exc_1_one_open_form_per_unit_and_cancel(make_form, people):
    form = make_form()
    with pytest.raises(ServiceError) as caught:
        make_form()
    assert "unit" in caught.value.message_dict
    with pytest.raises(ServiceError):
        services.cancel_request(actor=people["salesperson"], request=form, reason="")
    form = services.cancel_request(actor=people["salesperson"], request=form, reason="客户撤回")
    assert form.status == "cancelled"
    assert make_form().status == "draft"


def test_org_3_outsider_cannot_reach_the_form(make_form, people):
    form = make_form()
    assert not services.visible_requests(people["outsider"]).filter(pk=form.pk).exists()
    assert services.visible_requests(people["company_manager"]).filter(pk=form.pk).exists()
    assert services.visible_requests(people["branch_manager"]).filter(pk=form.pk).exists()
    with pytest.raises(PermissionDenied):
        services.submit_request(actor=people["outsider"], request=form)
    with pytest.raises(PermissionDenied):
        services.cancel_request(actor=people["outsider"], request=form, reason="x")


def test_exc_5_exchange_outside_sanbao_is_allowed_with_a_warning(make_form, people, sold_unit):
    import datetime as dt

    sold_unit.sale_date = sold_unit.sale_date - dt.timedelta(days=60)
    sold_unit.save(update_fields=["sale_date"])
    form = services.submit_request(
        actor=people["salesperson"], request=make_form(purchase_date=sold_unit.sale_date)
    )
    assert "exchange" not in form.entitlement["remedies"]
    assert services.entitlement_warning(form.kind, form.entitlement)


def test_through_chain_helper_matches(approved_form):
    assert approved_form().status == "approved"
    assert through_chain  # the helper the other modules use
