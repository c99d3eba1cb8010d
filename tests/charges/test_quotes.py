"""Labour lines, the quotation and the customer's acceptance (FEE-1, FEE-2), through the
services of ``charges.quotes``; and the completion's guard: paid work is completed only
with the customer's accepted quotation of the charges as they are now.

The helpers and fixtures at the top (rates, paid_order, labour, quoted, accepted) are
shared by the charges page and API tests."""

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.charges import quotes
from aftersales.charges.models import LabourLine, Quotation
from aftersales.core.exceptions import ServiceError
from aftersales.notifications.models import Notification
from aftersales.parts.models import LabourRate
from aftersales.service import services
from tests.parts.fixtures import requested
from tests.service.conftest import in_progress, signature_png

pytestmark = pytest.mark.django_db
D = Decimal
PDFTOTEXT = shutil.which("pdftotext")
PDFTOPPM = shutil.which("pdftoppm")


# --- shared helpers ----------------------------------------------------------------------


@pytest.fixture
def rates(db):
    """The labour-rate standard: 80.00 an hour (100.00 from tomorrow), 33.33 an item."""
    start = timezone.localdate() - dt.timedelta(days=30)
    hour = LabourRate.objects.create(
        code="GS-H", name="维修工时", basis="hour", rate=D("80.00"), effective_from=start
    )
    LabourRate.objects.create(
        code="GS-H",
        name="维修工时",
        basis="hour",
        rate=D("100.00"),
        effective_from=timezone.localdate() + dt.timedelta(days=1),
    )
    item = LabourRate.objects.create(
        code="JC-01", name="检测", basis="item", rate=D("33.33"), effective_from=start
    )
    later = LabourRate.objects.create(
        code="XJ-09",
        name="新项目",
        basis="item",
        rate=D("50.00"),
        effective_from=timezone.localdate() + dt.timedelta(days=1),
    )
    return {"hour": hour, "item": item, "later": later}


@pytest.fixture
def paid_order(new_order, people):
    """An order without a unit (warranty unknown: paid service, FEE-1) in progress."""
    order = in_progress(new_order(unit=None), people)
    assert order.service_kind == "paid"
    return order


def labour(order, people, code="GS-H", quantity="1.5", who="technician"):
    return quotes.add_labour(actor=people[who], order=order, rate_code=code, quantity=quantity)


def quoted(order, people, who="technician"):
    return quotes.make_quotation(actor=people[who], order=order)


def accepted(order, people, quotation=None):
    quotation = quotation or quoted(order, people)
    return quotes.accept_quotation(
        actor=people["technician"],
        quotation=quotation,
        method="signature",
        signer_name="王经理",
        signature=signature_png(),
    )


def complete(order, people):
    return services.complete_order(
        actor=people["technician"],
        order=order,
        result="更换温度传感器，试机正常",
        signature=signature_png(),
        signer_name="王经理",
    )


