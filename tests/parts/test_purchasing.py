# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""Purchase inquiries (PRT-7): asking purchasing about a part that is not an assembly, the
answer and the withdrawal — rules, rights, reach, refused input with nothing written,
audit and notifications."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification, Topic
from aftersales.parts import purchasing
from aftersales.parts.models import InquiryStatus, Part, PurchaseInquiry
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    make_order,
    new_order,
    working_order,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def buyer(org):
    """The demo's purchasing clerk at HQ, reading English."""
    from aftersales.accounts.models import User

    User.objects.filter(username="caigou").update(language="en")
    return User.objects.get(username="caigou")


@pytest.fixture
def bracket(catalogue):
    """A part that is not an assembly (PRT-7)."""
    return Part.objects.create(code="ZJ-01", name="固定支架", is_assembly=False)


def _written():
    return PurchaseInquiry.objects.count(), AuditEntry.objects.count(), Notification.objects.count()


def _refused(call, field, text):
    before = _written()
    with pytest.raises(ServiceError) as exc:
        call()
    assert text in " ".join(exc.value.message_dict[field])
    assert _written() == before
    return exc.value


def _ask(people, actor="technician", **fields):
    return purchasing.ask_purchasing(actor=people[actor], **{"quantity": 2, **fields})


def test_prt_7_the_technician_asks_about_a_non_assembly_part_and_purchasing_hears(
    working_order, people, bracket, buyer
):
    inquiry = _ask(people, part=bracket, order=working_order)
    assert inquiry.number.startswith("XJ")
    assert (inquiry.status, inquiry.asked_by, inquiry.quantity) == (
        InquiryStatus.OPEN,
        people["technician"],
        2,
    )
    assert AuditEntry.objects.filter(action="parts.inquiry.asked").count() == 1
    note = Notification.objects.get(topic=Topic.INQUIRY_ASKED)
    assert note.recipient == buyer and "ZJ-01" in note.title
    assert note.url == f"/parts/inquiries/{inquiry.pk}/"


def test_prt_7_a_part_not_in_the_catalogue_is_described(people, buyer):
    inquiry = _ask(people, actor="keeper", description="M8 不锈钢螺栓 40mm", quantity=20)
    assert inquiry.part is None and inquiry.description == "M8 不锈钢螺栓 40mm"
    assert inquiry.order is None


def test_prt_7_an_assembly_is_refused_it_comes_from_the_warehouse(people, catalogue, buyer):
    compressor = catalogue["parts"]["compressor"]
    assert compressor.is_assembly
    _refused(lambda: _ask(people, part=compressor), "part", "is an assembly")
    _refused(lambda: _ask(people, part=compressor), "part", "PRT-7")


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({}, "part", "Choose a catalogue part or describe"),
        ({"description": "  "}, "part", "Choose a catalogue part or describe"),
        ({"description": "x", "quantity": 0}, "quantity", "whole number above zero"),
        ({"description": "x", "quantity": -3}, "quantity", "whole number above zero"),
        ({"description": "x", "quantity": 1.5}, "quantity", "whole number above zero"),
        ({"description": "x", "quantity": "2"}, "quantity", "whole number above zero"),
        ({"description": "x" * 301}, "description", "under 300"),
    ],
)
def test_prt_7_bad_input_is_refused_and_nothing_written(fields, field, text, people):
    _refused(lambda: _ask(people, **fields), field, text)


def test_prt_7_a_second_open_inquiry_for_the_part_and_order_is_refused(
    working_order, make_order, people, bracket
):
    first = _ask(people, part=bracket, order=working_order)
    exc = _refused(lambda: _ask(people, part=bracket, order=working_order), "part", first.number)
    assert "still waiting for purchasing" in str(exc)
    # another order, or after the first is withdrawn, may ask again
    assert _ask(people, part=bracket, order=make_order()).pk
    purchasing.withdraw_inquiry(actor=people["technician"], inquiry=first, reason="不需要了")
    assert _ask(people, part=bracket, order=working_order).status == InquiryStatus.OPEN


@pytest.mark.parametrize("persona", ["salesperson", "finance", "agent"])
def test_prt_7_a_role_without_the_right_cannot_ask(persona, people, bracket):
    with pytest.raises(PermissionDenied, match="add_purchaseinquiry"):
        _ask(people, actor=persona, part=bracket)
    assert PurchaseInquiry.objects.count() == 0


def test_org_3_an_order_out_of_reach_cannot_be_named(working_order, people, bracket):
    from django.contrib.auth.models import Group

    outsider = people["outsider"]
    outsider.groups.add(Group.objects.get(name="technician"))
    outsider = type(outsider).objects.get(pk=outsider.pk)
    with pytest.raises(PermissionDenied, match="outside your reach"):
        purchasing.ask_purchasing(actor=outsider, quantity=1, part=bracket, order=working_order)
    assert PurchaseInquiry.objects.count() == 0


