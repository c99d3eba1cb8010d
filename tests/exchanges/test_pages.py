"""The exchange pages (EXC-1…EXC-5, SEC-5): filling, the chain signed on the form's page,
refusals shown as 403 / 400, the PDF and the ledger with its Excel export."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from aftersales.exchanges import services
from aftersales.exchanges.models import ExchangeApproval, ExchangeRequest, LedgerEntry
from tests.exchanges.conftest import REASON

pytestmark = pytest.mark.django_db


def test_exc_1_exc_5_fill_check_entitlement_and_save(client_for, people, sold_unit, fault):
    c = client_for(people["salesperson"])
    assert c.get(reverse("exchanges:create")).status_code == 200
    data = {
        "kind": "exchange",
        "serial_number": sold_unit.serial_number.lower(),
        "fault_type": fault.pk,
        "reason": REASON,
        "purchase_price": "3600",
    }
    checked = c.post(reverse("exchanges:create"), {**data, "check": "1"})
    assert checked.status_code == 200
    assert b'data-testid="entitlement"' in checked.content
    assert b'data-testid="remedy"' in checked.content
    assert not ExchangeRequest.objects.exists()
    saved = c.post(reverse("exchanges:create"), {**data, "save": "1"})
    form = ExchangeRequest.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "exchanges:detail", args=[form.pk]
    )
    assert form.unit == sold_unit and form.customer == sold_unit.owner
    assert form.created_by == people["salesperson"]


def test_exc_1_bad_form_input_is_400_nothing_written(client_for, people, sold_unit):
    c = client_for(people["salesperson"])
    response = c.post(
        reverse("exchanges:create"),
        {"kind": "exchange", "serial_number": "NO-SUCH", "reason": "坏了", "save": "1"},
    )
    assert response.status_code == 400
    assert not ExchangeRequest.objects.exists()
    response = c.post(
        reverse("exchanges:create"),
        {"kind": "exchange", "serial_number": sold_unit.serial_number, "reason": "坏了"},
    )
    assert response.status_code == 400 and b"detailed reason" in response.content
    assert not ExchangeRequest.objects.exists()


def test_exc_1_fill_refused_without_the_right(client_for, people):
    for persona in ("keeper", "office", "technician"):
        assert client_for(people[persona]).get(reverse("exchanges:create")).status_code == 403


def _review(c, form, decision="approve", comment="同意", step=None):
    return c.post(
        reverse("exchanges:review", args=[form.pk]),
        {"decision": decision, "comment": comment, "step": step or ""},
    )


def test_exc_1_sec_5_chain_signed_on_the_page(client_for, people, make_form):
    form = make_form()
    seller = client_for(people["salesperson"])
    page = seller.get(reverse("exchanges:detail", args=[form.pk]))
    assert b'data-testid="form-submit"' in page.content
    assert b'data-testid="form-review"' not in page.content
    assert (
        seller.post(reverse("exchanges:submit", args=[form.pk]), {"comment": ""}).status_code == 302
    )
    head = client_for(people["branch_manager"])
    waiting = head.get(reverse("exchanges:list") + "?tab=waiting")
    assert form.number.encode() in waiting.content
    assert (
        b'data-testid="form-review"'
        in head.get(reverse("exchanges:detail", args=[form.pk])).content
    )
    assert _review(head, form, step="regional_head").status_code == 302
    # Out of order on the page: the general manager before the office → 400, nothing written.
    gm = client_for(people["company_manager"])
    refused = _review(gm, form)
    assert refused.status_code == 400 and b"in order" in refused.content
    assert ExchangeApproval.objects.filter(request=form).count() == 2
    # A person without any signing right → 403.
    assert _review(client_for(people["keeper"]), form).status_code == 403
    assert _review(client_for(people["office"]), form, comment="核对无误").status_code == 302
    assert _review(gm, form).status_code == 302
    form.refresh_from_db()
    assert form.status == "approved"
    page = seller.get(reverse("exchanges:detail", args=[form.pk]))
    assert page.content.count(b'data-testid="approval-row"') == 4


def test_sec_5_filler_sees_no_signature_form(client_for, people, make_form):
    form = make_form(actor=people["branch_manager"])
    services.submit_request(actor=people["branch_manager"], request=form)
    c = client_for(people["branch_manager"])
    page = c.get(reverse("exchanges:detail", args=[form.pk]))
    assert b'data-testid="form-review"' not in page.content
    assert b'data-testid="review-refusal"' in page.content
    assert _review(c, form).status_code == 403
    assert ExchangeRequest.objects.get(pk=form.pk).status == "regional_head"


def test_org_3_outsider_gets_403(client_for, people, make_form):
    form = make_form()
    c = client_for(people["outsider"])
    assert c.get(reverse("exchanges:detail", args=[form.pk])).status_code == 403
    assert c.get(reverse("exchanges:pdf", args=[form.pk])).status_code == 403
    assert form.number.encode() not in c.get(reverse("exchanges:list")).content


def test_exc_1_return_for_information_on_the_page(client_for, people, make_form):
    form = services.submit_request(actor=people["salesperson"], request=make_form())
    head = client_for(people["branch_manager"])
    assert _review(head, form, decision="return", comment="").status_code == 400
    assert _review(head, form, decision="return", comment="补充照片").status_code == 302
    form.refresh_from_db()
    assert form.status == "returned"
    seller = client_for(people["salesperson"])
    assert seller.get(reverse("exchanges:edit", args=[form.pk])).status_code == 200
    assert seller.post(reverse("exchanges:submit", args=[form.pk])).status_code == 302
    assert ExchangeRequest.objects.get(pk=form.pk).status == "regional_head"


def test_exc_1_exc_3_receive_and_ledger_pages(
    client_for, people, approved_form, warehouse, spare_units
):
    form = approved_form()
    keeper = client_for(people["keeper"])
    assert (
        client_for(people["salesperson"])
        .post(
            reverse("exchanges:receive", args=[form.pk]),
            {"warehouse": warehouse.pk, "inspection": "as_claimed"},
        )
        .status_code
        == 403
    )
    response = keeper.post(
        reverse("exchanges:receive", args=[form.pk]),
        {"warehouse": warehouse.pk, "inspection": "as_claimed", "inspection_note": "确认故障"},
    )
    assert response.status_code == 302
    refused = keeper.post(
        reverse("exchanges:write_ledger", args=[form.pk]), {"replacement_serial": "KRF50-9001"}
    )
    assert refused.status_code == 400 and b"EXC-3" in refused.content
    assert not LedgerEntry.objects.exists()
    done = keeper.post(
        reverse("exchanges:write_ledger", args=[form.pk]), {"replacement_serial": "KRF35-9001"}
    )
    assert done.status_code == 302
    assert LedgerEntry.objects.get().handler == people["keeper"]
    ledger = client_for(people["company_manager"]).get(reverse("exchanges:ledger"))
    assert b"KRF35-9001" in ledger.content
    export = client_for(people["company_manager"]).get(reverse("exchanges:ledger") + "?export=xlsx")
    assert export.status_code == 200
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1] == form.number and rows[1][6] == "KRF35-9001"
    assert client_for(people["outsider"]).get(reverse("exchanges:ledger")).status_code == 200
    assert (
        b"KRF35-9001" not in client_for(people["outsider"]).get(reverse("exchanges:ledger")).content
    )
    assert client_for(people["technician"]).get(reverse("exchanges:ledger")).status_code == 403


def test_exc_2_refund_page(client_for, people, approved_form, warehouse):
    form = approved_form(kind="return")
    services.receive_goods(
        actor=people["keeper"], request=form, warehouse=warehouse, inspection="unused"
    )
    finance = client_for(people["finance"])
    over = finance.post(
        reverse("exchanges:refund", args=[form.pk]), {"amount": "3600.01", "method": "cash"}
    )
    assert over.status_code == 400 and b"3600.00" in over.content
    assert not form.refunds.exists()
    ok = finance.post(
        reverse("exchanges:refund", args=[form.pk]), {"amount": "3600", "method": "transfer"}
    )
    assert ok.status_code == 302
    form.refresh_from_db()
    assert form.status == "done"
    assert (
        client_for(people["keeper"])
        .post(reverse("exchanges:refund", args=[form.pk]), {"amount": "1", "method": "cash"})
        .status_code
        == 403
    )


def test_exc_2_attachment_upload_checked_by_content(client_for, people, make_form):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.service.conftest import signature_png

    form = make_form(kind="return", purchase_proof="")
    c = client_for(people["salesperson"])
    bad = c.post(
        reverse("exchanges:attach", args=[form.pk]),
        {"file": SimpleUploadedFile("x.png", b"not an image"), "caption": "发票"},
    )
    assert bad.status_code == 400 and not form.attachments.exists()
    good = c.post(
        reverse("exchanges:attach", args=[form.pk]),
        {
            "file": SimpleUploadedFile("fapiao.png", signature_png()),
            "caption": "发票",
            "is_purchase_proof": "on",
        },
    )
    assert good.status_code == 302
    attachment = form.attachments.get()
    assert attachment.is_purchase_proof
    shown = c.get(reverse("exchanges:attachment", args=[form.pk, attachment.pk]))
    assert shown.status_code == 200
    assert (
        client_for(people["outsider"])
        .get(reverse("exchanges:attachment", args=[form.pk, attachment.pk]))
        .status_code
        == 403
    )


def test_exc_1_exc_5_pdf_shows_the_chain(client_for, people, approved_form):
    form = approved_form()
    response = client_for(people["salesperson"]).get(reverse("exchanges:pdf", args=[form.pk]))
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-", "-"], input=response.content, capture_output=True, check=True
        ).stdout.decode()
        assert "换货单" in text and form.number in text
        assert "区域" in text or "regional" in text.lower()
        assert "三包" in text


def test_list_filters(client_for, people, make_form):
    form = make_form()
    c = client_for(people["salesperson"])
    assert form.number.encode() in c.get(reverse("exchanges:list") + "?kind=exchange").content
    assert form.number.encode() not in c.get(reverse("exchanges:list") + "?kind=return").content
    assert form.number.encode() not in c.get(reverse("exchanges:list") + "?status=done").content
    assert form.number.encode() in c.get(reverse("exchanges:list") + "?unit=krf35").content
    assert client_for(people["technician"]).get(reverse("exchanges:list")).status_code == 403