def audit_actions(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- labour lines (FEE-1, FEE-2) -----------------------------------------------------------


def test_fee_1_paid_service_charges_labour_at_the_rate(paid_order, people, rates):
    """FEE-1: paid service pays labour: 1.5 h × 80.00 = 120.00."""
    # when
    line = labour(paid_order, people, quantity="1.5")
    # then
    assert (line.unit_price, line.amount, line.quantity) == (D("80.00"), D("120.00"), D("1.50"))
    assert line.rate == rates["hour"]
    assert audit_actions(line) == ["charges.labour.added"]


def test_fee_1_labour_rounds_half_up_to_the_cent(paid_order, people, rates):
    """FEE-1: 0.33 × 33.33 = 10.9989 → 11.00."""
    line = labour(paid_order, people, code="JC-01", quantity=D("0.33"))
    assert line.amount == D("11.00")
    assert line.unit_price == D("33.33")


def test_fee_1_free_service_pays_no_labour(working_order, people, rates):
    """FEE-1: free (warranty) service: labour recorded, nothing charged."""
    line = labour(working_order, people, quantity="2")
    assert (line.unit_price, line.amount) == (D("0.00"), D("0.00"))


@pytest.mark.parametrize("kind,amount", [("contract", "0.00"), ("other", "160.00")])
def test_fee_1_contract_service_pays_no_labour_other_service_does(
    working_order, people, rates, kind, amount
):
    """FEE-1: contract service — no labour charge; other service — labour charged."""
    order = services.override_service_kind(
        actor=people["branch_manager"], order=working_order, kind=kind, reason="合同 / 咨询"
    )
    line = labour(order, people, quantity="2")
    assert line.amount == D(amount)


def test_fee_2_the_rate_in_force_on_the_received_day_is_used(paid_order, people, rates):
    """FEE-2: a rate effective from tomorrow does not apply to an order received today; a
    code with no rate in force then is refused and nothing is written."""
    assert labour(paid_order, people, quantity="1").unit_price == D("80.00")
    with pytest.raises(ServiceError) as refused:
        labour(paid_order, people, code="XJ-09", quantity="1")
    assert "No labour rate “XJ-09” is in force" in str(refused.value.message_dict["rate_code"])
    with pytest.raises(ServiceError) as unknown:
        labour(paid_order, people, code="NOPE", quantity="1")
    assert "rate_code" in unknown.value.message_dict
    assert LabourLine.objects.count() == 1


@pytest.mark.parametrize(
    "quantity,message",
    [
        ("abc", "Enter the quantity as a number"),
        ("", "Enter the quantity as a number"),
        (None, "Enter the quantity as a number"),
        (True, "Enter the quantity as a number"),
        ("NaN", "Enter the quantity as a number"),
        ("0", "The quantity must be above zero."),
        ("-1", "The quantity must be above zero."),
        ("1.234", "at most two decimal places"),
        ("1000000", "The quantity is too large."),
    ],
)
def test_fee_1_bad_quantity_is_refused_and_nothing_written(
    paid_order, people, rates, quantity, message
):
    """Bad input: a clear message on the quantity, no line, no audit row."""
    with pytest.raises(ServiceError) as refused:
        labour(paid_order, people, quantity=quantity)
    assert message in str(refused.value.message_dict["quantity"])
    assert not LabourLine.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="charges.").exists()


@pytest.mark.parametrize("persona", ["keeper", "salesperson", "finance", "outsider"])
def test_fee_2_labour_needs_the_right_and_the_reach(paid_order, people, rates, persona):
    """403: the keeper, sales and finance may not record labour (finance only reads it);
    another branch's manager has the right but not the order in reach."""
    with pytest.raises(PermissionDenied):
        labour(paid_order, people, who=persona)
    assert not LabourLine.objects.exists()


def test_fee_2_dispatch_may_record_labour_for_the_technician(paid_order, people, rates):
    line = labour(paid_order, people, who="agent")
    assert line.amount == D("120.00")
    assert line.created_by == people["agent"]


def test_fee_2_labour_only_while_the_order_is_worked(new_order, people, rates):
    order = new_order(unit=None)  # received, not yet dispatched
    with pytest.raises(ServiceError) as refused:
        labour(order, people, who="agent")
    assert "while the order is being worked" in str(refused.value)
    assert not LabourLine.objects.exists()


def test_fee_2_cancel_labour_needs_a_reason_and_is_audited(paid_order, people, rates):
    line = labour(paid_order, people)
    with pytest.raises(ServiceError) as refused:
        quotes.cancel_labour(actor=people["technician"], line=line, reason="  ")
    assert "Say why" in str(refused.value.message_dict["reason"])
    line.refresh_from_db()
    assert line.cancelled_at is None
    cancelled = quotes.cancel_labour(actor=people["technician"], line=line, reason="记错了")
    assert cancelled.cancelled_at is not None
    entry = AuditEntry.objects.get(action="charges.labour.cancelled")
    assert entry.note == "记错了"
    with pytest.raises(ServiceError, match="already cancelled"):
        quotes.cancel_labour(actor=people["technician"], line=line, reason="again")
    with pytest.raises(PermissionDenied):
        quotes.cancel_labour(actor=people["keeper"], line=line, reason="x")


# --- the quotation (FEE-2) -----------------------------------------------------------------