def test_prt_7_who_sees_which_inquiries(working_order, people, bracket, buyer):
    mine = _ask(people, part=bracket, order=working_order)
    keepers = _ask(people, actor="keeper", description="垫片")
    assert set(purchasing.inquiries_visible_to(buyer)) == {mine, keepers}  # purchasing: all
    assert set(purchasing.inquiries_visible_to(people["technician"])) == {mine}
    # the branch manager sees the Hangzhou order's inquiry (reach), not the keeper's own
    assert set(purchasing.inquiries_visible_to(people["branch_manager"])) == {mine}
    assert set(purchasing.inquiries_visible_to(people["outsider"])) == set()


# --- the answer --------------------------------------------------------------------------------


def test_prt_7_purchasing_answers_yes_with_supplier_cost_and_date_and_the_asker_hears(
    working_order, people, bracket, buyer
):
    inquiry = _ask(people, part=bracket, order=working_order)
    day = timezone.localdate() + dt.timedelta(days=7)
    done = purchasing.answer_inquiry(
        actor=buyer,
        inquiry=inquiry,
        can_buy=True,
        answer="宁波供应商有现货",
        supplier="宁波五金",
        unit_cost="12.80",
        expected_on=day,
    )
    assert (done.status, done.can_buy, done.supplier, done.expected_on) == (
        InquiryStatus.ANSWERED,
        True,
        "宁波五金",
        day,
    )
    assert done.unit_cost == D("12.80") and isinstance(done.unit_cost, Decimal)
    assert done.answered_by == buyer and done.answered_at is not None
    note = Notification.objects.get(topic=Topic.INQUIRY_ANSWERED)
    assert note.recipient == people["technician"] and "can be bought" in note.title
    assert AuditEntry.objects.filter(action="parts.inquiry.answered").count() == 1


def test_prt_7_purchasing_answers_no_without_supplier(people, bracket, buyer):
    inquiry = _ask(people, part=bracket)
    done = purchasing.answer_inquiry(actor=buyer, inquiry=inquiry, can_buy=False, answer="停产")
    assert done.can_buy is False and done.expected_on is None
    assert "cannot be bought" in Notification.objects.get(topic=Topic.INQUIRY_ANSWERED).title


@pytest.mark.parametrize(
    ("fields", "field", "text"),
    [
        ({"answer": " "}, "answer", "Write the answer"),
        ({"supplier": ""}, "supplier", "Name the supplier"),
        ({"expected_on": None}, "expected_on", "Say when"),
        ({"expected_on": "past"}, "expected_on", "cannot be in the past"),
        ({"unit_cost": "-1"}, "unit_cost", "zero or more"),
        ({"unit_cost": "abc"}, "unit_cost", "Enter an amount"),
        ({"can_buy": None}, "can_buy", "Say whether"),
    ],
)
def test_prt_7_bad_answers_are_refused_and_nothing_written(
    fields, field, text, people, bracket, buyer
):
    inquiry = _ask(people, part=bracket)
    if fields.get("expected_on") == "past":
        fields["expected_on"] = timezone.localdate() - dt.timedelta(days=1)
    data = {
        "can_buy": True,
        "answer": "可以买",
        "supplier": "宁波五金",
        "expected_on": timezone.localdate(),
        **fields,
    }
    _refused(lambda: purchasing.answer_inquiry(actor=buyer, inquiry=inquiry, **data), field, text)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN and inquiry.answered_at is None


def test_prt_7_only_purchasing_answers_and_only_open_inquiries(people, bracket, buyer):
    inquiry = _ask(people, part=bracket)
    with pytest.raises(PermissionDenied, match="answer_purchaseinquiry"):
        purchasing.answer_inquiry(
            actor=people["keeper"], inquiry=inquiry, can_buy=False, answer="no"
        )
    purchasing.answer_inquiry(actor=buyer, inquiry=inquiry, can_buy=False, answer="停产")
    before = _written()
    with pytest.raises(ServiceError, match="“answered”; only an open inquiry"):
        purchasing.answer_inquiry(actor=buyer, inquiry=inquiry, can_buy=False, answer="again")
    with pytest.raises(ServiceError, match="only an open inquiry"):
        purchasing.withdraw_inquiry(actor=people["technician"], inquiry=inquiry, reason="x")
    assert _written() == before


# --- withdrawal --------------------------------------------------------------------------------


def test_prt_7_the_asker_withdraws_with_a_reason_others_cannot(people, bracket, buyer):
    inquiry = _ask(people, part=bracket)
    with pytest.raises(PermissionDenied):
        purchasing.withdraw_inquiry(actor=people["keeper"], inquiry=inquiry, reason="x")
    _refused(
        lambda: purchasing.withdraw_inquiry(actor=people["technician"], inquiry=inquiry, reason=""),
        "reason",
        "Say why",
    )
    done = purchasing.withdraw_inquiry(
        actor=people["technician"], inquiry=inquiry, reason="仓库找到了"
    )
    assert done.status == InquiryStatus.WITHDRAWN
    assert AuditEntry.objects.get(action="parts.inquiry.withdrawn").note == "仓库找到了"


def test_prt_7_purchasing_may_withdraw_too(people, bracket, buyer):
    inquiry = _ask(people, part=bracket)
    done = purchasing.withdraw_inquiry(actor=buyer, inquiry=inquiry, reason="重复询价")
    assert done.status == InquiryStatus.WITHDRAWN
