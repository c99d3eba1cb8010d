"""Completion (SVC-4, PRD-3): the customer's signature or signed paper voucher, the
customer's comments, and the line on the unit's warranty card."""

import io

import pytest
from PIL import Image

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.core.images import MAX_IMAGE_BYTES
from aftersales.products.models import UnitServiceRecord
from aftersales.service import services
from aftersales.service.models import ServiceOrder, Status
from tests.service.conftest import in_progress, signature_data_url, signature_png

pytestmark = pytest.mark.django_db


def jpeg_scan() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (400, 560), "white").save(buffer, format="JPEG")
    return buffer.getvalue()


def _nothing_written(order):
    fresh = ServiceOrder.objects.get(pk=order.pk)
    assert fresh.status == Status.IN_PROGRESS
    assert not fresh.signature and not fresh.paper_voucher and not fresh.signed_at
    assert not UnitServiceRecord.objects.filter(reference=order.number).exists()
    assert not AuditEntry.objects.filter(action="service.order.completed").exists()


def test_svc_4_signature_signer_time_and_comments_are_kept(new_order, people):
    """SVC-4: the drawn signature is stored as an image with the signer's name and time."""
    order = in_progress(new_order(), people)
    done = services.complete_order(
        actor=people["technician"],
        order=order,
        result="更换温度传感器",
        signature=signature_png(),
        signer_name="王经理",
        customer_comments="师傅很耐心",
    )
    done.refresh_from_db()
    assert done.status == Status.COMPLETED
    assert done.signer_name == "王经理"
    assert done.signed_at == done.completed_at
    assert done.customer_comments == "师傅很耐心"
    assert done.signature.name.endswith(f"/{done.number}-signature.png")
    with done.signature.open("rb") as stored:
        assert stored.read() == signature_png()


def test_prd_3_completion_writes_the_warranty_card_line(new_order, people, hz_unit):
    """PRD-3: the unit's warranty card gets the date, content and order number."""
    order = in_progress(new_order(), people)
    services.complete_order(
        actor=people["technician"],
        order=order,
        result="更换温度传感器",
        signature=signature_png(),
        signer_name="王经理",
    )
    line = UnitServiceRecord.objects.get(unit=hz_unit)
    assert line.content == "更换温度传感器"
    assert line.reference == order.number


def test_svc_4_a_scanned_paper_voucher_is_enough(new_order, people):
    """SVC-4: where the customer signed on paper, the scan stands for the signature."""
    order = in_progress(new_order(), people)
    done = services.complete_order(
        actor=people["technician"], order=order, result="已修好", paper_voucher=jpeg_scan()
    )
    assert done.paper_voucher.name.endswith(f"/{done.number}-voucher.jpg")
    assert not done.signature


def test_svc_4_completion_without_signature_or_voucher_is_refused(new_order, people):
    """SVC-4: no completion without the customer's signature; nothing is written."""
    order = in_progress(new_order(), people)
    with pytest.raises(ServiceError) as exc:
        services.complete_order(actor=people["technician"], order=order, result="已修好")
    assert "signature" in exc.value.message_dict
    _nothing_written(order)


@pytest.mark.parametrize(
    "content",
    [b"not an image at all", b"%PDF-1.4 pretending", b"GIF89a" + b"\x00" * 40],
    ids=["text", "pdf", "gif"],
)
def test_svc_4_a_signature_that_is_no_png_or_jpeg_is_refused(new_order, people, content):
    """SVC-4: the image is judged by its content, not its name; nothing is written."""
    order = in_progress(new_order(), people)
    with pytest.raises(ServiceError) as exc:
        services.complete_order(
            actor=people["technician"],
            order=order,
            result="已修好",
            signature=content,
            signer_name="王经理",
        )
    assert "signature" in exc.value.message_dict
    _nothing_written(order)


def test_svc_4_a_signature_needs_the_signers_name(new_order, people):
    order = in_progress(new_order(), people)
    with pytest.raises(ServiceError) as exc:
        services.complete_order(
            actor=people["technician"], order=order, result="已修好", signature=signature_png()
        )
    assert "signer_name" in exc.value.message_dict
    _nothing_written(order)


def test_svc_4_an_oversized_voucher_is_refused(new_order, people):
    order = in_progress(new_order(), people)
    huge = jpeg_scan() + b"\x00" * (MAX_IMAGE_BYTES + 1)
    with pytest.raises(ServiceError) as exc:
        services.complete_order(
            actor=people["technician"], order=order, result="已修好", paper_voucher=huge
        )
    assert "paper_voucher" in exc.value.message_dict
    _nothing_written(order)


def test_svc_4_the_page_without_a_signature_shows_the_error(client_for, new_order, people):
    order = in_progress(new_order(), people)
    resp = client_for(people["technician"]).post(
        f"/orders/{order.pk}/complete/", {"result": "已修好", "signer_name": "王经理"}
    )
    assert resp.status_code == 200
    assert "draw the signature" in resp.content.decode()
    _nothing_written(order)


def test_svc_4_the_page_takes_an_uploaded_paper_voucher(client_for, new_order, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = in_progress(new_order(), people)
    scan = SimpleUploadedFile("voucher.jpg", jpeg_scan(), content_type="image/jpeg")
    resp = client_for(people["technician"]).post(
        f"/orders/{order.pk}/complete/", {"result": "已修好", "paper_voucher": scan}
    )
    assert resp.status_code == 302
    assert ServiceOrder.objects.get(pk=order.pk).paper_voucher


def test_svc_4_the_api_refuses_a_signature_that_is_not_base64(api_for, new_order, people):
    order = in_progress(new_order(), people)
    resp = api_for(people["technician"]).post(
        f"/api/orders/{order.pk}/complete/",
        {"result": "已修好", "signature": "data:image/png;base64,@@@", "signer_name": "王"},
        format="json",
    )
    assert resp.status_code == 400
    assert "signature" in resp.data
    _nothing_written(order)


def test_svc_4_the_api_completes_with_a_data_url(api_for, new_order, people):
    order = in_progress(new_order(), people)
    resp = api_for(people["technician"]).post(
        f"/api/orders/{order.pk}/complete/",
        {"result": "已修好", "signature": signature_data_url(), "signer_name": "王经理"},
        format="json",
    )
    assert resp.status_code == 200, resp.data
    assert resp.data["status"] == "completed"
