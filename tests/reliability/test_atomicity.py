# ruff: noqa: F811 — the fixtures imported from the other test packages are used as arguments
"""Atomicity of the multi-row services (issue 6 §3, SEC-1): a failure in the middle leaves
no trace.

For each service below the database is made to fail at its 1st, 2nd, 3rd … write statement
(INSERT, UPDATE or DELETE, counted by a connection wrapper) until the service gets through
with no failure left to inject. After every failed attempt the test checks that nothing
is left of it: every table the attempt wrote to — and always the audit trail, the document
counters (gap-free numbering) and the notifications — holds exactly the rows it held
before (count and content), no stored file is left behind and no e-mail, SMS or other
after-commit action is queued. The last, unhindered, attempt must write at least two rows
and change the database, which shows the failure points were real.

The failure is an exception raised by the database wrapper, as a lost connection or a
full disk would be; services must let it through and roll back. Runs on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from aftersales.service import services
from aftersales.service.models import ServiceOrder
from tests.exchanges.conftest import (  # noqa: F401
    approved_form,
    fault,
    make_form,
    sold_unit,
    spare_units,
    through_chain,
    warehouse,
)
from tests.parts.fixtures import issued, requested, signed, used
from tests.reliability.conftest import FIGURES, failing_at_write, injected
from tests.service.conftest import in_progress, signature_png

pytestmark = pytest.mark.django_db
D = Decimal


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


def table_state(table: str) -> tuple[int, str]:
    """(rows, digest of their content) of one table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
        rows = sorted(repr(tuple(_plain(v) for v in row)) for row in cursor.fetchall())
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


def all_tables() -> list[str]:
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            tables.add(model._meta.db_table)
    return sorted(tables & set(connection.introspection.table_names()))


ALWAYS = {"audit_auditentry", "core_documentcounter", "notifications_notification"}


def files_under(root) -> set[str]:
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def assert_no_trace_at_every_write(name: str, act, media_root) -> object:
    """Fail ``act`` at each of its write statements in turn, checking that nothing is left;
    then run it through. Returns what the successful run returned.

    Attempt k makes the writes of attempt k − 1 and reaches one more, so the tables it can
    write to are known, and their state taken, before it runs (checked as it goes)."""
    known = set(all_tables())
    before = {table: table_state(table) for table in ALWAYS & known}
    files = files_under(media_root)
    seen: list[str] = []
    for k in range(1, 500):
        for table in (set(seen) & known) - before.keys():
            before[table] = table_state(table)
        seen = []
        queued = len(connection.run_on_commit)
        try:
            with failing_at_write(k, seen):
                result = act()
        except Exception as exc:
            if not injected(exc):
                raise
        else:
            assert len(seen) == k - 1, f"{name}: wrote {len(seen)} statements after a failure"
            break
        written = set(seen[:-1]) & known
        assert written <= before.keys(), f"{name}: attempt #{k} wrote to new tables {written}"
        for table in written | (ALWAYS & known):
            assert table_state(table) == before[table], (
                f"{name}: failing at write #{k} ({seen[-1]}) left rows in {table} "
                f"(writes before it: {seen[:-1]})"
            )
        assert files_under(media_root) == files, f"{name}: a file stayed after write #{k} failed"
        assert len(connection.run_on_commit) == queued, f"{name}: an action queued at #{k}"
    else:  # pragma: no cover
        pytest.fail(f"{name}: more than 500 writes")
    assert len(seen) >= 2, f"{name} writes {len(seen)} row(s): not a multi-row service"
    assert set(seen) & known <= before.keys(), f"{name}: the last run wrote to new tables"
    assert any(table_state(t) != before[t] for t in set(seen) & known), f"{name} changed nothing"
    FIGURES[f"atomicity · {name}"] = f"{len(seen)} writes, failed at each of them"
    return result


# --- the cases: name → function(request) returning the service call ---------------------------

CASES = {}


def case(name):
    def register(fn):
        CASES[name] = fn
        return fn

    return register


def fx(request, *names):
    return [request.getfixturevalue(n) for n in names]


def _order(pk) -> ServiceOrder:
    return ServiceOrder.objects.get(pk=pk)


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


@case("service.receive_order with two photos (REQ-1, REQ-2)")
def _intake(request):
    people, customer, unit = fx(request, "people", "hz_customer", "hz_unit")
    return lambda: services.receive_order(
        actor=people["agent"],
        customer=customer,
        unit=unit,
        order_type="repair",
        channel="phone",
        description="不制热",
        attachments=[("a.png", signature_png()), ("b.jpg", jpeg())],
    )


