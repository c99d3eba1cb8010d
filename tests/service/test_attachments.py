"""Photos and attachments on a service order (REQ-2).

Files are judged by their content, never their name; they are stored under a name made
from the order number and served only through the order's reach check (403 outside it).
"""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from aftersales.audit.models import AuditEntry
from aftersales.core.exceptions import ServiceError
from aftersales.service import services
from aftersales.service.models import OrderAttachment
from tests.service.conftest import dispatched, signature_png

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, format="JPEG")
    return buffer.getvalue()


def attachment_audits(order):
    return AuditEntry.objects.filter(
        object_id=str(order.pk), action="service.order.attachment_added"
    )


@pytest.mark.parametrize(
    ("content", "name", "content_type", "ext"),
    [
        (signature_png(), "fault.png", "image/png", "png"),
        (jpeg(), "IMG_0001.JPG", "image/jpeg", "jpg"),
        (PDF, "invoice.pdf", "application/pdf", "pdf"),
    ],
)
def test_req_2_png_jpeg_and_pdf_are_kept_under_the_order_number(
    new_order, people, content, name, content_type, ext
):
    """REQ-2: an accepted file is stored as <number>-<n>.<ext>; its own name is text only."""
    order = new_order()
    added = services.add_attachment(
        actor=people["agent"], order=order, content=content, name=name, caption="故障照片"
    )
    assert added.content_type == content_type
    assert added.original_name == name
    assert added.size == len(content)
    assert added.file.name.rsplit("/", 1)[-1] == f"{order.number}-1.{ext}"
    assert added.file.read() == content
    assert attachment_audits(order).get().note == name


def test_req_2_the_stored_name_never_comes_from_the_user(new_order, people):
    order = new_order()
    added = services.add_attachment(
        actor=people["agent"], order=order, content=PDF, name="../../etc/passwd.pdf"
    )
    assert added.original_name == "passwd.pdf"
    assert ".." not in added.file.name
    second = services.add_attachment(actor=people["agent"], order=order, content=PDF, name="b")
    assert second.file.name.rsplit("/", 1)[-1] == f"{order.number}-2.pdf"


