"""Issue 3 §10: the customer hears by SMS when the order is dispatched, an appointment is
made and the work is completed; each message is in the order's history."""

import datetime as dt

import pytest
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.notifications.sms import MemoryBackend
from aftersales.service import services
from tests.service.conftest import dispatched, signature_png

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    settings.AFTERSALES_SMS_BACKEND = "aftersales.notifications.sms.MemoryBackend"
    MemoryBackend.outbox = []
    return MemoryBackend.outbox


def test_the_customer_is_texted_on_dispatch_appointment_and_completion(
    new_order, people, outbox, django_capture_on_commit_callbacks
):
    tech = people["technician"]
    with django_capture_on_commit_callbacks(execute=True):
        order = dispatched(new_order(), people)
        order = services.record_contact(actor=tech, order=order)
        visit = timezone.localtime() + dt.timedelta(days=1)
        order = services.set_plan(
            actor=tech, order=order, mode="on_site", diagnosis="传感器", appointment_at=visit
        )
        order = services.start_work(actor=tech, order=order)
        services.complete_order(
            actor=tech, order=order, result="已修好", signature=signature_png(), signer_name="王"
        )
    phones = {phone for phone, _text in outbox}
    texts = [text for _phone, text in outbox]
    assert phones == {order.contact_phone}
    assert len(texts) == 3
    assert order.number in texts[0] and "郑师傅" in texts[0]  # the site's language: Chinese
    assert visit.strftime("%m-%d %H:%M") in texts[1]
    assert "完工" in texts[2] or "completed" in texts[2]
    logged = AuditEntry.objects.for_object(order).filter(action="service.order.customer_texted")
    assert logged.count() == 3


def test_no_customer_text_when_the_site_turns_it_off(new_order, people, outbox, settings):
    settings.AFTERSALES_CUSTOMER_SMS_EVENTS = []
    dispatched(new_order(), people)
    assert outbox == []


def test_a_failing_sms_gateway_does_not_break_the_dispatch(
    new_order, people, settings, django_capture_on_commit_callbacks
):
    settings.AFTERSALES_SMS_BACKEND = "aftersales.notifications.sms.BaseBackend"  # raises
    with django_capture_on_commit_callbacks(execute=True):
        order = dispatched(new_order(), people)
    assert order.status == "dispatched"