@case("service.accept_web_request (REQ-4)")
def _accept_web(request):
    people, customer, unit = fx(request, "people", "hz_customer", "hz_unit")
    web = services.submit_web_request(name="王先生", phone="13800001111", description="漏水")
    return lambda: services.accept_web_request(
        actor=people["agent"], request_obj=web, customer=customer, unit=unit
    )


@case("service.dispatch_order (REQ-5)")
def _dispatch(request):
    people, new_order = fx(request, "people", "new_order")
    pk = new_order().pk
    return lambda: services.dispatch_order(
        actor=people["agent"], order=_order(pk), technician=people["technician"]
    )


@case("service.complete_order with a used part, signed (SVC-4, PRD-3, FUP-1, FUP-2)")
def _complete(request):
    people, order, catalogue = fx(request, "people", "working_order", "catalogue")
    used(order, people, catalogue, catalogue["parts"]["seal"])
    return lambda: services.complete_order(
        actor=people["technician"],
        order=_order(order.pk),
        result="更换密封圈",
        signature=signature_png(),
        signer_name="王经理",
    )


@case("parts.issue_lines, two lines on one slip (PRT-2)")
def _issue(request):
    from aftersales.parts import services as parts

    people, order, catalogue = fx(request, "people", "working_order", "catalogue")
    lines = [signed(order, people, catalogue["parts"][p]) for p in ("sensor", "seal")]
    return lambda: parts.issue_lines(
        actor=people["keeper"], order=_order(order.pk), lines=lines, warehouse=catalogue["central"]
    )


@case("parts.return_unused with the technician's receivable (PRT-3, FIN-2)")
def _return_unused(request):
    from aftersales.parts import services as parts

    people, order, catalogue = fx(request, "people", "working_order", "catalogue")
    order = services.override_service_kind(
        actor=people["branch_manager"], order=order, kind="paid", reason="过保"
    )
    line = issued(order, people, catalogue, catalogue["parts"]["sensor"], payment="unpaid")
    return lambda: parts.return_unused(actor=people["keeper"], line=line)


@case("parts.receive_old_part, deposit reversed (PRT-3, PRT-1 d)")
def _old_part(request):
    from aftersales.parts import services as parts

    people, order, catalogue = fx(request, "people", "working_order", "catalogue")
    line = used(order, people, catalogue, catalogue["parts"]["sensor"])
    assert line.old_part_required
    return lambda: parts.receive_old_part(actor=people["keeper"], line=line)


@case("parts.stock.transfer_stock (PRT-8)")
def _transfer(request):
    from aftersales.parts import stock
    from aftersales.parts.models import Warehouse

    people, org, catalogue = fx(request, "people", "org", "catalogue")
    branch = Warehouse.objects.create(
        code="WH-HZ", name="杭州仓库", kind="branch", org_unit=org["units"]["BR-HZ"]
    )
    return lambda: stock.transfer_stock(
        actor=people["keeper"],
        source=catalogue["central"],
        target=branch,
        part=catalogue["parts"]["sensor"],
        quantity=3,
    )


@case("parts.stock.decide_count, variances posted (PRT-8, SEC-5)")
def _count(request):
    from aftersales.parts import stock

    people, catalogue = fx(request, "people", "catalogue")
    keeper = people["keeper"]
    count = stock.start_count(actor=keeper, warehouse=catalogue["central"])
    for part, counted in (("sensor", 38), ("seal", 51), ("compressor", 2)):
        stock.record_counted(
            actor=keeper, count=count, part=catalogue["parts"][part], counted=counted
        )
    stock.submit_count(actor=keeper, count=count)
    return lambda: stock.decide_count(actor=people["finance"], count=count, approve=True)


@case("parts.shipping.create_shipment (PRT-4)")
def _shipment(request):
    from aftersales.parts import shipping

    people, order, catalogue = fx(request, "people", "working_order", "catalogue")
    line = issued(order, people, catalogue, catalogue["parts"]["sensor"], quantity=2)
    return lambda: shipping.create_shipment(
        actor=people["keeper"],
        order=_order(order.pk),
        direction="to_customer",
        warehouse=catalogue["central"],
        recipient_name="王经理",
        recipient_phone="0571-87001234",
        address="杭州市西湖区北山街 1 号",
        items=[{"line": line, "quantity": 2}],
    )


@pytest.fixture
def paid_order(working_order, people):
    return services.override_service_kind(
        actor=people["branch_manager"], order=working_order, kind="paid", reason="保修期已过"
    )


