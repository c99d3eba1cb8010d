# ruff: noqa: F811 — the fixtures imported from the quotes tests are used as arguments
"""Pages of the charge sheet and the quotation (FEE-1, FEE-2): the charges card on the order
page with labour and "Make quotation", the quotation page where the customer signs or
agrees on the phone, its PDF and the list — the path for the right personas, 403 for the
others, refused input shown with status 400 and nothing written, constant queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.audit.models import AuditEntry
from aftersales.charges.models import LabourLine, Quotation
from tests.charges.test_quotes import accepted, labour, paid_order, quoted, rates  # noqa: F401
from tests.parts.fixtures import requested
from tests.service.conftest import signature_data_url

pytestmark = pytest.mark.django_db
D = Decimal


def _no_inline_code(html: str) -> None:
    """The CSP forbids inline scripts and styles."""
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html


def _order_url(order) -> str:
    return reverse("service:order_detail", args=[order.pk])


def _add_labour(client, order, **data):
    fields = {"rate_code": "GS-H", "quantity": "1.5", "description": ""}
    return client.post(reverse("charges:labour_add", args=[order.pk]), {**fields, **data})


# --- the order page's card -----------------------------------------------------------------


def test_fee_2_the_card_shows_the_sheet_labour_form_and_quotation_state(
    client_for, paid_order, people, rates, catalogue
):
    requested(paid_order, people, catalogue["parts"]["sensor"])
    labour(paid_order, people)
    resp = client_for(people["technician"]).get(_order_url(paid_order))
    assert resp.status_code == 200
    html = resp.content.decode()
    _no_inline_code(html)
    assert 'data-testid="charges-card"' in html
    assert html.count('data-testid="sheet-part"') == 1
    assert html.count('data-testid="sheet-labour"') == 1
    assert "out of warranty: charged at list price" in html  # the PRT-1 rule
    assert 'data-testid="sheet-total">¥205.00' in html
    assert 'data-testid="sheet-outstanding">¥205.00' in html
    assert 'data-testid="form-labour"' in html
    assert 'value="GS-H"' in html and 'value="XJ-09"' not in html  # rates in force only
    assert "no quotation yet" in html
    assert 'data-testid="quotation-make"' in html
    assert 'data-testid="completion-blocked"' in html  # why "complete" is not offered


def test_fee_2_the_card_shows_deposits_apart(client_for, working_order, people, catalogue):
    """PRT-1 d deposits are listed apart and not in the customer's total."""
    requested(working_order, people, catalogue["parts"]["sensor"])
    html = client_for(people["technician"]).get(_order_url(working_order)).content.decode()
    assert 'data-testid="sheet-deposits">¥85.00' in html
    assert 'data-testid="sheet-total">¥0.00' in html
    assert 'data-testid="quotation-make"' not in html  # nothing to quote


def test_fee_1_adding_labour_from_the_card(client_for, paid_order, people, rates):
    resp = _add_labour(client_for(people["technician"]), paid_order)
    assert resp.status_code == 302
    assert resp["Location"].endswith("#charges")
    line = LabourLine.objects.get()
    assert (line.quantity, line.amount) == (D("1.50"), D("120.00"))


@pytest.mark.parametrize(
    "data,shown",
    [
        ({"quantity": "abc"}, "Enter the quantity as a number"),
        ({"quantity": "0"}, "The quantity must be above zero."),
        ({"quantity": "1.234"}, "at most two decimal places"),
        ({"rate_code": "XJ-09"}, "Select a valid choice"),
        ({"description": "x" * 201}, "at most 200 characters"),
    ],
)
def test_fee_1_bad_labour_is_shown_on_the_order_page_with_400_and_nothing_written(
    client_for, paid_order, people, rates, data, shown
):
    audit_before = AuditEntry.objects.count()
    resp = _add_labour(client_for(people["technician"]), paid_order, **data)
    assert resp.status_code == 400
    html = resp.content.decode()
    assert 'data-testid="order-number"' in html
    assert shown in html
    assert 'class="collapse show" id="labour-add"' in html
    assert not LabourLine.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_fee_2_cancel_labour_from_the_card_needs_a_reason(client_for, paid_order, people, rates):
    line = labour(paid_order, people)
    c = client_for(people["technician"])
    url = reverse("charges:labour_cancel", args=[line.pk])
    resp = c.post(url, {"reason": ""})
    assert resp.status_code == 400
    assert 'data-testid="labour-errors"' in resp.content.decode()
    line.refresh_from_db()
    assert line.cancelled_at is None
    assert c.post(url, {"reason": "记错了"}).status_code == 302
    line.refresh_from_db()
    assert line.cancelled_at is not None
    again = c.post(url, {"reason": "again"})
    assert again.status_code == 400
    assert "This labour line is already cancelled." in again.content.decode()


