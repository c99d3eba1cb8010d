"""Photos and attachments sent with the request on the intake form (REQ-2).

The files are checked like any attachment (the service's one check, by content and size)
before anything is written; the order and its files are then kept together or not at all.
"""

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.customers.models import Customer
from aftersales.service import services
from aftersales.service.models import OrderAttachment, ServiceOrder
from tests.service.test_views import intake_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, format="PNG")
    return buffer.getvalue()


def stored_files(media_root) -> list:
    return [p for p in media_root.rglob("*") if p.is_file()]


def order_audits():
    return AuditEntry.objects.filter(action__startswith="service.order.")


def nothing_written(media_root) -> None:
    assert not ServiceOrder.objects.exists()
    assert not OrderAttachment.objects.exists()
    assert not order_audits().exists()
    assert stored_files(media_root) == []


def post_intake(client, customer, unit, files):
    return client.post("/orders/new/", {**intake_data(customer, unit), "attachments": files})


def test_req_2_the_intake_form_offers_several_files_without_forcing_the_camera(
    client_for, people, hz_customer
):
    """REQ-2: a multipart form with a multiple file input for photos and PDF files."""
    html = client_for(people["agent"]).get(f"/orders/new/?customer={hz_customer.pk}")
    html = html.content.decode()
    assert 'enctype="multipart/form-data"' in html
    field = html[html.index('name="attachments"') - 200 : html.index('name="attachments"') + 200]
    assert 'type="file"' in field
    assert "multiple" in field
    assert 'accept="application/pdf,image/jpeg,image/png"' in field
    assert "capture" not in field
    assert "at most 10 MB each and 20 per order" in html


def test_req_2_intake_with_a_photo_and_a_pdf_keeps_both_with_the_order(
    client_for, people, hz_customer, hz_unit, media_root
):
    """REQ-2: the request is recorded with its photos and files, each in the history."""
    resp = post_intake(
        client_for(people["agent"]),
        hz_customer,
        hz_unit,
        [
            SimpleUploadedFile("fault.png", png(), "image/png"),
            SimpleUploadedFile("invoice.pdf", PDF, "application/pdf"),
        ],
    )
    order = ServiceOrder.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == f"/orders/{order.pk}/"
    attachments = list(order.attachments.all())
    assert [(a.original_name, a.content_type) for a in attachments] == [
        ("fault.png", "image/png"),
        ("invoice.pdf", "application/pdf"),
    ]
    assert {a.uploaded_by for a in attachments} == {people["agent"]}
    assert [a.file.name.rsplit("/", 1)[-1] for a in attachments] == [
        f"{order.number}-1.png",
        f"{order.number}-2.pdf",
    ]
    assert attachments[1].file.read() == PDF
    audits = order_audits().filter(object_id=str(order.pk))
    assert list(audits.order_by("pk").values_list("action", "note")) == [
        ("service.order.received", ""),
        ("service.order.attachment_added", "fault.png"),
        ("service.order.attachment_added", "invoice.pdf"),
    ]
    assert len(stored_files(media_root)) == 2


def test_req_2_intake_without_files_still_records_the_order(
    client_for, people, hz_customer, hz_unit
):
    resp = client_for(people["agent"]).post("/orders/new/", intake_data(hz_customer, hz_unit))
    assert resp.status_code == 302
    assert ServiceOrder.objects.get().attachments.count() == 0


def test_req_2_a_text_file_named_png_is_a_form_error_and_nothing_is_written(
    client_for, people, hz_customer, hz_unit, media_root
):
    """REQ-2: judged by content: the form names the refused file; no order, no file."""
    resp = post_intake(
        client_for(people["agent"]),
        hz_customer,
        hz_unit,
        [
            SimpleUploadedFile("ok.pdf", PDF, "application/pdf"),
            SimpleUploadedFile("photo.png", b"just some text, not a photo", "image/png"),
        ],
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["attachments"] == [
        "photo.png is not a PNG or JPEG image or a PDF."
    ]
    html = resp.content.decode()
    assert "photo.png is not a PNG or JPEG image or a PDF." in html
    assert 'data-testid="attach-again"' in html  # the browser forgot the chosen files
    nothing_written(media_root)


def test_req_2_an_oversized_file_is_a_form_error_and_nothing_is_written(
    client_for, people, hz_customer, hz_unit, settings, media_root
):
    settings.AFTERSALES_ATTACHMENT_MAX_MB = 1
    resp = post_intake(
        client_for(people["agent"]),
        hz_customer,
        hz_unit,
        [
            SimpleUploadedFile("fault.png", png(), "image/png"),
            SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), "application/pdf"),
        ],
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["attachments"] == ["big.pdf is larger than 1 MB."]
    nothing_written(media_root)


