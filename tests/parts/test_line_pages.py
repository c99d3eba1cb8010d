# ruff: noqa: F811 — the fixtures imported from tests.parts.fixtures are used as arguments
"""Pages of the parts lines (PRT-1 a–f, PRT-2, PRT-3, FIN-2, SEC-5): the card on the order
page, finance's sign-off queue, the keeper's issue queue and slip, the old parts due, and
the technician's own parts — the whole path for the right personas, 403 for the others,
refused input shown with status 400 and nothing written, constant queries per list."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from aftersales.audit.models import AuditEntry
from aftersales.parts import stock
from aftersales.parts.models import (
    ChargeRule,
    LineStatus,
    PartLine,
    Payment,
    Receivable,
    Slip,
    StockMove,
    Warehouse,
)
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    issued,
    make_order,
    new_order,
    requested,
    signed,
    used,
    working_order,
)

pytestmark = pytest.mark.django_db
D = Decimal


def _no_inline_code(html: str) -> None:
    """The CSP forbids inline scripts and styles."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


def _order_url(order) -> str:
    return reverse("service:order_detail", args=[order.pk])


def _request(client, order, **data):
    fields = {"part": "CGQ-01", "quantity": "1", "evidence": ""}
    return client.post(reverse("parts:line_request", args=[order.pk]), {**fields, **data})


def _sign(client, line, **data):
    p = f"l{line.pk}-"
    fields = {f"{p}{k}": v for k, v in {"decision": "approve", **data}.items()}
    return client.post(reverse("parts:line_sign", args=[line.pk]), fields)


def _issue(client, order, lines, warehouse, **extra):
    p = f"o{order.pk}-"
    data = {f"{p}warehouse": warehouse.pk, f"{p}lines": [line.pk for line in lines]}
    data.update({f"{p}{k}": v for k, v in extra.items()})
    return client.post(reverse("parts:issue", args=[order.pk]), data)


# --- the card on the order page -------------------------------------------------------------


def test_prt_1_the_technician_sees_the_parts_card_with_the_request_form(
    client_for, working_order, people, catalogue
):
    html = client_for(people["technician"]).get(_order_url(working_order)).content.decode()
    assert 'data-testid="parts-card"' in html and 'data-testid="form-part-request"' in html
    assert f'action="/parts/lines/request/{working_order.pk}/"' in html
    # the part is typed (with suggestions), not picked from a list of every part
    card = html.split('data-testid="parts-card"')[1].split("</section>")[0]
    assert 'list="parts-suggestions"' in card and "<select" not in card
    _no_inline_code(html)


def test_prt_1_the_keeper_sees_the_lines_without_the_request_form(
    client_for, working_order, people, catalogue
):
    requested(working_order, people, catalogue["parts"]["sensor"])
    html = client_for(people["keeper"]).get(_order_url(working_order)).content.decode()
    assert 'data-testid="part-line"' in html and "CGQ-01" in html
    assert 'data-testid="form-part-request"' not in html


def test_prt_1_the_part_suggestions_follow_the_typing(client_for, people, catalogue):
    resp = client_for(people["technician"]).get(reverse("parts:part_lookup"), {"part": "传感"})
    assert resp.status_code == 200
    assert '<option value="CGQ-01 水温传感器">' in resp.content.decode()
    assert "MFQ-01" not in resp.content.decode()


def test_prt_1d_requesting_from_the_card_shows_the_computed_deposit(
    client_for, working_order, people, catalogue
):
    c = client_for(people["technician"])
    resp = _request(c, working_order, part="CGQ-01 水温传感器", quantity="2")
    assert resp.status_code == 302 and resp["Location"] == _order_url(working_order) + "#parts"
    line = PartLine.objects.get()
    assert (line.charge_rule, line.amount, line.status) == (
        ChargeRule.DEPOSIT,
        D("170.00"),
        LineStatus.REQUESTED,
    )
    html = c.get(resp["Location"]).content.decode()
    assert "Charge: ¥170.00 as a deposit" in html  # the message with the computed charge
    assert 'data-testid="deposit"' in html


