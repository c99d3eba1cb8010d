"""The printable service voucher and the stored signature files (SVC-4).

Uploaded files live outside the web root; they are served only by views that check the
order is within the reader's reach, like the order page (403 outside it).
"""

import re
import shutil
import subprocess

import pytest

from aftersales.service import services
from aftersales.service.voucher import render_voucher
from tests.service.conftest import in_progress, signature_png

pytestmark = pytest.mark.django_db

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as a reader sees it (poppler's pdftotext)."""
    done = subprocess.run(
        [PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return done.stdout.decode()


def completed(order, people, **signature):
    order = in_progress(order, people)
    return services.complete_order(
        actor=people["technician"],
        order=order,
        result="更换温度传感器，试机正常",
        customer_comments="师傅很耐心",
        **signature,
    )


def test_svc_4_an_open_order_prints_as_a_work_sheet_to_sign(new_order):
    """SVC-4: before completion the voucher is a sheet to take along, without a signature."""
    # given
    order = new_order()
    # when
    pdf = render_voucher(order)
    # then
    assert pdf.startswith(b"%PDF")
    assert b"STSong-Light" in pdf
    assert b"/Subtype /Image" not in pdf
    if PDFTOTEXT:
        text = pdf_text(pdf)
        assert order.number in text
        assert "售后服务单" in text
        assert "热水器不制热" in text
        assert "KRF35-0001" in text
    else:
        assert order.number.encode() in pdf  # the PDF's title in its metadata


def test_svc_4_a_signed_voucher_embeds_the_signature_with_signer_and_comments(
    new_order, people, signed
):
    """SVC-4: the completed voucher carries the drawn signature, the signer and comments."""
    # given
    order = completed(new_order(), people, **signed)
    # when
    pdf = render_voucher(order)
    # then
    assert pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf
    if PDFTOTEXT:
        text = pdf_text(pdf)
        assert order.number in text
        assert "王经理" in text
        assert "师傅很耐心" in text
        assert "更换温度传感器" in text


def test_svc_4_a_paper_signed_voucher_says_the_scan_is_on_file(new_order, people):
    """SVC-4: signed on paper: the printed voucher points to the archived scan."""
    order = completed(new_order(), people, paper_voucher=signature_png())
    pdf = render_voucher(order)
    assert b"/Subtype /Image" not in pdf
    if PDFTOTEXT:
        assert "paper voucher" in pdf_text(pdf)


def test_svc_4_long_chinese_text_runs_onto_more_pages(new_order):
    """SVC-4: a long fault description wraps and continues on the next page."""
    order = new_order(description="热水器不制热，显示 E3 故障码。" * 400)
    pdf = render_voucher(order)
    assert len(re.findall(rb"/Type /Page(?!s)", pdf)) > 1


def test_svc_4_the_voucher_view_sends_the_pdf_inline(client_for, people, new_order):
    """SVC-4: the order page's print button opens the voucher PDF named after the order."""
    order = new_order()
    resp = client_for(people["agent"]).get(f"/orders/{order.pk}/voucher.pdf")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "application/pdf"
    assert resp["Content-Disposition"] == f'inline; filename="{order.number}.pdf"'
    assert b"".join(resp.streaming_content).startswith(b"%PDF")


def test_svc_4_the_signature_view_returns_the_stored_png(client_for, people, new_order, signed):
    """SVC-4: the archived signature is served as it was stored."""
    order = completed(new_order(), people, **signed)
    resp = client_for(people["branch_manager"]).get(f"/orders/{order.pk}/signature/")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content) == signature_png()


def test_svc_4_the_paper_voucher_view_returns_the_scan(client_for, people, new_order):
    order = completed(new_order(), people, paper_voucher=signature_png())
    resp = client_for(people["agent"]).get(f"/orders/{order.pk}/paper-voucher/")
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/png"
    assert b"".join(resp.streaming_content) == signature_png()


def test_svc_4_a_missing_file_is_404(client_for, people, new_order, signed):
    """A drawn signature means no paper voucher; an open order has neither."""
    client = client_for(people["agent"])
    done = completed(new_order(), people, **signed)
    assert client.get(f"/orders/{done.pk}/paper-voucher/").status_code == 404
    still_open = new_order()
    assert client.get(f"/orders/{still_open.pk}/signature/").status_code == 404
    assert client.get("/orders/999999/voucher.pdf").status_code == 404


def test_svc_4_a_stored_file_gone_from_disk_is_404(client_for, people, new_order, signed):
    order = completed(new_order(), people, **signed)
    order.signature.storage.delete(order.signature.name)
    resp = client_for(people["agent"]).get(f"/orders/{order.pk}/signature/")
    assert resp.status_code == 404


def test_org_3_outsider_cannot_fetch_the_voucher_or_the_signature(
    client_for, people, new_order, signed
):
    """ORG-3, SVC-4: outside reach the files answer 403, as the order page does."""
    # given
    order = completed(new_order(), people, **signed)
    client = client_for(people["outsider"])
    # when / then
    assert client.get(f"/orders/{order.pk}/").status_code == 403
    for path in ("voucher.pdf", "signature/", "paper-voucher/"):
        resp = client.get(f"/orders/{order.pk}/{path}")
        assert resp.status_code == 403, path
        assert not getattr(resp, "streaming", False)


def test_the_files_need_a_login(client, new_order):
    order = new_order()
    resp = client.get(f"/orders/{order.pk}/voucher.pdf")
    assert resp.status_code == 302
    assert "login" in resp["Location"]


def test_svc_4_the_order_page_offers_the_voucher_and_shows_the_signature(
    client_for, people, new_order, signed
):
    """SVC-4: print button always; the signature block once the customer has signed."""
    client = client_for(people["agent"])
    still_open = new_order()
    page = client.get(f"/orders/{still_open.pk}/").content.decode()
    assert f"/orders/{still_open.pk}/voucher.pdf" in page
    assert 'data-testid="customer-signature"' not in page

    order = completed(new_order(), people, **signed)
    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="customer-signature"' in page
    assert f'src="/orders/{order.pk}/signature/"' in page
    assert "王经理" in page
    assert "师傅很耐心" in page


def test_svc_4_a_paper_signed_order_links_the_scan(client_for, people, new_order):
    order = completed(new_order(), people, paper_voucher=signature_png())
    page = client_for(people["agent"]).get(f"/orders/{order.pk}/").content.decode()
    assert f'href="/orders/{order.pk}/paper-voucher/"' in page
    assert f"/orders/{order.pk}/signature/" not in page
