# ruff: noqa: F811 — the fixtures imported are used as arguments
"""The money pages (FEE-3, FEE-5, FIN-2): collect on the phone → receipt page → receipt PDF;
finance's payment list, registration, notice and void; cash in hand and the hand-over;
invoices. Refused input re-renders with 400 and the message, nothing written; a role without
the right gets 403."""

import datetime as dt
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from aftersales.charges import money
from aftersales.charges.models import CashHandover, CustomerPayment, Invoice
from tests.charges.test_money import (  # noqa: F401
    big_order,
    collect,
    owing_order,
    paid_order,
    register,
)
from tests.parts.fixtures import (  # noqa: F401
    catalogue,
    hz_customer,
    hz_unit,
    new_order,
    working_order,
)

pytestmark = pytest.mark.django_db
D = Decimal
PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(content: bytes) -> str:
    done = subprocess.run(
        [PDFTOTEXT, "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode()


def page(client, name, *args, **query):
    url = reverse(f"charges:{name}", args=args)
    return client.get(url, query)


# --- FEE-3: collect on the phone -------------------------------------------------------------


def test_fee_3_collect_on_the_phone_then_the_receipt_and_its_pdf(owing_order, people, client_for):
    tech = client_for(people["technician"])
    resp = page(tech, "collect", owing_order.pk)
    assert resp.status_code == 200
    assert resp.context["form"].initial["amount"] == D("85.00")
    assert 'inputmode="decimal"' in resp.content.decode()

    resp = tech.post(
        reverse("charges:collect", args=[owing_order.pk]),
        {"amount": "85.00", "method": "wechat", "payer": "王经理"},
    )
    payment = CustomerPayment.objects.get()
    assert resp.status_code == 302
    assert resp.url == reverse("charges:payment_detail", args=[payment.pk])
    resp = tech.get(resp.url)
    body = resp.content.decode()
    assert payment.number in body and "Receipt PDF" in body
    assert reverse("charges:receipt_pdf", args=[payment.pk]) in body

    resp = tech.get(reverse("charges:receipt_pdf", args=[payment.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    content = b"".join(resp.streaming_content)
    assert content.startswith(b"%PDF")
    if PDFTOTEXT:
        text = pdf_text(content)
        assert payment.number in text and "¥85.00" in text and "捌拾伍元整" in text


def test_fee_3_collect_more_than_owed_is_refused_on_the_page(owing_order, people, client_for):
    tech = client_for(people["technician"])
    resp = tech.post(
        reverse("charges:collect", args=[owing_order.pk]), {"amount": "85.01", "method": "cash"}
    )
    assert resp.status_code == 400
    assert "The customer owes ¥85.00" in resp.content.decode()
    resp = tech.post(
        reverse("charges:collect", args=[owing_order.pk]), {"amount": "-1", "method": "cash"}
    )
    assert resp.status_code == 400 and "above zero" in resp.content.decode()
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize("persona", ["keeper", "agent", "finance"])
def test_fee_3_collect_page_needs_the_right(owing_order, people, client_for, persona):
    client = client_for(people[persona])
    assert page(client, "collect", owing_order.pk).status_code == 403
    resp = client.post(
        reverse("charges:collect", args=[owing_order.pk]), {"amount": "1", "method": "cash"}
    )
    assert resp.status_code == 403 and not CustomerPayment.objects.exists()


# --- payments ---------------------------------------------------------------------------------


def test_payment_list_for_finance_and_for_the_technician(owing_order, people, client_for, org):
    receipt = collect(owing_order, people, "40.00")
    late = register(
        owing_order,
        people,
        "45.00",
        received_at=timezone.now() - dt.timedelta(hours=13),
        notify=False,
    )
    fin = client_for(people["finance"])
    resp = page(fin, "payment_list")
    assert resp.status_code == 200
    assert {p.pk for p in resp.context["page_obj"]} == {receipt.pk, late.pk}
    assert 'data-testid="notice-late"' in resp.content.decode()
    resp = page(fin, "payment_list", late="yes")
    assert [p.pk for p in resp.context["page_obj"]] == [late.pk]
    resp = page(fin, "payment_list", source="on_site")
    assert [p.pk for p in resp.context["page_obj"]] == [receipt.pk]
    resp = page(fin, "payment_list", notified="no")
    assert [p.pk for p in resp.context["page_obj"]] == [late.pk]

    tech = client_for(people["technician"])
    resp = page(tech, "payment_list")
    assert resp.status_code == 200 and resp.context["own_only"]
    assert {p.pk for p in resp.context["page_obj"]} == {receipt.pk, late.pk}  # their order
    # the branch manager's unit sees them too; the Nanjing manager does not (ORG-3)
    assert (
        page(client_for(people["outsider"]), "payment_list").context["page_obj"].paginator.count
        == 0
    )


def test_payment_list_reads_a_fixed_number_of_queries(
    big_order, people, client_for, django_assert_max_num_queries
):
    fin = client_for(people["finance"])
    collect(big_order, people, "10.00")
    page(fin, "payment_list")  # warm the session and permission caches
    with django_assert_max_num_queries(12) as few:
        page(fin, "payment_list")
    for _ in range(5):
        collect(big_order, people, "10.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert page(fin, "payment_list").status_code == 200


def test_fee_5_register_notify_and_void_on_the_pages(owing_order, people, client_for):
    fin = client_for(people["finance"])
    resp = page(fin, "payment_register", order=owing_order.pk)
    assert resp.status_code == 200
    assert resp.context["form"].initial["order"] == owing_order.number
    assert resp.context["form"].initial["amount"] == D("85.00")
    arrived = timezone.localtime() - dt.timedelta(hours=2)
    resp = fin.post(
        reverse("charges:payment_register"),
        {
            "order": owing_order.number,
            "amount": "85.00",
            "method": "transfer",
            "received_at": arrived.strftime("%Y-%m-%dT%H:%M"),
            "reference": "流水 778",
        },
    )
    payment = CustomerPayment.objects.get()
    assert resp.status_code == 302 and payment.notified_at is None  # "tell now" unticked
    assert payment.notify_due_at == payment.received_at + dt.timedelta(hours=12)

    resp = page(fin, "payment_detail", payment.pk)
    assert 'data-testid="notify-form"' in resp.content.decode()
    resp = fin.post(reverse("charges:payment_notify", args=[payment.pk]))
    assert resp.status_code == 302
    payment.refresh_from_db()
    assert payment.notified_at is not None
    resp = fin.post(reverse("charges:payment_notify", args=[payment.pk]))
    assert resp.status_code == 400 and "already told" in resp.content.decode()

    resp = fin.post(reverse("charges:payment_void", args=[payment.pk]), {"reason": ""})
    assert resp.status_code == 400
    payment.refresh_from_db()
    assert payment.voided_at is None
    resp = fin.post(reverse("charges:payment_void", args=[payment.pk]), {"reason": "重复登记"})
    assert resp.status_code == 302
    payment.refresh_from_db()
    assert payment.void_reason == "重复登记"


def test_fee_5_register_page_refuses_bad_input(owing_order, people, client_for):
    fin = client_for(people["finance"])
    future = (timezone.localtime() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    data = {"order": owing_order.number, "amount": "85", "method": "cash", "received_at": future}
    resp = fin.post(reverse("charges:payment_register"), data)
    assert resp.status_code == 400 and "in the future" in resp.content.decode()
    resp = fin.post(reverse("charges:payment_register"), {**data, "order": "SO-NOPE"})
    assert resp.status_code == 400 and "No service order has this no." in resp.content.decode()
    assert not CustomerPayment.objects.exists()


@pytest.mark.parametrize("persona", ["keeper", "salesperson"])
def test_payment_pages_need_a_right(owing_order, people, client_for, persona):
    payment = collect(owing_order, people, "85.00")
    client = client_for(people[persona])
    for name, args in (
        ("payment_list", ()),
        ("payment_register", ()),
        ("payment_detail", (payment.pk,)),
        ("receipt_pdf", (payment.pk,)),
    ):
        assert page(client, name, *args).status_code == 403, name
    for name in ("payment_notify", "payment_void"):
        resp = client.post(reverse(f"charges:{name}", args=[payment.pk]), {"reason": "x"})
        assert resp.status_code == 403
    payment.refresh_from_db()
    assert payment.voided_at is None


def test_the_technician_cannot_register_notify_or_void(owing_order, people, client_for):
    payment = collect(owing_order, people, "85.00")
    tech = client_for(people["technician"])
    assert page(tech, "payment_register").status_code == 403
    resp = tech.post(reverse("charges:payment_void", args=[payment.pk]), {"reason": "x"})
    assert resp.status_code == 403


# --- FEE-3: cash in hand and the hand-over ----------------------------------------------------


def test_fee_3_cash_in_hand_and_the_hand_over_on_the_pages(big_order, people, client_for):
    a = collect(big_order, people, "300.00")
    b = collect(big_order, people, "200.00")
    tech = client_for(people["technician"])
    resp = page(tech, "cash")
    assert resp.status_code == 200 and not resp.context["finance"]
    assert resp.context["held"].total == D("500.00")
    assert 'data-testid="cash-total">¥500.00' in resp.content.decode()

    fin = client_for(people["finance"])
    resp = page(fin, "cash")
    assert resp.status_code == 200 and resp.context["rows"][0]["total"] == D("500.00")
    resp = page(fin, "cash", technician=people["technician"].pk)
    assert 'data-testid="handover-form"' in resp.content.decode()

    post = {"technician": people["technician"].pk, "payments": [a.pk, b.pk]}
    resp = fin.post(reverse("charges:cash"), {**post, "counted_total": "499.90"})
    assert resp.status_code == 400
    assert "Counted 499.90, the receipts say 500.00." in resp.content.decode()
    assert not CashHandover.objects.exists()

    resp = fin.post(reverse("charges:cash"), {**post, "counted_total": "500.00"})
    handover = CashHandover.objects.get()
    assert resp.status_code == 302
    assert resp.url == reverse("charges:handover_detail", args=[handover.pk])
    detail = resp.url
    for client in (fin, tech):
        resp = client.get(detail)
        assert resp.status_code == 200 and a.number in resp.content.decode()


@pytest.mark.parametrize("persona", ["keeper", "agent"])
def test_fee_3_cash_pages_need_a_right(big_order, people, client_for, persona):
    a = collect(big_order, people, "300.00")
    handover = money.hand_over_cash(
        actor=people["finance"], technician=people["technician"], payments=[a], counted_total="300"
    )
    client = client_for(people[persona])
    assert page(client, "cash").status_code == 403
    assert page(client, "handover_detail", handover.pk).status_code == 403
    resp = client.post(
        reverse("charges:cash"),
        {"technician": people["technician"].pk, "payments": [a.pk], "counted_total": "300"},
    )
    assert resp.status_code == 403


def test_fee_3_a_technician_cannot_take_a_hand_over(big_order, people, client_for):
    a = collect(big_order, people, "300.00")
    tech = client_for(people["technician"])
    resp = tech.post(
        reverse("charges:cash"),
        {"technician": people["technician"].pk, "payments": [a.pk], "counted_total": "300"},
    )
    assert resp.status_code == 403 and not CashHandover.objects.exists()


# --- FEE-3: invoices --------------------------------------------------------------------------


def test_fee_3_invoice_request_and_issue_on_the_pages(owing_order, people, client_for):
    collect(owing_order, people, "85.00")
    tech = client_for(people["technician"])
    resp = page(tech, "invoice_request", owing_order.pk)
    assert resp.status_code == 200 and resp.context["form"].initial["amount"] == D("85.00")
    url = reverse("charges:invoice_request", args=[owing_order.pk])
    resp = tech.post(url, {"title": "杭州西湖宾馆", "amount": "85.01"})
    assert resp.status_code == 400 and "At most ¥85.00" in resp.content.decode()
    assert not Invoice.objects.exists()
    resp = tech.post(url, {"title": "杭州西湖宾馆", "amount": "50.00"})
    assert resp.status_code == 302
    first = Invoice.objects.get()
    second = money.request_invoice(
        actor=people["technician"], order=owing_order, title="西湖宾馆", amount="35"
    )

    fin = client_for(people["finance"])
    resp = page(fin, "invoice_list")
    assert resp.status_code == 200 and len(resp.context["rows"]) == 2
    resp = fin.post(
        reverse("charges:invoice_issue", args=[first.pk]), {f"i{first.pk}-number": "04400001"}
    )
    assert resp.status_code == 302
    resp = fin.post(
        reverse("charges:invoice_issue", args=[second.pk]), {f"i{second.pk}-number": "04400001"}
    )
    assert resp.status_code == 400
    assert "Invoice no. 04400001 is already recorded." in resp.content.decode()
    second.refresh_from_db()
    assert second.number == "" and second.status == "to_issue"
    # to issue first
    resp = page(fin, "invoice_list")
    assert [r["invoice"].pk for r in resp.context["rows"]] == [second.pk, first.pk]
    resp = fin.post(
        reverse("charges:invoice_cancel", args=[second.pk]), {f"c{second.pk}-reason": ""}
    )
    assert resp.status_code == 400
    resp = fin.post(
        reverse("charges:invoice_cancel", args=[second.pk]), {f"c{second.pk}-reason": "抬头错"}
    )
    assert resp.status_code == 302
    second.refresh_from_db()
    assert second.status == "cancelled"


@pytest.mark.parametrize("persona", ["keeper", "salesperson"])
def test_fee_3_invoice_pages_need_a_right(owing_order, people, client_for, persona):
    collect(owing_order, people, "85.00")
    invoice = money.request_invoice(
        actor=people["technician"], order=owing_order, title="西湖宾馆", amount="85"
    )
    client = client_for(people[persona])
    assert page(client, "invoice_list").status_code == 403
    assert page(client, "invoice_request", owing_order.pk).status_code == 403
    resp = client.post(
        reverse("charges:invoice_issue", args=[invoice.pk]), {f"i{invoice.pk}-number": "1"}
    )
    assert resp.status_code == 403
    tech = client_for(people["technician"])
    resp = tech.post(
        reverse("charges:invoice_issue", args=[invoice.pk]), {f"i{invoice.pk}-number": "1"}
    )
    assert resp.status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == "to_issue"


# --- the order page's money card -------------------------------------------------------------


def test_the_money_card_shows_payments_lateness_and_links(owing_order, people, rf):
    receipt = collect(owing_order, people, "40.00")
    late = register(
        owing_order,
        people,
        "20.00",
        received_at=timezone.now() - dt.timedelta(hours=13),
        notify=False,
    )
    html = render_to_string(
        "charges/_money_card.html", money.card_context(owing_order, people["technician"])
    )
    assert receipt.number in html and late.number in html
    assert 'data-testid="money-late"' in html
    assert reverse("charges:collect", args=[owing_order.pk]) in html
    assert reverse("charges:invoice_request", args=[owing_order.pk]) in html
    assert "charges/payments/new" not in html  # the technician does not register
    html = render_to_string(
        "charges/_money_card.html", money.card_context(owing_order, people["finance"])
    )
    assert f"{reverse('charges:payment_register')}?order={owing_order.pk}" in html
    assert (
        render_to_string(
            "charges/_money_card.html", money.card_context(owing_order, people["salesperson"])
        ).strip()
        == ""
    )


def test_the_order_page_carries_the_money_card(owing_order, people, client_for):
    """The order page's charges card includes the payments part for the technician."""
    receipt = collect(owing_order, people, "40.00")
    resp = client_for(people["technician"]).get(owing_order.get_absolute_url())
    body = resp.content.decode()
    assert resp.status_code == 200 and 'data-testid="money-card"' in body
    assert receipt.number in body
    assert reverse("charges:collect", args=[owing_order.pk]) in body