def test_prt_1b_a_seal_typed_by_its_name_is_free(client_for, working_order, people, catalogue):
    resp = _request(client_for(people["technician"]), working_order, part="密封圈", quantity="4")
    assert resp.status_code == 302
    line = PartLine.objects.get()
    assert (line.part.code, line.charge_rule, line.amount) == ("MFQ-01", ChargeRule.SMALL_PART, 0)


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"quantity": "0"}, "greater than or equal to 1"),
        ({"quantity": "1.5"}, "Enter a whole number"),
        ({"quantity": "abc"}, "Enter a whole number"),
        ({"part": "XX-404"}, "No part has this part no. or name"),
        ({"user_caused": "on"}, "Say what shows that the user caused the damage"),
        ({"part": "MFQ-01", "waiver_requested": "on"}, "can be waived"),
    ],
)
def test_prt_1_bad_requests_are_shown_on_the_order_page_with_400_and_nothing_written(
    data, shown, client_for, working_order, people, catalogue
):
    audit_before = AuditEntry.objects.count()
    resp = _request(client_for(people["technician"]), working_order, **data)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-testid="order-number"' in html  # the page the technician was on
    assert shown in html
    assert 'class="collapse show" id="part-request"' in html
    assert not PartLine.objects.exists() and AuditEntry.objects.count() == audit_before


def test_prt_1_a_request_on_an_order_no_longer_worked_is_refused_with_the_reason(
    client_for, working_order, people, catalogue
):
    from aftersales.service.models import ServiceOrder

    ServiceOrder.objects.filter(pk=working_order.pk).update(status="completed")
    c = client_for(people["technician"])
    assert (
        'data-testid="form-part-request"' not in c.get(_order_url(working_order)).content.decode()
    )
    resp = _request(c, working_order)
    assert resp.status_code == 400
    assert "Parts are requested while the order is being worked." in resp.content.decode()
    assert not PartLine.objects.exists()


# --- 403 for every role without the right (SEC-5, ORG-3) ----------------------------------------


def test_prt_1_the_keeper_cannot_request_parts(client_for, working_order, people, catalogue):
    resp = _request(client_for(people["keeper"]), working_order)
    assert resp.status_code == 403 and "add_partline" in resp.content.decode()
    assert not PartLine.objects.exists()