def test_fee_2_a_quotation_freezes_the_charge_sheet(paid_order, people, rates, catalogue, settings):
    """FEE-2: parts and labour as they stand, numbered BJ…, valid for the set days."""
    settings.AFTERSALES_QUOTATION_DAYS = 7
    part_line = requested(paid_order, people, catalogue["parts"]["sensor"], quantity=2)
    labour(paid_order, people, quantity="1.5")
    # when
    quotation = quoted(paid_order, people)
    # then
    assert quotation.number.startswith("BJ")
    assert quotation.status == "pending"
    assert quotation.service_kind == "paid"
    assert (quotation.parts_total, quotation.labour_total, quotation.total) == (
        D("170.00"),
        D("120.00"),
        D("290.00"),
    )
    assert [(i["kind"], i["code"], i["amount"]) for i in quotation.items] == [
        ("part", "CGQ-01", "170.00"),
        ("labour", "GS-H", "120.00"),
    ]
    assert quotation.items[0]["id"] == part_line.pk
    assert quotation.items[0]["rule"] == "paid"
    assert quotation.valid_until == timezone.localdate() + dt.timedelta(days=7)
    assert audit_actions(quotation) == ["charges.quotation.made"]


def test_fee_2_nothing_to_quote_when_the_customer_owes_nothing(working_order, people, rates):
    labour(working_order, people)  # free service: labour costs nothing
    with pytest.raises(ServiceError, match="nothing to quote"):
        quoted(working_order, people)
    assert not Quotation.objects.exists()


def test_fee_2_a_second_quotation_of_the_same_charges_is_refused(paid_order, people, rates):
    labour(paid_order, people)
    first = quoted(paid_order, people)
    with pytest.raises(ServiceError, match=f"Nothing changed since quotation {first.number}"):
        quoted(paid_order, people)
    assert Quotation.objects.count() == 1


def test_fee_2_a_new_quotation_supersedes_the_earlier_ones(paid_order, people, rates):
    labour(paid_order, people)
    first = accepted(paid_order, people)
    labour(paid_order, people, code="JC-01", quantity="1")
    second = quoted(paid_order, people)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert second.status == "pending"
    assert second.total == D("153.33")
    assert audit_actions(first)[-1] == "charges.quotation.superseded"


def test_fee_2_accept_by_signature(paid_order, people, rates):
    """FEE-2: the customer signs the quotation; the technician is told."""
    labour(paid_order, people)
    quotation = quoted(paid_order, people, who="agent")
    # when
    done = accepted(paid_order, people, quotation)
    # then
    assert done.status == "accepted"
    assert done.acceptance_method == "signature"
    assert done.signer_name == "王经理"
    assert done.signature.name.endswith(".png")
    assert done.recorded_by == people["technician"]
    assert done.accepted_at is not None
    note = Notification.objects.get(topic="quotation.accepted")
    assert note.recipient == people["technician"]
    assert quotation.number in note.title
    assert audit_actions(done) == ["charges.quotation.made", "charges.quotation.accepted"]


@pytest.mark.parametrize(
    "fields,errors",
    [
        ({"signature": None, "signer_name": "王经理"}, {"signature"}),
        ({"signature": "png", "signer_name": " "}, {"signer_name"}),
        ({"signature": b"not an image", "signer_name": "王经理"}, {"signature"}),
        ({"signature": "png", "signer_name": "王" * 101}, {"signer_name"}),
    ],
)
def test_fee_2_a_signature_acceptance_needs_the_drawing_and_the_name(
    paid_order, people, rates, fields, errors
):
    """Bad input: clear field errors, the quotation stays pending with nothing stored."""
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    if fields["signature"] == "png":
        fields["signature"] = signature_png()
    with pytest.raises(ServiceError) as refused:
        quotes.accept_quotation(
            actor=people["technician"], quotation=quotation, method="signature", **fields
        )
    assert set(refused.value.message_dict) == errors
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    assert not quotation.signature
    assert quotation.accepted_at is None
    assert not Notification.objects.filter(topic="quotation.accepted").exists()


