# ruff: noqa: F811 — the fixtures imported are used as arguments
"""FEE-5: finance registers a payment with the time the money arrived; the technician must be
told within AFTERSALES_PAYMENT_NOTICE_HOURS (12) of it. Worked times: arrived 08:00, due
20:00; told at 19:59 is in time, at 20:01 late. The sweep reports a payment nobody told the
technician about once, to the finance heads and whoever registered it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.charges import money
from aftersales.charges.models import CustomerPayment
from aftersales.core import periodic
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification, Topic
from aftersales.service.models import ServiceOrder
from tests.charges.test_money import owing_order, paid_order, register, second_finance  # noqa: F401
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    new_order,
    working_order,
)

pytestmark = pytest.mark.django_db
D = Decimal


def at(hour: int, minute: int = 0, days_ago: int = 1) -> dt.datetime:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def arrived_at_eight(order, people, **fields):
    """85.00 by transfer that reached finance yesterday at 08:00, nobody told yet."""
    return register(order, people, "85.00", received_at=at(8), notify=False, **fields)


def test_fee_5_the_due_time_is_twelve_hours_after_the_money_arrived(owing_order, people):
    payment = arrived_at_eight(owing_order, people, reference="银行流水 20261123-77")
    assert payment.number.startswith("SK-") and payment.source == "finance"
    assert payment.received_at == at(8) and payment.notify_due_at == at(20)
    assert payment.notified_at is None and payment.reference == "银行流水 20261123-77"
    assert money.notice_state(payment) == "overdue"  # yesterday 20:00 has passed


def test_fee_5_the_notice_hours_come_from_the_setting(owing_order, people, settings):
    settings.AFTERSALES_PAYMENT_NOTICE_HOURS = 6
    payment = arrived_at_eight(owing_order, people)
    assert payment.notify_due_at == at(14)


@pytest.mark.parametrize(
    ("told_at", "late", "state"), [((19, 59), False, "in_time"), ((20, 1), True, "late")]
)
def test_fee_5_told_at_1959_is_in_time_and_at_2001_late(
    owing_order, people, monkeypatch, told_at, late, state
):
    """FEE-5 worked times: arrived 08:00, due 20:00."""
    payment = arrived_at_eight(owing_order, people)
    moment = at(*told_at)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    told = money.notify_technician(actor=people["finance"], payment=payment)
    monkeypatch.undo()
    assert told.notified_at == moment
    assert money.is_late(told) is late and money.notice_state(told) == state
    entry = AuditEntry.objects.get(action="charges.payment.notified")
    assert entry.note == ("late" if late else "in time")


def test_fee_5_registering_tells_the_technician_at_once(owing_order, people):
    """The notification names the order, the amount and the method."""
    payment = register(owing_order, people, "85.00", method="wechat")
    assert payment.notified_at is not None and not money.is_late(payment)
    note = Notification.objects.get(recipient=people["technician"], topic=Topic.PAYMENT_ARRIVED)
    assert owing_order.number in note.title and "¥85.00" in note.title
    assert "WeChat Pay" in note.body and payment.number in note.body
    assert note.url == owing_order.get_absolute_url()


def test_fee_5_a_second_notice_is_refused(owing_order, people):
    payment = register(owing_order, people, "85.00")
    with pytest.raises(ServiceError, match="already told"):
        money.notify_technician(actor=people["finance"], payment=payment)
    assert Notification.objects.filter(topic=Topic.PAYMENT_ARRIVED).count() == 1


def test_fee_5_without_a_technician_the_dispatchers_are_told(owing_order, people):
    ServiceOrder.objects.filter(pk=owing_order.pk).update(technician=None)
    owing_order.refresh_from_db()
    register(owing_order, people, "85.00")
    told = set(
        Notification.objects.filter(topic=Topic.PAYMENT_ARRIVED).values_list("recipient", flat=True)
    )
    assert people["branch_manager"].pk in told and people["technician"].pk not in told


def test_fee_5_a_voided_payment_is_not_told(owing_order, people):
    payment = arrived_at_eight(owing_order, people)
    money.void_payment(actor=people["finance"], payment=payment, reason="重复登记")
    with pytest.raises(ServiceError, match="voided"):
        money.notify_technician(actor=people["finance"], payment=payment)
    assert money.payment_notices(timezone.now()) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("received_at", None, "when the money arrived"),
        ("received_at", "yesterday", "when the money arrived"),
        ("amount", "85.001", "two decimal places"),
        ("method", "cheque", "how the customer paid"),
        ("reference", "x" * 101, "At most 100"),
    ],
)
def test_fee_5_bad_registration_is_refused_nothing_written(
    owing_order, people, field, value, message
):
    data = {
        "order": owing_order,
        "amount": D("85.00"),
        "method": "transfer",
        "received_at": at(8),
        field: value,
    }
    with pytest.raises(ServiceError) as refused:
        money.register_payment(actor=people["finance"], **data)
    assert message in refused.value.message_dict[field][0]
    assert not CustomerPayment.objects.exists()


def test_fee_5_money_cannot_arrive_in_the_future(owing_order, people):
    with pytest.raises(ServiceError) as refused:
        register(owing_order, people, "85.00", received_at=timezone.now() + dt.timedelta(hours=1))
    assert "future" in refused.value.message_dict["received_at"][0]
    with pytest.raises(ServiceError, match="owes ¥85.00"):
        register(owing_order, people, "85.01")
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize("persona", ["technician", "keeper", "agent"])
def test_fee_5_registering_and_telling_need_finance(owing_order, people, persona):
    with pytest.raises(PermissionDenied):
        money.register_payment(
            actor=people[persona],
            order=owing_order,
            amount=D("85.00"),
            method="transfer",
            received_at=at(8),
        )
    payment = arrived_at_eight(owing_order, people)
    with pytest.raises(PermissionDenied):
        money.notify_technician(actor=people[persona], payment=payment)
    payment.refresh_from_db()
    assert payment.notified_at is None and CustomerPayment.objects.count() == 1


# --- the sweep -------------------------------------------------------------------------------


def test_fee_5_the_sweep_reports_a_late_notice_once(org, owing_order, people):
    """Run twice → acts once; the finance heads and the registrar hear of it."""
    registrar = second_finance(org, people)
    payment = money.register_payment(
        actor=registrar,
        order=owing_order,
        amount=D("85.00"),
        method="transfer",
        received_at=at(8),
        notify=False,
    )
    now = timezone.now()
    assert "payment_notices" in periodic.jobs()
    assert money.payment_notices(now) == 1
    assert money.payment_notices(now + dt.timedelta(minutes=1)) == 0
    payment.refresh_from_db()
    assert payment.overdue_noticed_at == now
    late = Notification.objects.filter(topic=Topic.PAYMENT_LATE)
    assert set(late.values_list("recipient", flat=True)) == {people["finance"].pk, registrar.pk}
    assert all(owing_order.number in n.title for n in late)
    assert AuditEntry.objects.filter(action="charges.payment.notice_overdue").count() == 1


def test_fee_5_the_sweep_through_the_registry(owing_order, people):
    arrived_at_eight(owing_order, people)
    assert periodic.run_all(timezone.now())["payment_notices"] == 1
    assert periodic.run_all(timezone.now())["payment_notices"] == 0


def test_fee_5_payments_told_in_time_or_still_in_time_are_never_reported(
    owing_order, people, monkeypatch
):
    in_time = register(owing_order, people, "40.00", received_at=at(8), notify=False)
    moment = at(19, 59)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    money.notify_technician(actor=people["finance"], payment=in_time)
    monkeypatch.undo()
    waiting = register(
        owing_order,
        people,
        "45.00",
        received_at=timezone.now() - dt.timedelta(hours=11),
        notify=False,
    )
    assert money.notice_state(waiting) == "due"
    assert money.payment_notices(timezone.now()) == 0
    # once its due time passes, the one still untold is reported
    assert money.payment_notices(timezone.now() + dt.timedelta(hours=2)) == 1
    waiting.refresh_from_db()
    in_time.refresh_from_db()
    assert waiting.overdue_noticed_at is not None and in_time.overdue_noticed_at is None
