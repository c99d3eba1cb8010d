"""Uploads (issue 6 §4, REQ-2, SVC-3, SVC-4, FEE-2, EXC-1, ORG-3): every file a person can
send — order photos and PDFs, the completion signature and the scanned paper voucher, the
take-back signatures, the quotation's signature, the exchange form's evidence — is

* judged by its content, never its name or Content-Type: a ``.png`` that is really HTML,
  SVG or a program is refused, and so is a ``.pdf`` that is a page with a PDF header;
* size-capped with a clear form error or 400 (never a 500), bodies past Django's 10 MB
  limit included;
* stored under MEDIA_ROOT, outside the static files, and no URL under /static/ or
  /media/ serves it;
* served only through views that check reach: the Nanjing branch manager (another
  branch) gets 403, an anonymous visitor the login page.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import struct
import zlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from aftersales.core.exceptions import ServiceError
from aftersales.core.images import checked_image
from aftersales.service import services
from aftersales.service.models import OrderAttachment, ServiceOrder
from tests.fieldwork.conftest import on_site  # noqa: F401
from tests.service.conftest import (  # noqa: F401
    hz_customer,
    hz_unit,
    in_progress,
    new_order,
    signature_png,
)
from tests.service.test_views import intake_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MB = 1024 * 1024


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb() -> bytes:
    """A 100-byte PNG that claims 200 000 × 200 000 pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", 200_000, 200_000, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00"))
        + png_chunk(b"IEND", b"")
    )


def gif() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("P", (4, 4)).save(buffer, format="GIF")
    return buffer.getvalue()


# Files whose name and Content-Type say "image" or "PDF" but whose content is not one.
DISGUISED = {
    "html as png": b"<!doctype html><html><script>alert(document.cookie)</script></html>",
    "svg with script as png": (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(1)</script></svg>"
    ),
    "windows program as jpg": b"MZ\x90\x00\x03" + b"\x00" * 60 + b"This program cannot be run",
    "linux program as jpg": b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
    "zip as png": b"PK\x03\x04" + b"\x00" * 100,
    "gif as png": gif(),
    "png header then html": b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
    "jpeg header then html": b"\xff\xd8\xff\xe0<html><script>alert(1)</script></html>",
    "decompression bomb png": png_bomb(),
    "pdf header then html": b"%PDF-1.4\n<html><script>alert(1)</script></html>\n",
    "html as pdf": b"<html><body onload=alert(1)>invoice</body></html>",
    "empty": b"",
}
NAMES = {"pdf": ("scan.pdf", "application/pdf"), "jpg": ("IMG_0001.JPG", "image/jpeg")}


def disguise(label: str) -> tuple[str, str]:
    """The innocent name and type a disguised file is sent with."""
    for key, named in NAMES.items():
        if key in label.rsplit(" ", 1)[-1]:
            return named
    return "photo.png", "image/png"