def test_fee_2_phone_consent_is_recorded_with_who_took_the_call(paid_order, people, rates):
    """FEE-2: agreement on the phone: the number, who agreed, what they said and who
    recorded it."""
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    with pytest.raises(ServiceError) as refused:
        quotes.accept_quotation(
            actor=people["agent"], quotation=quotation, method="phone", signer_name=""
        )
    assert set(refused.value.message_dict) == {"consent_phone", "signer_name", "consent_note"}
    assert "phone number" in str(refused.value.message_dict["consent_phone"])
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    # when
    done = quotes.accept_quotation(
        actor=people["agent"],
        quotation=quotation,
        method="phone",
        signer_name="王经理",
        consent_phone="13800000000",
        consent_note="同意按 120 元维修",
    )
    # then
    assert done.status == "accepted"
    assert (done.acceptance_method, done.consent_phone, done.consent_note) == (
        "phone",
        "13800000000",
        "同意按 120 元维修",
    )
    assert done.recorded_by == people["agent"]
    assert not done.signature


def test_fee_2_unknown_acceptance_method_is_refused(paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    with pytest.raises(ServiceError) as refused:
        quotes.accept_quotation(
            actor=people["technician"], quotation=quotation, method="email", signer_name="x"
        )
    assert "method" in refused.value.message_dict


def test_fee_2_an_expired_quotation_cannot_be_accepted(paid_order, people, rates):
    """FEE-2: past its validity the quotation is not accepted; a new one of the same
    charges may then be made."""
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    Quotation.objects.filter(pk=quotation.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    with pytest.raises(ServiceError, match="was valid until"):
        accepted(paid_order, people, quotation)
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    assert quotes.quotation_state(paid_order)["state"] == "expired"
    fresh = quoted(paid_order, people)
    assert fresh.fingerprint == quotation.fingerprint
    quotation.refresh_from_db()
    assert quotation.status == "superseded"


def test_fee_2_a_quotation_of_changed_charges_cannot_be_accepted(paid_order, people, rates):
    """FEE-2: any change of parts or charges needs a new quotation."""
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    labour(paid_order, people, code="JC-01", quantity="1")
    with pytest.raises(ServiceError) as refused:
        accepted(paid_order, people, quotation)
    assert "the charges changed since this quotation; make a new one" in str(refused.value).lower()
    quotation.refresh_from_db()
    assert quotation.status == "pending"


def test_fee_2_decline_needs_a_reason(paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    with pytest.raises(ServiceError) as refused:
        quotes.decline_quotation(actor=people["technician"], quotation=quotation, reason="")
    assert "reason" in refused.value.message_dict
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    done = quotes.decline_quotation(actor=people["technician"], quotation=quotation, reason="太贵")
    assert (done.status, done.declined_reason) == ("declined", "太贵")
    assert quotes.quotation_state(paid_order)["state"] == "declined"
    with pytest.raises(ServiceError, match="only a pending quotation"):
        accepted(paid_order, people, done)


@pytest.mark.parametrize("persona", ["keeper", "salesperson", "finance", "outsider"])
def test_fee_2_quotations_need_the_right_and_the_reach(paid_order, people, rates, persona):
    """403: making, accepting and declining need charges.add_quotation and the order in
    reach."""
    labour(paid_order, people)
    with pytest.raises(PermissionDenied):
        quoted(paid_order, people, who=persona)
    quotation = quoted(paid_order, people)
    with pytest.raises(PermissionDenied):
        quotes.accept_quotation(
            actor=people[persona],
            quotation=quotation,
            method="phone",
            signer_name="王经理",
            consent_phone="138",
            consent_note="ok",
        )
    with pytest.raises(PermissionDenied):
        quotes.decline_quotation(actor=people[persona], quotation=quotation, reason="x")
    quotation.refresh_from_db()
    assert quotation.status == "pending"


# --- the completion's guard (FEE-2) --------------------------------------------------------


def test_fee_2_paid_work_is_completed_only_after_acceptance(paid_order, people, rates):
    """FEE-2: no quotation → refused; pending → refused; accepted → completed."""
    labour(paid_order, people)
    with pytest.raises(ServiceError, match="make a quotation"):
        complete(paid_order, people)
    quotation = quoted(paid_order, people)
    with pytest.raises(ServiceError, match=f"not accepted quotation {quotation.number}"):
        complete(paid_order, people)
    paid_order.refresh_from_db()
    assert paid_order.status == "in_progress"
    accepted(paid_order, people, quotation)
    done = complete(paid_order, people)
    assert done.status == "completed"


def test_fee_2_a_change_after_acceptance_needs_a_new_acceptance(paid_order, people, rates):
    """FEE-2: adding a labour line after the acceptance makes the guard refuse again;
    a new quotation accepted lets the work complete."""
    labour(paid_order, people)
    first = accepted(paid_order, people)
    assert quotes.acceptance_needed(paid_order) == ""
    labour(paid_order, people, code="JC-01", quantity="1")
    reason = quotes.acceptance_needed(paid_order)
    assert f"The charges changed since quotation {first.number}" in reason
    with pytest.raises(ServiceError, match="charges changed"):
        complete(paid_order, people)
    accepted(paid_order, people)
    assert complete(paid_order, people).status == "completed"


def test_fee_2_cancelling_the_new_labour_restores_the_accepted_quotation(paid_order, people, rates):
    """The accepted quotation is current again when the charges are back as accepted."""
    labour(paid_order, people)
    accepted(paid_order, people)
    extra = labour(paid_order, people, code="JC-01", quantity="1")
    assert quotes.acceptance_needed(paid_order)
    quotes.cancel_labour(actor=people["technician"], line=extra, reason="客户不要检测")
    assert quotes.acceptance_needed(paid_order) == ""


def test_fee_2_free_work_without_charges_needs_no_quotation(working_order, people, rates):
    labour(working_order, people)  # warranty labour: nothing charged
    assert quotes.acceptance_needed(working_order) == ""
    assert complete(working_order, people).status == "completed"


def test_fee_2_a_user_caused_part_on_warranty_needs_the_customer_acceptance(
    working_order, people, catalogue
):
    """PRT-1 a charges a warranty customer: the guard asks for an accepted quotation."""
    requested(
        working_order, people, catalogue["parts"]["sensor"], user_caused=True, evidence="进水"
    )
    assert "make a quotation" in quotes.acceptance_needed(working_order)
    quotation = accepted(working_order, people)
    assert quotation.items[0]["rule"] == "a"
    assert quotes.acceptance_needed(working_order) == ""


def test_fee_2_the_workflow_lists_complete_only_when_accepted(paid_order, people, rates):
    from aftersales.service import workflow

    labour(paid_order, people)
    assert "complete" not in workflow.actions_for(paid_order, people["technician"])
    accepted(paid_order, people)
    assert "complete" in workflow.actions_for(paid_order, people["technician"])


# --- the printed quotation (FEE-2) ---------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        [PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


@pytest.mark.skipif(not (PDFTOTEXT and PDFTOPPM), reason="poppler-utils not installed")
def test_fee_2_the_quotation_prints_with_lines_totals_and_signature(
    paid_order, people, rates, catalogue, tmp_path
):
    requested(paid_order, people, catalogue["parts"]["sensor"])
    labour(paid_order, people)
    quotation = accepted(paid_order, people)
    # when
    pdf = quotes.render_quotation(quotation)
    # then
    assert pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf  # the drawn signature
    text = pdf_text(pdf)
    for expected in (
        quotation.number,
        paid_order.number,
        "售后服务报价单",
        "After-sales service quotation",
        "CGQ-01",
        "GS-H",
        "¥205.00",
        "¥120.00",
        str(quotation.valid_until),
        "王经理",
    ):
        assert expected in text, expected
    (tmp_path / "q.pdf").write_bytes(pdf)
    subprocess.run(
        [PDFTOPPM, "-png", "-r", "50", tmp_path / "q.pdf", tmp_path / "page"], check=True
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    assert pages[0].stat().st_size > 5000


@pytest.mark.skipif(not PDFTOTEXT, reason="poppler-utils not installed")
def test_fee_2_a_phone_acceptance_prints_who_agreed_and_who_recorded(paid_order, people, rates):
    labour(paid_order, people)
    quotation = quotes.accept_quotation(
        actor=people["agent"],
        quotation=quoted(paid_order, people),
        method="phone",
        signer_name="李主任",
        consent_phone="13800000000",
        consent_note="电话同意",
    )
    text = pdf_text(quotes.render_quotation(quotation))
    assert "Agreed by phone on" in text
    assert "李主任" in text
    assert "13800000000" in text
    assert f"recorded by {people['agent']}" in text