def test_req_2_an_empty_file_is_a_form_error_naming_it(
    client_for, people, hz_customer, hz_unit, media_root
):
    resp = post_intake(
        client_for(people["agent"]),
        hz_customer,
        hz_unit,
        [SimpleUploadedFile("empty.jpg", b"", "image/jpeg")],
    )
    assert resp.status_code == 200
    [error] = resp.context["form"].errors["attachments"]
    assert error.startswith("empty.jpg: ")
    nothing_written(media_root)


def test_req_2_more_files_than_an_order_keeps_is_a_form_error(
    client_for, people, hz_customer, hz_unit, monkeypatch, media_root
):
    monkeypatch.setattr(services, "MAX_ATTACHMENTS", 1)
    resp = post_intake(
        client_for(people["agent"]),
        hz_customer,
        hz_unit,
        [
            SimpleUploadedFile("a.pdf", PDF, "application/pdf"),
            SimpleUploadedFile("b.pdf", PDF, "application/pdf"),
        ],
    )
    assert resp.status_code == 200
    assert resp.context["form"].errors["attachments"] == [
        "An order keeps at most 1 photos and files."
    ]
    nothing_written(media_root)


def _fail_on_second(real):
    """A stand-in for the audit's ``record`` that fails on the second file's entry."""
    calls = []

    def wrapped(obj, action, **kwargs):
        if action == "service.order.attachment_added":
            calls.append(action)
            if len(calls) == 2:
                raise RuntimeError("disk full")
        return real(obj, action, **kwargs)

    return wrapped


@pytest.mark.parametrize("where", ["row", "audit"])
def test_req_2_a_failure_storing_the_second_file_keeps_nothing(
    people, hz_customer, hz_unit, media_root, where
):
    """REQ-2: the order and its files are one transaction: when the second file cannot be
    kept (its row or its history entry fails), no order, no first file, no history entry
    and no stored file remain."""
    if where == "row":
        real_save = OrderAttachment.save
        count = []

        def save(self, *args, **kwargs):
            count.append(1)
            if len(count) == 2:
                raise RuntimeError("disk full")
            return real_save(self, *args, **kwargs)

        patch = mock.patch.object(OrderAttachment, "save", save)
    else:
        patch = mock.patch.object(services, "record", _fail_on_second(services.record))
    with patch, pytest.raises(RuntimeError, match="disk full"):
        services.receive_order(
            actor=people["agent"],
            customer=hz_customer,
            unit=hz_unit,
            order_type="repair",
            channel="phone",
            description="热水器不制热，显示 E3 故障码",
            attachments=[("fault.png", png()), ("invoice.pdf", PDF)],
        )
    nothing_written(media_root)


def test_req_2_files_for_an_order_out_of_the_persons_reach_are_refused_whole(
    people, org, hz_unit, media_root
):
    """REQ-2, ORG-3: a salesperson may record a request for a customer of the region that
    another branch owns, but could not add files to that order: with files, nothing is
    recorded and the files field says why."""
    customer = Customer.objects.create(
        code="C-NJ-009",
        name="南京客户",
        kind="end_user",
        entity="person",
        phone="13800009999",
        owner_unit=org["units"]["BR-NJ"],
        region=org["regions"]["EAST-ZJ"],
    )
    with pytest.raises(ServiceError) as exc:
        services.receive_order(
            actor=people["salesperson"],
            customer=customer,
            order_type="repair",
            channel="salesperson",
            description="不制热",
            attachments=[("fault.png", png())],
        )
    assert "outside your reach" in exc.value.message_dict["attachments"][0]
    nothing_written(media_root)


def test_req_2_the_order_page_upload_uses_the_same_check(people, new_order):
    """REQ-2: one check of size and content for every way in."""
    assert services.check_attachment(png(), "a.png") == "png"
    assert services.check_attachment(PDF, "a.pdf") == "pdf"
    with pytest.raises(ServiceError) as exc:
        services.check_attachment(b"text", "a.png")
    assert exc.value.message_dict == {"file": ["a.png is not a PNG or JPEG image or a PDF."]}
    with mock.patch.object(services, "check_attachment", side_effect=ServiceError({"file": "no"})):
        with pytest.raises(ServiceError):
            services.add_attachment(
                actor=people["agent"], order=new_order(), content=PDF, name="a.pdf"
            )
    assert not OrderAttachment.objects.exists()