def data_url(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode()


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- by content, never by name ----------------------------------------------------------------


@pytest.mark.parametrize("label", DISGUISED)
def test_req_2_the_checks_judge_by_content(label):
    """The two checks every upload goes through: attachments (PNG, JPEG, PDF) and images
    (PNG, JPEG: signatures, scans). Neither takes a disguised file."""
    content = DISGUISED[label]
    with pytest.raises(ServiceError):
        services.check_attachment(content, disguise(label)[0])
    errors: dict = {}
    assert checked_image(content, "signature", errors) is None
    assert errors or not content  # nothing sent is the caller's question, not an error


def test_req_2_the_real_kinds_pass_and_keep_their_own_extension():
    assert services.check_attachment(signature_png(), "x.pdf") == "png"
    assert services.check_attachment(jpeg(), "x.png") == "jpg"
    assert services.check_attachment(PDF, "x.png") == "pdf"
    assert checked_image(jpeg(), "signature", {}) == "jpg"


@pytest.mark.parametrize("label", [k for k in DISGUISED if k != "empty"])
def test_req_2_disguised_files_are_refused_on_every_path_and_nothing_is_kept(
    label,
    new_order,  # noqa: F811
    people,
    client_for,
    api_for,
):
    """The order page, the API and the intake form: a form error or 400 naming the file,
    no attachment row and no file on disk."""
    order = new_order()
    name, kind = disguise(label)
    content = DISGUISED[label]
    agent = client_for(people["agent"])

    page = agent.post(
        f"/orders/{order.pk}/attachments/",
        {"files": [SimpleUploadedFile(name, content, content_type=kind)]},
    )
    assert page.status_code in (200, 400) and name in page.content.decode()
    api = api_for(people["agent"]).post(
        f"/api/orders/{order.pk}/attachments/",
        {"file": SimpleUploadedFile(name, content, content_type=kind)},
        format="multipart",
    )
    assert api.status_code == 400 and "file" in api.json()
    intake = agent.post(
        "/orders/new/",
        intake_data(
            order.customer,
            order.unit,
            confirm_duplicate="on",
            attachments=[SimpleUploadedFile(name, content, content_type=kind)],
        ),
    )
    assert intake.status_code in (200, 400) and name in intake.content.decode()
    assert not OrderAttachment.objects.exists()
    assert ServiceOrder.objects.count() == 1
    assert stored_files() == []


@pytest.mark.parametrize("label", ["html as png", "svg with script as png", "pdf header then html"])
def test_svc_4_disguised_signatures_and_scans_are_refused(
    label,
    new_order,  # noqa: F811
    people,
    api_for,
):
    """SVC-4: the completion's drawn signature and the scanned paper voucher are images,
    judged by content: 400 on the field, the order still in progress, nothing on disk."""
    order = in_progress(new_order(), people)
    api = api_for(people["technician"])
    for field in ("signature", "paper_voucher"):
        response = api.post(
            f"/api/orders/{order.pk}/complete/",
            {"result": "修好了", "signer_name": "王经理", field: data_url(DISGUISED[label])},
            format="json",
        )
        assert response.status_code == 400 and field in response.json(), response.json()
    order.refresh_from_db()
    assert order.status == "in_progress" and not order.signature and not order.paper_voucher
    assert stored_files() == []


def test_svc_3_disguised_take_back_signatures_are_refused(on_site, people, api_for):  # noqa: F811
    """SVC-3: both signatures of a take-back are images, judged by content."""
    from aftersales.fieldwork.models import TakeBack

    html = data_url(DISGUISED["html as png"])
    response = api_for(people["technician"]).post(
        f"/api/fieldwork/orders/{on_site.pk}/take-backs/",
        {
            "items": "主控板 1 块",
            "condition": "完好",
            "technician_signature": html,
            "customer_signature": data_url(signature_png()),
            "signer_name": "王经理",
            "promised_return_on": (dt.date.today() + dt.timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 400 and "technician_signature" in response.json()
    assert not TakeBack.objects.exists() and stored_files() == []


def test_fee_2_a_disguised_quotation_signature_is_refused(quotation, people, api_for):
    """FEE-2: the customer's signature on a quotation is an image, judged by content."""
    response = api_for(people["technician"]).post(
        f"/api/quotations/{quotation.pk}/accept/",
        {
            "method": "signature",
            "signer_name": "王经理",
            "signature": data_url(DISGUISED["svg with script as png"]),
        },
        format="json",
    )
    assert response.status_code == 400 and "signature" in response.json()
    quotation.refresh_from_db()
    assert quotation.status == "pending" and not quotation.signature
    assert stored_files() == []


def test_exc_1_disguised_exchange_evidence_is_refused(exchange_form, people, client_for):
    """EXC-1: the exchange form's photos and scans go through the attachment check."""
    from aftersales.exchanges.models import ExchangeAttachment

    response = client_for(people["salesperson"]).post(
        f"/exchanges/{exchange_form.pk}/attachments/",
        {
            "file": SimpleUploadedFile("invoice.pdf", DISGUISED["html as pdf"], "application/pdf"),
            "caption": "发票",
        },
    )
    assert response.status_code in (200, 400)
    assert "invoice.pdf" in response.content.decode()
    assert not ExchangeAttachment.objects.exists() and stored_files() == []


# --- size caps -------------------------------------------------------------------------------


def test_req_2_an_attachment_over_the_limit_is_a_clear_error_not_a_500(
    new_order,  # noqa: F811
    people,
    client_for,
    api_for,
):
    """REQ-2: a real image padded past AFTERSALES_ATTACHMENT_MAX_MB (10): the page lists it
    as refused, the API answers 400 naming the limit. Nothing kept."""
    order = new_order()
    big = signature_png() + b"\x00" * (10 * MB + 1)
    page = client_for(people["agent"]).post(
        f"/orders/{order.pk}/attachments/",
        {"files": [SimpleUploadedFile("big.png", big, content_type="image/png")]},
    )
    assert page.status_code in (200, 400) and "10 MB" in page.content.decode()
    api = api_for(people["agent"]).post(
        f"/api/orders/{order.pk}/attachments/",
        {"file": SimpleUploadedFile("big.png", big, content_type="image/png")},
        format="multipart",
    )
    assert api.status_code == 400 and "10 MB" in str(api.json())
    assert not OrderAttachment.objects.exists() and stored_files() == []


def test_svc_4_an_oversized_signature_is_refused_as_image_text_or_body(
    new_order,  # noqa: F811
    people,
    api_for,
    client_for,
):
    """A signature image over 5 MB: 400 on the field. As text past the 8 MB data-URL cap:
    400. A form body past Django's 10 MB limit (DATA_UPLOAD_MAX_MEMORY_SIZE): 400."""
    order = in_progress(new_order(), people)
    api = api_for(people["technician"])
    for signature in (
        data_url(signature_png() + b"\x00" * (5 * MB + 1)),  # a readable image, too big
        "data:image/png;base64," + "A" * (9 * MB),  # past the text cap
    ):
        response = api.post(
            f"/api/orders/{order.pk}/complete/",
            {"result": "修好了", "signer_name": "王经理", "signature": signature},
            format="json",
        )
        assert response.status_code == 400 and "signature" in response.json()
    page = client_for(people["technician"]).post(
        f"/orders/{order.pk}/complete/",
        {
            "result": "修好了",
            "signer_name": "王经理",
            "signature": "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
        },
    )
    assert page.status_code == 400
    order.refresh_from_db()
    assert order.status == "in_progress" and stored_files() == []


# --- where files live and who may fetch them ----------------------------------------------------


def test_req_2_uploads_live_outside_the_static_files_by_default():
    """MEDIA_ROOT of the shipped settings is beside STATIC_ROOT (both in the data
    directory), never inside it, the static source folders or the code; MEDIA_URL maps to
    no view."""
    import aftersales.settings as shipped

    media = Path(shipped.MEDIA_ROOT).resolve()
    for web_root in [shipped.STATIC_ROOT, *shipped.STATICFILES_DIRS, shipped.BASE_DIR]:
        assert not media.is_relative_to(Path(web_root).resolve()), web_root
    assert not Path(shipped.STATIC_ROOT).resolve().is_relative_to(media)
    assert getattr(shipped, "MEDIA_URL", "") in ("", "/")


@pytest.fixture
def quotation(new_order, people):  # noqa: F811
    """A paid order with labour, quoted and waiting for the customer's acceptance."""
    from aftersales.charges import quotes
    from aftersales.parts.models import LabourRate

    LabourRate.objects.create(
        code="GS-H",
        name="维修工时",
        basis="hour",
        rate=Decimal("80.00"),
        effective_from=dt.date.today() - dt.timedelta(days=30),
    )
    order = in_progress(new_order(unit=None), people)
    quotes.add_labour(actor=people["technician"], order=order, rate_code="GS-H", quantity="1")
    return quotes.make_quotation(actor=people["technician"], order=order)


@pytest.fixture
def exchange_form(people, hz_unit):  # noqa: F811
    """An exchange form (draft) of the Hangzhou salesperson for the Hangzhou unit."""
    from aftersales.exchanges import services as exchanges
    from aftersales.service.models import FaultType

    hz_unit.sale_date = dt.date.today() - dt.timedelta(days=5)
    hz_unit.save(update_fields=["sale_date"])
    return exchanges.create_request(
        actor=people["salesperson"],
        kind="exchange",
        customer=hz_unit.owner,
        unit=hz_unit,
        fault_type=FaultType.objects.create(code="F-01", name="不制热", performance_fault=True),
        reason="机组运行五天后压缩机不启动，显示 E5，重启无效，客户要求换货。",
        purchase_date=hz_unit.sale_date,
        purchase_price=Decimal("3600.00"),
        purchase_proof="发票 No. 04412345",
    )


@pytest.fixture
def every_stored_file(new_order, people, on_site, quotation, exchange_form):  # noqa: F811
    """One stored file of each kind, all of the Hangzhou branch: (URL, stored name)."""
    from aftersales.charges import quotes
    from aftersales.exchanges import services as exchanges
    from aftersales.fieldwork import services as fieldwork

    tech = people["technician"]
    order = in_progress(new_order(), people)
    attachment = services.add_attachment(
        actor=people["agent"], order=order, content=PDF, name="invoice.pdf"
    )
    order = services.complete_order(
        actor=tech,
        order=order,
        result="修好了",
        signature=signature_png(),
        signer_name="王经理",
        paper_voucher=jpeg(),
    )
    take_back = fieldwork.record_take_back(
        actor=tech,
        order=on_site,
        items="主控板 1 块",
        condition="完好",
        technician_signature=signature_png(),
        customer_signature=signature_png(),
        signer_name="王经理",
        promised_return_on=dt.date.today() + dt.timedelta(days=5),
    )
    accepted = quotes.accept_quotation(
        actor=tech,
        quotation=quotation,
        method="signature",
        signer_name="王经理",
        signature=signature_png(),
    )
    evidence = exchanges.add_attachment(
        actor=people["salesperson"],
        request=exchange_form,
        content=jpeg(),
        name="photo.jpg",
        caption="铭牌",
        is_purchase_proof=False,
    )
    return [
        (f"/orders/{order.pk}/attachments/{attachment.pk}/", attachment.file.name),
        (f"/orders/{order.pk}/signature/", order.signature.name),
        (f"/orders/{order.pk}/paper-voucher/", order.paper_voucher.name),
        (f"/fieldwork/take-backs/{take_back.pk}/signature/technician/", ""),
        (f"/fieldwork/take-backs/{take_back.pk}/signature/customer/", ""),
        (f"/charges/quotations/{accepted.pk}/signature/", accepted.signature.name),
        (f"/exchanges/{exchange_form.pk}/attachments/{evidence.pk}/", evidence.file.name),
    ]


def test_org_3_stored_files_are_served_only_through_views_that_check_reach(
    every_stored_file, people, client_for
):
    """ORG-3: the branch's own people get the file with its type and nosniff; the Nanjing
    branch manager gets 403, an anonymous visitor the login page; no static or media URL
    serves the stored file."""
    own = {
        "agent": client_for(people["agent"]),
        "salesperson": client_for(people["salesperson"]),
    }
    outsider = client_for(people["outsider"])
    anonymous = Client()
    for url, name in every_stored_file:
        reader = own["salesperson"] if url.startswith("/exchanges/") else own["agent"]
        response = reader.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] in ("image/png", "image/jpeg", "application/pdf"), url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert outsider.get(url).status_code == 403, url
        login = anonymous.get(url)
        assert login.status_code == 302 and "/accounts/login/" in login["Location"], url
        if name:
            assert (Path(settings.MEDIA_ROOT) / name).is_file()
            for public_url in (f"/static/{name}", f"/media/{name}", f"/{name}"):
                assert anonymous.get(public_url).status_code == 404, public_url
                assert reader.get(public_url).status_code == 404, public_url