def test_fee_2_make_quotation_from_the_card_then_accept_by_signature(
    client_for, paid_order, people, rates
):
    """The page path: make → the quotation page → the customer signs → completion offered."""
    labour(paid_order, people)
    c = client_for(people["technician"])
    resp = c.post(reverse("charges:quotation_make", args=[paid_order.pk]))
    quotation = Quotation.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == reverse("charges:quotation_detail", args=[quotation.pk])
    page = c.get(resp["Location"]).content.decode()
    _no_inline_code(page)
    assert quotation.number in page
    assert 'data-testid="quotation-total">¥120.00' in page
    assert 'data-signature-for="id_sig_signature"' in page  # the canvas pad
    assert 'data-testid="form-accept-phone"' in page
    # when
    resp = c.post(
        reverse("charges:quotation_accept", args=[quotation.pk]),
        {"method": "signature", "signature": signature_data_url(), "signer_name": "王经理"},
    )
    # then
    assert resp.status_code == 302
    quotation.refresh_from_db()
    assert quotation.status == "accepted"
    page = c.get(reverse("charges:quotation_detail", args=[quotation.pk])).content.decode()
    assert 'data-testid="acceptance-signature"' in page
    sig = c.get(reverse("charges:quotation_signature", args=[quotation.pk]))
    assert sig.status_code == 200 and sig["Content-Type"] == "image/png"
    order_page = c.get(_order_url(paid_order)).content.decode()
    assert "quotation accepted" in order_page
    assert 'data-testid="completion-blocked"' not in order_page