def test_org_3_another_branch_manager_cannot_request_on_a_hangzhou_order(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    c = client_for(people["outsider"])
    resp = _request(c, working_order)
    assert resp.status_code == 403 and "outside your reach" in resp.content.decode()
    assert c.post(reverse("parts:line_use", args=[line.pk])).status_code == 403
    assert c.get(reverse("parts:slip_detail", args=[line.slip_id])).status_code == 403
    assert PartLine.objects.count() == 1
    assert PartLine.objects.get().status == LineStatus.ISSUED


def test_sec_5_the_technician_cannot_sign(client_for, working_order, people, catalogue):
    line = requested(working_order, people, catalogue["parts"]["sensor"])
    c = client_for(people["technician"])
    assert c.get(reverse("parts:signoff_queue")).status_code == 403
    resp = _sign(c, line, payment="paid")
    assert resp.status_code == 403 and "sign_partline" in resp.content.decode()
    assert PartLine.objects.get().status == LineStatus.REQUESTED


def test_prt_2_finance_cannot_issue(client_for, working_order, people, catalogue):
    line = signed(working_order, people, catalogue["parts"]["sensor"])
    c = client_for(people["finance"])
    assert c.get(reverse("parts:issue_queue")).status_code == 403
    resp = _issue(c, working_order, [line], catalogue["central"])
    assert resp.status_code == 403 and "issue_partline" in resp.content.decode()
    assert not Slip.objects.exists() and PartLine.objects.get().status == LineStatus.SIGNED


def test_prt_3_only_the_keeper_receives_old_parts_and_returns(
    client_for, working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    for persona in ("technician", "finance"):
        c = client_for(people[persona])
        assert c.post(reverse("parts:old_part_receive", args=[line.pk])).status_code == 403
        assert c.post(reverse("parts:line_return", args=[line.pk])).status_code == 403
    assert PartLine.objects.get().old_part_received_at is None


def test_prt_1_only_the_orders_technician_marks_used(client_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["sensor"])
    assert (
        client_for(people["keeper"]).post(reverse("parts:line_use", args=[line.pk])).status_code
        == 403
    )
    assert PartLine.objects.get().status == LineStatus.ISSUED


# --- the whole path ----------------------------------------------------------------------------


def test_prt_1d_the_page_path_request_sign_issue_use_receive_reverses_the_deposit(
    client_for, working_order, people, catalogue
):
    """Technician requests on the card → finance signs (paid, e) in the queue → the keeper
    issues on a slip → the technician marks it used → the keeper receives the old part →
    the card shows the deposit reversed and the slip "old part received"."""
    tech, fin, keeper = (client_for(people[p]) for p in ("technician", "finance", "keeper"))
    sensor = catalogue["parts"]["sensor"]
    # given the technician's request
    assert _request(tech, working_order, part="CGQ-01").status_code == 302
    line = PartLine.objects.get()
    # finance sees it in the queue with the order, customer, rule and amount
    html = fin.get(reverse("parts:signoff_queue")).content.decode()
    assert working_order.number in html and "杭州西湖宾馆" in html and "¥85.00" in html
    _no_inline_code(html)
    assert _sign(fin, line, payment="paid").status_code == 302
    line.refresh_from_db()
    assert (line.status, line.payment, line.signed_by) == (
        LineStatus.SIGNED,
        Payment.PAID,
        people["finance"],
    )
    # the keeper issues it on a slip from the queue
    html = keeper.get(reverse("parts:issue_queue")).content.decode()
    assert 'data-testid="issue-order"' in html and working_order.number in html
    _no_inline_code(html)
    resp = _issue(keeper, working_order, [line], catalogue["central"])
    slip = Slip.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse(
        "parts:slip_detail", args=[slip.pk]
    )
    assert slip.number.startswith("CK-") and slip.kind == "outbound"
    slip_html = keeper.get(resp["Location"]).content.decode()
    assert slip.number in slip_html and working_order.number in slip_html
    # the technician marks it used on the card
    html = tech.get(_order_url(working_order)).content.decode()
    assert 'data-testid="use-line"' in html and slip.number in html
    assert tech.post(reverse("parts:line_use", args=[line.pk])).status_code == 302
    assert PartLine.objects.get().status == LineStatus.USED
    # the old part is due; the keeper receives it
    html = keeper.get(reverse("parts:old_parts_due")).content.decode()
    assert 'data-testid="receive-old-part"' in html
    resp = keeper.post(reverse("parts:old_part_receive", args=[line.pk]))
    assert resp.status_code == 302
    line.refresh_from_db()
    assert line.deposit_reversed_at is not None and line.charged == D("0.00")
    assert line.deposit_credit == D("85.00")
    html = tech.get(_order_url(working_order)).content.decode()
    assert 'data-testid="deposit-reversed"' in html and 'data-testid="old-part-received"' in html
    slip_html = keeper.get(reverse("parts:slip_detail", args=[slip.pk])).content.decode()
    assert 'data-testid="slip-old-part-received"' in slip_html
    assert stock.on_hand(catalogue["zone"], sensor) == 1
    assert {
        "parts.line.requested",
        "parts.line.signed",
        "parts.line.issued",
        "parts.line.used",
        "parts.line.old_part_received",
    } <= set(AuditEntry.objects.values_list("action", flat=True))


# --- finance's sign-off ------------------------------------------------------------------------


def test_prt_1e_a_charged_line_needs_paid_or_unpaid_shown_with_400(
    client_for, working_order, people, catalogue
):
    line = requested(working_order, people, catalogue["parts"]["sensor"])
    resp = _sign(client_for(people["finance"]), line)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "Say whether the customer has paid for this line." in html
    assert 'data-testid="sign-row"' in html
    assert PartLine.objects.get().status == LineStatus.REQUESTED


def test_sec_5_refusing_needs_a_comment_then_records_it(
    client_for, working_order, people, catalogue
):
    line = requested(working_order, people, catalogue["parts"]["sensor"])
    c = client_for(people["finance"])
    resp = _sign(c, line, decision="refuse")
    assert resp.status_code == 400 and "Say why the line is refused." in resp.content.decode()
    assert PartLine.objects.get().status == LineStatus.REQUESTED
    assert _sign(c, line, decision="refuse", comment="型号不符").status_code == 302
    line.refresh_from_db()
    assert (line.status, line.sign_comment, line.signed_by) == (
        LineStatus.REFUSED,
        "型号不符",
        people["finance"],
    )
    html = client_for(people["technician"]).get(_order_url(working_order)).content.decode()
    assert "型号不符" in html


def test_prt_1c_finance_approves_the_waiver_with_the_checkbox(
    client_for, working_order, people, catalogue
):
    line = requested(working_order, people, catalogue["parts"]["compressor"], waiver_requested=True)
    c = client_for(people["finance"])
    assert 'data-testid="waiver-approved"' in c.get(reverse("parts:signoff_queue")).content.decode()
    assert _sign(c, line, waiver_approved="on").status_code == 302
    line.refresh_from_db()
    assert (line.charge_rule, line.amount, line.waiver_approved, line.payment) == (
        ChargeRule.WAIVED,
        D("0.00"),
        True,
        Payment.NOT_CHARGED,
    )


def test_prt_1c_a_waiver_not_approved_becomes_a_deposit_and_needs_the_payment(
    client_for, working_order, people, catalogue
):
    line = requested(working_order, people, catalogue["parts"]["compressor"], waiver_requested=True)
    c = client_for(people["finance"])
    assert _sign(c, line).status_code == 400  # no waiver and no payment state
    assert _sign(c, line, payment="unpaid").status_code == 302
    line.refresh_from_db()
    assert (line.charge_rule, line.amount, line.payment) == (
        ChargeRule.DEPOSIT,
        D("1800.00"),
        Payment.UNPAID,
    )


def test_prt_1_a_line_signed_meanwhile_says_why_at_the_top(
    client_for, working_order, people, catalogue
):
    line = signed(working_order, people, catalogue["parts"]["sensor"])
    resp = _sign(client_for(people["finance"]), line, payment="paid")
    assert resp.status_code == 400
    assert 'data-testid="refused"' in resp.content.decode()
    assert "only a requested line can be signed" in resp.content.decode()


# --- the keeper issues (PRT-2) ----------------------------------------------------------------


def test_prt_2_a_valuable_part_has_a_serial_input_per_piece_and_needs_them(
    client_for, working_order, people, catalogue
):
    line = signed(
        working_order, people, catalogue["parts"]["compressor"], quantity=2, payment="unpaid"
    )
    c = client_for(people["keeper"])
    html = c.get(reverse("parts:issue_queue")).content.decode()
    assert html.count("data-scan") == 2
    assert f'name="o{working_order.pk}-serial_{line.pk}_1"' in html
    resp = _issue(c, working_order, [line], catalogue["central"])
    assert resp.status_code == 400
    assert "give one for each of the 2 pieces" in resp.content.decode()
    assert not Slip.objects.exists() and not StockMove.objects.filter(kind="issue").exists()
    serials = {f"serial_{line.pk}_0": "C-0001", f"serial_{line.pk}_1": "C-0002"}
    assert _issue(c, working_order, [line], catalogue["central"], **serials).status_code == 302
    line.refresh_from_db()
    assert line.status == LineStatus.ISSUED and line.serial_numbers == ["C-0001", "C-0002"]
    # PRT-1 f: issued unpaid — the technician's receivable
    receivable = Receivable.objects.get(line=line)
    assert (receivable.owner, receivable.amount) == (people["technician"], D("3600.00"))


def test_prt_2_a_loan_slip_is_its_own_series(client_for, working_order, people, catalogue):
    line = signed(working_order, people, catalogue["parts"]["seal"])
    resp = _issue(
        client_for(people["keeper"]), working_order, [line], catalogue["central"], loan="on"
    )
    assert resp.status_code == 302
    slip = Slip.objects.get()
    assert slip.kind == "loan" and slip.number.startswith("JC-")


def test_prt_8_issuing_more_than_on_hand_is_shown_with_400(
    client_for, working_order, people, catalogue
):
    line = signed(working_order, people, catalogue["parts"]["seal"], quantity=51)
    resp = _issue(client_for(people["keeper"]), working_order, [line], catalogue["central"])
    assert resp.status_code == 400 and "cannot be taken" in resp.content.decode()
    assert not Slip.objects.exists() and PartLine.objects.get().status == LineStatus.SIGNED


def test_prt_2_issuing_without_choosing_a_line_is_refused(
    client_for, working_order, people, catalogue
):
    signed(working_order, people, catalogue["parts"]["seal"])
    resp = _issue(client_for(people["keeper"]), working_order, [], catalogue["central"])
    assert resp.status_code == 400 and not Slip.objects.exists()


# --- after the job (PRT-3) ---------------------------------------------------------------------


def test_prt_3_an_unused_part_is_returned_from_the_old_parts_page(
    client_for, working_order, people, catalogue
):
    line = issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    c = client_for(people["keeper"])
    html = c.get(reverse("parts:old_parts_due")).content.decode()
    assert 'data-testid="return-unused"' in html
    assert c.post(reverse("parts:line_return", args=[line.pk])).status_code == 302
    assert PartLine.objects.get().status == LineStatus.RETURNED
    assert stock.on_hand(catalogue["central"], catalogue["parts"]["seal"]) == 50
    # a second time: shown with 400, nothing moves
    resp = c.post(reverse("parts:line_return", args=[line.pk]))
    assert resp.status_code == 400 and "Only an issued, unused part" in resp.content.decode()


def test_prt_3_a_valuable_old_part_is_received_by_its_serial(
    client_for, working_order, people, catalogue
):
    line = used(
        working_order, people, catalogue, catalogue["parts"]["compressor"], serials=["C-0001"]
    )
    c = client_for(people["keeper"])
    html = c.get(reverse("parts:old_parts_due")).content.decode()
    assert f'name="r{line.pk}-serial_0"' in html
    url = reverse("parts:old_part_receive", args=[line.pk])
    resp = c.post(url)
    assert resp.status_code == 400 and "give one for each" in resp.content.decode()
    assert PartLine.objects.get().old_part_received_at is None
    assert c.post(url, {f"r{line.pk}-serial_0": "OLD-778"}).status_code == 302
    assert PartLine.objects.get().deposit_reversed_at is not None


def test_prt_3_old_parts_overdue_are_flagged_and_a_technician_sees_only_their_own(
    client_for, working_order, people, catalogue
):
    import datetime as dt

    from django.utils import timezone

    line = used(working_order, people, catalogue, catalogue["parts"]["sensor"])
    PartLine.objects.filter(pk=line.pk).update(
        old_part_due_at=timezone.now() - dt.timedelta(days=1)
    )
    html = client_for(people["keeper"]).get(reverse("parts:old_parts_due")).content.decode()
    assert "overdue" in html and 'data-testid="due-row"' in html
    mine = client_for(people["technician"]).get(reverse("parts:old_parts_due")).content.decode()
    assert 'data-testid="due-row"' in mine and 'data-testid="receive-old-part"' not in mine
    other = client_for(people["salesperson"]).get(reverse("parts:old_parts_due"))
    assert other.status_code == 403  # no right to parts lines at all


def test_prt_8_my_parts_shows_the_van_stock_and_does_not_create_it(
    client_for, working_order, people, catalogue
):
    c = client_for(people["technician"])
    before = Warehouse.objects.count()
    resp = c.get(reverse("parts:my_parts"))
    assert resp.status_code == 200 and Warehouse.objects.count() == before
    issued(working_order, people, catalogue, catalogue["parts"]["sensor"], payment="unpaid")
    html = c.get(reverse("parts:my_parts")).content.decode()
    assert 'data-testid="stock-row"' in html and "CGQ-01" in html
    assert 'data-testid="receivable-row"' in html and "¥85.00" in html
    _no_inline_code(html)
    assert client_for(people["keeper"]).get(reverse("parts:my_parts")).status_code == 403


def test_prt_1_used_from_my_parts_comes_back_there(client_for, working_order, people, catalogue):
    line = issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    c = client_for(people["technician"])
    resp = c.post(reverse("parts:line_use", args=[line.pk]), {"from": "mine"})
    assert resp.status_code == 302 and resp["Location"] == reverse("parts:my_parts")
    resp = c.post(reverse("parts:line_use", args=[line.pk]), {"from": "mine"})
    assert resp.status_code == 400 and "Only an issued part" in resp.content.decode()


def test_prt_1_used_twice_from_the_card_is_shown_on_the_order_page(
    client_for, working_order, people, catalogue
):
    line = used(working_order, people, catalogue, catalogue["parts"]["seal"])
    resp = client_for(people["technician"]).post(reverse("parts:line_use", args=[line.pk]))
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-testid="line-errors"' in html and 'data-testid="order-number"' in html


# --- constant queries ---------------------------------------------------------------------------


def _grow(make_order, people, catalogue, n, step):
    for _ in range(n):
        order = make_order()
        step(order)


def test_prt_1_the_signoff_queue_costs_the_same_queries_for_2_or_8_lines(
    client_for, make_order, people, catalogue, django_assert_max_num_queries
):
    def step(order):
        requested(order, people, catalogue["parts"]["sensor"])
        requested(order, people, catalogue["parts"]["compressor"], waiver_requested=True)

    c = client_for(people["finance"])
    c.get(reverse("parts:signoff_queue"))  # warm the session and permission caches
    _grow(make_order, people, catalogue, 1, step)
    with django_assert_max_num_queries(20) as few:
        c.get(reverse("parts:signoff_queue"))
    _grow(make_order, people, catalogue, 3, step)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = c.get(reverse("parts:signoff_queue"))
    assert resp.content.decode().count('data-testid="sign-row"') == 8


def test_prt_2_the_issue_queue_costs_the_same_queries_for_1_or_4_orders(
    client_for, make_order, people, catalogue, django_assert_max_num_queries
):
    def step(order):
        signed(order, people, catalogue["parts"]["sensor"])
        signed(order, people, catalogue["parts"]["compressor"], payment="unpaid")

    c = client_for(people["keeper"])
    c.get(reverse("parts:issue_queue"))
    _grow(make_order, people, catalogue, 1, step)
    with django_assert_max_num_queries(20) as few:
        c.get(reverse("parts:issue_queue"))
    _grow(make_order, people, catalogue, 3, step)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = c.get(reverse("parts:issue_queue"))
    html = resp.content.decode()
    assert html.count('data-testid="issue-order"') == 4
    assert html.count('data-testid="issue-line"') == 8


@pytest.mark.parametrize("persona", ["keeper", "technician"])
def test_prt_3_the_old_parts_page_costs_the_same_queries_for_1_or_4_orders(
    persona, client_for, make_order, people, catalogue, django_assert_max_num_queries
):
    def step(order):
        used(order, people, catalogue, catalogue["parts"]["sensor"])
        issued(order, people, catalogue, catalogue["parts"]["seal"])

    c = client_for(people[persona])
    c.get(reverse("parts:old_parts_due"))
    _grow(make_order, people, catalogue, 1, step)
    with django_assert_max_num_queries(20) as few:
        c.get(reverse("parts:old_parts_due"))
    _grow(make_order, people, catalogue, 3, step)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = c.get(reverse("parts:old_parts_due"))
    html = resp.content.decode()
    assert html.count('data-testid="due-row"') == 4
    assert html.count('data-testid="unused-row"') == 4


def test_prt_1_the_order_card_costs_the_same_queries_for_2_or_8_lines(
    client_for, working_order, people, catalogue, django_assert_max_num_queries
):
    c = client_for(people["technician"])
    url = _order_url(working_order)
    for _ in range(2):
        issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    c.get(url)
    with django_assert_max_num_queries(80) as few:
        c.get(url)
    for _ in range(6):
        issued(working_order, people, catalogue, catalogue["parts"]["seal"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = c.get(url)
    assert resp.content.decode().count('data-testid="part-line"') == 8


def test_prt_1f_fee_4_the_technician_agrees_on_the_card_to_issue_before_payment(
    client_for, working_order, people, catalogue
):
    """The button shows for the order's technician on a requested customer charge; pressing
    it records the agreement (the sign-off queue shows it); the keeper sees no button."""
    line = requested(
        working_order, people, catalogue["parts"]["sensor"], user_caused=True, evidence="摔裂"
    )
    tech = client_for(people["technician"])
    html = tech.get(_order_url(working_order)).content.decode()
    assert 'data-testid="agree-unpaid"' in html
    keeper_html = client_for(people["keeper"]).get(_order_url(working_order)).content.decode()
    assert 'data-testid="agree-unpaid"' not in keeper_html
    resp = tech.post(reverse("parts:line_agree_unpaid", args=[line.pk]))
    assert resp.status_code == 302
    line.refresh_from_db()
    assert line.credit_approved_by == people["technician"]
    html = tech.get(_order_url(working_order)).content.decode()
    assert 'data-testid="agree-unpaid"' not in html and 'data-testid="credit-agreed"' in html
    queue = client_for(people["finance"]).get(reverse("parts:signoff_queue")).content.decode()
    assert 'data-testid="credit-agreed"' in queue
    # Another branch's manager cannot reach the line at all.
    assert (
        client_for(people["outsider"])
        .post(reverse("parts:line_agree_unpaid", args=[line.pk]))
        .status_code
        == 403
    )