@case("charges.collect_on_site, numbered receipt (FEE-3)")
def _collect(request):
    from aftersales.charges import money

    people, order, catalogue = fx(request, "people", "paid_order", "catalogue")
    requested(order, people, catalogue["parts"]["sensor"])
    return lambda: money.collect_on_site(
        actor=people["technician"], order=_order(order.pk), amount=D("85.00"), method="cash"
    )


@case("charges.register_payment, technician told, receivable settled (FEE-5, FIN-2)")
def _register_payment(request):
    from aftersales.charges import money

    people, order, catalogue = fx(request, "people", "paid_order", "catalogue")
    issued(order, people, catalogue, catalogue["parts"]["sensor"], payment="unpaid")
    return lambda: money.register_payment(
        actor=people["finance"],
        order=_order(order.pk),
        amount=D("85.00"),
        method="transfer",
        received_at=timezone.now(),
    )


@case("charges.hand_over_cash of two receipts (FEE-3, SEC-5)")
def _hand_over(request):
    from aftersales.charges import money

    people, order, catalogue = fx(request, "people", "paid_order", "catalogue")
    requested(order, people, catalogue["parts"]["sensor"])
    tech = people["technician"]
    payments = [
        money.collect_on_site(actor=tech, order=order, amount=D(a), method="cash")
        for a in ("50.00", "35.00")
    ]
    return lambda: money.hand_over_cash(
        actor=people["finance"], technician=tech, payments=payments, counted_total=D("85.00")
    )


@case("charges.accept_quotation, signed (FEE-2)")
def _accept_quotation(request):
    from aftersales.charges import quotes
    from aftersales.charges.models import Quotation

    people, order, catalogue = fx(request, "people", "paid_order", "catalogue")
    requested(order, people, catalogue["parts"]["sensor"])
    quotation = quotes.make_quotation(actor=people["technician"], order=order)
    return lambda: quotes.accept_quotation(
        actor=people["technician"],
        quotation=Quotation.objects.get(pk=quotation.pk),
        method="signature",
        signer_name="王经理",
        signature=signature_png(),
    )


@case("complaints.register_complaint, severe (CMP-3, FUP-4)")
def _complaint(request):
    from aftersales.complaints import services as complaints
    from aftersales.complaints.models import ComplaintClass

    people, new_order = fx(request, "people", "new_order")
    order = services.dispatch_order(
        actor=people["agent"], order=new_order(), technician=people["technician"]
    )
    safety = ComplaintClass.objects.get(name="安全事故 / 人身财产损害")
    return lambda: complaints.register_complaint(
        actor=people["agent"],
        channel="phone",
        complaint_class=safety,
        subject="漏电",
        content="客户来电：热水器外壳漏电。",
        complainant_name="李先生",
        complainant_phone="13800001111",
        order=_order(order.pk),
    )


@case("exchanges.approve_request, the last signature (EXC-1, SEC-5)")
def _approve(request):
    from aftersales.exchanges import services as exchanges

    people, make_form = fx(request, "people", "make_form")
    form = exchanges.submit_request(actor=people["salesperson"], request=make_form())
    form = exchanges.approve_request(actor=people["branch_manager"], request=form, comment="同意")
    form = exchanges.approve_request(actor=people["office"], request=form, comment="资料齐全")
    return lambda: exchanges.approve_request(
        actor=people["company_manager"], request=form, comment="批准"
    )


@case("exchanges.write_ledger, the replacement (EXC-1, EXC-3)")
def _ledger(request):
    from aftersales.exchanges import services as exchanges

    people, approved_form, store, spare = fx(
        request, "people", "approved_form", "warehouse", "spare_units"
    )
    form = exchanges.receive_goods(
        actor=people["keeper"], request=approved_form(), warehouse=store, inspection="as_claimed"
    )
    return lambda: exchanges.write_ledger(
        actor=people["keeper"], request=form, replacement_unit=spare["same"]
    )


@case("exchanges.record_refund in full (EXC-2)")
def _refund(request):
    from aftersales.exchanges import services as exchanges

    people, approved_form, store = fx(request, "people", "approved_form", "warehouse")
    form = exchanges.receive_goods(
        actor=people["keeper"],
        request=approved_form(kind="return"),
        warehouse=store,
        inspection="unused",
        inspection_note="外观完好",
    )
    return lambda: exchanges.record_refund(
        actor=people["finance"], request=form, amount="3600", method="transfer"
    )


def _completed(request):
    people, new_order = fx(request, "people", "new_order")
    order = in_progress(new_order(), people)
    return services.complete_order(
        actor=people["technician"],
        order=order,
        result="更换温度传感器",
        signature=signature_png(),
        signer_name="王经理",
    )