def test_fee_2_accept_by_phone_on_the_page(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    c = client_for(people["agent"])
    url = reverse("charges:quotation_accept", args=[quotation.pk])
    resp = c.post(url, {"method": "phone", "signer_name": "王经理"})
    assert resp.status_code == 400
    html = resp.content.decode()
    assert "Write the phone number the customer agreed on." in html
    assert "Write what the customer said when agreeing." in html
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    resp = c.post(
        url,
        {
            "method": "phone",
            "signer_name": "王经理",
            "consent_phone": "13800000000",
            "consent_note": "同意",
        },
    )
    assert resp.status_code == 302
    quotation.refresh_from_db()
    assert (quotation.status, quotation.recorded_by) == ("accepted", people["agent"])


def test_fee_2_a_bad_signature_is_refused_with_400(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    resp = client_for(people["technician"]).post(
        reverse("charges:quotation_accept", args=[quotation.pk]),
        {"method": "signature", "signature": "data:image/png;base64,!!!", "signer_name": "王"},
    )
    assert resp.status_code == 400
    assert "The signature could not be read; sign again." in resp.content.decode()
    quotation.refresh_from_db()
    assert quotation.status == "pending" and not quotation.signature


def test_fee_2_an_out_of_date_quotation_page_says_so(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    labour(paid_order, people, code="JC-01", quantity="1")
    c = client_for(people["technician"])
    page = c.get(reverse("charges:quotation_detail", args=[quotation.pk])).content.decode()
    assert "The charges changed since this quotation; make a new one." in page
    assert 'data-testid="form-accept-signature"' not in page
    card = c.get(_order_url(paid_order)).content.decode()
    assert "quotation out of date" in card
    assert 'data-testid="quotation-make"' in card


def test_fee_2_an_expired_quotation_page_says_so(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    Quotation.objects.filter(pk=quotation.pk).update(
        valid_until=timezone.localdate() - dt.timedelta(days=1)
    )
    page = (
        client_for(people["technician"])
        .get(reverse("charges:quotation_detail", args=[quotation.pk]))
        .content.decode()
    )
    assert 'data-testid="quotation-expired"' in page
    assert 'data-testid="form-accept-signature"' not in page


def test_fee_2_decline_on_the_page_needs_a_reason(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    c = client_for(people["technician"])
    url = reverse("charges:quotation_decline", args=[quotation.pk])
    assert c.post(url, {"reason": ""}).status_code == 400
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    assert c.post(url, {"reason": "太贵"}).status_code == 302
    quotation.refresh_from_db()
    assert quotation.status == "declined"


def test_fee_2_nothing_to_quote_is_shown_on_the_order_page(
    client_for, working_order, people, rates
):
    resp = client_for(people["technician"]).post(
        reverse("charges:quotation_make", args=[working_order.pk])
    )
    assert resp.status_code == 400
    assert "there is nothing to quote" in resp.content.decode()
    assert not Quotation.objects.exists()


def test_fee_2_the_pdf_and_the_list(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    c = client_for(people["finance"])  # finance reads quotations
    pdf = c.get(reverse("charges:quotation_pdf", args=[quotation.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    listing = c.get(reverse("charges:quotation_list")).content.decode()
    assert listing.count('data-testid="quotation-row"') == 1
    assert quotation.number in listing
    filtered = c.get(reverse("charges:quotation_list") + "?status=accepted").content.decode()
    assert 'data-testid="quotation-row"' not in filtered


def test_org_3_the_list_shows_only_orders_in_reach(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quoted(paid_order, people)
    html = client_for(people["outsider"]).get(reverse("charges:quotation_list")).content.decode()
    assert 'data-testid="quotation-row"' not in html


# --- 403 for roles without the right (and outside reach) ---------------------------------


@pytest.mark.parametrize("persona", ["keeper", "salesperson"])
def test_fee_2_pages_are_403_without_the_right(client_for, paid_order, people, rates, persona):
    line = labour(paid_order, people)
    quotation = quoted(paid_order, people)
    c = client_for(people[persona])
    for url in (
        reverse("charges:quotation_list"),
        reverse("charges:quotation_detail", args=[quotation.pk]),
        reverse("charges:quotation_pdf", args=[quotation.pk]),
        reverse("charges:quotation_signature", args=[quotation.pk]),
    ):
        assert c.get(url).status_code == 403, url
    for url, data in (
        (reverse("charges:labour_add", args=[paid_order.pk]), {"rate_code": "GS-H"}),
        (reverse("charges:labour_cancel", args=[line.pk]), {"reason": "x"}),
        (reverse("charges:quotation_make", args=[paid_order.pk]), {}),
        (
            reverse("charges:quotation_accept", args=[quotation.pk]),
            {"method": "phone", "signer_name": "x", "consent_phone": "1", "consent_note": "x"},
        ),
        (reverse("charges:quotation_decline", args=[quotation.pk]), {"reason": "x"}),
    ):
        assert c.post(url, data).status_code == 403, url
    assert LabourLine.objects.count() == 1
    quotation.refresh_from_db()
    assert quotation.status == "pending"
    assert 'data-testid="charges-card"' not in c.get(_order_url(paid_order)).content.decode()


def test_fee_2_finance_reads_but_does_not_quote(client_for, paid_order, people, rates):
    labour(paid_order, people)
    c = client_for(people["finance"])
    html = c.get(_order_url(paid_order)).content.decode()
    assert 'data-testid="charges-card"' in html
    assert 'data-testid="quotation-make"' not in html
    assert 'data-testid="form-labour"' not in html
    assert c.post(reverse("charges:quotation_make", args=[paid_order.pk])).status_code == 403
    assert not Quotation.objects.exists()


def test_org_3_pages_are_403_outside_reach(client_for, paid_order, people, rates):
    labour(paid_order, people)
    quotation = quoted(paid_order, people)
    c = client_for(people["outsider"])
    assert c.get(reverse("charges:quotation_detail", args=[quotation.pk])).status_code == 403
    assert c.get(reverse("charges:quotation_pdf", args=[quotation.pk])).status_code == 403
    assert _add_labour(c, paid_order).status_code == 403
    assert LabourLine.objects.count() == 1


# --- queries ------------------------------------------------------------------------------


def test_fee_2_the_card_costs_the_same_queries_for_2_or_8_lines(
    client_for, paid_order, people, rates, catalogue, django_assert_max_num_queries
):
    """The charge sheet is read in a fixed number of queries, whatever the number of lines."""
    c = client_for(people["technician"])
    url = _order_url(paid_order)
    labour(paid_order, people)
    requested(paid_order, people, catalogue["parts"]["seal"])
    accepted(paid_order, people)
    c.get(url)
    with django_assert_max_num_queries(90) as few:
        c.get(url)
    for _ in range(3):
        labour(paid_order, people, code="JC-01", quantity="1")
        requested(paid_order, people, catalogue["parts"]["seal"])
    accepted(paid_order, people)
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = c.get(url)
    html = resp.content.decode()
    assert html.count('data-testid="sheet-labour"') == 4
    assert html.count('data-testid="sheet-part"') == 4