@pytest.mark.parametrize(
    "content",
    [b"just some text, not a photo", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", b""],
)
def test_req_2_a_file_is_judged_by_content_and_refusal_writes_nothing(new_order, people, content):
    """REQ-2: a .jpg that is really text is refused; no row, no file, no audit entry."""
    order = new_order()
    with pytest.raises(ServiceError) as exc:
        services.add_attachment(actor=people["agent"], order=order, content=content, name="a.jpg")
    assert "file" in exc.value.message_dict
    assert not OrderAttachment.objects.exists()
    assert not attachment_audits(order).exists()


def test_req_2_an_oversized_file_is_refused(new_order, people, settings, media_root):
    settings.AFTERSALES_ATTACHMENT_MAX_MB = 1
    order = new_order()
    with pytest.raises(ServiceError) as exc:
        services.add_attachment(
            actor=people["agent"], order=order, content=PDF + b"0" * (1024 * 1024), name="big.pdf"
        )
    assert "larger than 1 MB" in exc.value.message_dict["file"][0]
    assert not OrderAttachment.objects.exists()
    assert not attachment_audits(order).exists()
    assert not (media_root / "attachments").exists()


def test_req_2_an_order_keeps_at_most_20_files(new_order, people, monkeypatch):
    monkeypatch.setattr(services, "MAX_ATTACHMENTS", 2)
    order = new_order()
    for _ in range(2):
        services.add_attachment(actor=people["agent"], order=order, content=PDF, name="a.pdf")
    with pytest.raises(ServiceError):
        services.add_attachment(actor=people["agent"], order=order, content=PDF, name="c.pdf")
    assert order.attachments.count() == 2


def test_req_2_view_only_and_out_of_reach_people_may_not_add(new_order, people):
    """REQ-2: finance reads orders but adds nothing; another branch does not reach it."""
    order = new_order()
    for persona in ("finance", "outsider"):
        with pytest.raises(services.PermissionDenied):
            services.add_attachment(actor=people[persona], order=order, content=PDF, name="a.pdf")
    assert not OrderAttachment.objects.exists()


def test_req_2_the_orders_technician_may_add_photos(client_for, people, new_order):
    """REQ-2: the technician on site adds photos from the phone (several at once)."""
    order = dispatched(new_order(), people)
    resp = client_for(people["technician"]).post(
        f"/orders/{order.pk}/attachments/",
        {
            "files": [
                SimpleUploadedFile("p1.png", signature_png(), "image/png"),
                SimpleUploadedFile("p2.jpg", jpeg(), "image/jpeg"),
            ],
            "caption": "现场照片",
        },
    )
    assert resp.status_code == 302
    assert order.attachments.count() == 2
    assert set(order.attachments.values_list("uploaded_by", flat=True)) == {people["technician"].pk}
    page = client_for(people["technician"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="attachments"' in page
    assert f"/orders/{order.pk}/attachments/{order.attachments.first().pk}/" in page
    assert "现场照片" in page


def test_req_2_the_page_lists_refused_files_and_keeps_the_good_ones(client_for, people, new_order):
    order = new_order()
    resp = client_for(people["agent"]).post(
        f"/orders/{order.pk}/attachments/",
        {
            "files": [
                SimpleUploadedFile("ok.pdf", PDF, "application/pdf"),
                SimpleUploadedFile("fake.jpg", b"hello, I am text", "image/jpeg"),
            ]
        },
    )
    assert resp.status_code == 400
    errors = resp.content.decode()
    assert 'data-testid="attachment-errors"' in errors
    assert "fake.jpg" in errors
    assert list(order.attachments.values_list("original_name", flat=True)) == ["ok.pdf"]


def test_req_2_upload_is_refused_to_view_only_and_out_of_reach_people(
    client_for, people, new_order
):
    order = new_order()
    upload = {"files": [SimpleUploadedFile("a.pdf", PDF, "application/pdf")]}
    for persona in ("finance", "outsider"):
        resp = client_for(people[persona]).post(f"/orders/{order.pk}/attachments/", upload)
        assert resp.status_code == 403, persona
    assert not OrderAttachment.objects.exists()
    page = client_for(people["finance"]).get(f"/orders/{order.pk}/").content.decode()
    assert 'data-testid="attachment-form"' not in page


def test_req_2_the_file_is_served_inline_with_its_type_and_nosniff(client_for, people, new_order):
    order = new_order()
    added = services.add_attachment(
        actor=people["agent"], order=order, content=jpeg(), name="photo.jpg"
    )
    url = f"/orders/{order.pk}/attachments/{added.pk}/"
    resp = client_for(people["branch_manager"]).get(url)
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/jpeg"
    assert resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Content-Disposition"].startswith("inline")
    assert "no-cache" in resp["Cache-Control"]
    assert b"".join(resp.streaming_content) == jpeg()
    assert client_for(people["outsider"]).get(url).status_code == 403


def test_req_2_an_attachment_of_another_order_is_not_found(client_for, people, new_order):
    first, second = new_order(), new_order()
    added = services.add_attachment(actor=people["agent"], order=first, content=PDF, name="a")
    resp = client_for(people["agent"]).get(f"/orders/{second.pk}/attachments/{added.pk}/")
    assert resp.status_code == 404


def test_req_2_api_upload_and_list(api_for, people, new_order):
    """REQ-2: POST /api/orders/{id}/attachments/ (multipart) adds a file; GET lists them."""
    order = new_order()
    api = api_for(people["agent"])
    resp = api.post(
        f"/api/orders/{order.pk}/attachments/",
        {"file": SimpleUploadedFile("fault.png", signature_png(), "image/png"), "caption": "E3"},
        format="multipart",
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["content_type"] == "image/png"
    assert resp.json()["caption"] == "E3"
    listed = api.get(f"/api/orders/{order.pk}/attachments/").json()
    assert [a["original_name"] for a in listed] == ["fault.png"]
    assert listed[0]["url"] == f"/orders/{order.pk}/attachments/{listed[0]['id']}/"


def test_req_2_api_refuses_by_content_and_by_reach(api_for, people, new_order):
    order = new_order()
    fake = SimpleUploadedFile("fake.pdf", b"not a pdf", "application/pdf")
    resp = api_for(people["agent"]).post(
        f"/api/orders/{order.pk}/attachments/", {"file": fake}, format="multipart"
    )
    assert resp.status_code == 400
    assert "file" in resp.json()
    for persona in ("finance", "outsider"):
        ok = SimpleUploadedFile("a.pdf", PDF, "application/pdf")
        resp = api_for(people[persona]).post(
            f"/api/orders/{order.pk}/attachments/", {"file": ok}, format="multipart"
        )
        assert resp.status_code == 403, persona
    assert not OrderAttachment.objects.exists()


def test_req_2_attachments_are_in_the_api_schema(api_for, people):
    schema = api_for(people["admin"]).get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/orders/{id}/attachments/"]
    assert {"get", "post"} <= set(operations)
    assert "multipart/form-data" in operations["post"]["requestBody"]["content"]