@case("followup.record_call, not satisfied: case opened, order closed (FUP-1, FUP-5)")
def _visit_call(request):
    from aftersales.followup import visits
    from aftersales.followup.models import ReturnVisit

    (people,) = fx(request, "people")
    order = _completed(request)
    answers = {q.pk: "否" for q in visits.script_for(order)}
    return lambda: visits.record_call(
        actor=people["agent"],
        visit=ReturnVisit.objects.get(order=order),
        outcome="not_satisfied",
        answers=answers,
        problem="第二天又不热了",
    )


@case("followup.answer_survey on the web (FUP-2)")
def _survey_answer(request):
    from aftersales.followup import surveys
    from aftersales.followup.models import Survey

    order = _completed(request)
    survey = Survey.objects.get(order=order)
    token = surveys.send_one(survey.pk, timezone.now())
    return lambda: surveys.answer_survey(
        token=token, attitude=1, skill=2, punctuality=2, promises=1, suggestions="迟到"
    )


@case("followup.send_new_customer_survey (FUP-6)")
def _new_customer_survey(request):
    from aftersales.followup import surveys

    people, customer = fx(request, "people", "hz_customer")
    return lambda: surveys.send_new_customer_survey(actor=people["agent"], customer=customer)


@case("customers.create_customer, numbered (CUS-1, CUS-3)")
def _customer(request):
    from aftersales.customers import services as customers

    (people,) = fx(request, "people")
    return lambda: customers.create_customer(
        actor=people["branch_manager"],
        name="杭州新客户",
        kind="end_user",
        entity="person",
        phone="13912340000",
    )


@case("products.register_unit with its standard warranty (PRD-1, PRD-2)")
def _unit(request):
    from aftersales.products import services as products
    from aftersales.products.models import ProductModel

    people, unit = fx(request, "people", "hz_unit")
    model = ProductModel.objects.get(pk=unit.product_model_id)
    model.warranty_months = 24
    model.save()
    return lambda: products.register_unit(
        actor=people["admin"],
        serial_number="KRF35-0002",
        product_model=model,
        owner=unit.owner,
        sale_date=timezone.localdate() - dt.timedelta(days=3),
        delivery_date=timezone.localdate() - dt.timedelta(days=1),
    )


@case("leads.record_lead, sales told (SVC-9)")
def _lead(request):
    from aftersales.leads import services as leads

    people, new_order = fx(request, "people", "new_order")
    order = services.dispatch_order(
        actor=people["agent"], order=new_order(), technician=people["technician"]
    )
    return lambda: leads.record_lead(
        actor=people["technician"], order=_order(order.pk), product_interest="再买一台"
    )


@case("fieldwork.record_take_back, signed by both (SVC-3)")
def _take_back(request):
    from aftersales.fieldwork import services as fieldwork

    people, new_order = fx(request, "people", "new_order")
    order = in_progress(new_order(), people, appointment_at=timezone.now() + dt.timedelta(hours=2))
    return lambda: fieldwork.record_take_back(
        actor=people["technician"],
        order=_order(order.pk),
        items="主控板 1 块",
        condition="外观完好",
        promised_return_on=timezone.localdate() + dt.timedelta(days=5),
        technician_signature=signature_png(),
        customer_signature=signature_png(),
        signer_name="王经理",
    )


@case("accounts.create_user with roles (ORG-2)")
def _user(request):
    from aftersales.accounts import services as accounts

    people, org = fx(request, "people", "org")
    return lambda: accounts.create_user(
        actor=people["admin"],
        username="hz_jishi9",
        password=None,
        roles=["technician", "salesperson"],
        org_unit=org["units"]["BR-HZ"],
    )


@pytest.mark.parametrize("name", list(CASES))
def test_sec_1_a_failure_at_any_write_leaves_no_trace(name, request, media_root):
    """Invariant: for every write statement of the service, failing there leaves the
    database, the stored files and the after-commit queue as they were (no half-written
    record, no audit row, no number taken from its series)."""
    act = CASES[name](request)
    assert_no_trace_at_every_write(name, act, media_root)


def test_the_harness_sees_a_half_written_record(people, hz_customer, media_root):
    """The harness itself: a 'service' that writes two rows in two transactions is caught."""
    from aftersales.customers.models import Contact

    def two_transactions():
        with transaction.atomic():
            Contact.objects.create(customer=hz_customer, name="甲")
        with transaction.atomic():
            Contact.objects.create(customer=hz_customer, name="乙")

    with pytest.raises(AssertionError, match="left rows in customers_contact"):
        assert_no_trace_at_every_write("two transactions", two_transactions, media_root)
